"""Patient data stays with the user the bot runs as: every file the bot makes (the SQLite
database and its journal, backups) is 0600 and every folder it makes 0700, whatever the
umask it was started with; `python -m bot check` warns about a `.env` or database others
can read (`readable_by_others`)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

# What the process creates: no access for group or others.
PRIVATE_UMASK = 0o077
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def keep_files_private() -> None:
    """From here on, every file and folder this process creates is its user's alone."""
    os.umask(PRIVATE_UMASK)


def private_folder(folder: Path) -> None:
    """`folder`, made 0700 if it is new (an existing one is left as its owner set it)."""
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(PRIVATE_FOLDER)


def make_private(path: Path) -> None:
    """A file the bot wrote, 0600 whatever the umask was."""
    path.chmod(PRIVATE_FILE)


def sqlite_path(database_url: str) -> Path | None:
    """The SQLite file a database URL names; None for a server or an in-memory database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser()


def readable_by_others(path: Path) -> str | None:
    """The file's mode, as `chmod` writes it, if others than its owner may open it."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    return f"{mode:o}" if mode & 0o077 else None
