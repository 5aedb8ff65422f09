"""FAXGATE_SIP_* read into the SIP carrier's settings: defaults, the endpoint they make,
and one line naming the variable for each bad value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faxgate.carriers.sip.endpoint import SipEndpoint
from faxgate.carriers.sip.settings import SipSettings, T38Mode
from faxgate.config import Settings

TRUNK = {"FAXGATE_SIP_PROXY": "trunk.example.net"}


def sip_settings(**env: str) -> SipSettings:
    values = {f"FAXGATE_SIP_{name.upper()}": value for name, value in env.items()}
    return SipSettings.from_settings(Settings.from_env(TRUNK | values))


def fault(**env: str) -> str:
    with pytest.raises(ValueError) as caught:
        sip_settings(**env)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_the_defaults_with_a_proxy() -> None:
    sip = sip_settings()
    assert (sip.listen_host, sip.listen_port) == ("0.0.0.0", 5060)
    assert sip.proxy == ("trunk.example.net", 5060)
    assert sip.domain == "trunk.example.net"
    assert sip.transport == "udp"
    assert sip.number_format == "e164"
    assert sip.t38 is T38Mode.REINVITE
    assert sip.rtp_ports == (40000, 49999) and sip.rtp_port_spec == "40000-49999"
    assert (sip.channels, sip.ring_secs) == (32, 60.0)
    assert (sip.user, sip.password, sip.register, sip.public_host) == (None, None, False, None)


def test_every_setting_is_read() -> None:
    sip = sip_settings(
        listen="127.0.0.1:0",
        proxy="10.0.0.1:5080",
        domain="sip.example.net",
        transport="TCP",
        public_address="203.0.113.7",
        user="faxgate",
        password="s3cret",
        register="true",
        number_format="00",
        t38="direct",
        rtp_ports="30000-30019",
        channels="5",
        ring_secs="25.5",
    )
    assert sip.endpoint() == SipEndpoint(
        listen_host="127.0.0.1",
        listen_port=0,
        proxy=("10.0.0.1", 5080),
        domain="sip.example.net",
        transport="tcp",
        public_host="203.0.113.7",
        user="faxgate",
        password="s3cret",
        register=True,
    )
    assert (sip.number_format, sip.t38, sip.rtp_ports) == ("00", T38Mode.DIRECT, (30000, 30019))
    assert (sip.channels, sip.ring_secs) == (5, 25.5)
    assert "s3cret" not in repr(sip) and "s3cret" not in repr(sip.endpoint())


def test_ipv6_addresses_are_written_in_brackets() -> None:
    sip = sip_settings(listen="[::1]:5070", proxy="[2001:db8::1]")
    assert (sip.listen_host, sip.listen_port) == ("::1", 5070)
    assert sip.proxy == ("2001:db8::1", 5060)
    assert sip.domain == "[2001:db8::1]"


def test_no_proxy_needs_a_domain() -> None:
    settings = Settings.from_env({"FAXGATE_SIP_DOMAIN": "sip.example.net"})
    assert SipSettings.from_settings(settings).proxy is None
    with pytest.raises(ValueError, match=r"^FAXGATE_SIP_DOMAIN: needed when FAXGATE_SIP_PROXY"):
        SipSettings.from_settings(Settings())


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"listen": "127.0.0.1"}, "FAXGATE_SIP_LISTEN: '127.0.0.1': no port: write host:port"),
        ({"listen": "127.0.0.1:70000"}, "FAXGATE_SIP_LISTEN: '127.0.0.1:70000': the port is"),
        ({"listen": "::1:5060"}, "FAXGATE_SIP_LISTEN: '::1:5060': an IPv6 address is written"),
        ({"listen": "bad host:5060"}, "FAXGATE_SIP_LISTEN: 'bad host:5060': not a host name"),
        ({"proxy": "trunk:x"}, "FAXGATE_SIP_PROXY: 'trunk:x': the port is not a number"),
        ({"proxy": "trunk:0"}, "FAXGATE_SIP_PROXY: 'trunk:0': port 0 cannot be reached"),
        ({"proxy": "[::1"}, "FAXGATE_SIP_PROXY: '[::1': an IPv6 address is written"),
        ({"proxy": "300.1.1.1"}, "FAXGATE_SIP_PROXY: '300.1.1.1': not a host name"),
        ({"domain": "a/b"}, "FAXGATE_SIP_DOMAIN: 'a/b': not a host name or IP address"),
        ({"transport": "tls"}, "FAXGATE_SIP_TRANSPORT: 'tls': udp or tcp"),
        ({"public_address": "x y"}, "FAXGATE_SIP_PUBLIC_ADDRESS: 'x y': not a host name"),
        ({"number_format": "+49"}, "FAXGATE_SIP_NUMBER_FORMAT: '+49': e164, digits or 00"),
        ({"t38": "yes"}, "FAXGATE_SIP_T38: 'yes': reinvite, direct or off"),
        ({"rtp_ports": "40000"}, "FAXGATE_SIP_RTP_PORTS: port range '40000' is not LOW-HIGH"),
        (
            {"rtp_ports": "50000-40000"},
            "FAXGATE_SIP_RTP_PORTS: port range '50000-40000': need 1024",
        ),
        ({"rtp_ports": "80-90"}, "FAXGATE_SIP_RTP_PORTS: port range '80-90': need 1024"),
        ({"rtp_ports": "40000-40009"}, "FAXGATE_SIP_RTP_PORTS: '40000-40009': 5 even ports, too"),
        ({"channels": "0"}, "FAXGATE_SIP_CHANNELS: 0: at least 1 call is needed"),
        ({"ring_secs": "0"}, "FAXGATE_SIP_RING_SECS: 0.0: must be over 0 s"),
        ({"ring_secs": "nan"}, "FAXGATE_SIP_RING_SECS: nan: must be over 0 s"),
        ({"user": "faxgate"}, "FAXGATE_SIP_USER, FAXGATE_SIP_PASSWORD: set both"),
        ({"password": "pw"}, "FAXGATE_SIP_USER, FAXGATE_SIP_PASSWORD: set both"),
        ({"register": "1"}, "FAXGATE_SIP_REGISTER: registering needs FAXGATE_SIP_PROXY and"),
    ],
)
def test_each_bad_value_is_named_in_one_line(env: dict[str, str], message: str) -> None:
    assert fault(**env).startswith(message)


def test_registering_needs_a_proxy() -> None:
    env = {"FAXGATE_SIP_DOMAIN": "d.example", "FAXGATE_SIP_USER": "u", "FAXGATE_SIP_PASSWORD": "p"}
    with pytest.raises(ValueError, match=r"^FAXGATE_SIP_REGISTER: registering needs"):
        SipSettings.from_settings(Settings.from_env(env | {"FAXGATE_SIP_REGISTER": "1"}))


def test_a_long_bad_value_is_shown_shortened() -> None:
    message = fault(transport="x" * 10_000)
    assert message.startswith("FAXGATE_SIP_TRANSPORT: 'xxx") and len(message) < 120


def test_the_password_is_never_shown() -> None:
    assert "hunter2" not in fault(password="hunter2")


@given(st.text(max_size=300))
def test_any_listen_value_is_read_or_refused_in_one_line(text: str) -> None:
    try:
        sip = sip_settings(listen=text)
    except ValueError as exc:
        assert str(exc).startswith("FAXGATE_SIP_LISTEN: ") and "\n" not in str(exc)
    else:
        assert 0 <= sip.listen_port <= 65535 and sip.listen_host
