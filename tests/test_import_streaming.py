"""A staff member's file is never held whole (issue 27: a 20 MB export took the bot from
96 MB to a peak of 387 MB): its bytes are decoded a piece at a time, its lines split
across those pieces, and its rows imported a batch at a time, the rows of one
appointment key kept together however far apart they are in the file."""

from __future__ import annotations

import codecs
import io
import tracemalloc
from pathlib import Path

import pytest

from bot.appointments.csv_lines import MAX_LINE_CHARS, Lines
from bot.appointments.file_text import CHUNK_BYTES, FileText
from bot.appointments.import_reader import MAX_ROWS, ImportFileError, parse_csv
from bot.appointments.importer import BATCH_ROWS, import_file
from bot.core.settings import ClinicSettings
from db.migrate import upgrade_database_async
from tests.support.factories import days_ahead, import_settings

HEADER = "starts_at,duration_minutes,practitioner,name,phone,booking_ref,notes\n"
NOTES = "Prefers the window room; parking permit at the desk " * 3


@pytest.fixture
def settings(database_url: str) -> ClinicSettings:
    return import_settings(database_url)


def rows(count: int, first: int = 0) -> str:
    return "".join(
        f"{days_ahead(2 + n % 200, 8 + n % 10)},45,Dr Chen,Pat {n},+4477{n:08},,{NOTES}\n"
        for n in range(first, first + count))


@pytest.mark.parametrize(("codec", "name"), [
    ("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 with BOM"), ("utf-16", "UTF-16"),
    ("cp1252", "Windows-1252"),
])
def test_characters_split_between_pieces_are_read_whole(codec: str, name: str) -> None:
    # "Zoë Ó Briain" lands across every boundary between the pieces the file is read in.
    text = "".join(f"{n},Zoë Ó Briain,Dr Müller\r\n" for n in range(CHUNK_BYTES // 8))

    read = FileText(io.BytesIO(text.encode(codec)))

    assert read.encoding.name == name
    assert "".join(read.pieces()) == text


def test_the_five_bytes_windows_1252_leaves_undefined_are_read_as_latin_1() -> None:
    data = b"name\r\nRen\xe9e \x81\x8d\x8f\x90\x9d\r\n" * 10_000

    read = FileText(io.BytesIO(data))

    assert read.encoding.name == "Windows-1252"
    assert "".join(read.pieces()) == data.decode("latin-1").replace("\xe9", "é")


def test_lines_are_whole_across_pieces_and_a_long_one_is_never_kept() -> None:
    long = "x" * (MAX_LINE_CHARS * 3)
    pieces = ["a,b\nc,", "d\n" + long[:5], long[5:] + "\nlast,", "row"]

    lines = Lines(pieces)
    read = list(lines)

    assert read == ["a,b\n", "c,d\n", "\n", "last,row"]
    assert lines.too_long == {3: len(long) + 1}
    assert lines.header_marks[","] == 1


def test_a_file_with_only_carriage_returns_is_read_line_by_line() -> None:
    assert list(Lines(["a,b\rc,d\r", "e,f"])) == ["a,b\r", "c,d\r", "e,f"]


async def peak_while_importing(settings: ClinicSettings, csv_file: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        report = await import_file(csv_file, settings, dry_run=True)
        return tracemalloc.get_traced_memory()[1], report.added
    finally:
        tracemalloc.stop()


# Every allocation is traced: a dozen seconds alone, several times that beside a busy suite.
@pytest.mark.timeout(600)
async def test_memory_does_not_grow_with_the_file(settings: ClinicSettings,
                                                  tmp_path: Path) -> None:
    """Before, the file was held as text, every row as an object and every row's values
    again to find repeats: 1,500 rows peaked at 5.2 MB of Python objects, 9,000 at 13.4.
    Now what grows with the file is a few numbers a row."""
    await upgrade_database_async(settings.database_url)
    files = {count: tmp_path / f"{count}.csv" for count in (10, 1_000, 6_000)}
    for count, path in files.items():
        path.write_text(HEADER + rows(count))
    await peak_while_importing(settings, files[10])  # the first import's one-off costs

    small_peak, small_added = await peak_while_importing(settings, files[1_000])
    big_peak, big_added = await peak_while_importing(settings, files[6_000])

    assert (small_added, big_added) == (1_000, 6_000)
    assert big_peak < 2 * small_peak, (small_peak, big_peak)  # 6 times the rows


async def test_one_patients_rows_far_apart_in_the_file_stay_two_sessions(
    settings: ClinicSettings, tmp_path: Path
) -> None:
    """Rows of one patient, day and practitioner are one key; read in batches, the second
    row of a key must not move the first row's appointment."""
    await upgrade_database_async(settings.database_url)
    filler = rows(BATCH_ROWS + 10)  # the second rows fall in a later batch
    csv_file = tmp_path / "day.csv"
    csv_file.write_text(HEADER
                        + f"{days_ahead(5, 9)},45,Dr Lee,Ann Lee,+447700900123,,\n"
                        + f"{days_ahead(5, 9)},30,Dr Lee,Bob Ray,+447700900124,B-1,\n"
                        + filler
                        + f"{days_ahead(5, 15)},45,Dr Lee,Ann Lee,+447700900123,,\n"
                        + f"{days_ahead(6, 9)},30,Dr Lee,Bob Ray,+447700900124,B-1,\n")

    first = await import_file(csv_file, settings)
    again = await import_file(csv_file, settings)

    last = BATCH_ROWS + 10 + 5
    assert first.added == BATCH_ROWS + 10 + 3  # Ann twice, Bob once, the filler
    assert first.problems == [(last, "booking_ref 'B-1' is already on line 3")]
    assert (again.added, again.moved, again.unchanged) == (0, 0, BATCH_ROWS + 10 + 3)


async def test_a_new_patients_first_row_names_them_wherever_their_keys_end(
    settings: ClinicSettings, tmp_path: Path
) -> None:
    """Keys go in in the order of their first rows: the day-5 key ends after the day-6 row,
    whose row has no name, yet Ann's record is made from her first row."""
    await upgrade_database_async(settings.database_url)
    csv_file = tmp_path / "ann.csv"
    csv_file.write_text(HEADER
                        + f"{days_ahead(5, 9)},45,Dr Lee,Ann Lee,+447700900123,,\n"
                        + f"{days_ahead(6, 9)},45,Dr Lee,,+447700900123,,\n"
                        + f"{days_ahead(5, 15)},45,Dr Lee,Ann Lee,+447700900123,,\n")

    report = await import_file(csv_file, settings)

    assert (report.added, report.new_patients, report.problems) == (3, 1, [])


async def test_a_header_name_with_a_line_break_in_its_quotes_is_one_name(
    settings: ClinicSettings, tmp_path: Path
) -> None:
    await upgrade_database_async(settings.database_url)
    csv_file = tmp_path / "wrapped.csv"
    csv_file.write_text(f'"Starts\nat",phone,name\n{days_ahead(5)},+447700900123,Ann\n')

    report = await import_file(csv_file, settings)

    assert (report.added, report.problems) == (1, [])


def test_a_file_of_more_rows_than_any_export_is_refused(settings: ClinicSettings) -> None:
    """A 20 MB file of two-character lines is ten million rows: counting them would take
    hundreds of megabytes; past MAX_ROWS the file is refused, having held none of them."""
    text = "starts_at,phone\n" + "x\n" * (MAX_ROWS + 1)

    with pytest.raises(ImportFileError, match="more than 200,000 rows"):
        parse_csv(text, settings)


def test_the_codecs_a_file_may_start_with_are_told_apart() -> None:
    for bom, name in ((codecs.BOM_UTF8, "UTF-8 with BOM"), (codecs.BOM_UTF16_LE, "UTF-16")):
        assert FileText(io.BytesIO(bom + "a,b\n".encode(
            "utf-16-le" if name == "UTF-16" else "utf-8"))).encoding.name == name
