"""tshark's reading of UDPTL datagrams in a pcap, field by field."""

from __future__ import annotations

import subprocess
from pathlib import Path

PORT = 40002
FIELDS = (
    "t38.seq_number",
    "t38.type_of_msg",
    "t38.t30_indicator",
    "t38.t30_data",
    "t38.field_data",
    "t38.fec_npackets",
    "_ws.malformed",
    "_ws.expert.severity",
)
SEVERITY_ERROR = 0x00800000


def dissect(tshark: str, pcap: Path) -> list[dict[str, list[str]]]:
    """One dict per frame: each field's occurrences, primary IFP first."""
    command = [tshark, "-r", str(pcap), "-d", f"udp.port=={PORT},t38", "-T", "fields"]
    for field in FIELDS:
        command += ["-e", field]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)
    frames = []
    for line in out.stdout.splitlines():
        values = line.split("\t")
        frames.append({f: v.split(",") if v else [] for f, v in zip(FIELDS, values, strict=True)})
    return frames
