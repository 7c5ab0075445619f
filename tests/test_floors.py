"""Imports inside the bot run one way, down the floors ARCHITECTURE.md draws.

Each unit below may import only units under it, so no import runs back up and no two
units import each other; each package says in its docstring, on a line starting
"Imports:", which units it imports, and that line is checked against what its modules
really import (so it cannot name an import it does not make, or miss one it does)."""

from __future__ import annotations

import ast
import importlib
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Top to bottom. bot/__main__.py is the command line, a floor of its own.
FLOORS = [
    "bot.__main__",
    "bot.demo",
    # Telegram, seen from outside: only the demo (and tests, benchmarks) may import it.
    "bot.stand_in",
    "bot.assembly",
    "handlers",
    "bot.appointments",
    "bot.sending",
    "bot.services",
    "bot.texts",
    "bot.understanding",
    "bot.core",
    "db",
]
# Imports allowed to run up or across, each with its reason. It starts, and should stay,
# empty.
ALLOWED_UP: dict[tuple[str, str], str] = {}
# The two sides of handlers/: neither imports the other (handlers/__init__.py registers
# both, and both use handlers/common.py).
SIDES = ("handlers.patients", "handlers.staff")


def unit_of(module: str) -> str | None:
    """The floor a module is on; None for what is not the bot's (the standard library,
    telegram, sqlalchemy...) and for the bare `bot` package."""
    parts = module.split(".")
    if parts[0] in ("handlers", "db"):
        return parts[0]
    if parts[0] == "bot" and len(parts) > 1:
        return f"bot.{parts[1]}"
    return None


def modules(root: Path = ROOT) -> dict[str, Path]:
    found = {}
    for top in ("bot", "handlers", "db"):
        for path in sorted((root / top).rglob("*.py")):
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imported_by(path: Path) -> set[str]:
    """Every module `path` imports, at the top, in a function or for type checking alone."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            # Relative imports would hide where an arrow goes: the project writes none.
            assert node.level == 0 and node.module, f"{path}: a relative import"
            names.add(node.module)
            # `from bot import demo` imports bot.demo.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def arrows(root: Path = ROOT) -> dict[tuple[str, str], set[str]]:
    """(from unit, to unit) -> the modules that import across."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    known = modules(root)
    for name, path in known.items():
        source = unit_of(name)
        for target in imported_by(path):
            if target not in known and target.rpartition(".")[0] not in known:
                continue
            to = unit_of(target if target in known else target.rpartition(".")[0])
            if source and to and source != to:
                found[(source, to)].add(name)
    return found


def test_every_unit_is_on_a_floor() -> None:
    units = {unit_of(name) for name in modules()} - {None}
    assert units == set(FLOORS), "add the new package to FLOORS and to ARCHITECTURE.md"


def running_up(found: dict[tuple[str, str], set[str]]) -> dict[tuple[str, str], list[str]]:
    return {(source, target): sorted(by) for (source, target), by in found.items()
            if FLOORS.index(target) <= FLOORS.index(source)
            and (source, target) not in ALLOWED_UP}


def test_every_import_runs_down() -> None:
    up = running_up(arrows())
    assert not up, f"imports that run up or across the floors: {up}"


def test_the_allowances_are_still_needed() -> None:
    unused = set(ALLOWED_UP) - set(arrows())
    assert not unused, f"no longer imported; take them out of ALLOWED_UP: {unused}"


def test_patients_and_staff_handlers_do_not_import_each_other() -> None:
    for path in (ROOT / "handlers").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for side, other in (SIDES, SIDES[::-1]):
            if name.startswith(side + "."):
                crossing = {m for m in imported_by(path)
                            if m == other or m.startswith(other + ".")}
                assert not crossing, f"{name} imports {crossing}"


# The paragraph "Imports: ...": what it names before the first ";" (after it, what the
# package never imports), leaving out asides in brackets.
DECLARED = re.compile(r"^Imports: (.+?)(?:\n\n|\Z)", re.MULTILINE | re.DOTALL)


def declared_in(docstring: str) -> set[str] | None:
    paragraph = DECLARED.search(docstring)
    if paragraph is None:
        return None
    named = re.sub(r"\([^)]*\)", "", paragraph.group(1)).partition(";")[0]
    return set(re.findall(r"`([a-z_.]+)`", named))


@pytest.mark.parametrize("package", [unit for unit in FLOORS if unit != "bot.__main__"])
def test_each_package_says_what_it_imports(package: str) -> None:
    docstring = importlib.import_module(package).__doc__ or ""
    declared = declared_in(docstring)
    assert declared is not None, f"{package}'s docstring needs a paragraph 'Imports: ...'"
    actual = {target for (source, target) in arrows() if source == package}
    assert declared == actual, (
        f"{package} says it imports {sorted(declared)}, and imports {sorted(actual)}")


def test_the_declaration_is_read_as_written() -> None:
    assert declared_in("Does things.\n\nImports: `bot.texts` (its `content`) and\n`db`; "
                       "never `handlers`.") == {"bot.texts", "db"}
    assert declared_in("Imports: none (not `db`).") == set()
    assert declared_in("No such paragraph.") is None


def test_an_import_back_up_is_caught(tmp_path: Path) -> None:
    """The check itself, on a small tree: a module of the foundation importing the
    assembly, even inside a function, is refused; one importing `db` is not."""
    for name, source in {
        "bot/assembly/app.py": "from bot.core.settings import Settings\n",
        "bot/core/settings.py": "import db.settings\n",
        "bot/core/upward.py": "def late():\n    from bot.assembly.app import build\n",
        "db/settings.py": "",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source, encoding="utf-8")
    assert running_up(arrows(tmp_path)) == {("bot.core", "bot.assembly"): ["bot.core.upward"]}
