"""Leases: a role only one process may hold at a time (the long poller). A holder renews
its lease well before it expires; a crashed holder's lease simply runs out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialect import insert_for
from db.models import Lease


async def acquire(session: AsyncSession, name: str, holder: str, now: datetime,
                  until: datetime) -> bool:
    """Take the lease if it is free, expired or already ours."""
    statement = insert_for(session, Lease).values(name=name, holder=holder, expires_at=until)
    taken = await session.scalar(
        statement.on_conflict_do_update(
            index_elements=[Lease.name],
            set_={"holder": holder, "expires_at": until},
            where=(Lease.expires_at < now) | (Lease.holder == holder))
        .returning(Lease.holder))
    return bool(taken == holder)


async def holder_of(session: AsyncSession, name: str) -> tuple[str, datetime] | None:
    row = (await session.execute(select(Lease.holder, Lease.expires_at)
                                 .where(Lease.name == name))).first()
    return (row[0], row[1]) if row else None


async def renew(session: AsyncSession, name: str, holder: str, until: datetime) -> bool:
    """Extend our lease; False if it is no longer ours (it ran out and was taken)."""
    renewed = await session.scalar(update(Lease)
                                   .where(Lease.name == name, Lease.holder == holder)
                                   .values(expires_at=until).returning(Lease.name))
    return renewed is not None


async def take_over(session: AsyncSession, name: str, old_holder: str, holder: str,
                    until: datetime) -> bool:
    """Take the lease from a holder known to be gone (unless someone else just did)."""
    taken = await session.scalar(update(Lease)
                                 .where(Lease.name == name, Lease.holder == old_holder)
                                 .values(holder=holder, expires_at=until)
                                 .returning(Lease.name))
    return taken is not None


async def alive(session: AsyncSession, prefix: str, now: datetime) -> set[str]:
    """The holders of unexpired leases whose names start with `prefix`."""
    return set(await expiries(session, prefix, now))


async def expiries(session: AsyncSession, prefix: str, now: datetime) -> dict[str, datetime]:
    """When each unexpired lease whose name starts with `prefix` runs out, by holder name."""
    rows = await session.execute(select(Lease.name, Lease.expires_at)
                                 .where(Lease.name.startswith(prefix, autoescape=True),
                                        Lease.expires_at > now))
    return {name[len(prefix):]: expires_at for name, expires_at in rows}


async def release(session: AsyncSession, name: str, holder: str) -> None:
    await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))
