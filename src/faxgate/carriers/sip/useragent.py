"""The SIP user agent of the trunk carrier: calls out, takes calls in, stays registered.

Every message from the wire passes `wire.parse_message` first. What fails is answered 400
when it is a request whose Via, CSeq, Call-ID, From and To could be read, else dropped and
counted in `dropped`; nothing that arrives can end the user agent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiosipua import SipRequest, SipResponse
from aiosipua.utils import generate_call_id, generate_tag

from faxgate.carriers.sip.dialog import SDP, Dialog, target_of
from faxgate.carriers.sip.digest import CHALLENGES, authorize
from faxgate.carriers.sip.endpoint import SipEndpoint
from faxgate.carriers.sip.errors import CallFailed, SipError
from faxgate.carriers.sip.messages import (
    ALLOW,
    cancel_for,
    cseq_of,
    peer_of_uri,
    response_to,
    tag_of,
    user_of,
)
from faxgate.carriers.sip.registration import Registration
from faxgate.carriers.sip.stack import SipStack
from faxgate.carriers.sip.transaction import T1, ClientTransaction, ServerTransaction, State
from faxgate.carriers.sip.transport import Peer, SipTransport
from faxgate.carriers.sip.wire import MalformedMessage, parse_message

log = logging.getLogger(__name__)

__all__ = ["CallFailed", "Dialog", "IncomingCall", "SipError", "UserAgent"]

CLOSE_SECS = 5.0  # how long close() waits for the BYEs of open calls


class IncomingCall:
    """An INVITE received, before it is answered."""

    def __init__(
        self, stack: SipStack, request: SipRequest, transaction: ServerTransaction
    ) -> None:
        self.request_user = user_of(request.uri)
        self.to_user = user_of(request.get_header("to"))
        self.from_user = user_of(request.get_header("from"))
        self.asserted_user = user_of(request.get_header("p-asserted-identity")) or None
        self.sdp = request.text if request.body else None
        self.cancelled = asyncio.Event()
        self._stack = stack
        self._request = request
        self._transaction = transaction
        self._tag = generate_tag()

    def _response(self, code: int, reason: str | None = None) -> SipResponse:
        response = response_to(self._request, code, reason, to_tag=self._tag)
        if code < 300:  # dialog-forming answers copy Record-Route (RFC 3261 §12.1.1)
            for route in self._request.headers.get("record-route"):
                response.add_header("Record-Route", route)
            response.set_header("Contact", self._stack.contact(self._transaction.peer.transport))
        return response

    async def ringing(self) -> None:
        if not self._transaction.final_sent:
            self._transaction.respond(self._response(180))

    async def answer(self, sdp: str) -> Dialog:
        """200 with `sdp`, resent until the ACK; SipError when cancelled or never ACKed."""
        if self.cancelled.is_set() or self._transaction.final_sent:
            raise SipError("the call was cancelled before the answer")
        response = self._response(200)
        response.set_header("Allow", ALLOW)
        response.set_header("Content-Type", SDP)
        response.text = sdp
        request = self._request
        dialog = Dialog(
            self._stack,
            call_id=request.call_id or "",
            local=f"{request.get_header('to')};tag={self._tag}",
            remote=request.get_header("from") or "",
            local_cseq=0,
            remote_cseq=cseq_of(request)[0],
            route_set=list(request.headers.get("record-route")),
            target=target_of(request.get_header("contact"), request.uri),
            local_sdp=sdp,
            remote_sdp=self.sdp or "",
            transport=self._transaction.peer.transport,
        )
        if not await dialog.send_2xx(self._transaction, response):
            await dialog.bye()
            raise SipError("no ACK for our 200 OK")
        return dialog

    def withdrawn(self) -> None:
        """The caller CANCELled before our answer: 487 to the INVITE."""
        self.cancelled.set()
        self._transaction.respond(self._response(487))

    async def reject(self, code: int, reason: str | None = None) -> None:
        """A final 3xx-6xx answer; its ACK is absorbed by the transaction."""
        if not self._transaction.final_sent:
            self._transaction.respond(self._response(code, reason))


class UserAgent:
    def __init__(
        self,
        endpoint: SipEndpoint,
        on_invite: Callable[[IncomingCall], Awaitable[None]] | None = None,
    ) -> None:
        self.port = 0
        self.malformed = 0  # requests answered 400
        self._endpoint = endpoint
        self._on_invite = on_invite
        self._transport = SipTransport(endpoint.listen_host, endpoint.listen_port, self._received)
        self._stack = SipStack(endpoint, self._transport)
        self._registration: Registration | None = None
        self._ringing: dict[ServerTransaction, IncomingCall] = {}
        self._unusable = 0

    @property
    def dropped(self) -> int:
        """Input thrown away unanswered: unparsable, oversized, unframeable."""
        return self._transport.dropped + self._unusable

    async def start(self) -> None:
        self.port = await self._transport.start()
        if self._endpoint.register:
            self._registration = Registration(self._stack)
            try:
                await self._registration.start()
            except SipError:
                await self._transport.close()
                raise

    async def hang_up(self) -> None:
        """Unanswered calls get 503, open calls BYE; the handlers of the calls go on (to
        deal with what the call brought) until close()."""
        for call in list(self._ringing.values()):
            await call.reject(503)
        dialogs = list(self._stack.dialogs.values())
        if dialogs:
            await asyncio.wait(
                [asyncio.ensure_future(d.bye()) for d in dialogs], timeout=CLOSE_SECS
            )

    async def close(self) -> None:
        """hang_up(), then the registration is removed and every task of ours stopped."""
        await self.hang_up()
        if self._registration is not None:
            await self._registration.stop()
        await self._stack.cancel_tasks()
        self._stack.transactions.close()
        await self._transport.close()

    # --- calling out ---

    async def invite(
        self,
        *,
        to_user: str,
        from_user: str,
        sdp: str,
        ring_timeout: float,
        headers: Mapping[str, str] = {},
    ) -> Dialog | CallFailed:
        """Call sip:{to_user}@{domain}: the Dialog once answered (ACKed), else CallFailed.

        A 401/407 is answered once. `ring_timeout` counts from the first provisional answer
        (from sending while there is none); then CANCEL, and the 487 gives
        CallFailed(487, cancelled=True). Cancelling the calling task sends CANCEL too."""
        endpoint = self._endpoint
        uri = f"sip:{to_user}@{endpoint.domain}"
        peer = self._outbound_peer(uri)
        call_id = generate_call_id(self._stack.host)
        local = f"<sip:{from_user}@{endpoint.domain}>;tag={generate_tag()}"
        provisional: list[int] = []
        credentials: tuple[str, str] | None = None
        for cseq in (1, 2):
            request = SipRequest(method="INVITE", uri=uri)
            request.set_header("Max-Forwards", "70")
            request.set_header("From", local)
            request.set_header("To", f"<{uri}>")
            request.set_header("Call-ID", call_id)
            request.set_header("CSeq", f"{cseq} INVITE")
            request.set_header("Contact", self._stack.contact(peer.transport, from_user))
            request.set_header("Allow", ALLOW)
            request.set_header("User-Agent", endpoint.user_agent)
            for name, value in headers.items():
                request.set_header(name, value)
            if credentials is not None:
                request.set_header(*credentials)
            request.set_header("Content-Type", SDP)
            request.text = sdp
            transaction = self._stack.send(request, peer)
            final, cancelled = await self._ring(transaction, ring_timeout, provisional)
            if final is None:
                if cancelled:
                    return CallFailed(487, "ring timeout: CANCEL sent", True, tuple(provisional))
                return CallFailed(408, "no answer", False, tuple(provisional))
            code = final.status_code
            if code < 300:
                return self._confirm(transaction, final, local, sdp)
            if code in CHALLENGES and credentials is None and not cancelled:
                credentials = authorize(request, final, endpoint)
                if credentials is not None:
                    continue
            return CallFailed(code, final.reason_phrase, cancelled, tuple(provisional))
        raise AssertionError("unreachable: the second round always returns")

    async def _ring(
        self, transaction: ClientTransaction, ring_timeout: float, provisional: list[int]
    ) -> tuple[SipResponse | None, bool]:
        """Wait for the final answer, CANCELling at the ring timeout (RFC 3261 §9.1: only
        after a provisional answer). Returns it (None: no answer) and whether we CANCELled."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ring_timeout
        seen_provisional = False
        cancel_due = cancelled = False
        try:
            while True:
                try:  # not wait_for: in 3.11 it can swallow our task's cancellation
                    async with asyncio.timeout_at(deadline if deadline < float("inf") else None):
                        response = await transaction.responses.get()
                except TimeoutError:
                    if cancelled:  # nothing after our CANCEL for 64*T1: given up (§9.1)
                        transaction.terminate()
                        return None, True
                    if seen_provisional:
                        self._cancel(transaction)
                        cancelled = True
                        deadline = loop.time() + 64 * T1
                    else:  # wait for a provisional answer, or Timer B
                        cancel_due = True
                        deadline = float("inf")
                    continue
                if response is None or response.status_code >= 200:
                    return response, cancelled
                provisional.append(response.status_code)
                if cancel_due and not cancelled:
                    self._cancel(transaction)
                    cancelled = True
                    deadline = loop.time() + 64 * T1
                elif not seen_provisional and not cancelled:
                    deadline = loop.time() + ring_timeout
                seen_provisional = True
        except asyncio.CancelledError:
            if not cancelled and transaction.state is State.PROCEEDING:
                self._cancel(transaction)
                cancelled = True
            self._stack.spawn(self._abandon(transaction, cancelled))
            raise

    def _cancel(self, transaction: ClientTransaction) -> None:
        self._stack.transactions.send(cancel_for(transaction.request), transaction.peer)

    async def _abandon(self, transaction: ClientTransaction, cancelled: bool) -> None:
        """After the caller gave up: CANCEL once a provisional comes, hang up a late 2xx."""
        while True:
            try:
                async with asyncio.timeout(64 * T1):
                    response = await transaction.responses.get()
            except TimeoutError:
                transaction.terminate()
                return
            if response is None:
                return
            if response.status_code < 200:
                if not cancelled:
                    self._cancel(transaction)
                    cancelled = True
                continue
            if response.status_code < 300:
                local = transaction.request.get_header("from") or ""
                dialog = self._confirm(transaction, response, local, transaction.request.text)
                await dialog.bye()
            return

    def _confirm(
        self, transaction: ClientTransaction, response: SipResponse, local: str, sdp: str
    ) -> Dialog:
        """The dialog of a 2xx to our INVITE (RFC 3261 §12.1.2), ACKed."""
        dialog = Dialog(
            self._stack,
            call_id=transaction.request.call_id or "",
            local=local,
            remote=response.get_header("to") or "",
            local_cseq=cseq_of(transaction.request)[0],
            remote_cseq=-1,
            route_set=list(reversed(response.headers.get("record-route"))),
            target=target_of(response.get_header("contact"), transaction.request.uri),
            local_sdp=sdp,
            remote_sdp=response.text,
            transport=transaction.peer.transport,
        )
        dialog.ack(transaction, response)
        return dialog

    def _outbound_peer(self, uri: str) -> Peer:
        endpoint = self._endpoint
        if endpoint.proxy is not None:
            return Peer(endpoint.transport, endpoint.proxy[0], endpoint.proxy[1])
        return peer_of_uri(uri, endpoint.transport)

    # --- what arrives ---

    def _received(self, data: bytes, peer: Peer) -> None:
        try:
            message = parse_message(data)
            if isinstance(message, SipResponse):
                self._stack.transactions.match_response(message)
            else:
                self._request(message, peer)
        except MalformedMessage as exc:
            if exc.request is None:
                self._unusable += 1
            else:
                self.malformed += 1
                self._transport.send(bytes(response_to(exc.request, 400)), peer)
        except Exception:  # a fault of ours must not end the user agent
            self._unusable += 1
            log.exception("sip: message from %s:%d not handled", peer.host, peer.port)

    def _request(self, request: SipRequest, peer: Peer) -> None:
        transactions = self._stack.transactions
        if transactions.match_request(request):
            return
        if request.method == "ACK":
            dialog = self._dialog_of(request)
            if dialog is not None:
                dialog.receive_ack(request)
            return
        transaction = transactions.new_server(request, peer)
        if transaction is None:
            self._transport.send(bytes(response_to(request, 503)), peer)
            return
        if request.method == "CANCEL":
            self._cancelled(request, transaction)
        elif tag_of(request.get_header("to")) is not None:
            dialog = self._dialog_of(request)
            if dialog is None:
                transaction.respond(response_to(request, 481))
            else:
                dialog.receive(request, transaction)
        elif request.method == "INVITE":
            transaction.respond(response_to(request, 100))
            call = IncomingCall(self._stack, request, transaction)
            self._ringing[transaction] = call
            self._stack.spawn(self._offer(call, transaction))
        elif request.method == "OPTIONS":
            response = response_to(request, 200)
            response.set_header("Allow", ALLOW)
            transaction.respond(response)
        elif request.method == "BYE":
            transaction.respond(response_to(request, 481))
        else:
            response = response_to(request, 405)
            response.set_header("Allow", ALLOW)
            transaction.respond(response)

    async def _offer(self, call: IncomingCall, transaction: ServerTransaction) -> None:
        """Hand the call to on_invite; unanswered when that returns: 480 (500 if it failed)."""
        try:
            if self._on_invite is not None:
                await self._on_invite(call)
            await call.reject(480)
        except Exception:
            log.exception("sip: on_invite failed")
            await call.reject(500)
        finally:
            self._ringing.pop(transaction, None)

    def _cancelled(self, cancel: SipRequest, transaction: ServerTransaction) -> None:
        invite = self._stack.transactions.pending_invite(cancel)
        if invite is None:
            transaction.respond(response_to(cancel, 481))
            return
        transaction.respond(response_to(cancel, 200))
        call = self._ringing.get(invite)
        if call is not None and not invite.final_sent:
            call.withdrawn()

    def _dialog_of(self, request: SipRequest) -> Dialog | None:
        key = (
            request.call_id or "",
            tag_of(request.get_header("to")) or "",
            tag_of(request.get_header("from")) or "",
        )
        return self._stack.dialogs.get(key)
