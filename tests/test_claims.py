"""Claims hold under concurrency on both databases: many senders on two connection pools
(as two bot processes would have) take broadcast recipients, and each row goes to
exactly one of them."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import insert

from db import broadcasts
from db.migrate import upgrade_database_async
from db.models import Patient, RecipientStatus, utcnow
from db.session import Database

PATIENTS = 120
SENDERS_PER_PROCESS = 8


async def test_concurrent_senders_claim_each_recipient_once(database_url: str) -> None:
    await upgrade_database_async(database_url)
    first, second = Database(database_url), Database(database_url)
    now = utcnow()
    async with first.transaction() as session:
        await session.execute(insert(Patient), [
            {"telegram_user_id": 500 + n, "chat_id": 500 + n, "first_name": f"P{n}",
             "first_seen_at": now, "last_seen_at": now, "messages_consent_at": now}
            for n in range(PATIENTS)])
        draft = await broadcasts.create_draft(session, "News", 1, now)
        assert await broadcasts.start(session, draft.id, 1, now, 1, 1) == PATIENTS

    claimed: Counter[int] = Counter()

    async def sender(database: Database) -> None:
        while True:
            async with database.transaction() as session:
                row = await broadcasts.claim_next(session, draft.id, utcnow())
                left = row is not None or await broadcasts.any_recipient(
                    session, draft.id, RecipientStatus.PENDING)
            if row is None:
                if not left:
                    return
                continue  # lost a race for a row: try again
            claimed[row[1]] += 1

    try:
        await asyncio.gather(*(sender(database) for database in (first, second)
                               for _ in range(SENDERS_PER_PROCESS)))
    finally:
        await first.dispose()
        await second.dispose()

    assert len(claimed) == PATIENTS
    assert set(claimed.values()) == {1}
