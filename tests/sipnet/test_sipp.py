"""Every sipp scenario of the carrier tests, played against another through Kamailio, so
the far ends are known to behave before our user agent meets them."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from tests.sipnet.kamailio import Trunk, kamailio
from tests.sipnet.sipp import (
    AUDIO_PCMU_SDP,
    RINGING,
    T38_SDP,
    VIDEO_ONLY_SDP,
    SippResult,
    header,
    reinvite_values,
    sipp_uac,
    sipp_uas,
)

DOMAIN = "trunk.test"
CALLER = ("caller", "caller-pw")
NUMBER = "4930123456"


def _call_through_trunk(
    callee_scenario: str,
    callee_values: Mapping[str, object],
    caller_scenario: str,
    caller_values: Mapping[str, object],
) -> tuple[SippResult, SippResult]:
    """One call from a sipp caller through Kamailio (a static route) to a sipp callee:
    (caller's result, callee's result)."""
    with (
        sipp_uas(callee_scenario, callee_values) as callee,
        kamailio(users=dict([CALLER]), routes={NUMBER: callee.address}, domain=DOMAIN) as trunk,
    ):
        calling = _caller(trunk, caller_scenario, caller_values)
        answered = callee.wait()
    assert calling.succeeded, calling.output + calling.messages
    assert answered.succeeded, answered.output + answered.messages
    return calling, answered


def _caller(trunk: Trunk, scenario: str, values: Mapping[str, object]) -> SippResult:
    common = {"DOMAIN": DOMAIN, "FROM_USER": "4940555", "SDP": AUDIO_PCMU_SDP}
    with sipp_uac(
        scenario,
        trunk.address,
        common | dict(values),
        service=NUMBER,
        user=CALLER[0],
        password=CALLER[1],
    ) as caller:
        return caller.wait()


@pytest.mark.parametrize(
    ("code", "reason", "ringing"),
    [(486, "Busy Here", RINGING), (404, "Not Found", ""), (480, "Temporarily Unavailable", "")],
)
def test_a_callee_answers_with_a_final_code(code: int, reason: str, ringing: str) -> None:
    calling, _ = _call_through_trunk(
        "uas_reject.xml",
        {"CODE": code, "REASON": reason, "RINGING": ringing},
        "uac_rejected.xml",
        {"CODE": code},
    )
    final = calling.first(f"SIP/2.0 {code}")
    assert final.startswith(f"SIP/2.0 {code} {reason}")
    assert bool(calling.received("SIP/2.0 180")) == bool(ringing)


def test_a_callees_503_reaches_the_caller_as_500() -> None:
    # A proxy does not pass 503 on (RFC 3261 16.7): the trunk's own failure is meant.
    calling, _ = _call_through_trunk(
        "uas_reject.xml",
        {"CODE": 503, "REASON": "Service Unavailable", "RINGING": ""},
        "uac_rejected.xml",
        {"CODE": 500},
    )
    assert calling.received("SIP/2.0 500")


def test_a_caller_offering_only_video_is_refused_488() -> None:
    _, answered = _call_through_trunk(
        "uas_reject.xml",
        {"CODE": 488, "REASON": "Not Acceptable Here", "RINGING": ""},
        "uac_rejected.xml",
        {"CODE": 488, "SDP": VIDEO_ONLY_SDP},
    )
    invite = answered.first("INVITE")
    assert "m=video" in invite and "m=audio" not in invite


def test_a_callee_that_never_answers_is_cancelled() -> None:
    calling, answered = _call_through_trunk("uas_no_answer.xml", {}, "uac_cancel.xml", {})
    assert answered.received("CANCEL")
    terminated = calling.first("SIP/2.0 487")
    # it came back along the INVITE's Vias, not the proxy's CANCEL's (which has only its own)
    assert header(terminated, "Via").startswith("SIP/2.0/UDP 127.0.0.1:")


def test_a_silent_callee_stays_on_the_line_until_the_callers_bye() -> None:
    calling, answered = _call_through_trunk(
        "uas_answer_silent.xml", {}, "uac_answered.xml", {"HOLD_MS": 300}
    )
    answer = calling.first("SIP/2.0 200", "m=audio")  # the 200 to the INVITE
    assert "RTP/AVP 0" in answer and "PCMU/8000" in answer
    assert answered.received("BYE")


@pytest.mark.parametrize(
    ("scenario", "values"),
    [("uas_answer_silent.xml", {}), ("uas_answer_bye.xml", {"HANGUP_MS": 20_000})],
)
def test_an_answering_person_refuses_a_switch_to_t38(
    scenario: str, values: dict[str, object]
) -> None:
    calling, answered = _call_through_trunk(
        scenario, values, "uac_reinvite.xml", reinvite_values(T38_SDP, 488)
    )
    reinvite = answered.first("INVITE", "m=image")
    assert "udptl t38" in reinvite and header(reinvite, "CSeq") == "3 INVITE"
    assert calling.received("SIP/2.0 488")
    assert answered.received("BYE")  # the caller's, before the callee would hang up


def test_a_callee_hangs_up_after_answering() -> None:
    calling, answered = _call_through_trunk(
        "uas_answer_bye.xml", {"HANGUP_MS": 300}, "uac_answered.xml", {"HOLD_MS": 20_000}
    )
    bye = calling.first("BYE")
    assert f"sip:{NUMBER}@{DOMAIN}" in header(bye, "From")
    assert "SIPpTag01" in header(bye, "From")  # the callee's own tag
    assert answered.received("SIP/2.0 200")
    assert not answered.received("BYE")


@pytest.mark.parametrize(
    ("callee_hangs_up", "hold_ms", "hangup_ms"), [(True, 20_000, 300), (False, 300, 20_000)]
)
def test_a_callee_switching_to_t38_is_refused_by_a_caller_who_is_a_person(
    callee_hangs_up: bool, hold_ms: int, hangup_ms: int
) -> None:
    calling, answered = _call_through_trunk(
        "uas_answer_reinvite.xml",
        {"HANGUP_MS": hangup_ms} | reinvite_values(T38_SDP, 488),
        "uac_answered.xml",
        {"HOLD_MS": hold_ms},
    )
    reinvite = calling.first("INVITE", "m=image")
    assert "udptl t38" in reinvite
    assert answered.received("SIP/2.0 488")
    assert bool(calling.received("BYE")) is callee_hangs_up
    assert bool(answered.received("BYE")) is not callee_hangs_up
