"""Staff dialogs' state (bot/services/dialogs.py): one row per dialog and person, until it
expires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialect import insert_for
from db.models import DialogState


async def load(session: AsyncSession, keys: list[str], now: datetime
               ) -> dict[str, tuple[int, str]]:
    """The live dialogs among `keys`: their state and draft (JSON). Expired ones go."""
    await session.execute(delete(DialogState).where(DialogState.key.in_(keys),
                                                    DialogState.expires_at <= now))
    rows = await session.execute(select(DialogState.key, DialogState.state, DialogState.data)
                                 .where(DialogState.key.in_(keys)))
    return {key: (state, data) for key, state, data in rows}


async def save(session: AsyncSession, key: str, state: int, data: str,
               expires_at: datetime) -> None:
    statement = insert_for(session, DialogState).values(
        key=key, state=state, data=data, expires_at=expires_at)
    await session.execute(statement.on_conflict_do_update(
        index_elements=[DialogState.key],
        set_={"state": state, "data": data, "expires_at": expires_at}))


async def end(session: AsyncSession, key: str) -> None:
    await session.execute(delete(DialogState).where(DialogState.key == key))
