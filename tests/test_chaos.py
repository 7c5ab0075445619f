"""Kill -9 chaos at a busy moment: 60 patients each have a booking notice, a guide and a
reminder due at once, and a broadcast goes to the same 60 (240 messages, four to each
chat, queued behind Telegram's one a second per chat and 30 a second overall). The real
bot process is killed with SIGKILL five times while it sends (the first mid-broadcast, the
others once a seeded number of messages went out after a restart, or at once when nothing
is left to send) and started again.

The rule (db/planned.py, db/broadcasts.py): a message whose request to Telegram had not
begun when its process died is sent after the restart; one whose request had begun (its
`on_wire_at` is set) may or may not have arrived, and Telegram cannot be asked, so it is
not sent again: at most once. Afterwards, counted at the stand-in: no message twice, and
every message arrived or is recorded as in doubt, having been on the wire at a kill. How
many were in doubt per kill is printed with the test's figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.stand_in import TelegramStub
from db.models import (
    MessageStatus,
    RecipientStatus,
)
from tests.support.chaos import ON_THE_WIRE, PATIENTS, run_chaos

# Tens of seconds each: started first, so no worker is left finishing one alone.
pytestmark = pytest.mark.slow(seconds=35)


@pytest.mark.timeout(240)
async def test_five_sigkills_repeat_nothing_and_lose_nothing_that_was_not_on_the_wire(
    telegram: TelegramStub, tmp_path: Path, database_url: str,
    record_property: Callable[[str, object], None],
) -> None:
    chaos = await run_chaos(telegram, tmp_path, database_url)

    assert chaos.returncode == 0, chaos.stderr[-2000:]
    assert len(chaos.found) == 4 * PATIENTS
    assert set(chaos.counts.values()) == {1}, [
        key for key, n in chaos.counts.items() if n > 1][:10]
    in_doubt = chaos.in_doubt
    assert {status for status, _ in in_doubt.values()} <= {
        MessageStatus.FAILED, RecipientStatus.FAILED}, in_doubt
    assert all(on_wire is not None and any(
        timedelta(0) <= kill - on_wire <= ON_THE_WIRE for kill in chaos.kills)
        for _, on_wire in in_doubt.values()), (in_doubt, chaos.kills)
    # Nothing whose request had not begun is lost: whatever did not arrive is in doubt.
    assert chaos.missing <= in_doubt.keys(), sorted(chaos.missing - in_doubt.keys())[:10]
    record_property("figures", chaos.figures(database_url.partition(":")[0]))
