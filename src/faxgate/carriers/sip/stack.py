"""What the user agent and its dialogs share: our address, the transport, the transactions,
and sending a request through a client transaction with one digest retry."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING

from aiosipua import SipRequest, SipResponse

from faxgate.carriers.sip.digest import CHALLENGES, authorize
from faxgate.carriers.sip.endpoint import SipEndpoint
from faxgate.carriers.sip.messages import new_via
from faxgate.carriers.sip.transaction import ClientTransaction, TransactionLayer
from faxgate.carriers.sip.transport import Peer, SipTransport

if TYPE_CHECKING:
    from faxgate.carriers.sip.dialog import Dialog


class SipStack:
    def __init__(self, endpoint: SipEndpoint, transport: SipTransport) -> None:
        self.endpoint = endpoint
        self.transport = transport
        self.transactions = TransactionLayer(transport)
        self.dialogs: dict[tuple[str, str, str], Dialog] = {}  # Call-ID, local tag, remote tag
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[object, object, None]) -> None:
        """Run in the background; the task is kept until done, and cancelled at close."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def cancel_tasks(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def host(self) -> str:
        host = self.endpoint.public_host or self.endpoint.listen_host
        return "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104

    @property
    def port(self) -> int:
        return self.transport.port

    def contact(self, transport: str, user: str | None = None) -> str:
        """Our Contact; `;transport=tcp` so that a proxy reaches us back over TCP."""
        at = f"{user}@" if user else ""
        suffix = ";transport=tcp" if transport == "tcp" else ""
        return f"<sip:{at}{self.host}:{self.port}{suffix}>"

    def send(self, request: SipRequest, peer: Peer) -> ClientTransaction:
        """Start a client transaction; the request gets our Via with a new branch."""
        request.headers.remove("via")
        request.add_header("Via", new_via(peer, self.host, self.port))
        return self.transactions.send(request, peer)

    async def request(
        self, build: Callable[[], SipRequest], peer: Peer
    ) -> tuple[ClientTransaction, SipResponse | None]:
        """Send `build()` and wait for its final answer; a 401/407 is answered once with a
        fresh request from `build` (new CSeq) carrying the credentials."""
        credentials: tuple[str, str] | None = None
        while True:
            request = build()
            if credentials is not None:
                request.set_header(*credentials)
            transaction = self.send(request, peer)
            final = await final_response(transaction)
            if final is None or final.status_code not in CHALLENGES or credentials is not None:
                return transaction, final
            credentials = authorize(request, final, self.endpoint)
            if credentials is None:
                return transaction, final


async def final_response(transaction: ClientTransaction) -> SipResponse | None:
    """Skip provisional answers; None when the transaction timed out."""
    while True:
        response = await transaction.responses.get()
        if response is None or response.status_code >= 200:
            return response
