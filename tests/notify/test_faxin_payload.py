"""The inbound push body (spec §10), built without I/O: Retarus's field names, every value a
string, the PDF in base64, and the Authentication block only for HTTP Basic."""

from __future__ import annotations

import base64
import json

from hypothesis import given
from hypothesis import strategies as st

from faxgate.domain.faxin import FaxSource, ReceivedFax
from faxgate.domain.notification import FaxInSnapshot, PushTarget
from faxgate.domain.report_options import PushAuth
from faxgate.domain.statuses import FaxStatus
from faxgate.notify.faxin_payload import CONTENT_TYPE, date_received, faxin_body

FAX_ID = "FI0MX61N90WDC1TLHJCVWA"


def _snapshot(**changes: object) -> FaxInSnapshot:
    fields: dict[str, object] = {
        "called_number": "0049305550100",
        "calling_number": "",
        "remote_csid": "Büro München",
        "local_csid": "faxgate",
        "pages": 1,
        "fine": False,
        "bit_rate": None,
        "duration_secs": 9.6,
        "status": FaxStatus.NO_TRAIN,
        "reason": "training failed",
        "received_at": 1794152288.75,
        "source": FaxSource.GATEWAY,
    } | changes
    return FaxInSnapshot(FAX_ID, "99999TE", "sales", ReceivedFax(**fields))  # type: ignore[arg-type]


def test_the_body_of_a_partial_fax_without_auth() -> None:
    body = faxin_body(_snapshot(), PushTarget("https://h.example/in"), b"%PDF-1.4 fax")
    fax = json.loads(body.decode("utf-8"))["Fax"]
    assert list(fax) == ["FaxDetails", "FaxFile"]
    details = fax["FaxDetails"]
    assert details["JobID"] == FAX_ID
    assert details["DateReceived"] == "2026-11-08T15:38:08+0000"
    assert (details["CallingNumber"], details["RemoteCSID"]) == ("", "Büro München")
    assert (details["Resolution"], details["BaudRate"], details["TotalDuration"]) == (
        "LOW",
        "",
        "10",
    )
    assert (details["PageCount"], details["Status"]) == ("1", "NO_TRAIN")
    assert all(isinstance(v, str) for k, v in details.items() if k != "ArchivedUntil")
    assert details["ArchivedUntil"] is None
    assert fax["FaxFile"] == [
        {
            "FileType": "pdf",
            "FileName": f"{FAX_ID}.pdf",
            "FileContent": base64.b64encode(b"%PDF-1.4 fax").decode(),
        }
    ]
    assert "Büro München".encode() in body  # UTF-8, as the content type says
    assert CONTENT_TYPE == "application/json; charset=UTF-8"


def test_http_basic_puts_the_credentials_in_the_authentication_block() -> None:
    target = PushTarget("https://h.example/in", PushAuth.HTTP_BASIC, "user", "pa:ss")
    fax = json.loads(faxin_body(_snapshot(), target, b"%PDF"))["Fax"]
    assert list(fax) == ["Authentication", "FaxDetails", "FaxFile"]
    assert fax["Authentication"] == {
        "AuthenticationMethod": "UserPassword",
        "Username": "user",
        "Password": "pa:ss",
    }


@given(st.floats(min_value=0, max_value=4e9, allow_nan=False))
def test_date_received_is_utc_to_the_second(at: float) -> None:
    text = date_received(at)
    assert len(text) == 24 and text.endswith("+0000") and text[10] == "T"
