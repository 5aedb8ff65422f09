"""A real sipp as the far end of a test call: a callee (UAS) or a caller (UAC).

Each scenario is a template in scenarios/ rendered per run (sipp checks response codes when
it loads a scenario, so they cannot come from `-key`). sipp runs one call (`-m 1`) on a free
port under its own global timeout; `wait()` bounds the wait again and returns its exit
status, output and the SIP messages it sent and received.

    busy = {"CODE": 486, "REASON": "Busy Here", "RINGING": RINGING}
    with sipp_uas("uas_reject.xml", busy) as uas:
        ... call uas.address ...
        assert uas.wait(10).succeeded

Scenarios and their placeholders (each file's comment says more):
- callees: uas_reject.xml (CODE, REASON, RINGING), uas_no_answer.xml (rings until CANCEL),
  uas_answer_silent.xml (PCMU, silent until BYE, refuses re-INVITEs 488),
  uas_answer_bye.xml (HANGUP_MS, unless the caller hangs up first; refuses re-INVITEs 488),
  uas_answer_reinvite.xml (HANGUP_MS, reinvite_values()).
- callers, all with DOMAIN, FROM_USER, SDP and digest auth of the INVITE: uac_rejected.xml
  (CODE), uac_answered.xml (HOLD_MS; refuses re-INVITEs 488), uac_cancel.xml (CANCEL once
  it rings), uac_reinvite.xml (reinvite_values()); register.xml through register().
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tests.sipnet.ports import free_port
from tests.sipnet.programs import require
from tests.sipnet.templates import render

HOST = "127.0.0.1"
Transport = Literal["udp", "tcp"]
SCENARIOS = Path(__file__).with_name("scenarios")
# A 180 Ringing step for uas_reject.xml's {{RINGING}}; "" leaves it out.
RINGING = """  <send>
    <![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]>
  </send>"""
# SDP offers for the caller scenarios ({{SDP}}); sipp fills in its media address and port.
AUDIO_PCMU_SDP = """v=0
o=- 1 1 IN IP4 [media_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=sendrecv"""
VIDEO_ONLY_SDP = """v=0
o=- 1 1 IN IP4 [media_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=video [media_port] RTP/AVP 96
a=rtpmap:96 H264/90000
a=sendrecv"""
T38_SDP = """v=0
o=- 1 2 IN IP4 [media_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=image [media_port] udptl t38
a=T38FaxVersion:0
a=T38MaxBitRate:14400
a=T38FaxRateManagement:transferredTCF
a=T38FaxMaxDatagram:400
a=T38FaxUdpEC:t38UDPRedundancy"""
_EXIT_GRACE = 5.0  # beyond sipp's own timeout, before it is killed
_MESSAGE_START = re.compile(r"^-+ [\d\-:. ]+$", re.MULTILINE)


class SippError(RuntimeError):
    pass


def reinvite_values(sdp: str, code: int) -> dict[str, object]:
    """The placeholders of uac_reinvite.xml for a re-INVITE with `sdp` answered `code`: the
    ACK of a 2xx is a new transaction, that of a failure belongs to the re-INVITE's."""
    via = (
        "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]"
        if 200 <= code < 300
        else "[last_Via:]"
    )
    return {"REINVITE_SDP": sdp, "REINVITE_CODE": code, "REINVITE_ACK_VIA": via}


@dataclass(frozen=True)
class SippResult:
    returncode: int  # 0: the call went as the scenario says; 1: it did not; else sipp's fault
    output: str  # sipp's screen output and its error log
    messages: str  # every SIP message sent and received, as sipp traced them

    @property
    def succeeded(self) -> bool:
        return self.returncode == 0

    def received(self, start: str) -> list[str]:
        """The messages received whose first line starts with `start` ("INVITE", "SIP/2.0 487")."""
        found = []
        for block in _MESSAGE_START.split(self.messages):
            header, _, message = block.lstrip("\n").partition("\n")
            if "received" in header and message.lstrip().startswith(start):
                found.append(message.strip())
        return found

    def first(self, start: str, containing: str = "") -> str:
        """The first message received that starts with `start` and holds `containing`
        (retransmissions may follow it); AssertionError with the trace when there is none."""
        for message in self.received(start):
            if containing in message:
                return message
        raise AssertionError(f"no {start!r} with {containing!r} received:\n{self.messages}")


class Sipp:
    def __init__(self, process: subprocess.Popen[bytes], port: int, workdir: Path, timeout: float):
        self.process = process
        self.port = port
        self.workdir = workdir
        self.timeout = timeout
        self.result: SippResult | None = None

    @property
    def address(self) -> tuple[str, int]:
        return (HOST, self.port)

    def wait(self, timeout: float | None = None) -> SippResult:
        """sipp's result once it exits; killed after `timeout` (default: its own global
        timeout plus a grace), then returncode is the signal's negative number."""
        if self.result is None:
            try:
                self.process.wait(timeout=timeout if timeout is not None else self.timeout)
            except subprocess.TimeoutExpired:
                _kill(self.process)
            self.result = SippResult(
                self.process.returncode,
                _read(self.workdir / "output.txt") + _read(self.workdir / "errors.log"),
                _read(self.workdir / "messages.log"),
            )
        return self.result


@contextmanager
def sipp_uas(
    scenario: str,
    values: Mapping[str, object] | None = None,
    *,
    transport: Transport = "udp",
    timeout: float = 30.0,
    calls: int = 1,
) -> Iterator[Sipp]:
    """A callee on a free port, waiting for `calls` calls; `values` fill the scenario's
    placeholders. It is listening when this yields."""
    more = ["-m", str(calls)] if calls != 1 else []  # the later -m wins over _run's -m 1
    with _run(scenario, more, values, transport, timeout) as running:
        _await_listening(running, transport)
        yield running


@contextmanager
def sipp_uac(
    scenario: str,
    remote: tuple[str, int],
    values: Mapping[str, object] | None = None,
    *,
    service: str,
    user: str,
    password: str,
    transport: Transport = "udp",
    timeout: float = 30.0,
) -> Iterator[Sipp]:
    """A caller sending to `remote` (the proxy), to the user part `service`, answering 401
    and 407 as `user`."""
    options = ["-s", service, "-au", user, "-ap", password, f"{remote[0]}:{remote[1]}"]
    with _run(scenario, options, values, transport, timeout) as running:
        yield running


def register(
    remote: tuple[str, int],
    domain: str,
    user: str,
    password: str,
    contact_port: int,
    *,
    transport: Transport = "udp",
) -> SippResult:
    """REGISTER `user` at the proxy with the contact 127.0.0.1:`contact_port` (reached over
    `transport`); raises SippError unless it ends 200."""
    values = {"DOMAIN": domain, "USER": user, "CONTACT_PORT": contact_port, "EXPIRES": 600}
    with sipp_uac(
        "register.xml",
        remote,
        values,
        service=user,
        user=user,
        password=password,
        transport=transport,
        timeout=10,
    ) as registering:
        result = registering.wait()
    if not result.succeeded:
        raise SippError(f"REGISTER of {user} failed ({result.returncode}):\n{result.output}")
    return result


def header(message: str, name: str) -> str:
    """The value of the first header `name` of a traced message."""
    for line in message.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    raise AssertionError(f"no {name} header in:\n{message}")


@contextmanager
def _run(
    scenario: str,
    options: list[str],
    values: Mapping[str, object] | None,
    transport: Transport,
    timeout: float,
) -> Iterator[Sipp]:
    binary = require("sipp", "sip-tester")
    with tempfile.TemporaryDirectory(prefix="sipp-") as tmp:
        workdir = Path(tmp)
        script = workdir / scenario
        script.write_text(render(SCENARIOS / scenario, values or {}))
        port, media_port = free_port(HOST), free_port(HOST)
        command = [
            binary,
            "-sf", str(script),
            "-i", HOST,
            "-p", str(port),
            "-mp", str(media_port),
            "-t", "u1" if transport == "udp" else "t1",
            "-m", "1",
            "-nostdin",
            "-timeout", f"{timeout:g}s",
            "-timeout_error",
            "-trace_msg", "-message_file", str(workdir / "messages.log"),
            "-trace_err", "-error_file", str(workdir / "errors.log"),
            *options,
        ]  # fmt: skip
        with (workdir / "output.txt").open("wb") as output:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        running = Sipp(process, port, workdir, timeout + _EXIT_GRACE)
        try:
            yield running
        except BaseException:
            result = running.wait(0)
            print(f"--- sipp {scenario} ({result.returncode}) ---", file=sys.stderr)
            print(result.output, result.messages, sep="\n", file=sys.stderr)
            raise
        finally:
            _kill(process)


def _await_listening(running: Sipp, transport: Transport, timeout: float = 10.0) -> None:
    """Return once sipp holds its port, so a first request is not lost. Read from /proc:
    a probing bind could itself take the port from sipp."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise SippError(f"sipp exited with status {running.process.returncode} at start")
        if _listening(running.port, transport):
            return
        time.sleep(0.05)
    raise SippError(f"sipp did not bind {running.address} within {timeout:g} s")


def _listening(port: int, transport: Transport) -> bool:
    """A socket on `port` in /proc/net/udp, or a listening one (state 0A) in /proc/net/tcp."""
    suffix = f":{port:04X}"
    with open(f"/proc/net/{transport}") as table:
        rows = [line.split() for line in list(table)[1:]]
    return any(row[1].endswith(suffix) and (transport == "udp" or row[3] == "0A") for row in rows)


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""
