"""The SIP transport on real sockets: UDP and TCP on one port, TCP framed by Content-Length,
keep-alives skipped, idle connections closed."""

from __future__ import annotations

import asyncio

import pytest

from faxgate.carriers.sip.transport import Peer, SipTransport

pytestmark = pytest.mark.timeout(30)


def message(n: int, body: bytes = b"") -> bytes:
    return (
        f"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nCall-ID: {n}\r\nl: {len(body)}\r\n\r\n".encode() + body
    )


def test_tcp_is_framed_by_content_length_and_udp_shares_the_port() -> None:
    async def scenario() -> None:
        received: asyncio.Queue[tuple[bytes, Peer]] = asyncio.Queue()
        transport = SipTransport(
            "127.0.0.1", 0, lambda data, peer: received.put_nowait((data, peer))
        )
        port = await transport.start()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            first, second = message(1, b"v=0\r\n"), message(2)
            # Keep-alive CRLFs, two messages in one write, then one split in the middle.
            writer.write(b"\r\n\r\n" + first + second + first[:20])
            await writer.drain()
            writer.write(first[20:])
            got = [await asyncio.wait_for(received.get(), 5) for _ in range(3)]
            assert [data for data, _ in got] == [first, second, first]
            assert {peer.transport for _, peer in got} == {"tcp"}

            # An answer goes back on the connection the request came in on.
            transport.send(b"SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", got[0][1])
            assert await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5) == (
                b"SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"
            )
            writer.close()

            udp, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                asyncio.DatagramProtocol, remote_addr=("127.0.0.1", port)
            )
            udp.sendto(second)
            data, peer = await asyncio.wait_for(received.get(), 5)
            assert (data, peer.transport) == (second, "udp")
            udp.close()
        finally:
            await transport.close()

    asyncio.run(scenario())


def test_an_idle_tcp_connection_is_closed() -> None:
    async def scenario() -> None:
        transport = SipTransport("127.0.0.1", 0, lambda data, peer: None, idle_timeout=0.5)
        port = await transport.start()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n")  # and then nothing more
            assert await asyncio.wait_for(reader.read(), 10) == b""
            writer.close()
        finally:
            await transport.close()

    asyncio.run(scenario())


def test_a_tcp_message_without_content_length_closes_the_connection() -> None:
    async def scenario() -> None:
        transport = SipTransport("127.0.0.1", 0, lambda data, peer: None)
        port = await transport.start()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nCall-ID: 1\r\n\r\n")
            assert await asyncio.wait_for(reader.read(), 10) == b""
            assert transport.dropped == 1
            writer.close()
        finally:
            await transport.close()

    asyncio.run(scenario())


def test_udp_to_a_host_name_is_resolved_and_sent() -> None:
    async def scenario() -> None:
        got: asyncio.Queue[bytes] = asyncio.Queue()

        class Receiver(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
                got.put_nowait(data)

        receiver, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            Receiver, local_addr=("127.0.0.1", 0)
        )
        port = receiver.get_extra_info("sockname")[1]
        transport = SipTransport("127.0.0.1", 0, lambda data, peer: None)
        await transport.start()
        try:
            transport.send(message(1), Peer("udp", "localhost", port))
            transport.send(message(2), Peer("udp", "localhost", port))
            assert {await asyncio.wait_for(got.get(), 5) for _ in range(2)} == {
                message(1),
                message(2),
            }
        finally:
            await transport.close()
            receiver.close()

    asyncio.run(scenario())
