"""One Settings object, read from FAXGATE_* environment variables and CLI flags.

It is passed explicitly to whatever needs it; nothing reads the environment elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


def _seconds_list(text: str) -> tuple[float, ...]:
    return tuple(float(part) for part in text.split(",") if part.strip())


def _str_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("./data")
    db_url: str | None = None  # None: SQLite at <data_dir>/faxgate.db
    dc: str = "dc1"  # data-center identity, carried in job IDs
    region: str | None = None  # emulate a region: HA URL + DCs <region>1 and <region>2
    shared_reports: bool = False  # region emulation: every URL sees every job of the login
    # intake
    max_body_bytes: int = 64 * 1024 * 1024
    max_document_bytes: int = 20 * 1024 * 1024
    duplicate_window_secs: float = 24 * 3600.0  # 409 window for a repeated customerDefinedId
    # pipeline
    workers_in_serve: bool = True
    channels: int = 4  # concurrent calls per worker process
    calls_per_destination: int = 1
    lease_secs: float = 300.0
    poll_interval_secs: float = 0.5
    carrier: str = "auto"  # one of CARRIERS
    log_level: str = "INFO"  # DEBUG | INFO | WARNING | ERROR
    log_format: str = "auto"  # json | console | auto (console when stderr is a terminal)
    sim_delay_secs: float = 0.0  # simulator: real seconds a call takes
    default_csid: str = "faxgate"  # TSI when a job names no transportOptions.csid
    blocklist_file: Path | None = None  # do-not-fax list: one number or prefix a line
    # retry policy: separate budgets for calls that never connect and sessions that break off
    retry_no_connect_attempts: int = 5
    retry_mid_fax_attempts: int = 3
    retry_backoff_secs: tuple[float, ...] = (15.0, 30.0, 60.0, 120.0)
    # reports
    retention_days: float = 30.0
    faxin_retention_days: float = 7.0  # received faxes, acknowledged or not (spec §9)
    purge_interval_secs: float = 3600.0
    # outbound network guard (documents by reference, push, OAuth2 token URLs)
    allow_networks: tuple[str, ...] = ()
    fetch_timeout_secs: float = 30.0
    fetch_max_bytes: int = 20 * 1024 * 1024
    fetch_max_redirects: int = 5
    # rendering
    max_pages: int = 500
    converter_timeout_secs: float = 120.0
    render_timeout_secs: float = 600.0  # one recipient's whole render (all its documents)
    render_processes: int = 0  # 0: one per core
    rasteriser: str = "auto"  # auto: gs if installed (pdfium for 1-2 pages) | ghostscript | pdfium
    fax_compression: str = "g4"  # g4 | g3 (the spooled TIFF-F)
    # spandsp carrier
    spandsp_transport: str = "audio"  # audio | t38
    spandsp_g711: bool = False  # pass the audio through an A-law round trip
    spandsp_max_line_secs: float = 600.0
    # SIP trunk carrier (carrier=sip): numbers outside the test plan and this installation's
    # inbound numbers go to the trunk; see docs/carriers.md
    sip_listen: str = "0.0.0.0:5060"  # host:port of our SIP socket, UDP and TCP
    sip_proxy: str | None = None  # host:port of the trunk or outbound proxy
    sip_domain: str | None = None  # request URIs sip:{number}@{domain}; None: the proxy's host
    sip_transport: str = "udp"  # udp | tcp, towards the proxy
    sip_public_address: str | None = None  # address in Contact, Via and SDP (behind NAT)
    sip_user: str | None = None  # digest user (and From user of REGISTER)
    sip_password: str | None = field(default=None, repr=False)
    sip_register: bool = False  # register our contact with the proxy and refresh it
    sip_number_format: str = "e164"  # e164 (+4930…) | digits (4930…) | 00 (004930…)
    sip_t38: str = "reinvite"  # reinvite | direct | off
    sip_rtp_ports: str = "40000-49999"  # UDP ports for RTP and UDPTL, "low-high"
    sip_channels: int = 32  # simultaneous SIP calls, inbound and outbound together
    sip_ring_secs: float = 60.0  # an unanswered call is cancelled after this
    # status push and report mail
    push_timeout_secs: float = 10.0
    push_retry_period_secs: float = 24 * 3600.0
    push_backoff_secs: tuple[float, ...] = (10.0, 60.0, 300.0, 900.0, 3600.0)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_tls: str = "none"  # none | starttls | tls
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_ca_file: Path | None = None  # PEM CA(s) trusted besides the system ones
    mail_from: str = "faxgate@localhost"

    # secrets at rest
    # Fernet key(s) sealing push credentials and push secrets, comma-separated, the first
    # sealing and all unsealing; None: the key file below
    secret_key: str | None = field(default=None, repr=False)
    secret_key_file: Path | None = None  # None: <data_dir>/secret.key, made at first start
    encrypt_files: bool = False  # also encrypt stored documents, spooled and received faxes

    # logins
    login_failure_window_secs: float = 600.0  # failures are forgotten at limit/window a second
    login_failures_per_address: int = 20  # per client address (IPv6: per /64) in the window
    login_failures_per_login: int = 100  # per login, from addresses it never succeeded from
    login_known_address_secs: float = 86400.0  # a success exempts that address from the above
    login_throttle_max_entries: int = 100_000  # per table; the least recently used goes first
    login_hash_concurrency: int = 0  # argon2 checks at once (64 MiB each); 0: one per core
    login_hash_queue: int = 64  # checks that may wait for a slot; more get 503
    login_hash_wait_secs: float = 10.0  # longest wait for a slot before 503
    login_recheck_secs: float = 2.0  # a remembered login re-reads its password hash this often
    trusted_proxies: tuple[str, ...] = ()  # addresses/networks whose X-Forwarded-For counts

    # converter sandbox
    # Converters (gs, LibreOffice) in bubblewrap: auto (bwrap if it works, else unconfined
    # with a loud warning) | bwrap (required: no start without it) | off (unsafe)
    sandbox: str = "auto"

    # decoding limits
    # an image frame with more pixels is refused before decoding (an A4 page scanned at
    # 600 dpi is 35 Mpx; a JPEG counts at the reduced scale it is decoded at); at most
    # 89,478,485 (Pillow's bomb limit, set explicitly)
    max_image_pixels: int = 40_000_000
    # HTML documents and cover templates with more tags are refused before WeasyPrint parses
    # them: it builds every element's box before laying out any page (some 5 KB a tag)
    max_html_tags: int = 50_000

    # HTTP: what one request may carry, and how long a connection may take
    http_max_header_bytes: int = 64 * 1024  # request line and headers; over it: 431
    http_max_header_fields: int = 100  # header lines of one request; over it: 431
    http_header_timeout_secs: float = 10.0  # to send a request's headers, else closed
    http_keep_alive_secs: float = 5.0  # an idle keep-alive connection is closed after this
    http_max_connections: int = 1000  # open connections; one more is answered 503 and closed
    http_body_budget_bytes: int = 128 * 1024 * 1024  # bodies held by all requests at once
    http_body_wait_secs: float = 5.0  # wait for room in the budget this long, then 503
    http_body_timeout_secs: float = 60.0  # longest pause while a body is sent, then 408
    max_json_elements: int = 1_000_000  # JSON values in one body (each costs memory to parse)
    max_recipients: int = 1000  # per job
    max_documents: int = 50  # per job
    max_mail_addresses: int = 10  # per reportMail successAddress / failureAddress

    # disk full; deleted and expired jobs stop their work
    disk_min_free_bytes: int = 128 * 1024 * 1024  # below this free on the data dir: 503s
    disk_reserve_bytes: int = 32 * 1024 * 1024  # set aside in the data dir, freed on ENOSPC; 0: off
    disk_retry_secs: float = 30.0  # a recipient stopped by a full disk or I/O fault tries again
    job_check_secs: float = 2.0  # a busy channel looks this often if its job was deleted/expired

    # spool
    # where the sent and received fax images are kept: data-dir (under the data directory,
    # shared by every process) | database (in the database: hosts share nothing else)
    spool: str = "data-dir"

    @property
    def database_url(self) -> str:
        if self.db_url:
            return self.db_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'faxgate.db').resolve()}"

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite database file, None on PostgreSQL or in memory."""
        url = self.database_url
        if not url.startswith("sqlite"):
            return None
        path = url.split("///", 1)[-1]
        return Path(path) if path and path != ":memory:" else None

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"FAXGATE_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _convert(f.name, str(f.type), raw)
        level = values["log_level"] = values.get("log_level", "INFO").upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"FAXGATE_LOG_LEVEL: {level!r} is not {', '.join(LOG_LEVELS)}")
        if values.get("log_format", "auto") not in LOG_FORMATS:
            fault = f"{values['log_format']!r} is not {', '.join(LOG_FORMATS)}"
            raise ValueError(f"FAXGATE_LOG_FORMAT: {fault}")
        carrier = values.get("carrier", "auto")
        if carrier not in CARRIERS.split("|"):
            raise ValueError(f"FAXGATE_CARRIER: unknown carrier {carrier!r}; one of {CARRIERS}")
        return cls(**values)


CARRIERS = "auto|simulator|spandsp|sip"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("auto", "json", "console")


def _convert(name: str, type_name: str, raw: str) -> Any:
    if type_name.endswith("None") and not raw.strip():
        return None  # FAXGATE_X= unsets an optional setting (Path("") would be ".")
    try:
        if type_name.startswith("Path"):
            return Path(raw)
        if type_name == "bool":
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if type_name == "int":
            if not raw.strip().lstrip("-").isdigit():
                raise ValueError(f"must be a whole number, not {raw!r}")
            return int(raw)
        if type_name == "float":
            try:
                return float(raw)
            except ValueError:
                raise ValueError(f"must be a number, not {raw!r}") from None
        if type_name == "tuple[float, ...]":
            return _seconds_list(raw)
        if type_name == "tuple[str, ...]":
            return _str_list(raw)
    except ValueError as exc:
        raise ValueError(f"FAXGATE_{name.upper()}: {exc}") from exc
    return raw
