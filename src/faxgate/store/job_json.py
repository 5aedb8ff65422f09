"""The stored JSON forms of a job's options and of an account's settings.

Job options carry a version (`"v": 2`). Rows written before it hold the Fax4A request itself
(camelCase, as the wire models dumped it: documents without data, no `v`); they still load,
so no migration has to rewrite them. Account settings keep the keys `faxgate configure` has
always written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from faxgate.domain.job import (
    KEEP,
    AccountChanges,
    AccountSettings,
    JobOptions,
    Overlay,
    OverlayMode,
    PaperFormat,
    PushFormat,
    Rendering,
    Reporting,
    Resolution,
    StatusPush,
    Transport,
)
from faxgate.domain.report_options import ImageFormat, ImageMode, PushAuth, ReportMailOptions

VERSION = 2
E = TypeVar("E", PaperFormat, Resolution)


class StoredFormError(ValueError):
    """A stored document that no version of this code wrote."""


def _clean(value: Any) -> Any:
    """Drop None values (and the dicts left empty by that), so absent stays absent."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in cleaned.items() if v != {}}
    return value


def mail_json(mail: ReportMailOptions) -> dict[str, Any]:
    """A report mail's stored form, in job options and in outbox targets alike."""
    return {
        "success": mail.success_address,
        "failure": mail.failure_address,
        "image_mode": mail.attached_fax_image_mode.value,
        "image_format": mail.attached_fax_image_format.value,
    }


def mail_from_json(mail: dict[str, Any]) -> ReportMailOptions:
    return ReportMailOptions(
        success_address=mail.get("success"),
        failure_address=mail.get("failure"),
        attached_fax_image_mode=ImageMode.parse(mail.get("image_mode")),
        attached_fax_image_format=ImageFormat.parse(mail.get("image_format")),
    )


def _push_json(push: StatusPush | None) -> dict[str, Any] | None:
    if push is None:
        return None
    return {
        "url": push.url,
        "auth": push.auth.value,
        "principal": push.principal,
        "credentials": push.credentials,
    }


def options_to_json(options: JobOptions) -> str:
    rendering, transport = options.rendering, options.transport
    overlay = rendering.overlay
    document = {
        "v": VERSION,
        "rendering": {
            "paper": rendering.paper and rendering.paper.value,
            "resolution": rendering.resolution and rendering.resolution.value,
            "cover_template": rendering.cover_template,
            "overlay": overlay and {"name": overlay.name, "mode": overlay.mode.value},
            "header": rendering.header,
        },
        "transport": {
            "csid": transport.csid,
            "express": transport.express,
            "blocklist_enabled": transport.blocklist_enabled,
        },
        "reporting": {
            "push": _push_json(options.reporting.push),
            "mail": options.reporting.mail and mail_json(options.reporting.mail),
        },
        "customer_reference": options.customer_reference,
    }
    return json.dumps(_clean(document), separators=(",", ":"), sort_keys=True)


def options_from_json(text: str) -> JobOptions:
    document = json.loads(text)
    if not isinstance(document, dict):
        raise StoredFormError("job options: not a JSON object")
    version = document.get("v")
    if version is None:
        return _legacy_options(document)
    if version != VERSION:
        raise StoredFormError(f"job options: version {version!r} is newer than this code")
    rendering = document.get("rendering", {})
    transport = document.get("transport", {})
    reporting = document.get("reporting", {})
    overlay = rendering.get("overlay")
    mail = reporting.get("mail")
    push = reporting.get("push")
    return JobOptions(
        rendering=Rendering(
            paper=_enum(PaperFormat, rendering.get("paper")),
            resolution=_enum(Resolution, rendering.get("resolution")),
            cover_template=rendering.get("cover_template"),
            overlay=overlay and Overlay(overlay["name"], OverlayMode(overlay["mode"])),
            header=rendering.get("header"),
        ),
        transport=Transport(
            csid=transport.get("csid"),
            express=transport.get("express"),
            blocklist_enabled=transport.get("blocklist_enabled"),
        ),
        reporting=Reporting(
            push=push
            and StatusPush(
                url=push["url"],
                auth=PushAuth(push.get("auth", "NONE")),
                principal=push.get("principal"),
                credentials=push.get("credentials"),
            ),
            mail=mail and mail_from_json(mail),
        ),
        customer_reference=document.get("customer_reference"),
    )


def _enum(kind: type[E], value: str | None) -> E | None:
    return None if value is None else kind(value)


# ---------------------------------------------------------------- the camelCase forms


def camel_push(push: Mapping[str, Any] | None) -> StatusPush | None:
    """`httpStatusPush` of a request as stored before v2, or an account's `defaultPush`."""
    if not push or not push.get("targetUrl"):
        return None
    return StatusPush(
        url=push["targetUrl"],
        auth=PushAuth.parse(push.get("authMethod")),
        principal=push.get("principal"),
        credentials=push.get("credentials"),
    )


def camel_mail(mail: Mapping[str, Any] | None) -> ReportMailOptions | None:
    if not mail:
        return None
    return ReportMailOptions(
        success_address=mail.get("successAddress"),
        failure_address=mail.get("failureAddress"),
        attached_fax_image_mode=ImageMode.parse(mail.get("attachedFaxImageMode")),
        attached_fax_image_format=ImageFormat.parse(mail.get("attachedFaxImageFormat")),
    )


def _legacy_options(request: dict[str, Any]) -> JobOptions:
    rendering = request.get("renderingOptions") or {}
    transport = request.get("transportOptions") or {}
    reporting = request.get("statusReportOptions") or {}
    overlay = rendering.get("overlay")
    return JobOptions(
        rendering=Rendering(
            paper=_enum(PaperFormat, rendering.get("paperFormat")),
            resolution=_enum(Resolution, rendering.get("resolution")),
            cover_template=rendering.get("coverpageTemplate"),
            overlay=overlay and Overlay(overlay["name"], OverlayMode(overlay["mode"])),
            header=rendering.get("header"),
        ),
        transport=Transport(
            csid=transport.get("csid"),
            express=transport.get("isExpress"),
            blocklist_enabled=transport.get("isBlacklistEnabled"),
        ),
        reporting=Reporting(
            push=camel_push(reporting.get("httpStatusPush")),
            mail=camel_mail(reporting.get("reportMail")),
        ),
        customer_reference=(request.get("meta") or {}).get("customerReference"),
    )


# ---------------------------------------------------------------- account settings


def account_from_json(text: str | None) -> AccountSettings:
    settings: dict[str, Any] = {} if text is None else json.loads(text)
    secret = settings.get("pushSecret")
    days = settings.get("retentionDays")
    return AccountSettings(
        block_list=tuple(settings.get("blockList") or ()),
        default_push=camel_push(settings.get("defaultPush")),
        default_mail=camel_mail(settings.get("defaultReportMail")),
        push_format=PushFormat((settings.get("pushFormat") or "XML").upper()),
        push_secrets=tuple(s for s in ([secret] if isinstance(secret, str) else secret or ()) if s),
        push_token_url=settings.get("pushTokenUrl"),
        push_token_scope=settings.get("pushTokenScope"),
        retention_days=None if days is None else float(days),
    )


def account_changes_json(changes: AccountChanges) -> dict[str, Any]:
    """The stored keys a change sets; a None value removes its key."""
    stored: dict[str, Any] = {}
    if changes.block_list is not KEEP:
        stored["blockList"] = list(changes.block_list) if changes.block_list else None
    if changes.default_push is not KEEP:
        push = changes.default_push
        stored["defaultPush"] = push and {
            "targetUrl": push.url,
            "authMethod": push.auth.value,
            "principal": push.principal,
            "credentials": push.credentials,
        }
    if changes.push_format is not KEEP:
        stored["pushFormat"] = changes.push_format and changes.push_format.value
    if changes.push_secret is not KEEP:
        stored["pushSecret"] = changes.push_secret or None
    if changes.push_token_url is not KEEP:
        stored["pushTokenUrl"] = changes.push_token_url or None
    if changes.retention_days is not KEEP:
        stored["retentionDays"] = changes.retention_days or None
    return stored
