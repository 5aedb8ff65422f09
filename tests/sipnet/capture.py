"""A packet capture on loopback for the network tests, and tshark's reading of it.

dumpcap (as root) records the UDP ports given; it hands packets to its file about 0.2 s
late and drops the unread ones when stopped, so a marker datagram is sent at the start and
at the end until it shows up in the file: nothing the test sent in between is lost.
tshark then decodes it with the ports' protocols forced (`-d udp.port==P,t38` / `,rtp`),
since the SDP that would announce them is not in the capture.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import pytest

SEVERITY_ERROR = 0x00800000  # tshark's expert severity "Error"
_FIELDS = (
    "udp.srcport",
    "udp.dstport",
    "rtp.p_type",
    "t38.seq_number",
    "t38.type_of_msg",
    "_ws.malformed",
    "_ws.expert.severity",
)
_MARKER_WAIT = 15.0  # seconds for a marker to reach the file


def require_capture() -> tuple[str, str]:
    """(dumpcap, tshark); skips the test without them or without root, fails it under CI."""
    missing = [p for p in ("dumpcap", "tshark") if shutil.which(p) is None]
    fault = ""
    if missing:
        fault = f"{' and '.join(missing)} not installed (Debian package tshark)"
    elif os.geteuid() != 0:
        fault = "capturing on lo needs root"
    if fault:
        if os.environ.get("CI"):
            pytest.fail(fault)
        pytest.skip(fault)
    return shutil.which("dumpcap") or "", shutil.which("tshark") or ""


@dataclass(frozen=True)
class Frame:
    """One captured datagram as tshark decoded it."""

    src_port: int
    dst_port: int
    rtp_payload_type: int | None
    t38_seq: int | None
    t38_types: tuple[int, ...]  # type_of_msg of the primary IFP, then of the secondaries
    malformed: bool
    errors: bool  # an expert item of severity Error


class Capture:
    """`with Capture(dumpcap, path, ports):` records UDP to and from `ports` on lo."""

    def __init__(self, dumpcap: str, path: Path, ports: list[int]) -> None:
        self.path = path
        self._marker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._marker.bind(("127.0.0.1", 0))  # markers go to itself: no ICMP, no stranger
        self.marker_port: int = self._marker.getsockname()[1]
        ports_filter = " or ".join(f"port {p}" for p in [*ports, self.marker_port])
        self._command = [dumpcap, "-q", "-P", "-i", "lo", "-f", f"udp and ({ports_filter})"]
        self._command += ["-w", str(path)]
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Capture:
        self._process = subprocess.Popen(
            self._command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            self._mark(b"start")
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self._mark(b"end")
        finally:
            self._stop()

    def _mark(self, what: bytes) -> None:
        token = b"faxgate-capture-" + what + b"-" + secrets.token_hex(8).encode()
        deadline = time.monotonic() + _MARKER_WAIT
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"dumpcap ended: {self._stderr()}")
            self._marker.sendto(token, ("127.0.0.1", self.marker_port))
            time.sleep(0.1)
            if self.path.exists() and token in self.path.read_bytes():
                return
        raise RuntimeError(f"the {what.decode()} marker never reached the capture file")

    def _stop(self) -> None:
        self._marker.close()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process is not None and self._process.stderr is not None:
            self._process.stderr.close()

    def _stderr(self) -> str:
        assert self._process is not None and self._process.stderr is not None
        return self._process.stderr.read().decode(errors="replace").strip()


def decode(
    tshark: str, pcap: Path, *, t38_ports: tuple[int, ...] = (), rtp_ports: tuple[int, ...] = ()
) -> list[Frame]:
    """Every captured frame but the markers, decoded with the ports' protocols forced."""
    command = [tshark, "-r", str(pcap), "-T", "fields", "-E", "occurrence=a"]
    for port in t38_ports:
        command += ["-d", f"udp.port=={port},t38"]
    for port in rtp_ports:
        command += ["-d", f"udp.port=={port},rtp"]
    for field in _FIELDS:
        command += ["-e", field]
    wanted = set(t38_ports) | set(rtp_ports)
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    frames = []
    for line in out.stdout.splitlines():
        values = [v.split(",") if v else [] for v in line.split("\t")]
        src, dst, p_type, seq, types, malformed, severity = values
        if not {int(src[0]), int(dst[0])} & wanted:
            continue  # a marker
        frames.append(
            Frame(
                src_port=int(src[0]),
                dst_port=int(dst[0]),
                rtp_payload_type=int(p_type[0]) if p_type else None,
                t38_seq=int(seq[0]) if seq else None,
                t38_types=tuple(int(t) for t in types),
                malformed=bool(malformed),
                errors=any(int(s, 0) & SEVERITY_ERROR == SEVERITY_ERROR for s in severity),
            )
        )
    return frames
