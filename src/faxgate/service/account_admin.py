"""Operator use cases on an account: templates and the account's own block list.

The renderer, which checks a new template, takes seconds to import: only add_template loads it,
so the other commands start without it.
"""

from __future__ import annotations

import time
from dataclasses import replace

from faxgate.domain.account_options import TEMPLATE_KINDS
from faxgate.domain.blocklist import parse_entries
from faxgate.domain.job import KEEP, AccountChanges, AccountSettings, StatusPush
from faxgate.sealing.box import SecretBox
from faxgate.service.errors import InvalidRequest, NotFound
from faxgate.store import accounts, outbox, templates
from faxgate.store.db import Database
from faxgate.store.templates import TemplateInfo


async def _require_account(db: Database, cust_nr: str) -> None:
    async with db.reader.connect() as conn:
        if not await accounts.account_exists(conn, cust_nr):
            raise NotFound(f"no account {cust_nr!r}")


async def add_template(
    db: Database, cust_nr: str, kind: str, name: str, content: bytes, is_default: bool
) -> None:
    """Store a template after checking it renders: a cover must be valid Jinja2 HTML,
    an overlay a PDF or an image."""
    from faxgate.render import check_overlay, check_template  # noqa: PLC0415 - see top

    if kind not in TEMPLATE_KINDS:
        raise InvalidRequest("kind", f"must be one of {', '.join(TEMPLATE_KINDS)}")
    if not name.strip():
        raise InvalidRequest("name", "must not be empty")
    try:
        if kind == "cover":
            check_template(content.decode("utf-8"))
        else:
            check_overlay(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest("template", str(exc)) from None
    await _require_account(db, cust_nr)
    async with db.writer.begin() as conn:
        await templates.put_template(conn, cust_nr, kind, name, content, is_default, time.time())


async def list_templates(db: Database, cust_nr: str | None) -> list[TemplateInfo]:
    """Every template (of one account, given its number), by account, kind and name."""
    async with db.reader.connect() as conn:
        return await templates.list_templates(conn, cust_nr)


async def set_block_list(
    db: Database, cust_nr: str, add: list[str], remove: list[str]
) -> list[str]:
    """Add and remove numbers or prefixes of the account's own block list; returns the list."""
    await _require_account(db, cust_nr)
    async with db.writer.begin() as conn:
        current = (await accounts.load_account_settings(conn, cust_nr)).block_list
        gone = set(parse_entries(remove))
        entries = sorted((set(parse_entries(current)) | set(parse_entries(add))) - gone)
        changes = AccountChanges(block_list=tuple(entries) or None)
        await accounts.update_account_settings(conn, cust_nr, changes)
    return entries


async def configure(
    db: Database, box: SecretBox, cust_nr: str, changes: AccountChanges
) -> AccountSettings:
    """Change account settings (push format, signing secret, default push, token URL,
    retention); the secrets among them are stored sealed, and returned sealed."""
    days = changes.retention_days
    if days is not KEEP and days is not None and not days > 0:
        raise InvalidRequest("retentionDays", "must be a positive number of days")
    await _require_account(db, cust_nr)
    async with db.writer.begin() as conn:
        return await accounts.update_account_settings(conn, cust_nr, _sealed(changes, box))


def _sealed(changes: AccountChanges, box: SecretBox) -> AccountChanges:
    secret, push = changes.push_secret, changes.default_push
    if isinstance(secret, str) and secret:
        changes = replace(changes, push_secret=box.seal(secret))
    if isinstance(push, StatusPush) and push.credentials:
        changes = replace(
            changes, default_push=replace(push, credentials=box.seal(push.credentials))
        )
    return changes


async def replay_notifications(db: Database, job_id: str) -> int:
    """Make a job's failed pushes and mails due again; returns how many."""
    async with db.writer.begin() as conn:
        return await outbox.replay(conn, job_id, time.time())
