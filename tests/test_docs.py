"""Docs that cannot drift: every setting the configuration page lists is one the bot reads
and `.env.example` explains, and every relative link in the Markdown files leads to a
file (and heading) that exists."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.settings import Settings

ROOT = Path(__file__).parent.parent
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
SETTING_ROW = re.compile(r"^\| `([A-Z0-9_]+)`(?: / `([A-Z0-9_]+)`)? \|", re.MULTILINE)
ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]+)=", re.MULTILINE)


def markdown_files() -> list[Path]:
    return [path for path in ROOT.rglob("*.md")
            if not any(part.startswith(".") or part.endswith(".egg-info")
                       for part in path.relative_to(ROOT).parts)]


def slug(heading: str) -> str:
    """A heading's anchor, as GitHub makes it."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.DOTALL)
    return {slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def test_every_relative_link_in_the_docs_resolves() -> None:
    broken = []
    for path in markdown_files():
        text = re.sub(r"```.*?```", "", path.read_text(), flags=re.DOTALL)
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            file_part, _, anchor = target.partition("#")
            resolved = (path.parent / file_part).resolve() if file_part else path
            if not resolved.exists():
                broken.append(f"{path.relative_to(ROOT)}: {target}")
            elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
                broken.append(f"{path.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == []


def test_the_settings_documented_are_the_ones_the_bot_reads() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text()
    documented = {name for pair in SETTING_ROW.findall(page) for name in pair if name}
    read = {name.upper() for name in Settings.model_fields}
    example = set(ASSIGNMENT.findall((ROOT / ".env.example").read_text()))

    assert documented - read == set(), "documented but not read by the bot"
    assert read - documented == set(), "read by the bot but not documented"
    assert read - example == set(), "read by the bot but not in .env.example"
    assert example - read == set(), ".env.example has settings the bot does not read"
