"""What a real `faxgate serve` on the SIP carrier makes of a far end that does not take the fax.

The trunk is a real sipp answering as the scenario says (no Kamailio: no registration, no
digest). Each case checks the report's final status and the attempt history: one call per
attempt, each with the SIP answers it got, and as many attempts as the retry rules give
(FAXGATE_RETRY_NO_CONNECT_ATTEMPTS=2: a call that never reached a fax machine is dialled
once more; FAXGATE_RETRY_MID_FAX_ATTEMPTS=2: so is a fax that broke off; a permanent
failure is dialled once).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.documents import job
from tests.e2e.conftest import FaxgateServer, ServerFactory
from tests.e2e.final import final_report
from tests.sipnet.sipp import RINGING, Sipp, _run

pytestmark = pytest.mark.parametrize("db_url", [None])  # the line, not the database, is tested

NUMBER = "+4930555999"
RING_SECS = 3
RETRIES = {
    "FAXGATE_RETRY_BACKOFF_SECS": "0.1",
    "FAXGATE_RETRY_NO_CONNECT_ATTEMPTS": "2",
    "FAXGATE_RETRY_MID_FAX_ATTEMPTS": "2",
}


@contextmanager
def far_end(scenario: str, values: Mapping[str, object], calls: int) -> Iterator[Sipp]:
    """A sipp callee taking `calls` calls (the later -m wins over the harness's -m 1)."""
    with _run(scenario, ["-m", str(calls)], 60.0, values) as running:
        yield running


def sip_server(factory: ServerFactory, trunk: tuple[str, int], **env: str) -> FaxgateServer:
    return factory(
        FAXGATE_CARRIER="sip",
        FAXGATE_SIP_LISTEN="127.0.0.1:0",
        FAXGATE_SIP_PROXY=f"{trunk[0]}:{trunk[1]}",
        FAXGATE_SIP_RING_SECS=str(RING_SECS),
        **RETRIES,
        **env,
    )


def send(server: FaxgateServer, pages: int = 1) -> str:
    with server.client() as client:
        sent = client.post(server.fax_url(), json=job(NUMBER, pages=pages))
    assert sent.status_code == 201, sent.text
    job_id: str = sent.json()["jobId"]
    return job_id


def attempts(server: FaxgateServer, job_id: str) -> list[dict[str, Any]]:
    with server.client() as client:
        detail = client.get(f"{server.url}/faxgate/v1/jobs/{job_id}").json()
    calls: list[dict[str, Any]] = detail["attempts"]
    return calls


def reject(code: int, reason: str) -> dict[str, object]:
    return {"CODE": code, "REASON": reason, "RINGING": RINGING}


@dataclass(frozen=True)
class Case:
    scenario: str
    values: dict[str, object]
    status: str  # the report's final status
    finals: list[int]  # the final SIP answer of each call, one call per attempt
    cancelled: bool = False  # our CANCEL ended each call
    reason: str = ""  # in the report's reason
    extra: dict[str, str] = field(default_factory=dict)


CASES = {
    "busy": Case("uas_reject.xml", reject(486, "Busy Here"), "BUSY", [486, 486], reason="486"),
    "not_found": Case("uas_reject.xml", reject(404, "Not Found"), "WRONG_NO", [404]),
    "unavailable": Case(
        "uas_reject.xml", reject(480, "Temporarily Unavailable"), "RING_TO", [480, 480]
    ),
    "server_failure": Case(
        "uas_reject.xml", reject(503, "Service Unavailable"), "DIAL_GF", [503, 503]
    ),
    "no_answer": Case(
        "uas_no_answer.xml", {}, "RING_TO", [487, 487], cancelled=True, reason="cancelled"
    ),
    # Answered by no fax machine, which hangs up after 4 s (T.30 would wait 35 s for its
    # T1): NOFAX, not dialled again. sipp cannot answer a re-INVITE: G.711 only.
    "silent_hangup": Case(
        "uas_answer_bye.xml",
        {"HANGUP_MS": 4000},
        "NOFAX",
        [200],
        reason="no fax signal",
        extra={"FAXGATE_SIP_T38": "off"},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_far_end_without_fax_ends_with_its_status_and_the_retries_of_the_rules(
    faxgate_factory: ServerFactory, name: str
) -> None:
    case = CASES[name]
    with far_end(case.scenario, case.values, calls=len(case.finals)) as trunk:
        server = sip_server(faxgate_factory, trunk.address, **case.extra)
        job_id = send(server)
        report = final_report(server, job_id, within=60)
        result = trunk.wait(20)
    assert result.succeeded, result.output
    [recipient] = report["recipientStatus"]
    assert recipient["status"] == case.status, report
    assert case.reason in recipient["reason"], report
    calls = attempts(server, job_id)
    assert [c["status"] for c in calls] == [case.status] * len(case.finals), calls
    for call, final in zip(calls, case.finals, strict=True):
        details = call["details"]
        assert details["route"] == "trunk"
        [invite] = details["sip"]["invites"]
        assert invite["final"] == final
        if final == 200:  # answered, then the far end hung up without a fax tone
            assert details["completionCode"] == "T30_ERR_CALLDROPPED"
            assert details["sip"]["bye"] == "theirs"
            assert details["media"] == "g711" and call["pagesSent"] == 0
            continue
        assert details["completionCode"] == f"SIP_{final}"
        assert invite["cancelled"] is case.cancelled
        assert 180 in invite["provisional"]
    assert len(result.received("INVITE")) == len(case.finals)
    if case.cancelled:
        assert len(result.received("CANCEL")) == len(case.finals)
        assert len(result.received("ACK")) == len(case.finals)  # for each 487
