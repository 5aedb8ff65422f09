"""The Kamailio trunk of the network tests, proven with sipp: registration with digest
auth, an INVITE to an aliased number relayed to the registered callee, a static route."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.sipnet.kamailio import Trunk, kamailio
from tests.sipnet.sipp import (
    AUDIO_PCMU_SDP,
    SippResult,
    Transport,
    header,
    register,
    sipp_uac,
    sipp_uas,
)

DOMAIN = "trunk.test"
USERS = {"gateway": "gw:secret\\", "caller": "caller-pw"}
NUMBER = "4930123456"


def test_invite_to_an_aliased_number_reaches_the_registered_callee() -> None:
    with (
        kamailio(users=USERS, aliases={NUMBER: "gateway"}, domain=DOMAIN) as trunk,
        sipp_uas("uas_answer_silent.xml") as callee,
    ):
        registration = register(trunk.address, DOMAIN, "gateway", USERS["gateway"], callee.port)
        calling = _call(trunk, "uac_answered.xml", {"HOLD_MS": 200})
        answered = callee.wait()
    assert registration.received("SIP/2.0 401")  # challenged before it was accepted
    assert calling.succeeded, calling.output
    assert answered.succeeded, answered.output
    assert calling.received("SIP/2.0 407")  # the INVITE was challenged
    invite = answered.first("INVITE")
    assert invite.startswith(f"INVITE sip:gateway@127.0.0.1:{callee.port};transport=UDP ")
    assert f"sip:{NUMBER}@{DOMAIN}" in header(invite, "To")
    assert f"127.0.0.1:{trunk.port}" in header(invite, "Record-Route")
    bye = answered.first("BYE")  # the caller's BYE came along the recorded route
    assert bye.startswith(f"BYE sip:127.0.0.1:{callee.port}")


def test_registration_and_calls_over_tcp() -> None:
    with (
        kamailio(users=USERS, aliases={NUMBER: "gateway"}, domain=DOMAIN) as trunk,
        sipp_uas("uas_answer_silent.xml", transport="tcp") as callee,
    ):
        register(trunk.address, DOMAIN, "gateway", USERS["gateway"], callee.port, transport="tcp")
        calling = _call(trunk, "uac_answered.xml", {"HOLD_MS": 100}, transport="tcp")
        answered = callee.wait()
    assert calling.succeeded, calling.output
    assert answered.succeeded, answered.output
    invite = answered.first("INVITE")
    assert header(invite, "Via").startswith("SIP/2.0/TCP 127.0.0.1:")


def test_a_static_route_keeps_the_number_in_the_request_uri() -> None:
    with (
        sipp_uas("uas_reject.xml", {"CODE": 486, "REASON": "Busy Here", "RINGING": ""}) as callee,
        kamailio(users=USERS, routes={NUMBER: callee.address}, domain=DOMAIN) as trunk,
    ):
        calling = _call(trunk, "uac_rejected.xml", {"CODE": 486})
        answered = callee.wait()
    assert calling.succeeded, calling.output
    assert answered.succeeded, answered.output
    invite = answered.first("INVITE")
    assert invite.startswith(f"INVITE sip:{NUMBER}@{DOMAIN} SIP/2.0")


def test_an_unregistered_number_is_answered_480() -> None:
    with kamailio(users=USERS, aliases={NUMBER: "gateway"}, domain=DOMAIN) as trunk:
        calling = _call(trunk, "uac_rejected.xml", {"CODE": 480})
    assert calling.succeeded, calling.output


def test_a_wrong_password_is_challenged_again() -> None:
    with kamailio(users=USERS, domain=DOMAIN) as trunk:
        calling = _call(trunk, "uac_rejected.xml", {"CODE": 407}, password="wrong")
    assert calling.succeeded, calling.output
    assert len(calling.received("SIP/2.0 407")) >= 2


def test_a_failing_block_shows_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(RuntimeError, match="inside"), kamailio(users=USERS) as trunk:
        register(trunk.address, trunk.domain, "gateway", USERS["gateway"], 9)
        raise RuntimeError("inside")
    shown = capsys.readouterr().err
    assert "--- Kamailio log" in shown
    assert f"REGISTER sip:{trunk.domain} from udp:127.0.0.1:" in shown


def test_an_address_as_the_domain_is_refused() -> None:
    with (
        pytest.raises(ValueError, match=r"domain '127\.0\.0\.1': give a name"),
        kamailio(domain="127.0.0.1"),
    ):
        pass


def _call(
    trunk: Trunk,
    scenario: str,
    values: dict[str, object],
    *,
    password: str = USERS["caller"],
    transport: Transport = "udp",
) -> SippResult:
    common = {"DOMAIN": DOMAIN, "FROM_USER": "4940555", "SDP": AUDIO_PCMU_SDP}
    with sipp_uac(
        scenario,
        trunk.address,
        common | values,
        service=NUMBER,
        user="caller",
        password=password,
        transport=transport,
    ) as caller:
        return caller.wait()


def test_kamailio_ends_when_the_test_process_is_killed() -> None:
    script = (
        "import sys, time\n"
        "from tests.sipnet.kamailio import kamailio\n"
        "with kamailio() as trunk:\n"
        "    print(trunk.log_path.parent, flush=True)\n"
        "    time.sleep(60)\n"
    )
    test = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert test.stdout is not None
    workdir = test.stdout.readline().strip()
    assert _running(workdir)
    test.kill()
    test.wait(10)
    deadline = time.monotonic() + 10
    while _running(workdir) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(workdir)


def _running(workdir: str) -> bool:
    """Whether a Kamailio with its configuration in `workdir` runs."""
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if f"{workdir}/kamailio.cfg".encode() in command:
            return True
    return False
