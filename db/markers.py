"""Named moments one process claims for all: something that must happen once however
many bot processes run and however often they restart (the weekly digest). Queries take
a session and never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.dialect import insert_for
from db.models import Marker


async def claim_once(session: AsyncSession, name: str, now: datetime) -> bool:
    """Whether this caller is the first to claim `name` (and so should act)."""
    claimed = await session.scalar(
        insert_for(session, Marker).values(name=name, changed_at=now)
        .on_conflict_do_nothing(index_elements=[Marker.name])
        .returning(Marker.name))
    return claimed is not None
