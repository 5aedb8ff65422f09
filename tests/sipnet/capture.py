"""A packet capture on loopback around a test call, read back with tshark.

dumpcap captures `lo`, filtered to the given ports (or port ranges, for RTP). It hands
packets over late and drops unread ones when stopped, so a marker datagram is sent at the
start and at the end and the capture waits until it sees each one. UDPTL on the given
ports is decoded as T.38 (tshark finds it by itself only where an SDP in the same capture
announces it).

    with capture(tmp_path, [trunk.port, (40000, 40100)], udptl_ports=[40002]) as cap:
        ... the call ...
    assert cap.malformed() == 0
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.sipnet.programs import require

HOST = "127.0.0.1"
Ports = Iterable[int | tuple[int, int]]
_MARKER_WAIT = 10.0  # seconds for dumpcap to show a marker
_ERROR_SEVERITY = 0x00800000  # tshark's _ws.expert.severity of an Error item
_SEPARATOR = "\x1e"  # between a field's occurrences: no SIP or T.38 text holds it


class CaptureError(RuntimeError):
    pass


@dataclass(frozen=True)
class Capture:
    path: Path  # pcapng file
    tshark: str
    udptl_ports: tuple[int, ...]
    marker_port: int

    def dissect(
        self, fields: Sequence[str], display_filter: str = ""
    ) -> list[dict[str, list[str]]]:
        """One dict per frame that passes `display_filter` (markers left out): each field's
        occurrences in the frame, in order."""
        command = [*self._read(display_filter), "-T", "fields", "-E", "occurrence=a"]
        command += ["-E", f"aggregator={_SEPARATOR}"]
        for name in fields:
            command += ["-e", name]
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)
        frames = []
        for line in out.stdout.splitlines():
            values = line.split("\t")
            frames.append(
                {
                    name: v.split(_SEPARATOR) if v else []
                    for name, v in zip(fields, values, strict=True)
                }
            )
        return frames

    def malformed(self, display_filter: str = "") -> int:
        """Frames tshark reads as malformed or with an expert item of severity Error."""
        bad = f"_ws.malformed || _ws.expert.severity == {_ERROR_SEVERITY:#x}"
        where = f"({display_filter}) && ({bad})" if display_filter else bad
        return len(self.dissect(["frame.number"], where))

    def sip_lines(self) -> list[str]:
        """The first line of every SIP message, in the order captured."""
        frames = self.dissect(["sip.Request-Line", "sip.Status-Line"], "sip")
        return [(frame["sip.Request-Line"] or frame["sip.Status-Line"])[0] for frame in frames]

    def _read(self, display_filter: str) -> list[str]:
        command = [self.tshark, "-r", str(self.path)]
        for port in self.udptl_ports:
            command += ["-d", f"udp.port=={port},t38"]
        not_marker = f"!(udp.port == {self.marker_port})"
        where = f"({display_filter}) && {not_marker}" if display_filter else not_marker
        return [*command, "-Y", where]


@contextmanager
def capture(workdir: Path, ports: Ports, *, udptl_ports: Iterable[int] = ()) -> Iterator[Capture]:
    """Capture UDP and TCP on `ports` (a port, or an inclusive (low, high) range) into
    workdir/capture.pcapng while the block runs."""
    dumpcap = require("dumpcap", "tshark")
    tshark = require("tshark", "tshark")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as marker:
        marker.bind((HOST, 0))
        marker_port = marker.getsockname()[1]
        path, log_path = workdir / "capture.pcapng", workdir / "dumpcap.log"
        bpf = " or ".join([f"port {marker_port}", *(_bpf(p) for p in ports)])
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [dumpcap, "-q", "-i", "lo", "-f", bpf, "-w", str(path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        result = Capture(path, tshark, tuple(udptl_ports), marker_port)
        try:
            _mark(result, marker, process, "start", log_path)
            yield result
            _mark(result, marker, process, "end", log_path)
        finally:
            _stop(process)


def _bpf(port: int | tuple[int, int]) -> str:
    if isinstance(port, tuple):
        return f"portrange {port[0]}-{port[1]}"
    return f"port {port}"


def _mark(
    result: Capture,
    marker: socket.socket,
    process: subprocess.Popen[bytes],
    name: str,
    log_path: Path,
) -> None:
    """Send a marker datagram to itself until the capture file holds it."""
    payload = f"capture-{name}-{secrets.token_hex(4)}"
    deadline = time.monotonic() + _MARKER_WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_path.read_text(errors="replace")
            raise CaptureError(f"dumpcap exited with status {process.returncode}: {log}")
        marker.sendto(payload.encode(), marker.getsockname())
        marker.recv(100)
        time.sleep(0.1)
        if result.path.exists() and _holds(result, payload):
            return
    raise CaptureError(f"the {name} marker did not reach the capture in {_MARKER_WAIT:g} s")


def _holds(result: Capture, payload: str) -> bool:
    """Whether the file being written holds the payload (its last packet may be cut short)."""
    command = [
        result.tshark, "-r", str(result.path),
        "-Y", f"udp.port == {result.marker_port}",
        "-T", "fields", "-e", "data.data",
    ]  # fmt: skip
    # no check: tshark complains of the packet being written, and reads the others
    out = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
    return payload.encode().hex() in out.stdout


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
