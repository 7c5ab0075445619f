"""`python -m bot backup [DIR]`: a consistent copy of the clinic's database, made while
the bot runs, named by date, keeping the last `BACKUP_KEEP`.

SQLite: SQLite's online backup API copies the file page by page under its own locking,
so the copy is a consistent snapshot (every transaction committed before it began, none
half-written) even while the bot writes. PostgreSQL: `pg_dump` in its custom format, if
it is installed; otherwise the command says how to run it. Restoring is in
docs/deployment.md ("Backups").
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from db.private_files import make_private, private_folder

PREFIX = "clinic-"


class BackupError(Exception):
    """The backup could not be made; the message says why, for the operator."""


@dataclass(frozen=True)
class Backup:
    path: Path
    removed: list[Path]


def back_up(database_url: str, folder: Path, keep: int, now: datetime) -> Backup:
    url = make_url(database_url)
    private_folder(folder)
    stamp = f"{now:%Y-%m-%d-%H%M%S}"
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise BackupError("the database is in memory; there is nothing to back up")
        source = Path(url.database)
        if not source.exists():
            raise BackupError(f"{source} does not exist (has the bot run yet?)")
        target = folder / f"{PREFIX}{stamp}.db"
        _copy_sqlite(source, target)
        suffix = ".db"
    else:
        target = folder / f"{PREFIX}{stamp}.dump"
        _pg_dump(url.set(drivername="postgresql"), target)
        suffix = ".dump"
    make_private(target)  # patients' data, whatever the umask
    return Backup(target, _prune(folder, suffix, keep))


def _copy_sqlite(source: Path, target: Path) -> None:
    partial = target.with_suffix(".partial")
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as origin, \
                sqlite3.connect(partial) as copy:
            origin.execute("PRAGMA busy_timeout=5000")
            origin.backup(copy)
        partial.replace(target)  # only a whole copy carries the backup's name
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"SQLite could not copy {source}: {error}") from None


def _pg_dump(url: URL, target: Path) -> None:
    """The password goes by PGPASSWORD, never on the command line (`ps` shows that)."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "pg_dump is not installed here. Install PostgreSQL's client tools (Debian: "
            "apt install postgresql-client), or run on the database server: "
            f"pg_dump --format=custom --file={target.name} DATABASE")
    env = dict(os.environ, PGPASSWORD=url.password or "")
    address = url.set(password=None).render_as_string(hide_password=False)
    done = subprocess.run([pg_dump, "--format=custom", f"--file={target}", "--dbname",
                           address], capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip().splitlines()[-1:]}")


def _prune(folder: Path, suffix: str, keep: int) -> list[Path]:
    """Keep the newest `keep` backups of this kind; the names sort by date."""
    backups = sorted(folder.glob(f"{PREFIX}*{suffix}"))
    old = backups[:-keep] if keep > 0 else []
    for path in old:
        path.unlink()
    return old
