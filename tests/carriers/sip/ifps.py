"""T.38 IFP packets written by hand from the T.38 ASN.1 (aligned PER), with what they are.

type-of-msg: bit 7 = data-field present, bit 6 = t30-data (else t30-indicator), bit 5 =
extension, bits 4..1 = the enumeration index. A data field: its count, then per field bit 7
= field-data present, field-type above, a 16-bit length - 1 and the octets.
"""

from __future__ import annotations

from dataclasses import dataclass

INDICATOR, DATA = 0, 1  # tshark's t38.type_of_msg


@dataclass(frozen=True)
class Ifp:
    octets: bytes
    type_of_msg: int
    value: int  # t38.t30_indicator or t38.t30_data


def indicator(index: int) -> Ifp:
    return Ifp(bytes([index << 1]), INDICATOR, index)


def hdlc_data(modulation: int, payload: bytes) -> Ifp:
    """One hdlc-data field (field-type 0) carrying `payload`."""
    size = (len(payload) - 1).to_bytes(2, "big")
    return Ifp(bytes([0xC0 | modulation << 1, 1, 0x80]) + size + payload, DATA, modulation)


NO_SIGNAL, CNG, CED, V21_PREAMBLE, V17_14400_LONG = (indicator(i) for i in (0, 1, 2, 3, 15))
V21, V17_14400 = 0, 8
# A DIS frame's first octets (address, control, FCF) as V.21 HDLC data.
DIS_START = hdlc_data(V21, bytes([0xFF, 0x13, 0x80]))
IMAGE = hdlc_data(V17_14400, bytes(range(1, 200)))

SAMPLE = (NO_SIGNAL, CNG, CED, V21_PREAMBLE, DIS_START, V17_14400_LONG, IMAGE)
