"""Building the SIP messages our user agent sends, and reading the few fields it needs."""

from __future__ import annotations

from aiosipua import SipRequest, SipResponse
from aiosipua.headers import parse_address, parse_uri, parse_via
from aiosipua.utils import generate_branch, generate_tag

from faxgate.carriers.sip.transport import Peer

ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS"

REASONS = {
    100: "Trying",
    180: "Ringing",
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    491: "Request Pending",
    500: "Server Internal Error",
    503: "Service Unavailable",
    603: "Decline",
}


def reason_for(code: int) -> str:
    return REASONS.get(code, "Unknown")


def response_to(
    request: SipRequest, code: int, reason: str | None = None, *, to_tag: str | None = None
) -> SipResponse:
    """A response copying Via, From, To, Call-ID and CSeq; a To without tag gets ours, or
    a new one (RFC 3261 §8.2.6.2)."""
    response = SipResponse(status_code=code, reason_phrase=reason or reason_for(code))
    for via in request.headers.get("via"):
        response.add_header("Via", via)
    response.set_header("From", request.get_header("from") or "")
    to = request.get_header("to") or ""
    if code > 100 and parse_address(to).tag is None:
        to = f"{to};tag={to_tag or generate_tag()}"
    response.set_header("To", to)
    response.set_header("Call-ID", request.call_id or "")
    response.set_header("CSeq", request.get_header("cseq") or "")
    return response


def top_branch(message: SipRequest | SipResponse) -> str:
    return parse_via(message.headers.get("via")[0]).branch or ""


def cseq_of(message: SipRequest | SipResponse) -> tuple[int, str]:
    number, method = (message.get_header("cseq") or "0 ?").split(None, 1)
    return int(number), method.strip()


def tag_of(header_value: str | None) -> str | None:
    return parse_address(header_value).tag if header_value else None


def user_of(uri_or_address: str | None) -> str:
    """The user part of a URI or a name-addr ("" when absent)."""
    if not uri_or_address:
        return ""
    if "<" in uri_or_address:
        return parse_address(uri_or_address).uri.user or ""
    return parse_uri(uri_or_address).user or ""


def new_via(peer: Peer, host: str, port: int) -> str:
    """Our Via for a request sent to `peer`: it names the transport actually used."""
    return f"SIP/2.0/{peer.transport.upper()} {host}:{port};branch={generate_branch()};rport"


def peer_of_uri(uri: str, default_transport: str) -> Peer:
    """Where a request for `uri` goes when no proxy and no Route says otherwise."""
    parsed = parse_uri(uri)
    transport = (parsed.params.get("transport") or default_transport).lower()
    return Peer(
        "tcp" if transport == "tcp" else "udp", parsed.host.strip("[]"), parsed.port or 5060
    )


def ack_for_failure(invite: SipRequest, response: SipResponse) -> SipRequest:
    """The ACK of a non-2xx final answer, part of the INVITE transaction (RFC 3261 §17.1.1.3)."""
    return _within_invite_transaction(invite, "ACK", response.get_header("to") or "")


def cancel_for(invite: SipRequest) -> SipRequest:
    """The CANCEL of a pending INVITE: same Via branch, URI, Route, From, To (§9.1)."""
    return _within_invite_transaction(invite, "CANCEL", invite.get_header("to") or "")


def _within_invite_transaction(invite: SipRequest, method: str, to: str) -> SipRequest:
    """A request that shares the INVITE's Via branch, URI, Route, From, Call-ID and CSeq
    number, with the To given (the answer's, tagged, for an ACK)."""
    request = SipRequest(method=method, uri=invite.uri)
    request.add_header("Via", invite.headers.get("via")[0])
    for route in invite.headers.get("route"):
        request.add_header("Route", route)
    request.set_header("Max-Forwards", "70")
    request.set_header("From", invite.get_header("from") or "")
    request.set_header("To", to)
    request.set_header("Call-ID", invite.call_id or "")
    request.set_header("CSeq", f"{cseq_of(invite)[0]} {method}")
    return request
