"""T.38 in SDP: real-world offers parsed, answers negotiated, our own offer round-tripped."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faxgate.carriers.sip.t38_sdp import (
    ErrorCorrection,
    RateManagement,
    T38Media,
    T38Params,
    T38SdpError,
    media_lines,
    negotiate,
    parse_t38_media,
)

# Asterisk's re-INVITE to T.38 (res_pjsip_t38 / chan_sip), written from its sources.
ASTERISK = """v=0
o=- 1712043300 1712043302 IN IP4 192.0.2.10
s=Asterisk
c=IN IP4 192.0.2.10
t=0 0
m=image 4390 udptl t38
a=T38FaxVersion:0
a=T38MaxBitRate:14400
a=T38FaxRateManagement:transferredTCF
a=T38FaxMaxDatagram:400
a=T38FaxUdpEC:t38UDPRedundancy
"""

# FreeSWITCH (mod_spandsp via sofia) re-INVITE, audio put down in the same offer.
FREESWITCH = """v=0\r
o=FreeSWITCH 1368525440 1368525442 IN IP4 198.51.100.5\r
s=FreeSWITCH\r
c=IN IP4 198.51.100.5\r
t=0 0\r
m=audio 0 RTP/AVP 0\r
m=image 20142 udptl t38\r
a=T38FaxVersion:0\r
a=T38MaxBitRate:14400\r
a=T38FaxFillBitRemoval\r
a=T38FaxRateManagement:transferredTCF\r
a=T38FaxMaxBuffer:2000\r
a=T38FaxMaxDatagram:400\r
a=T38FaxUdpEC:t38UDPRedundancy\r
"""

# A Cisco IOS gateway: flags written as :0, the media on its own address.
CISCO = """v=0
o=CiscoSystemsSIP-GW-UserAgent 1783 6937 IN IP4 203.0.113.7
s=SIP Call
c=IN IP4 203.0.113.7
t=0 0
m=image 16516 udptl t38
c=IN IP4 203.0.113.8
a=T38FaxVersion:0
a=T38MaxBitRate:9600
a=T38FaxFillBitRemoval:0
a=T38FaxTranscodingMMR:0
a=T38FaxTranscodingJBIG:0
a=T38FaxRateManagement:transferredTCF
a=T38FaxMaxBuffer:200
a=T38FaxMaxDatagram:320
"""

# An AudioCodes-style SBC offering T.38 version 3 with FEC next to G.711, names in its own
# case, a vendor attribute we do not know.
AUDIOCODES = """v=0
o=AudiocodesGW 1965230 1965100 IN IP4 2001:db8::5
s=Phone-Call
c=IN IP6 2001:db8::5
t=0 0
m=audio 6010 RTP/AVP 8 0 101
a=rtpmap:8 PCMA/8000
a=ptime:20
m=image 6012 UDPTL T38
a=t38faxversion:3
a=t38maxbitrate:33600
a=T38FAXRATEMANAGEMENT:TRANSFERREDTCF
a=T38FaxMaxDatagram:560
a=T38FaxUdpEC:t38UDPFEC
a=T38FaxUdpECDepth:1:2
a=T38VendorInfo:0 0 0
"""

OURS = T38Params(max_buffer=1800, max_datagram=400, error_correction=ErrorCorrection.REDUNDANCY)


@pytest.mark.parametrize(
    ("sdp", "expected"),
    [
        pytest.param(
            ASTERISK,
            T38Media(
                4390,
                "192.0.2.10",
                T38Params(max_datagram=400, error_correction=ErrorCorrection.REDUNDANCY),
            ),
            id="asterisk",
        ),
        pytest.param(
            FREESWITCH,
            T38Media(
                20142,
                "198.51.100.5",
                T38Params(
                    max_buffer=2000,
                    max_datagram=400,
                    error_correction=ErrorCorrection.REDUNDANCY,
                    fill_bit_removal=True,
                ),
            ),
            id="freeswitch",
        ),
        pytest.param(
            CISCO,
            T38Media(
                16516, "203.0.113.8", T38Params(max_bit_rate=9600, max_buffer=200, max_datagram=320)
            ),
            id="cisco",
        ),
        pytest.param(
            AUDIOCODES,
            T38Media(
                6012,
                "2001:db8::5",
                T38Params(
                    version=3,
                    max_bit_rate=33600,
                    max_datagram=560,
                    error_correction=ErrorCorrection.FEC,
                ),
            ),
            id="audiocodes",
        ),
    ],
)
def test_real_world_offers(sdp: str, expected: T38Media) -> None:
    assert parse_t38_media(sdp) == expected


@pytest.mark.parametrize(
    ("sdp", "answer"),
    [
        (
            ASTERISK,
            T38Params(
                max_buffer=1800, max_datagram=400, error_correction=ErrorCorrection.REDUNDANCY
            ),
        ),
        (
            FREESWITCH,
            T38Params(
                max_buffer=1800, max_datagram=400, error_correction=ErrorCorrection.REDUNDANCY
            ),
        ),
        (CISCO, T38Params(max_bit_rate=9600, max_buffer=1800, max_datagram=320)),
        (
            AUDIOCODES,
            T38Params(
                max_buffer=1800, max_datagram=400, error_correction=ErrorCorrection.REDUNDANCY
            ),
        ),
    ],
    ids=["asterisk", "freeswitch", "cisco", "audiocodes"],
)
def test_our_answer(sdp: str, answer: T38Params) -> None:
    offer = parse_t38_media(sdp)
    assert offer is not None
    assert negotiate(OURS, offer.params) == answer


def test_the_answer_takes_the_offerers_rate_management_and_the_shared_flags() -> None:
    ours = T38Params(version=2, fill_bit_removal=True, transcoding_mmr=True)
    offer = T38Params(
        version=1,
        rate_management=RateManagement.LOCAL_TCF,
        fill_bit_removal=True,
        transcoding_jbig=True,
    )
    answer = negotiate(ours, offer)
    assert (answer.version, answer.rate_management) == (1, RateManagement.LOCAL_TCF)
    assert (answer.fill_bit_removal, answer.transcoding_mmr, answer.transcoding_jbig) == (
        True,
        False,
        False,
    )
    assert answer.max_datagram is None  # neither side limits it


def test_offers_without_usable_t38_give_none() -> None:
    audio_only = "v=0\nc=IN IP4 192.0.2.1\nm=audio 4000 RTP/AVP 0 8\n"
    declined = "v=0\nc=IN IP4 192.0.2.1\nm=image 0 udptl t38\na=T38FaxVersion:0\n"
    over_tcp = "v=0\nc=IN IP4 192.0.2.1\nm=image 4000 tcp t38\n"
    for sdp in (audio_only, declined, over_tcp, ""):
        assert parse_t38_media(sdp) is None


def test_attributes_of_other_media_do_not_leak_in() -> None:
    sdp = (
        "v=0\nc=IN IP4 192.0.2.1\nm=audio 4000 RTP/AVP 0\nc=IN IP4 192.0.2.99\n"
        "a=T38FaxVersion:9\nm=image 5000 udptl t38\na=T38FaxVersion:1\n"
        "m=audio 0 RTP/AVP 0\na=T38FaxVersion:bad\n"
    )
    assert parse_t38_media(sdp) == T38Media(5000, "192.0.2.1", T38Params(version=1))


@pytest.mark.parametrize(
    ("line", "fault"),
    [
        ("a=T38FaxVersion:x", "T38FaxVersion: 'x' is not a number in 0..3"),
        ("a=T38FaxVersion:4", "T38FaxVersion: '4' is not a number in 0..3"),
        ("a=T38MaxBitRate:99999", "T38MaxBitRate: '99999'"),
        ("a=T38MaxBitRate:" + "9" * 5000, "T38MaxBitRate: '999"),
        ("a=T38FaxMaxDatagram:0", "T38FaxMaxDatagram: '0' is not a number in 1..65535"),
        ("a=T38FaxMaxBuffer:-1", "T38FaxMaxBuffer: '-1'"),
        ("a=T38FaxUdpEC:sometimes", "T38FaxUdpEC: 'sometimes' is not one of t38UDPNoEC"),
        ("a=T38FaxRateManagement:remoteTCF", "T38FaxRateManagement: 'remoteTCF'"),
        ("a=T38FaxFillBitRemoval:yes", "T38FaxFillBitRemoval: 'yes' is not a flag"),
        ("c=IN IP4", "connection line 'c=IN IP4'"),
    ],
)
def test_bad_values_name_the_attribute(line: str, fault: str) -> None:
    sdp = f"v=0\nc=IN IP4 192.0.2.1\nm=image 4000 udptl t38\n{line}\n"
    with pytest.raises(T38SdpError, match=fault.replace("(", r"\(")):
        parse_t38_media(sdp)


def test_bad_port_and_oversized_body() -> None:
    with pytest.raises(T38SdpError, match="m=image port: '70000'"):
        parse_t38_media("m=image 70000 udptl t38\n")
    with pytest.raises(T38SdpError, match="SDP body of 20000 characters"):
        parse_t38_media("a" * 20000)


params = st.builds(
    T38Params,
    version=st.integers(0, 3),
    max_bit_rate=st.sampled_from([2400, 4800, 7200, 9600, 12000, 14400, 33600]),
    rate_management=st.sampled_from(RateManagement),
    max_buffer=st.none() | st.integers(1, 65535),
    max_datagram=st.none() | st.integers(1, 65535),
    error_correction=st.sampled_from(ErrorCorrection),
    fill_bit_removal=st.booleans(),
    transcoding_mmr=st.booleans(),
    transcoding_jbig=st.booleans(),
)


@given(st.integers(1, 65535), params)
def test_our_offer_round_trips(port: int, offer: T38Params) -> None:
    sdp = "\r\n".join(["v=0", "c=IN IP4 127.0.0.1", "t=0 0", *media_lines(port, offer)])
    assert parse_t38_media(sdp) == T38Media(port, "127.0.0.1", offer)


@given(params, params)
def test_negotiation_never_exceeds_either_side(ours: T38Params, offer: T38Params) -> None:
    answer = negotiate(ours, offer)
    assert answer.version == min(ours.version, offer.version)
    assert answer.max_bit_rate == min(ours.max_bit_rate, offer.max_bit_rate)
    for limit in (ours.max_datagram, offer.max_datagram):
        assert limit is None or (answer.max_datagram is not None and answer.max_datagram <= limit)
    assert answer.error_correction in (ErrorCorrection.NONE, ErrorCorrection.REDUNDANCY)


line_starts = st.sampled_from(
    [
        "m=image 4000 udptl t38",
        "m=image ",
        "m=",
        "c=",
        "c=IN IP4 ",
        "a=T38FaxVersion:",
        "a=T38MaxBitRate:",
        "a=T38FaxMaxDatagram:",
        "a=T38FaxUdpEC:",
        "a=T38FaxRateManagement:",
        "a=T38FaxFillBitRemoval:",
        "a=",
        "",
    ]
)


@given(st.lists(st.tuples(line_starts, st.text(max_size=12)), max_size=20))
def test_garbled_sdp_gives_media_none_or_the_typed_error(lines: list[tuple[str, str]]) -> None:
    sdp = "\n".join(start + rest for start, rest in lines)
    try:
        media = parse_t38_media(sdp)
    except T38SdpError:
        return
    assert media is None or 1 <= media.port <= 65535
