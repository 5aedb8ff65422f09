"""URLs as shown in errors, logs and the job detail: a password in the URL itself
(``https://user:password@host/``) replaced by ***."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def without_password(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url if "@" not in url else "(a URL with credentials that does not parse)"
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{hostport}"))
