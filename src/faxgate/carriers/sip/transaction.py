"""SIP transactions (RFC 3261 §17, with the Accepted states of RFC 6026).

Requests are retransmitted over UDP only (Timers A, E, G); a transaction ends with its
timers (B, D, F, H, I, J, K, and L/M for the Accepted states), so the tables stay bounded
by the traffic of the last 32 seconds. The number of live server transactions is capped:
over the cap the user agent answers 503.
"""

from __future__ import annotations

import asyncio
import enum

from aiosipua import SipRequest, SipResponse
from aiosipua.headers import parse_via

from faxgate.carriers.sip.messages import ack_for_failure, cseq_of, top_branch
from faxgate.carriers.sip.transport import Peer, SipTransport

T1 = 0.5
T2 = 4.0
T4 = 5.0
MAX_SERVER_TRANSACTIONS = 2000  # live at once; a request over it is answered 503
MAX_QUEUED_RESPONSES = 32  # provisional answers a caller has not read yet; more are dropped


class State(enum.Enum):
    TRYING = "trying"  # non-INVITE, before any answer; INVITE client: Calling
    PROCEEDING = "proceeding"
    ACCEPTED = "accepted"  # INVITE, after a 2xx (RFC 6026)
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    TERMINATED = "terminated"


class _Timers:
    """The two timers every transaction runs: retransmission, and its end."""

    _retransmit: asyncio.TimerHandle | None = None
    _timeout: asyncio.TimerHandle | None = None

    def terminate(self) -> None:
        raise NotImplementedError

    def _finish_after(self, delay: float) -> None:
        if delay <= 0:
            self.terminate()
        else:
            self._timeout = asyncio.get_running_loop().call_later(delay, self.terminate)

    def _cancel_timers(self) -> None:
        for handle in (self._retransmit, self._timeout):
            if handle is not None:
                handle.cancel()
        self._retransmit = self._timeout = None


class ClientTransaction(_Timers):
    """One request we sent; its answers come out of `responses` (None: timed out)."""

    def __init__(self, layer: TransactionLayer, request: SipRequest, peer: Peer) -> None:
        self.request = request
        self.peer = peer
        self.is_invite = request.method == "INVITE"
        self.state = State.TRYING
        self.responses: asyncio.Queue[SipResponse | None] = asyncio.Queue(MAX_QUEUED_RESPONSES)
        # The ACK of the 2xx, sent again when the 2xx is retransmitted (set by the dialog).
        self.ack_for_2xx: tuple[bytes, Peer] | None = None
        self._layer = layer
        self._key = (top_branch(request), request.method)
        self._wire = bytes(request)
        self._ack: bytes | None = None
        self._interval = T1

    def start(self) -> None:
        self._layer.clients[self._key] = self
        self._layer.transport.send(self._wire, self.peer)
        loop = asyncio.get_running_loop()
        if self.peer.transport == "udp":
            self._retransmit = loop.call_later(self._interval, self._resend)
        self._timeout = loop.call_later(64 * T1, self._timed_out)  # Timer B / F

    def _resend(self) -> None:  # Timer A / E
        if self.state not in (State.TRYING, State.PROCEEDING):
            return
        if self.is_invite and self.state is State.PROCEEDING:
            return
        self._layer.transport.send(self._wire, self.peer)
        if self.is_invite:
            self._interval *= 2
        elif self.state is State.PROCEEDING:
            self._interval = T2
        else:
            self._interval = min(2 * self._interval, T2)
        self._retransmit = asyncio.get_running_loop().call_later(self._interval, self._resend)

    def _timed_out(self) -> None:
        if self.state is State.TRYING or (
            self.state is State.PROCEEDING and not self.is_invite
        ):  # an INVITE that got a provisional waits for its final answer (or our CANCEL)
            self._deliver(None)
            self.terminate()

    def receive(self, response: SipResponse) -> None:
        code = response.status_code
        if self.state in (State.TRYING, State.PROCEEDING):
            if code < 200:
                self.state = State.PROCEEDING
                self._deliver(response)
                return
            self._deliver(response)
            self._cancel_timers()
            if self.is_invite and code < 300:
                self.state = State.ACCEPTED
                self._finish_after(64 * T1)  # Timer M
            elif self.is_invite:
                self._ack = bytes(ack_for_failure(self.request, response))
                self._layer.transport.send(self._ack, self.peer)
                self.state = State.COMPLETED
                self._finish_after(32.0 if self.peer.transport == "udp" else 0.0)  # Timer D
            else:
                self.state = State.COMPLETED
                self._finish_after(T4 if self.peer.transport == "udp" else 0.0)  # Timer K
        elif self.state is State.ACCEPTED and 200 <= code < 300 and self.ack_for_2xx:
            self._layer.transport.send(*self.ack_for_2xx)
        elif self.state is State.COMPLETED and self._ack is not None and code >= 300:
            self._layer.transport.send(self._ack, self.peer)

    def fail(self) -> None:
        """The transport gave up on this request."""
        if self.state in (State.TRYING, State.PROCEEDING):
            self._deliver(None)
        self.terminate()

    def terminate(self) -> None:
        self._cancel_timers()
        self.state = State.TERMINATED
        if self._layer.clients.get(self._key) is self:
            del self._layer.clients[self._key]

    def _deliver(self, response: SipResponse | None) -> None:
        if self.responses.full():
            if response is not None and response.status_code < 200:
                return
            self.responses.get_nowait()  # a final answer must get through
        self.responses.put_nowait(response)


class ServerTransaction(_Timers):
    """One request we received: absorbs its retransmissions, repeats our last answer."""

    def __init__(
        self, layer: TransactionLayer, request: SipRequest, peer: Peer, key: tuple[str, str, str]
    ) -> None:
        self.request = request
        self.peer = peer
        self.is_invite = request.method == "INVITE"
        self.state = State.PROCEEDING if self.is_invite else State.TRYING
        self._layer = layer
        self._key = key
        self._last: bytes | None = None
        self._interval = T1

    @property
    def final_sent(self) -> bool:
        return self.state not in (State.TRYING, State.PROCEEDING)

    def respond(self, response: SipResponse) -> None:
        if self.final_sent or self.state is State.TERMINATED:
            return
        self._last = bytes(response)
        self._layer.transport.send(self._last, self.peer)
        code = response.status_code
        if code < 200:
            self.state = State.PROCEEDING
            return
        loop = asyncio.get_running_loop()
        udp = self.peer.transport == "udp"
        if self.is_invite and code < 300:
            self.state = State.ACCEPTED  # the dialog retransmits the 2xx until its ACK
            self._timeout = loop.call_later(64 * T1, self.terminate)  # Timer L
        elif self.is_invite:
            self.state = State.COMPLETED
            if udp:
                self._retransmit = loop.call_later(self._interval, self._resend)  # Timer G
            self._timeout = loop.call_later(64 * T1, self.terminate)  # Timer H
        else:
            self.state = State.COMPLETED
            self._finish_after(64 * T1 if udp else 0.0)  # Timer J

    def receive(self, request: SipRequest) -> None:
        """A retransmission of our request, or the ACK of our non-2xx answer."""
        if request.method == "ACK":
            if self.state is State.COMPLETED:
                self.state = State.CONFIRMED
                self._cancel_timers()
                self._finish_after(T4 if self.peer.transport == "udp" else 0.0)  # Timer I
            return
        if self.state in (State.PROCEEDING, State.COMPLETED) and self._last is not None:
            self._layer.transport.send(self._last, self.peer)

    def _resend(self) -> None:
        if self.state is not State.COMPLETED or self._last is None:
            return
        self._layer.transport.send(self._last, self.peer)
        self._interval = min(2 * self._interval, T2)
        self._retransmit = asyncio.get_running_loop().call_later(self._interval, self._resend)

    def terminate(self) -> None:
        self._cancel_timers()
        self.state = State.TERMINATED
        if self._layer.servers.get(self._key) is self:
            del self._layer.servers[self._key]


def server_key(request: SipRequest, method: str | None = None) -> tuple[str, str, str]:
    """RFC 3261 §17.2.3: branch, sent-by and method (an ACK belongs to its INVITE)."""
    via = parse_via(request.headers.get("via")[0])
    method = method or ("INVITE" if request.method == "ACK" else request.method)
    return (via.branch or "", f"{via.host}:{via.port or 5060}", method)


class TransactionLayer:
    def __init__(self, transport: SipTransport) -> None:
        self.transport = transport
        self.clients: dict[tuple[str, str], ClientTransaction] = {}
        self.servers: dict[tuple[str, str, str], ServerTransaction] = {}

    def send(self, request: SipRequest, peer: Peer) -> ClientTransaction:
        transaction = ClientTransaction(self, request, peer)
        transaction.start()
        return transaction

    def match_response(self, response: SipResponse) -> bool:
        transaction = self.clients.get((top_branch(response), cseq_of(response)[1]))
        if transaction is None:
            return False
        transaction.receive(response)
        return True

    def match_request(self, request: SipRequest) -> bool:
        """A retransmission or a non-2xx ACK, absorbed by its transaction."""
        transaction = self.servers.get(server_key(request))
        if transaction is None:
            return False
        transaction.receive(request)
        return True

    def pending_invite(self, cancel: SipRequest) -> ServerTransaction | None:
        """The INVITE transaction a CANCEL is for (RFC 3261 §9.2)."""
        return self.servers.get(server_key(cancel, "INVITE"))

    def new_server(self, request: SipRequest, peer: Peer) -> ServerTransaction | None:
        """None when too many are live: answer 503."""
        if len(self.servers) >= MAX_SERVER_TRANSACTIONS:
            return None
        key = server_key(request)
        transaction = ServerTransaction(self, request, peer, key)
        self.servers[key] = transaction
        return transaction

    def close(self) -> None:
        for client in list(self.clients.values()):
            client.fail()
        for server in list(self.servers.values()):
            server.terminate()
