"""T.30 completion codes → Fax4A statuses."""

from __future__ import annotations

import pytest

from faxgate.domain import t30
from faxgate.domain.statuses import FaxStatus, is_final


def test_the_enum_has_every_0_0_6_code_in_order() -> None:
    names = t30.T30_ERR_NAMES
    assert len(names) == 62  # T30_ERR_OK .. T30_ERR_CSA_UNACCEPTABLE
    assert len(set(names)) == len(names)
    assert names[0] == "T30_ERR_OK"
    assert names[3] == "T30_ERR_T1_EXPIRED"
    assert names[21] == "T30_ERR_TX_PHDDEAD"
    assert names[49] == "T30_ERR_CALLDROPPED"
    assert names[-1] == "T30_ERR_CSA_UNACCEPTABLE"


@pytest.mark.parametrize("code", range(62))
def test_every_code_maps_to_a_final_status_and_a_reason(code: int) -> None:
    result = t30.classify(code)
    assert result.code == code
    assert result.name == t30.T30_ERR_NAMES[code]
    assert is_final(result.status)
    assert result.reason
    assert (result.status is FaxStatus.OK) == (code == 0)


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("T30_ERR_OK", FaxStatus.OK),
        ("T30_ERR_T0_EXPIRED", FaxStatus.NOFAX_TO),
        ("T30_ERR_T1_EXPIRED", FaxStatus.NOFAX_TO),
        ("T30_ERR_CEDTONE", FaxStatus.NOFAX),
        ("T30_ERR_CANNOT_TRAIN", FaxStatus.NO_TRAIN),
        ("T30_ERR_TX_PHBDEAD", FaxStatus.NO_TRAIN),
        ("T30_ERR_TX_GOTDCN", FaxStatus.NO_REMOTEINFO),
        ("T30_ERR_TX_PHDDEAD", FaxStatus.PAGE_SEND_ERR),
        ("T30_ERR_TX_BADPG", FaxStatus.REM_DIS),
        ("T30_ERR_CALLDROPPED", FaxStatus.REM_DIS),
        ("T30_ERR_HDLC_CARRIER", FaxStatus.BAD_LINES),
        ("T30_ERR_RETRYDCN", FaxStatus.BAD_LINES),
        ("T30_ERR_NORESSUPPORT", FaxStatus.FANS_GF),
        ("T30_ERR_UNEXPECTED", FaxStatus.FANS_GF),
        ("T30_ERR_FILEERROR", FaxStatus.MISSING_FAX_FILE),
        ("T30_ERR_BADTIFF", FaxStatus.UNKNOWN_FAX_FILE),
        ("T30_ERR_BADPAGE", FaxStatus.TIFF_PAGE_ERR),
    ],
)
def test_representative_codes(name: str, status: FaxStatus) -> None:
    assert t30.classify(t30.T30_ERR_NAMES.index(name)).status is status


def test_unknown_code() -> None:
    result = t30.classify(99)
    assert result.name == "T30_ERR_99"
    assert result.status is FaxStatus.COMERROR
    assert "99" in result.reason
    assert t30.code_name(-1) == "T30_ERR_-1"
