"""Per-account templates: cover pages (HTML) and overlays (one-page PDF or image)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from faxgate.store.tables import templates


@dataclass(frozen=True)
class TemplateInfo:
    cust_nr: str
    kind: str
    name: str
    size: int
    is_default: bool


async def put_template(
    conn: AsyncConnection,
    cust_nr: str,
    kind: str,
    name: str,
    content: bytes,
    is_default: bool,
    now: float,
) -> None:
    await conn.execute(
        delete(templates).where(
            templates.c.cust_nr == cust_nr, templates.c.kind == kind, templates.c.name == name
        )
    )
    if is_default:
        # One default per kind and account.
        await conn.execute(
            update(templates)
            .where(templates.c.cust_nr == cust_nr, templates.c.kind == kind)
            .values(is_default=False)
        )
    await conn.execute(
        templates.insert().values(
            cust_nr=cust_nr,
            kind=kind,
            name=name,
            content=content,
            is_default=is_default,
            created_at=now,
        )
    )


async def list_templates(conn: AsyncConnection, cust_nr: str | None) -> list[TemplateInfo]:
    query = select(templates).order_by(templates.c.cust_nr, templates.c.kind, templates.c.name)
    if cust_nr:
        query = query.where(templates.c.cust_nr == cust_nr)
    return [
        TemplateInfo(r.cust_nr, r.kind, r.name, len(r.content), bool(r.is_default))
        for r in await conn.execute(query)
    ]
