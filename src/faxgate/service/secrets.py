"""The stored secrets, for `faxgate secrets` (the key itself is sealing/keys.py's)."""

from __future__ import annotations

from faxgate.sealing.box import SecretBox
from faxgate.store.db import Database
from faxgate.store.sealed_rows import reseal_all


async def reseal(db: Database, box: SecretBox) -> dict[str, int]:
    """Seal every stored secret with the box's first key; the rows rewritten, per column."""
    return await reseal_all(db, box)
