"""SIP messages from the wire: parsed with limits and checked before anything acts on them.

aiosipua's parser is lenient (it accepts a message without the blank line that ends the
headers, a body shorter than its Content-Length, any start line with three words). A
truncated or forged message must not reach the call logic, so the checks of RFC 3261 §8.2
and §18.3 that matter to us are made here.
"""

from __future__ import annotations

import re

from aiosipua import SipMessage, SipRequest, SipResponse
from aiosipua.headers import parse_via

MAX_MESSAGE_BYTES = 65536
MAX_HEADER_LINES = 100

_REQUEST_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9.!%*_+`'~-]{0,31}) (sips?:\S+) SIP/2\.0$")
_STATUS_LINE = re.compile(r"^SIP/2\.0 ([1-6][0-9][0-9]) ?(.*)$")
_CSEQ = re.compile(r"^([0-9]{1,10})\s+([A-Za-z][A-Za-z0-9.!%*_+`'~-]{0,31})$")
_CONTENT_LENGTH = re.compile(r"^[0-9]{1,6}$")
_HEADER_END = re.compile(rb"\r?\n\r?\n")


class MalformedMessage(ValueError):
    """Input that is not a SIP message we accept.

    `request` is set when the input is a request whose Via, CSeq, Call-ID, From and To could
    be read, so that a 400 can be sent back (RFC 3261 §8.2.2); otherwise it is dropped.
    """

    def __init__(self, reason: str, request: SipRequest | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.request = request


def parse_message(data: bytes) -> SipRequest | SipResponse:
    """Parse one whole message (a datagram, or a TCP frame) or raise MalformedMessage."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise MalformedMessage("message too large")
    end = _HEADER_END.search(data)
    head = data[: end.start()] if end else data
    if head.count(b"\n") >= MAX_HEADER_LINES:
        raise MalformedMessage("too many header lines")
    try:
        message = SipMessage.parse(data)
    except (ValueError, IndexError) as exc:
        raise MalformedMessage(f"unparsable: {exc}") from None
    request = message if isinstance(message, SipRequest) else None
    if request is not None and (request.method == "ACK" or not _can_answer(request)):
        request = None  # an ACK is never answered
    fault = _fault(message, head, end is not None)
    if fault:
        raise MalformedMessage(fault, request)
    return message


def _fault(message: SipRequest | SipResponse, head: bytes, has_header_end: bool) -> str | None:
    """What is wrong with a parsed message, or None."""
    if not has_header_end:
        return "no blank line after the headers"
    first_line = head.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")
    if isinstance(message, SipRequest):
        match = _REQUEST_LINE.match(first_line)
        if not match:
            return "bad request line"
        if not _can_answer(message):
            return "Via, CSeq, Call-ID, From or To missing or unreadable"
        cseq = _CSEQ.match(message.get_header("cseq") or "")
        if cseq is None or cseq.group(2) != message.method:
            return "CSeq does not match the method"
        if int(cseq.group(1)) >= 2**31:  # RFC 3261 §8.1.1.5
            return "CSeq number too large"
    else:
        if not _STATUS_LINE.match(first_line):
            return "bad status line"
        if not message.headers.get("via") or not _cseq_readable(message):
            return "Via or CSeq missing"
        if not message.call_id:
            return "Call-ID missing"
    for name in ("from", "to", "call-id", "cseq", "content-length"):
        if len(message.headers.get(name)) > 1:
            return f"{name} more than once"
    length = message.get_header("content-length")
    if length is not None:
        if not _CONTENT_LENGTH.match(length.strip()):
            return "bad Content-Length"
        if len(message.body) != int(length.strip()):
            return "body shorter than Content-Length"
    return None


def _can_answer(request: SipRequest) -> bool:
    """Whether the headers a response copies (RFC 3261 §8.2.6.2) can be read."""
    vias = request.headers.get("via")
    if not vias or not _cseq_readable(request) or not request.call_id:
        return False
    from_addr, to_addr = request.get_header("from"), request.get_header("to")
    if not from_addr or not to_addr:
        return False
    top = parse_via(vias[0])
    return bool(top.host) and top.transport in ("UDP", "TCP") and bool(top.branch)


def _cseq_readable(message: SipMessage) -> bool:
    return _CSEQ.match(message.get_header("cseq") or "") is not None
