"""What an import did, or in a dry run would do, to every row of the file: the counts, and
the rows not imported with why, for the staff member or the command line to read."""

from __future__ import annotations

from dataclasses import dataclass, field

# Refused and repeated lines a report lists (it counts them all): a file of 100,000 bad
# rows is reported in a few lines, not held in memory line by line.
KEPT_LINES = 1000


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


@dataclass
class ImportReport:
    added: int = 0
    moved: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_cancelled: int = 0
    new_patients: int = 0
    # Rows not imported, (line, why): the first KEPT_LINES of them, and how many in all.
    problems: list[tuple[int, str]] = field(default_factory=list)
    problem_count: int = 0
    encoding: str = "UTF-8"
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    # Rows that repeat an earlier row word for word, (line, earlier line): booked once.
    duplicates: list[tuple[int, int]] = field(default_factory=list)
    duplicate_count: int = 0
    read: int | None = None  # rows read after the header, when the report is a file's
    blank: int = 0  # empty lines passed over

    def refuse(self, line: int, reason: str) -> None:
        self.problem_count += 1
        if len(self.problems) < KEPT_LINES:
            self.problems.append((line, reason))

    def repeated(self, line: int, first: int) -> None:
        self.duplicate_count += 1
        if len(self.duplicates) < KEPT_LINES:
            self.duplicates.append((line, first))

    @property
    def accounted(self) -> int:
        """Rows the report says what became of: every row read, once."""
        return (self.added + self.moved + self.updated + self.unchanged + self.kept_cancelled
                + self.problem_count + self.duplicate_count)

    def summary(self, most_problems: int | None = None, line_chars: int | None = None
                ) -> str:
        """The report; in a chat, the first `most_problems` refused lines, each cut to
        `line_chars`, so it fits a message."""
        would = "would be " if self.dry_run else ""
        lines = []
        if self.dry_run:
            lines.append("Dry run: nothing was changed.")
        read = "" if self.read is None else f"{_plural(self.read, 'row')} read: "
        lines.append(
            f"{read}{self.added} {would}added, {self.moved} {would}moved, {self.updated} "
            f"{would}updated, {self.unchanged} unchanged, {self.kept_cancelled} left "
            f"cancelled; {_plural(self.new_patients, 'new patient')} "
            f"{'would wait' if self.dry_run else 'waiting'} to link Telegram; "
            f"{_plural(self.problem_count, 'row')} not imported"
            + (f"; {_plural(self.duplicate_count, 'row')} the same as an earlier row, "
               "booked once" if self.duplicate_count else "")
            + (f"; {_plural(self.blank, 'empty line')} passed over" if self.blank else "")
            + ".")
        lines.append(f"Read as {self.encoding}." + (
            f" Columns ignored: {', '.join(self.ignored_columns)}."
            if self.ignored_columns else ""))
        shown = sorted(self.problems)[:most_problems]
        for line, reason in shown:
            said = f"line {line}: {reason}"
            cut = line_chars is not None and len(said) > line_chars
            lines.append(said[:line_chars] + "…" if cut else said)
        if len(shown) < self.problem_count:
            lines.append(f"... and {_plural(self.problem_count - len(shown), 'more row')}")
        return "\n".join(lines)
