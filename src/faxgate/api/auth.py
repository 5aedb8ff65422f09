"""HTTP Basic authentication as the Fax4A SDKs send it (spec §2.1).

The Python SDK encodes with the URL-safe alphabet and may drop padding, so both alphabets
are accepted. No usable header → 400; wrong credentials or a foreign custNr → 401; too many
failures from the client's address or for the login → 429 (service/authenticator.py).
The client's address is the peer uvicorn saw, or the one a trusted proxy forwarded
(FAXGATE_TRUSTED_PROXIES, applied by uvicorn).
"""

from __future__ import annotations

import base64
import binascii

from starlette.requests import Request

from faxgate.service.auth import Identity
from faxgate.service.authenticator import Authenticator
from faxgate.service.errors import AuthorizationMissing
from faxgate.store.db import Database


def parse_basic(header: str | None) -> tuple[str, str]:
    if not header:
        raise AuthorizationMissing("no Authorization header (HTTP Basic is required)")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        raise AuthorizationMissing("the Authorization header must use HTTP Basic")
    token = token.strip().replace("-", "+").replace("_", "/")
    token += "=" * (-len(token) % 4)
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthorizationMissing("the Basic credentials are not valid base64") from None
    login, sep, password = decoded.partition(":")
    if not sep:
        raise AuthorizationMissing("the Basic credentials must be 'login:password'")
    return login, password


async def authenticate(
    request: Request, db: Database, logins: Authenticator, cust_nr: str
) -> Identity:
    """A login of the customer in the URL (a foreign custNr is a 401, like a wrong password)."""
    login, password = parse_basic(request.headers.get("authorization"))
    return await logins.authenticate(db, login, password, _client_host(request), cust_nr)


async def authenticate_login(request: Request, db: Database, logins: Authenticator) -> Identity:
    login, password = parse_basic(request.headers.get("authorization"))
    return await logins.authenticate(db, login, password, _client_host(request))


def _client_host(request: Request) -> str:
    return request.client.host if request.client else ""
