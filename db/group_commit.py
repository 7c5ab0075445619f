"""Group commit: writes that arrive while one is being committed go together in the next
transaction, so many updates share one BEGIN, one statement per table and one COMMIT.

A lone write is committed at once, with no added wait; the batching comes only from the
queue that forms behind a transaction in progress. Every caller still gets its own
result (or its own error) only after its row is committed, so nothing is answered before
it is kept. If a batch fails, its writes are tried again one by one, so one bad write
fails alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from db.session import Database

logger = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")

# Enough to absorb a burst; small enough that one transaction stays short.
MOST_PER_TRANSACTION = 100


class GroupCommit(Generic[Item, Result]):
    """Runs `write(session, items) -> results` (one result per item, in order) for
    whatever has queued up, one transaction at a time.

    `key` names what two writes must not both touch in one transaction (a patient's row,
    say); the second waits for the next transaction.
    """

    def __init__(
        self,
        database: Database,
        write: Callable[[AsyncSession, list[Item]], Awaitable[list[Result]]],
        *,
        key: Callable[[Item], Hashable],
        most: int = MOST_PER_TRANSACTION,
    ) -> None:
        self._database = database
        self._write = write
        self._key = key
        self._most = most
        self._queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """`item` written and committed, with its result."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued(), name="group-commit")
        # A caller that is cancelled does not cancel the others' transaction.
        return await asyncio.shield(future)

    async def _write_queued(self) -> None:
        batch: list[tuple[Item, asyncio.Future[Result]]] = []
        try:
            while self._queue:
                batch = self._take_batch()
                await self._write_batch(batch)
        except asyncio.CancelledError:
            # Stopping: no caller is left waiting for a write that will not come.
            for _, future in batch + self._queue:
                future.cancel()
            self._queue = []
            raise

    async def _write_batch(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            results = await self._commit(batch)
        except Exception as error:
            if len(batch) == 1:
                _reject(batch[0][1], error)
                return
            logger.warning("A batch of %d writes failed; trying them one by one",
                           len(batch), exc_info=True)
            for entry in batch:
                await self._write_alone(entry)
            return
        for (_, future), result in zip(batch, results, strict=True):
            _resolve(future, result)

    def _take_batch(self) -> list[tuple[Item, asyncio.Future[Result]]]:
        batch: list[tuple[Item, asyncio.Future[Result]]] = []
        later: list[tuple[Item, asyncio.Future[Result]]] = []
        keys: set[Hashable] = set()
        for entry in self._queue:
            key = self._key(entry[0])
            if len(batch) < self._most and key not in keys:
                keys.add(key)
                batch.append(entry)
            else:
                later.append(entry)
        self._queue = later
        return batch

    async def _commit(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> list[Result]:
        async with self._database.transaction() as session:
            return await self._write(session, [item for item, _ in batch])

    async def _write_alone(self, entry: tuple[Item, asyncio.Future[Result]]) -> None:
        try:
            [result] = await self._commit([entry])
        except Exception as error:
            _reject(entry[1], error)
        else:
            _resolve(entry[1], result)


def _resolve(future: asyncio.Future[Result], result: Result) -> None:
    if not future.done():  # its caller may have been cancelled
        future.set_result(result)


def _reject(future: asyncio.Future[Result], error: Exception) -> None:
    """The caller's handler reports the error as for any failed write."""
    if not future.done():
        future.set_exception(error)
