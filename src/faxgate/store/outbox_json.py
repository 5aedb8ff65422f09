"""The stored JSON forms of an outbox row: its target, and the job snapshot (or received
fax) it is built from.

Targets carry a version (`"v": 2`). Rows queued before it hold the camelCase form the
notifier used to write (no `v`); they still load, so a pending delivery survives an upgrade.
Secrets keep their keys in both forms (`credentials`, `secret`), where sealing/fields.py's
PUSH_TARGET paths find them; they stay sealed as stored. An inbound push target (channel
`faxin`) has the push target's form, which is also how a Fax-In topic keeps its push target.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from faxgate.domain.faxin import FaxSource, ReceivedFax
from faxgate.domain.job import JobOptions, PushFormat
from faxgate.domain.notification import (
    Channel,
    FaxInSnapshot,
    FaxInTarget,
    JobSnapshot,
    MailTarget,
    PushTarget,
    Target,
)
from faxgate.domain.report import report_from_dict, report_to_dict
from faxgate.domain.report_options import PushAuth, ReportMailOptions
from faxgate.domain.statuses import FaxStatus
from faxgate.store.job_json import (
    StoredFormError,
    camel_mail,
    mail_from_json,
    mail_json,
    options_from_json,
    options_to_json,
)

VERSION = 2


def target_to_json(target: Target) -> str:
    document: dict[str, Any]
    if isinstance(target, FaxInTarget):
        target = target.push
    if isinstance(target, PushTarget):
        document = {
            "url": target.url,
            "auth": target.auth_method.value,
            "principal": target.principal,
            "credentials": target.credentials,
            "token_url": target.token_url,
            "scope": target.scope,
            "format": target.format.value,
            "secret": list(target.secrets) or None,
        }
    else:
        document = mail_json(target.mail)
    cleaned = {key: value for key, value in document.items() if value is not None}
    return json.dumps({"v": VERSION, **cleaned}, separators=(",", ":"), sort_keys=True)


def target_from_json(channel: str, text: str) -> Target:
    document = json.loads(text)
    if not isinstance(document, dict):
        raise StoredFormError(f"{channel} target: not a JSON object")
    version = document.get("v")
    if version is not None and version != VERSION:
        raise StoredFormError(f"{channel} target: version {version!r} is newer than this code")
    if channel == Channel.PUSH:
        return _push(document) if version else _camel_push(document)
    if channel == Channel.MAIL:
        mail = mail_from_json(document) if version else camel_mail(document) or _NO_MAIL
        return MailTarget(mail)
    if channel == Channel.FAXIN:
        if not version:  # no earlier form: this code wrote the first, with its version
            raise StoredFormError("faxin target: no version")
        return FaxInTarget(_push(document))
    raise StoredFormError(f"channel {channel!r}: expected push, mail or faxin")


def push_target_from_json(text: str) -> PushTarget:
    """A push target as target_to_json wrote it (a Fax-In topic's push target)."""
    document = json.loads(text)
    if not isinstance(document, dict) or document.get("v") != VERSION:
        raise StoredFormError(f"push target: not version {VERSION} JSON")
    return _push(document)


_NO_MAIL = ReportMailOptions()  # nothing to send, as an old row without addresses meant


def _push(document: dict[str, Any]) -> PushTarget:
    return PushTarget(
        url=document["url"],
        auth_method=PushAuth(document.get("auth", "NONE")),
        principal=document.get("principal"),
        credentials=document.get("credentials"),
        token_url=document.get("token_url"),
        scope=document.get("scope"),
        format=PushFormat(document.get("format", "XML")),
        secrets=_secrets(document.get("secret")),
    )


def _camel_push(document: dict[str, Any]) -> PushTarget:
    return PushTarget(
        url=document["url"],
        auth_method=PushAuth.parse(document.get("authMethod")),
        principal=document.get("principal"),
        credentials=document.get("credentials"),
        token_url=document.get("tokenUrl"),
        scope=document.get("scope"),
        # anything but JSON was sent as XML
        format=PushFormat.JSON if document.get("format") == "JSON" else PushFormat.XML,
        secrets=_secrets(document.get("secret")),
    )


def _secrets(value: object) -> tuple[str, ...]:
    """One secret, or a list of them during a rotation."""
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return tuple(v for v in values if isinstance(v, str) and v)


# ---------------------------------------------------------------- the job snapshot


def snapshot_to_json(snapshot: JobSnapshot | FaxInSnapshot) -> str:
    if isinstance(snapshot, FaxInSnapshot):
        return faxin_snapshot_to_json(snapshot)
    return json.dumps(
        {
            "report": report_to_dict(snapshot.report),
            "options": json.loads(options_to_json(_echoed(snapshot.options))),
            "documents": list(snapshot.documents),
        }
    )


def snapshot_from_json(text: str) -> JobSnapshot:
    """Also the snapshots queued before the typed options: their `options` are the request
    as it was stored (camelCase), which options_from_json reads."""
    document = json.loads(text)
    if not isinstance(document, dict):
        raise StoredFormError("snapshot: not a JSON object")
    return JobSnapshot(
        report=report_from_dict(document["report"]),
        options=options_from_json(json.dumps(document["options"])),
        documents=tuple(str(name) for name in document["documents"]),
    )


def _echoed(options: JobOptions) -> JobOptions:
    """The options without the push credentials: the snapshot only feeds the XML echo,
    which never shows them, so it need not hold a secret."""
    push = options.reporting.push
    if push is None or push.credentials is None:
        return options
    reporting = replace(options.reporting, push=replace(push, credentials=None))
    return replace(options, reporting=reporting)


# ---------------------------------------------------------------- the received fax

FAXIN_VERSION = 1


def faxin_snapshot_to_json(snapshot: FaxInSnapshot) -> str:
    fax = snapshot.fax
    return json.dumps(
        {
            "v": FAXIN_VERSION,
            "fax_id": snapshot.fax_id,
            "cust_nr": snapshot.cust_nr,
            "topic": snapshot.topic,
            "called_number": fax.called_number,
            "calling_number": fax.calling_number,
            "remote_csid": fax.remote_csid,
            "local_csid": fax.local_csid,
            "pages": fax.pages,
            "fine": fax.fine,
            "bit_rate": fax.bit_rate,
            "duration_secs": fax.duration_secs,
            "status": fax.status.value,
            "reason": fax.reason,
            "received_at": fax.received_at,
            "source": fax.source.value,
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def faxin_snapshot_from_json(text: str) -> FaxInSnapshot:
    document = json.loads(text)
    if not isinstance(document, dict):
        raise StoredFormError("received fax: not a JSON object")
    if document.get("v") != FAXIN_VERSION:
        raise StoredFormError(f"received fax: version {document.get('v')!r} is unknown")
    bit_rate = document["bit_rate"]
    return FaxInSnapshot(
        fax_id=str(document["fax_id"]),
        cust_nr=str(document["cust_nr"]),
        topic=str(document["topic"]),
        fax=ReceivedFax(
            called_number=str(document["called_number"]),
            calling_number=str(document["calling_number"]),
            remote_csid=str(document["remote_csid"]),
            local_csid=str(document["local_csid"]),
            pages=int(document["pages"]),
            fine=bool(document["fine"]),
            bit_rate=None if bit_rate is None else int(bit_rate),
            duration_secs=float(document["duration_secs"]),
            status=FaxStatus(document["status"]),
            reason=str(document["reason"]),
            received_at=float(document["received_at"]),
            source=FaxSource(document["source"]),
        ),
    )
