"""Where notifications go: typed targets, and the rules that pick them.

A finished job's own status push and report mail win; without them the account's defaults
apply. The push target also carries what only the account knows: the body format, the signing
secrets and the OAuth2 token endpoint. A received fax goes to its topic's inbound push, signed
with the same account secrets. Secrets are carried as stored (sealed); the drainer unseals a
copy just for the request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import ClassVar

from faxgate.domain.faxin import ReceivedFax
from faxgate.domain.job import AccountSettings, JobOptions, PushFormat
from faxgate.domain.report import JobReport
from faxgate.domain.report_options import PushAuth, ReportMailOptions


class Channel(StrEnum):
    PUSH = "push"
    MAIL = "mail"
    FAXIN = "faxin"  # a received fax, to its topic's push target (spec §10)


@dataclass(frozen=True)
class PushTarget:
    url: str
    auth_method: PushAuth = PushAuth.NONE
    principal: str | None = None  # user, or OAuth2 client id
    credentials: str | None = None  # password, or OAuth2 client secret
    token_url: str | None = None  # OAuth2 only
    scope: str | None = None  # OAuth2 only; some servers need one for client credentials
    format: PushFormat = PushFormat.XML
    secrets: tuple[str, ...] = ()  # signing secrets; two during a rotation, none: unsigned

    channel: ClassVar[Channel] = Channel.PUSH

    def __repr__(self) -> str:  # keep credentials out of logs and tracebacks
        return f"PushTarget(url={self.url!r}, auth_method={self.auth_method.value})"

    def with_secrets(self, change: Callable[[str], str]) -> PushTarget:
        """A copy with `change` applied to each secret (to seal or unseal them)."""
        return replace(
            self,
            credentials=change(self.credentials) if self.credentials else self.credentials,
            secrets=tuple(change(s) for s in self.secrets),
        )


@dataclass(frozen=True)
class MailTarget:
    """A report mail: the address for each outcome, and which fax image it attaches."""

    mail: ReportMailOptions

    channel: ClassVar[Channel] = Channel.MAIL


@dataclass(frozen=True)
class FaxInTarget:
    """The inbound push of a Fax-In topic: a push target posted as JSON_POST (spec §10)."""

    push: PushTarget

    channel: ClassVar[Channel] = Channel.FAXIN


JobTarget = PushTarget | MailTarget
Target = PushTarget | MailTarget | FaxInTarget


@dataclass(frozen=True)
class JobSnapshot:
    """A finished job as its notifications tell it, kept with them in the outbox: a push or
    mail can still be built after the job is deleted."""

    report: JobReport
    options: JobOptions  # for the XML push's echo of the request
    documents: tuple[str, ...]  # the document names, in order


@dataclass(frozen=True)
class FaxInSnapshot:
    """A received fax as its inbound push tells it, kept in the outbox row: the files are
    read from the spool at delivery time, so the row holds no image."""

    fax_id: str
    cust_nr: str
    topic: str
    fax: ReceivedFax


def plan_targets(options: JobOptions, account: AccountSettings) -> tuple[JobTarget, ...]:
    """The job's own push and mail settings, else the account's defaults. A job that gives
    a report mail without an address gets no mail (it does not fall back to the default)."""
    targets: list[JobTarget] = []
    push = options.reporting.push or account.default_push
    if push is not None and push.url:
        targets.append(
            PushTarget(
                url=push.url,
                auth_method=push.auth,
                principal=push.principal,
                credentials=push.credentials,
                token_url=account.push_token_url,
                scope=account.push_token_scope,
                format=account.push_format,
                secrets=account.push_secrets,
            )
        )
    mail = options.reporting.mail or account.default_mail
    if mail is not None and (mail.success_address or mail.failure_address):
        targets.append(MailTarget(mail))
    return tuple(targets)


def plan_faxin_target(
    topic_push: PushTarget | None, account: AccountSettings
) -> FaxInTarget | None:
    """The inbound push of a fax of a topic: the topic's target (URL and credentials), with
    the account's signing secrets, as JSON."""
    if topic_push is None or not topic_push.url:
        return None
    return FaxInTarget(replace(topic_push, format=PushFormat.JSON, secrets=account.push_secrets))


PUSH_URL_MAX = 2048  # characters; longer URLs are refused by many servers anyway
CREDENTIAL_MAX = 1024  # characters of a push user or password


def push_url_fault(url: str) -> str | None:
    """Why `url` cannot be a push target, or None."""
    if len(url) > PUSH_URL_MAX:
        return f"at most {PUSH_URL_MAX} characters"
    if not re.fullmatch(r"https?://[^\s/?#]+(?:[/?#]\S*)?", url, re.IGNORECASE):
        return "must be an http:// or https:// URL"
    return None
