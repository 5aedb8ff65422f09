"""A confirmed INVITE dialog (RFC 3261 §12-15), the same for caller and callee.

Its in-dialog requests follow the route set (the Record-Route of the dialog-creating
messages, reversed for the caller) to the remote target (the far end's Contact), which is
what lets a re-INVITE or BYE pass a record-routing proxy. A 2xx to an INVITE is resent by
the dialog until its ACK arrives (§13.3.1.4), since the transaction ends with the 2xx.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiosipua import SipRequest, SipResponse
from aiosipua.headers import parse_address

from faxgate.carriers.sip.messages import (
    ALLOW,
    cseq_of,
    new_via,
    response_to,
)
from faxgate.carriers.sip.stack import SipStack
from faxgate.carriers.sip.transaction import T1, T2, ClientTransaction, ServerTransaction
from faxgate.carriers.sip.transport import Peer

log = logging.getLogger(__name__)

SDP = "application/sdp"


class Dialog:
    def __init__(
        self,
        stack: SipStack,
        *,
        call_id: str,
        local: str,
        remote: str,
        local_cseq: int,
        remote_cseq: int,
        route_set: list[str],
        target: str,
        local_sdp: str,
        remote_sdp: str,
        transport: str,
    ) -> None:
        """`local` and `remote` are the From/To header values of each side, with tags."""
        self.local_sdp = local_sdp
        self.remote_sdp = remote_sdp
        self.on_reinvite: Callable[[str], Awaitable[tuple[int, str | None]]] | None = None
        self.terminated = asyncio.Event()
        self.terminated_by_remote = False
        self.call_id = call_id
        self._stack = stack
        self._local = local
        self._remote = remote
        self._local_cseq = local_cseq
        self._remote_cseq = remote_cseq
        self._route_set = route_set
        self._target = target
        self._transport = transport  # ours towards the far end: in Contact
        self._our_reinvite = asyncio.Lock()
        self._their_reinvite_done = asyncio.Event()  # clear while theirs awaits its ACK
        self._their_reinvite_done.set()
        self._acks: dict[int, asyncio.Event] = {}  # CSeq of a 2xx we sent -> its ACK came
        self._bye: asyncio.Task[None] | None = None
        self.lost = False  # ended without a BYE either way: the far end denied the dialog
        self.key = (
            call_id,
            parse_address(local).tag or "",
            parse_address(remote).tag or "",
        )
        stack.dialogs[self.key] = self

    @property
    def remote_target(self) -> tuple[str, int]:
        peer = self._next_hop()
        return peer.host, peer.port

    def _next_hop(self) -> Peer:
        first = self._route_set[0] if self._route_set else f"<{self._target}>"
        uri = parse_address(first).uri
        transport = (uri.params.get("transport") or "udp").lower()
        return Peer("tcp" if transport == "tcp" else "udp", uri.host.strip("[]"), uri.port or 5060)

    def _new_request(self, method: str, cseq: int | None = None) -> SipRequest:
        if cseq is None:
            self._local_cseq += 1
            cseq = self._local_cseq
        request = SipRequest(method=method, uri=self._target)
        for route in self._route_set:
            request.add_header("Route", route)
        request.set_header("Max-Forwards", "70")
        request.set_header("From", self._local)
        request.set_header("To", self._remote)
        request.set_header("Call-ID", self.call_id)
        request.set_header("CSeq", f"{cseq} {method}")
        request.set_header("User-Agent", self._stack.endpoint.user_agent)
        return request

    # --- our requests ---

    async def reinvite(self, sdp: str) -> tuple[int, str | None]:
        """Offer `sdp`; the final code and the answer SDP (a 2xx is ACKed). Glare: 491.

        Waits while another INVITE transaction of this dialog is in progress (§14.1)."""
        async with self._our_reinvite:
            try:
                async with asyncio.timeout(64 * T1):
                    await self._their_reinvite_done.wait()
            except TimeoutError:
                return 491, None
            if self.terminated.is_set():
                return 481, None

            def build() -> SipRequest:
                request = self._new_request("INVITE")
                request.set_header("Contact", self._stack.contact(self._transport))
                request.set_header("Allow", ALLOW)
                request.set_header("Content-Type", SDP)
                request.text = sdp
                return request

            transaction, final = await self._stack.request(build, self._next_hop())
            code = 408 if final is None else final.status_code
            if code == 408:  # the dialog ends (RFC 3261 §12.2.1.2), but the far end may
                # still hold (and bill) the call: a BYE ends it there too
                if self._bye is None:
                    self._bye = asyncio.create_task(self._send_bye())
                return code, None
            if code == 481:  # the far end has no such call any more: nothing to end there
                self.lost = True
                self._end(by_remote=False)
                return code, None
            assert final is not None
            if code >= 300:
                return code, None
            self.ack(transaction, final)
            self._update_target(final)
            self.local_sdp = sdp
            self.remote_sdp = final.text
            return code, final.text

    def ack(self, transaction: ClientTransaction, response: SipResponse) -> None:
        """ACK a 2xx to our INVITE, and again whenever that 2xx comes again."""
        ack = self._new_request("ACK", cseq_of(transaction.request)[0])
        for name in ("authorization", "proxy-authorization"):
            value = transaction.request.get_header(name)
            if value:
                ack.set_header(name.title(), value)
        peer = self._next_hop()
        ack.add_header("Via", new_via(peer, self._stack.host, self._stack.port))
        wire = bytes(ack)
        transaction.ack_for_2xx = (wire, peer)
        self._stack.transport.send(wire, peer)

    async def bye(self) -> None:
        """End the call; waits for the BYE's final answer (or Timer F). Idempotent."""
        if self._bye is None:
            if self.terminated.is_set():
                return
            self._bye = asyncio.create_task(self._send_bye())
        await asyncio.shield(self._bye)

    async def _send_bye(self) -> None:
        self._end(by_remote=False)
        _, final = await self._stack.request(lambda: self._new_request("BYE"), self._next_hop())
        if final is None or final.status_code >= 300:
            log.info("sip: BYE for %s: %s", self.call_id, final.status_code if final else "timeout")

    def _end(self, *, by_remote: bool) -> None:
        if not self.terminated.is_set():
            self.terminated_by_remote = by_remote
            self.terminated.set()
        self._stack.dialogs.pop(self.key, None)

    # --- their requests ---

    def receive(self, request: SipRequest, transaction: ServerTransaction) -> None:
        cseq = cseq_of(request)[0]
        if cseq <= self._remote_cseq and request.method != "ACK":
            transaction.respond(response_to(request, 500, "CSeq out of order"))
            return
        self._remote_cseq = cseq
        if request.method == "BYE":
            transaction.respond(response_to(request, 200))
            self._end(by_remote=True)
        elif request.method == "INVITE":
            self._stack.spawn(self._their_reinvite(request, transaction))
        elif request.method == "OPTIONS":
            transaction.respond(response_to(request, 200))
        else:
            response = response_to(request, 405)
            response.set_header("Allow", ALLOW)
            transaction.respond(response)

    def receive_ack(self, request: SipRequest) -> None:
        event = self._acks.get(cseq_of(request)[0])
        if event is not None:
            event.set()

    async def _their_reinvite(self, request: SipRequest, transaction: ServerTransaction) -> None:
        if self._our_reinvite.locked():
            transaction.respond(response_to(request, 491))
            return
        if not self._their_reinvite_done.is_set():
            response = response_to(request, 500)
            response.set_header("Retry-After", "1")
            transaction.respond(response)
            return
        self._their_reinvite_done.clear()
        try:
            offer = request.text
            code, answer = (488, None)
            if self.on_reinvite is not None:
                try:
                    code, answer = await self.on_reinvite(offer)
                except Exception:
                    log.exception("sip: on_reinvite failed")
                    code, answer = 500, None
            if code >= 300 or answer is None:
                transaction.respond(response_to(request, code if code >= 300 else 488))
                return
            self._update_target(request)
            response = response_to(request, code)
            response.set_header("Contact", self._stack.contact(self._transport))
            response.set_header("Allow", ALLOW)
            response.set_header("Content-Type", SDP)
            response.text = answer
            self.remote_sdp = offer
            self.local_sdp = answer
            if not await self.send_2xx(transaction, response):
                log.info("sip: no ACK for our 2xx to the re-INVITE of %s", self.call_id)
                await self.bye()
        finally:
            self._their_reinvite_done.set()

    async def send_2xx(self, transaction: ServerTransaction, response: SipResponse) -> bool:
        """Answer an INVITE 2xx, resent T1, 2T1, … T2 until its ACK; False after 64*T1."""
        cseq = cseq_of(response)[0]
        acked = self._acks[cseq] = asyncio.Event()
        transaction.respond(response)
        wire = bytes(response)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 64 * T1
        interval = T1
        try:
            while loop.time() < deadline and not self.terminated.is_set():
                try:
                    async with asyncio.timeout_at(min(loop.time() + interval, deadline)):
                        await acked.wait()
                    return True
                except TimeoutError:
                    self._stack.transport.send(wire, transaction.peer)
                    interval = min(2 * interval, T2)
            return acked.is_set()
        finally:
            del self._acks[cseq]

    def _update_target(self, message: SipRequest | SipResponse) -> None:
        self._target = target_of(message.get_header("contact"), self._target)


def target_of(contact: str | None, fallback: str) -> str:
    """The remote target from a Contact value (RFC 3261 §12.1)."""
    if not contact:
        return fallback
    if "<" in contact:
        return contact[contact.find("<") + 1 : contact.find(">")] or fallback
    return contact.split(";", 1)[0].strip() or fallback
