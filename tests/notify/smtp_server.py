"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives, optionally over TLS."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

SMTP_USER, SMTP_PASSWORD = "mailer", "mail-pass"


@dataclass
class Mailbox:
    port: int = 0
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    reject_rcpt: dict[str, str] = field(default_factory=dict)  # address -> SMTP reply
    # Per message, in the order of `messages`: the TLS version it came over, None for plain text.
    tls_versions: list[str | None] = field(default_factory=list)


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.box.reject_rcpt:
            return self.box.reject_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.box.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        # The transport, not session.ssl: aiosmtpd sets the latter only after STARTTLS.
        tls = server.transport.get_extra_info("ssl_object")
        self.box.tls_versions.append(tls.version() if isinstance(tls, ssl.SSLObject) else None)
        return "250 Message accepted"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def running_smtp(
    *,
    with_auth: bool = False,
    tls: Literal["starttls", "tls"] | None = None,
    cert: trustme.LeafCert | None = None,
) -> Iterator[Mailbox]:
    """tls="starttls" offers and requires STARTTLS; tls="tls" speaks TLS from the first byte.

    Both need `cert`, the server certificate (e.g. `trustme.CA().issue_cert("127.0.0.1")`).
    """
    box = Mailbox(port=_free_port())
    extra: dict[str, Any] = {}
    if with_auth:
        # aiosmtpd only knows about TLS it negotiated itself (STARTTLS), so with implicit TLS
        # it would refuse AUTH unless told not to insist; plain text tests need that too.
        extra = {
            "authenticator": _authenticate,
            "auth_require_tls": tls == "starttls",
            "auth_required": True,
        }
    if tls is not None:
        if cert is None:
            raise ValueError("a TLS server needs a certificate")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        if tls == "starttls":
            extra |= {"tls_context": context, "require_starttls": True}
        else:
            extra["ssl_context"] = context
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=box.port, **extra)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
