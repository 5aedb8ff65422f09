"""What a fax job asks for, in the service's own terms (independent of the wire).

The API maps a Fax4A request onto these types (api/wire_map.py is the only place that knows
the camelCase names); the store saves them (store/job_json.py, versioned) and the pipeline,
render step and notifier read their fields. An optional field that is None was not given by
the client: the XML push echoes only what the job gave, so "absent" must survive storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, StrEnum

from faxgate.domain.report import Reference
from faxgate.domain.report_options import PushAuth, ReportMailOptions


class PaperFormat(StrEnum):
    """Paper size the documents are laid out on."""

    A4 = "A4"
    LETTER = "LETTER"


class Resolution(StrEnum):
    """Fax resolution: HIGH is fine (196 lpi), LOW is normal (98 lpi)."""

    HIGH = "HIGH"
    LOW = "LOW"


class OverlayMode(StrEnum):
    """Which pages get the overlay; the cover page counts as the first page."""

    ALL_PAGES = "ALL_PAGES"
    NO_OVERLAY = "NO_OVERLAY"
    FIRST_PAGE = "FIRST_PAGE"
    LAST_PAGE = "LAST_PAGE"
    ALL_BUT_FIRST_PAGE = "ALL_BUT_FIRST_PAGE"
    ALL_BUT_LAST_PAGE = "ALL_BUT_LAST_PAGE"
    ALL_BUT_FIRST_AND_LAST_PAGE = "ALL_BUT_FIRST_AND_LAST_PAGE"
    FIRST_FILE = "FIRST_FILE"


class PushFormat(StrEnum):
    XML = "XML"
    JSON = "JSON"


@dataclass(frozen=True)
class Overlay:
    name: str  # an overlay template of the account
    mode: OverlayMode


@dataclass(frozen=True)
class Rendering:
    paper: PaperFormat | None = None  # None: A4
    resolution: Resolution | None = None  # None: HIGH
    cover_template: str | None = None  # a cover template of the account (or its default)
    overlay: Overlay | None = None
    header: str | None = None  # header codes as in domain/header.py; None: the default line

    @property
    def fine(self) -> bool:
        return self.resolution is not Resolution.LOW

    @property
    def paper_format(self) -> PaperFormat:
        return self.paper or PaperFormat.A4

    @property
    def active_overlay(self) -> Overlay | None:
        """The overlay to draw: NO_OVERLAY names a template but draws nothing."""
        if self.overlay is None or self.overlay.mode is OverlayMode.NO_OVERLAY:
            return None
        return self.overlay


@dataclass(frozen=True)
class Transport:
    csid: str | None = None  # the sender's CSID (TSI); None: the installation's default
    express: bool | None = None
    blocklist_enabled: bool | None = None  # the Robinson-style list (PBLACKLIST is always on)


@dataclass(frozen=True)
class StatusPush:
    """Where the job's report is pushed. `credentials` is sealed while stored."""

    url: str
    auth: PushAuth = PushAuth.NONE
    principal: str | None = None
    credentials: str | None = None


@dataclass(frozen=True)
class Reporting:
    push: StatusPush | None = None
    mail: ReportMailOptions | None = None


@dataclass(frozen=True)
class JobOptions:
    """Everything a job asks for beyond its documents, recipients, reference and validity
    (those have columns and tables of their own)."""

    rendering: Rendering = field(default_factory=Rendering)
    transport: Transport = field(default_factory=Transport)
    reporting: Reporting = field(default_factory=Reporting)
    customer_reference: str | None = None  # meta.customerReference, echoed as jobReference


@dataclass(frozen=True)
class JobDocument:
    name: str  # its extension decides the file type
    charset: str | None = None  # as the client named it; the service checks it for .txt
    reference: str | None = None  # URL fetched at render time instead of inline content


@dataclass(frozen=True)
class Recipient:
    number: str  # as the client sent it
    numbers: tuple[str, ...]  # normalised: the main number, then the alternatives in order
    properties: tuple[tuple[str, str], ...] = ()  # cover-page key/value pairs, in order


@dataclass(frozen=True)
class Validity:
    start: datetime | None = None  # aware; None: now
    end: datetime | None = None  # aware; None: the default window after the start


@dataclass(frozen=True)
class JobRequest:
    """A job as the client asked for it, before the service checks and stores it. Inline
    document contents are carried beside it (they are bytes, and big)."""

    recipients: tuple[Recipient, ...]
    documents: tuple[JobDocument, ...] = ()
    reference: Reference = field(default_factory=Reference)
    options: JobOptions = field(default_factory=JobOptions)
    validity: Validity = field(default_factory=Validity)


@dataclass(frozen=True)
class AccountSettings:
    """An account's own settings (`faxgate configure`, `block`). Secrets are sealed while
    stored; `push_secrets` holds two during a rotation."""

    block_list: tuple[str, ...] = ()
    default_push: StatusPush | None = None
    default_mail: ReportMailOptions | None = None
    push_format: PushFormat = PushFormat.XML
    push_secrets: tuple[str, ...] = ()
    push_token_url: str | None = None
    push_token_scope: str | None = None
    retention_days: float | None = None


class Keep(Enum):
    KEEP = "keep"


KEEP = Keep.KEEP  # in AccountChanges: leave the setting as it is (None removes it)


@dataclass(frozen=True)
class AccountChanges:
    """A change to an account's settings: each field is a new value, None to remove the
    setting, or KEEP."""

    block_list: tuple[str, ...] | Keep | None = KEEP
    default_push: StatusPush | Keep | None = KEEP
    push_format: PushFormat | Keep | None = KEEP
    push_secret: str | Keep | None = KEEP
    push_token_url: str | Keep | None = KEEP
    retention_days: float | Keep | None = KEEP
