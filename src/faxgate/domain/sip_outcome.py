"""The Fax4A status of a SIP call that was never answered, from the final answer to our INVITE.

The status decides the redial (domain/statuses.py, domain/retry.py): a busy line, a ring
timeout and a failing network are dialled again under the no-connect budget (BUSY, RING_TO,
DIAL_GF); a number that does not exist, a far end that cannot take audio and a call the
trunk refuses are not (WRONG_NO, NOFAX, DIAL_NC, CHANGED_NO). The reason a person reads
names the SIP code and phrase: "486 Busy Here: the line is busy".
"""

from __future__ import annotations

from faxgate.domain.statuses import FaxStatus

S = FaxStatus
_MAX_PHRASE = 60  # a far end's reason phrase is shown only this long

# code -> (status, standard phrase, what it means for the call)
_BY_CODE: dict[int, tuple[FaxStatus, str, str]] = {
    301: (S.CHANGED_NO, "Moved Permanently", "the number has moved (redirects are not followed)"),
    400: (S.DIAL_NC, "Bad Request", "the trunk could not read our INVITE"),
    401: (S.DIAL_NC, "Unauthorized", "the trunk refused our credentials"),
    403: (S.DIAL_NC, "Forbidden", "the trunk does not allow this call"),
    404: (S.WRONG_NO, "Not Found", "the number does not exist"),
    407: (S.DIAL_NC, "Proxy Authentication Required", "the trunk refused our credentials"),
    408: (S.RING_TO, "Request Timeout", "no answer"),
    410: (S.CHANGED_NO, "Gone", "the number is no longer in service"),
    480: (S.RING_TO, "Temporarily Unavailable", "nobody answers at the number now"),
    484: (S.WRONG_NO, "Address Incomplete", "the number is incomplete"),
    486: (S.BUSY, "Busy Here", "the line is busy"),
    487: (S.DIAL_GF, "Request Terminated", "the network ended the call before an answer"),
    488: (S.NOFAX, "Not Acceptable Here", "the far end takes neither G.711 audio nor T.38"),
    491: (S.DIAL_GF, "Request Pending", "the call crossed another request"),
    600: (S.BUSY, "Busy Everywhere", "the line is busy"),
    603: (S.DIAL_NC, "Decline", "the far end declined the call"),
    604: (S.WRONG_NO, "Does Not Exist Anywhere", "the number does not exist"),
    606: (S.NOFAX, "Not Acceptable", "the far end takes neither G.711 audio nor T.38"),
}
# Codes not in the table, by class: 3xx are not followed, other 4xx and 6xx refuse this
# call for good, 5xx are failures of the network, worth a later try.
_BY_CLASS: dict[int, tuple[FaxStatus, str, str]] = {
    3: (S.DIAL_NC, "Redirection", "the call was redirected (redirects are not followed)"),
    4: (S.DIAL_NC, "Request Failure", "the trunk refused the call"),
    5: (S.DIAL_GF, "Server Failure", "the network failed to set up the call"),
    6: (S.DIAL_NC, "Global Failure", "the call was refused"),
}


def failed_call_status(
    code: int, cancelled: bool, phrase: str | None = None
) -> tuple[FaxStatus, str]:
    """Status and reason of an INVITE that ended with the final non-2xx answer `code`
    (408 when nothing answered at all). `cancelled`: we sent CANCEL because the ring time
    was over. `phrase`: the reason phrase as received, else (and after our CANCEL) the
    standard one is shown."""
    if not 300 <= code <= 699:
        raise ValueError(f"not the final answer of a failed call: SIP code {code}")
    if cancelled and code in (408, 487):  # the answer to our CANCEL: its phrase is ours
        standard = _BY_CODE[code][1]
        return S.RING_TO, f"{code} {standard}: no answer before the ring time was over (cancelled)"
    status, standard, meaning = _BY_CODE.get(code) or _BY_CLASS[code // 100]
    return status, f"{code} {_shown(phrase) or standard}: {meaning}"


def _shown(phrase: str | None) -> str:
    """The far end's phrase as it may appear in a report: printable, one line, bounded."""
    if phrase is None:
        return ""
    printable = "".join(c if c.isprintable() else " " for c in phrase[: _MAX_PHRASE * 4])
    compact = " ".join(printable.split())
    return compact if len(compact) <= _MAX_PHRASE else compact[: _MAX_PHRASE - 1] + "…"
