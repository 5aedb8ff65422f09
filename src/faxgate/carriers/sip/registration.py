"""Keeping our Contact registered at the trunk (RFC 3261 §10), refreshed at 80 % of the
expiry the registrar granted."""

from __future__ import annotations

import asyncio
import logging

from aiosipua import SipRequest, SipResponse
from aiosipua.headers import parse_address
from aiosipua.utils import generate_call_id, generate_tag

from faxgate.carriers.sip.errors import SipError
from faxgate.carriers.sip.messages import peer_of_uri
from faxgate.carriers.sip.stack import SipStack
from faxgate.carriers.sip.transport import Peer

log = logging.getLogger(__name__)

REFRESH_SHARE = 0.8
RETRY_AFTER_FAILURE = 30.0  # seconds before a failed refresh is tried again
UNREGISTER_SECS = 2.0  # at shutdown: a registrar that does not answer must not hold the stop


class Registration:
    def __init__(self, stack: SipStack) -> None:
        self._stack = stack
        endpoint = stack.endpoint
        self._aor = f"sip:{endpoint.user}@{endpoint.domain}"
        self._call_id = generate_call_id(stack.host)
        self._tag = generate_tag()
        self._cseq = 0
        self._refresh: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Register, then keep refreshing; SipError if the first REGISTER fails."""
        granted = await self._register(self._stack.endpoint.register_expires)
        self._refresh = asyncio.create_task(self._keep(granted))

    async def stop(self) -> None:
        """Stop refreshing and remove our binding (expires 0), as far as the trunk answers."""
        if self._refresh is None:
            return
        self._refresh.cancel()
        await asyncio.gather(self._refresh, return_exceptions=True)
        self._refresh = None
        try:
            await asyncio.wait_for(self._register(0), UNREGISTER_SECS)
        except (SipError, TimeoutError) as exc:
            log.info("sip: unregister failed: %s", exc or "no answer")

    async def _keep(self, granted: int) -> None:
        delay = max(1.0, REFRESH_SHARE * granted)
        wanted = self._stack.endpoint.register_expires
        while True:
            await asyncio.sleep(delay)
            try:
                delay = max(1.0, REFRESH_SHARE * await self._register(wanted))
            except SipError as exc:
                log.warning("sip: registration refresh failed: %s", exc)
                delay = RETRY_AFTER_FAILURE

    async def _register(self, expires: int, *, retry_too_brief: bool = True) -> int:
        """One REGISTER (with one digest retry, and one with the registrar's minimum after
        423 Interval Too Brief); the expiry granted in seconds."""
        endpoint = self._stack.endpoint
        contact = self._stack.contact(self._peer().transport, endpoint.user)

        def build() -> SipRequest:
            self._cseq += 1
            request = SipRequest(method="REGISTER", uri=f"sip:{endpoint.domain}")
            request.set_header("Max-Forwards", "70")
            request.set_header("From", f"<{self._aor}>;tag={self._tag}")
            request.set_header("To", f"<{self._aor}>")
            request.set_header("Call-ID", self._call_id)
            request.set_header("CSeq", f"{self._cseq} REGISTER")
            request.set_header("Contact", contact)
            request.set_header("Expires", str(expires))
            request.set_header("User-Agent", endpoint.user_agent)
            return request

        _, final = await self._stack.request(build, self._peer())
        if final is None:
            raise SipError("REGISTER: no answer from the registrar")
        minimum = (final.get_header("min-expires") or "").strip()
        if (
            final.status_code == 423
            and retry_too_brief
            and minimum.isdigit()
            and int(minimum) > expires
        ):
            return await self._register(int(minimum), retry_too_brief=False)
        if final.status_code >= 300:
            raise SipError(f"REGISTER refused: {final.status_code} {final.reason_phrase}")
        return _granted(final, contact, expires)

    def _peer(self) -> Peer:
        endpoint = self._stack.endpoint
        if endpoint.proxy is not None:
            return Peer(endpoint.transport, endpoint.proxy[0], endpoint.proxy[1])
        return peer_of_uri(f"sip:{endpoint.domain}", endpoint.transport)


def _granted(response: SipResponse, contact: str, requested: int) -> int:
    """The expiry of our binding in the 200: its Contact's expires, else Expires."""
    ours = parse_address(contact).uri
    for value in response.headers.get("contact")[:32]:
        address = parse_address(value)
        if address.uri.host == ours.host and address.uri.port == ours.port:
            expires = address.params.get("expires")
            if expires and expires.isdigit():
                return int(expires)
    header = (response.get_header("expires") or "").strip()
    return int(header) if header.isdigit() else requested
