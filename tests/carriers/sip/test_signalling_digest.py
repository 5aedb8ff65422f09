"""Digest authentication against a real sipp that challenges with 401 and checks the answers
(`verifyauth`), with qop=auth and without, on INVITE, re-INVITE, BYE and REGISTER (with its
refresh); a second challenge ends the request. sipp's `verifyauth` reads Authorization only:
answers to 407 are checked by Kamailio in test_signalling_kamailio."""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from faxgate.carriers.sip.endpoint import SipEndpoint
from faxgate.carriers.sip.useragent import CallFailed, Dialog, SipError, UserAgent
from tests.sipnet.ports import free_port
from tests.sipnet.programs import require

pytestmark = pytest.mark.timeout(90)

USER, PASSWORD, DOMAIN = "faxa", "secret-faxa", "sipp.test"
SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
OFFER = SDP + "m=audio 40000 RTP/AVP 0\r\n"
T38_OFFER = SDP + "m=image 40002 udptl t38\r\n"

SIPP_SDP = """v=0
o=- 2 2 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio [media_port] RTP/AVP 0"""


def reply(code: str, *, extra: str = "", tag: bool = True, sdp: bool = False) -> str:
    """A sipp <send> of a response to the last request."""
    to = "[last_To:];tag=[pid]SIPpTag01[call_number]" if tag else "[last_To:]"
    body = f"Content-Type: application/sdp\nContent-Length: [len]\n\n{SIPP_SDP}" if sdp else ""
    contact = "Contact: <sip:sipp@[local_ip]:[local_port]>\n" if sdp else ""
    return f"""  <send><![CDATA[
SIP/2.0 {code}
[last_Via:]
[last_From:]
{to}
[last_Call-ID:]
[last_CSeq:]
{contact}{extra}{body if body else "Content-Length: 0"}

]]></send>
"""


def challenge(code: int, step: str, qop: bool, *, tag: bool = True) -> str:
    """Challenge a request with `code`, take its ACK (INVITE), check the retried request."""
    header = "WWW-Authenticate" if code == 401 else "Proxy-Authenticate"
    reason = "Unauthorized" if code == 401 else "Proxy Authentication Required"
    qop_param = ', qop="auth"' if qop else ""
    extra = f'{header}: Digest realm="{DOMAIN}", nonce="n{step}[call_number]"{qop_param}\n'
    method = step.split("-", maxsplit=1)[0]
    ack = '  <recv request="ACK"/>\n' if method == "INVITE" else ""
    return (
        reply(f"{code} {reason}", extra=extra, tag=tag)
        + ack
        + f"""  <recv request="{method}">
    <action><verifyauth assign_to="ok{step}" username="{USER}" password="{PASSWORD}"/></action>
  </recv>
  <nop test="ok{step}" next="good{step}"/>
{reply("403 Bad Credentials", tag=tag)}  <label id="good{step}"/>
"""
    )


def call_scenario(qop: bool) -> str:
    answered = reply("200 OK", sdp=True) + '  <recv request="ACK"/>\n'
    answered_in_dialog = reply("200 OK", sdp=True, tag=False) + '  <recv request="ACK"/>\n'
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="digest on INVITE, re-INVITE and BYE">
  <recv request="INVITE"/>
{challenge(401, "INVITE-1", qop)}{answered}  <recv request="INVITE"/>
{challenge(401, "INVITE-2", qop, tag=False)}{answered_in_dialog}  <recv request="BYE"/>
{challenge(401, "BYE", qop, tag=False)}{reply("200 OK", tag=False)}</scenario>
"""


def register_scenario(qop: bool) -> str:
    granted = "[last_Contact:];expires=2\n"
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="digest on REGISTER, its refresh and the removal">
  <recv request="REGISTER"/>
{challenge(401, "REGISTER-1", qop)}{reply("200 OK", extra=granted)}  <recv request="REGISTER"/>
{challenge(401, "REGISTER-2", qop)}{reply("200 OK", extra=granted)}  <recv request="REGISTER"/>
{reply("200 OK")}</scenario>
"""


def proxy_challenge(nonce: str) -> str:
    extra = f'Proxy-Authenticate: Digest realm="{DOMAIN}", nonce="{nonce}"\n'
    return reply("407 Proxy Authentication Required", extra=extra) + '  <recv request="ACK"/>\n'


TWICE_CHALLENGED = f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="challenged twice">
  <recv request="INVITE"/>
{proxy_challenge("a")}  <recv request="INVITE"/>
{proxy_challenge("b")}</scenario>
"""


@contextmanager
def sipp_uas(scenario: str) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """A real sipp playing `scenario` once on a free UDP port."""
    binary = require("sipp", "sip-tester")
    with tempfile.TemporaryDirectory(prefix="sipp-digest-") as tmp:
        script = Path(tmp) / "scenario.xml"
        script.write_text(scenario)
        port = free_port()
        command = [
            binary, "-sf", str(script), "-i", "127.0.0.1", "-p", str(port),
            "-mp", str(free_port()), "-m", "1", "-nostdin", "-timeout", "30s", "-timeout_error",
            "-trace_err", "-error_file", str(Path(tmp) / "errors.log"),
        ]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp
        )
        try:
            yield port, process
            assert process.wait(40) == 0, (Path(tmp) / "errors.log").read_text(errors="replace")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def endpoint(port: int, *, register: bool = False) -> SipEndpoint:
    return SipEndpoint(
        listen_host="127.0.0.1",
        listen_port=0,
        proxy=("127.0.0.1", port),
        domain=DOMAIN,
        user=USER,
        password=PASSWORD,
        register=register,
    )


@pytest.mark.parametrize("qop", [True, False], ids=["qop-auth", "no-qop"])
def test_invite_reinvite_and_bye_answer_their_challenges(qop: bool) -> None:
    async def scenario(port: int) -> None:
        ua = UserAgent(endpoint(port))
        await ua.start()
        try:
            dialog = await ua.invite(to_user="1", from_user=USER, sdp=OFFER, ring_timeout=10)
            assert isinstance(dialog, Dialog), dialog
            code, answer = await dialog.reinvite(T38_OFFER)
            assert code == 200 and answer is not None and "m=audio" in answer
            await dialog.bye()
        finally:
            await ua.close()

    with sipp_uas(call_scenario(qop)) as (port, _):
        asyncio.run(scenario(port))


@pytest.mark.parametrize("qop", [True, False], ids=["qop-auth", "no-qop"])
def test_register_refresh_and_removal_answer_their_challenges(qop: bool) -> None:
    async def scenario(port: int) -> None:
        ua = UserAgent(endpoint(port, register=True))
        await ua.start()  # granted 2 s: the refresh follows after 1.6 s
        await asyncio.sleep(2.5)
        await ua.close()

    with sipp_uas(register_scenario(qop)) as (port, _):
        asyncio.run(scenario(port))


def test_a_second_challenge_fails_the_call_with_its_code() -> None:
    async def scenario(port: int) -> None:
        ua = UserAgent(endpoint(port))
        await ua.start()
        try:
            result = await ua.invite(to_user="1", from_user=USER, sdp=OFFER, ring_timeout=10)
            assert isinstance(result, CallFailed) and result.code == 407
        finally:
            await ua.close()

    with sipp_uas(TWICE_CHALLENGED) as (port, _):
        asyncio.run(scenario(port))


def test_a_refused_registration_raises_at_start() -> None:
    async def scenario(port: int) -> None:
        ua = UserAgent(endpoint(port, register=True))
        with pytest.raises(SipError, match="403"):
            await ua.start()

    refused = f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="refused">
  <recv request="REGISTER"/>
{reply("403 Forbidden")}</scenario>
"""
    with sipp_uas(refused) as (port, _):
        asyncio.run(scenario(port))
