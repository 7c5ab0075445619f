"""Patients in their own language (issue 29): a patient whose Telegram is set to an offered
language reads the bot in it, from /start to the check-in and the safety net's answer, and
the staff read STAFF_LANGUAGE with the patient's words as written; /language changes it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import yaml

from bot.core.clock import ManualClock
from bot.stand_in import Chat, TelegramStub
from bot.texts.content import ContentError
from bot.texts.keys import TEXT_SPECS, Button, Text
from bot.texts.telegram_html import plain_text
from bot.texts.translations import Contents, load_contents, shipped_languages
from tests.support.bots import Clinic, SettingsFactory, clinic_with
from tests.support.factories import clinic_time, copy_content, in_days

# Every language whose texts ship (content/<code>/), offered together.
OFFERED = shipped_languages()


@pytest.fixture(scope="module")
def contents() -> Contents:
    return load_contents(languages=OFFERED, clinic_name="Lotus", clinic_contact="020",
                         emergency_number="999")


@pytest.fixture
async def multilingual(telegram: TelegramStub, make_settings: SettingsFactory,
                       clock: ManualClock) -> AsyncIterator[Clinic]:
    settings = make_settings(languages=",".join(OFFERED), staff_language="en")
    async with clinic_with(telegram, settings, clock, short_retry_pauses=True) as running:
        yield running


def _words(contents: Contents, language: str, key: Text) -> str:
    """The first line of a text, as the patient reads it (without HTML)."""
    text = contents.of(language).text(key, **dict.fromkeys(TEXT_SPECS[key].fields, "Ana"))
    return plain_text(text).splitlines()[0][:30]


async def _patient(clinic: Clinic, language: str) -> Chat:
    patient = clinic.patient("Ana", username="ana_p", language_code=language)
    clinic.telegram.add_chat(patient.user.private_chat())
    return patient


@pytest.mark.parametrize("language", [code for code in OFFERED if code != "en"])
async def test_a_patient_reads_every_step_in_their_telegram_language(
    multilingual: Clinic, language: str
) -> None:
    clinic = multilingual
    contents = clinic.application.bot_data.services.contents
    theirs = contents.of(language)
    ana = await _patient(clinic, language)

    welcome = await ana.ask("/start")
    assert welcome.plain.startswith(_words(contents, language, Text.WELCOME)[:12])
    await ana.tap(welcome, theirs.button(Button.GIVE_CONSENT))
    await ana.next_message()
    menu = await ana.ask("/faq")
    assert theirs.topics[0].title in menu.button_labels()

    starts = in_days(clinic, 3)
    await clinic.staff_member().ask(f"/book @ana_p {clinic_time(starts)} 30 Dr Chen")
    clinic.clock.advance(timedelta(minutes=3))
    notice = await ana.next_message()
    assert theirs.when(starts.astimezone(clinic.application.bot_data.settings.timezone)) \
        in notice.plain
    await ana.next_message()  # the calendar file
    clinic.clock.advance_to(starts - timedelta(hours=24))
    guide = await ana.next_message()
    assert guide.plain.startswith(_words(contents, language, Text.GUIDE)[:10])
    clinic.clock.advance_to(starts - timedelta(hours=2))
    reminder = await ana.next_message()
    assert reminder.button_labels() == [theirs.button(Button.CONFIRM),
                                        theirs.button(Button.RESCHEDULE),
                                        theirs.button(Button.CANCEL)]
    clinic.clock.advance_to(starts + timedelta(minutes=30, hours=24))  # the session's end
    checkin = await ana.next_message()
    assert checkin.plain.startswith(_words(contents, language, Text.CHECKIN)[:10])

    # A warning sign written in English still reads as one; the answer is in theirs.
    staff = clinic.staff_chat()
    answer = await ana.ask("my husband collapsed and is not waking up")
    assert answer.plain.startswith(_words(contents, language, Text.SAFETY_EMERGENCY)[:10])
    alert = await staff.next_message()
    assert "collapsed and is not waking up" in alert.plain and "EMERGENCY" in alert.plain


async def test_a_warning_in_an_offered_language_is_read_and_answered_in_it(
    multilingual: Clinic
) -> None:
    """Spanish is read with its word list (content/es/warning_signs.yaml): the emergency
    answer in Spanish, the staff's alert in English with the words as written."""
    clinic = multilingual
    contents = clinic.application.bot_data.services.contents
    ana = await _patient(clinic, "es")
    staff = clinic.staff_chat()

    said = "Me duele mucho el pecho y no puedo respirar bien desde la sesión"
    answer = await ana.ask(said)
    alert = await staff.next_message()

    assert answer.plain == plain_text(contents.of("es").text(Text.SAFETY_EMERGENCY))
    assert "999" in answer.plain
    assert said in alert.plain and "EMERGENCY" in alert.plain
    assert "Ana (@ana_p) · Español" in alert.plain  # the language the patient reads


async def test_an_unclear_message_in_an_offered_language_goes_to_a_person(
    multilingual: Clinic
) -> None:
    clinic = multilingual
    contents = clinic.application.bot_data.services.contents
    ana = await _patient(clinic, "es")
    staff = clinic.staff_chat()

    said = "Desde ayer me siento rarísima, como si no fuera yo, no sé explicarlo"
    answer = await ana.ask(said)
    alert = await staff.next_message()

    spanish = contents.of("es")
    assert answer.plain in {plain_text(spanish.text(Text.SAFETY_LOOK)),
                            plain_text(spanish.text(Text.SAFETY_SAME_DAY))}
    assert said in alert.plain


async def test_a_patient_who_writes_in_another_offered_language_is_offered_it(
    multilingual: Clinic, contents: Contents
) -> None:
    clinic = multilingual
    ana = await _patient(clinic, "en")  # Telegram in English, writing German

    answer = await ana.ask("Ich habe seit gestern Abend hohes Fieber und Schüttelfrost")
    switch = contents.of("de").button(Button.LANGUAGE_SWITCH)
    assert answer.button_labels() == [switch]
    assert answer.plain.startswith(_words(contents, "de", Text.SAFETY_SAME_DAY)[:10]) or \
        answer.plain.startswith(_words(contents, "de", Text.SAFETY_LOOK)[:10])
    await ana.tap(answer, switch)
    done = await ana.next_message()

    assert done.plain == plain_text(contents.of("de").text(Text.LANGUAGE_SET))
    help_text = await ana.ask("/help")
    assert help_text.plain.startswith(_words(contents, "de", Text.HELP)[:10])


async def test_language_shows_each_offered_language_in_its_own_words(
    multilingual: Clinic, contents: Contents
) -> None:
    clinic = multilingual
    ana = await _patient(clinic, "es-419")  # Latin American Spanish reads Spanish

    def labels(current: str) -> list[str]:
        return [("✓ " if code == current else "") + contents.name(code) for code in OFFERED]

    menu = await ana.ask("/language")
    assert menu.button_labels() == labels("es")
    await ana.tap(menu, "English")
    done = await ana.next_message()
    assert done.plain == plain_text(contents.of("en").text(Text.LANGUAGE_SET))
    await ana.forge("lang:fr")  # not offered: nothing changes, and no error
    await clinic.quiet()
    again = await ana.ask("/language")
    assert again.button_labels() == labels("en")


async def test_each_offered_language_gets_its_own_command_menu(multilingual: Clinic) -> None:
    menus = multilingual.telegram.commands

    assert [c["command"] for c in menus["default:"]] == \
        [c["command"] for c in menus["default:@es"]] == \
        [c["command"] for c in menus["default:@de"]]
    assert menus["default:@es"][0]["description"] != menus["default:"][0]["description"]


async def test_with_one_language_there_is_nothing_to_choose(clinic: Clinic) -> None:
    ana = await _patient(clinic, "es")  # Spanish is not offered here

    answer = await ana.ask("/language")

    assert answer.plain == "At Lotus & Pine Clinic I write in English only, for now."
    assert answer.button_labels() == []


@pytest.mark.parametrize(("code", "reads"), [
    ("es", "es"), ("es-419", "es"), ("DE", "de"), ("de-AT", "de"), ("zh-hant", "zh"),
    ("fr", "en"), ("xx", "en"), ("", "en"), (None, "en"),
])
def test_any_telegram_language_gets_a_sensible_one(contents: Contents, code: str | None,
                                                   reads: str) -> None:
    assert contents.for_patient(None, code).language == reads
    assert contents.for_patient("de", code).language == "de"  # a choice wins
    assert contents.for_patient("fr", code).language == reads  # one no longer offered


def test_dates_times_and_lists_are_written_as_each_language_writes_them(
    contents: Contents
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")  # an hour from UTC: the local time is the one shown
    morning = datetime(2026, 11, 24, 10, 0, tzinfo=berlin)
    afternoon = datetime(2026, 11, 24, 14, 30, tzinfo=berlin)

    assert contents.of("en").when(morning, afternoon) == "Tuesday 24 November at 10:00 and 14:30"
    assert contents.of("es").when(morning) == "martes, 24 de noviembre, a las 10:00"
    assert contents.of("de").when(morning, afternoon) == \
        "Dienstag, 24. November um 10:00 und 14:30"
    assert contents.of("de").and_list(["Dr Chen", "Dr Lee"]) == "Dr Chen und Dr Lee"


def test_a_key_missing_in_one_language_names_file_key_and_language(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    broken = copy_content(tmp_path)
    path = broken / "es" / "messages.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["texts"]["safety_emergency"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    faq = broken / "de" / "faq.yaml"
    data = yaml.safe_load(faq.read_text(encoding="utf-8"))
    data["topics"].append({**data["topics"][0], "id": "extra"})
    faq.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    with pytest.raises(ContentError) as refused:
        load_contents(broken, languages=("en", "es", "de", "fr"), clinic_name="L",
                      clinic_contact="0")

    said = str(refused.value)
    assert "es/messages.yaml (Spanish): texts.safety_emergency: missing" in said
    assert "de/faq.yaml: topic 'extra' is not in en/faq.yaml" in said
    assert "fr/: there is no folder of texts for French" in said


def test_plurals_follow_the_language_rules() -> None:
    from babel import Locale

    from bot.texts.patterns import Patterns

    polish = Patterns(Locale("pl"), {"n": "{ $count ->\n  [one] 1 sesja\n  [few] { $count } sesje\n"
                                          "  *[many] { $count } sesji\n}"})

    assert [polish.fill("n", {"count": n}) for n in (1, 3, 5, 22, 1235)] == [
        "1 sesja", "3 sesje", "5 sesji", "22 sesje", "1235 sesji"]
