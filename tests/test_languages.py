"""A message in a language the bot cannot read gets a short safe text in that language
(content/other_languages.yaml), guessed offline by the packaged fastText model
(bot/understanding/languages.py); staff are told which language it is."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.assembly.app import readers
from bot.texts.content import Content, ContentError, load_content
from bot.understanding import languages
from bot.understanding.languages import LanguageGuesser
from bot.understanding.policy import Outcome
from tests.support.factories import copy_content
from tests.test_content import load

# A patient's own words in a few of the languages, none taken from the shipped texts.
PATIENTS = {
    "es": "Hola, desde la sesión tengo fiebre y el sitio de la aguja está rojo",
    "pl": "Od wczoraj bardzo boli mnie w klatce piersiowej i ciężko mi oddychać",
    "ru": "После иглоукалывания у меня кружится голова и тошнит",
    "ar": "عندي حرارة عالية ورجفة من امبارح بعد جلسة الإبر",
    "zh": "我胸口很疼，呼吸困难，怎么办",
    "pt": "Minha mãe desmaiou depois da sessão e não acorda direito",
    "tr": "Seanstan beri başım dönüyor ve midem bulanıyor, iki kere kustum",
    "uk": "Мій чоловік знепритомнів і не відповідає, що робити",
}


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(clinic_name="Lotus", clinic_contact="020 7946 0000",
                        emergency_number="999")


def test_every_shipped_text_reads_as_its_own_language(content: Content) -> None:
    """A text filed under the wrong code (or written in another language) fails here."""
    guesser = LanguageGuesser(content.other_languages)
    assert len(content.other_languages) >= 30
    for code in content.other_languages:
        text = content.in_other_language(code)
        assert text is not None and "999" in text, code
        assert guesser.guess(text.replace("<b>", "").replace("</b>", "")) == code, code


@pytest.mark.parametrize(("code", "text"), PATIENTS.items(), ids=PATIENTS)
def test_patients_words_are_placed_in_their_language(content: Content, code: str,
                                                     text: str) -> None:
    verdict = readers(content).read(text)
    assert verdict.outcome == Outcome.LOOK
    assert verdict.decision.language == code


def test_english_and_unknown_languages_get_no_guess(content: Content) -> None:
    guesser = LanguageGuesser(content.other_languages)
    assert guesser.guess("my back is much better, thank you") is None  # the clinic's own
    assert guesser.guess("Ég er með verk í bakinu síðan í gær") is None  # Icelandic: no text
    assert guesser.guess("   ") is None


def test_without_the_model_nothing_is_guessed_and_nothing_fails(
    monkeypatch: pytest.MonkeyPatch, content: Content
) -> None:
    monkeypatch.setattr(languages, "model_path", lambda: None)
    guesser = LanguageGuesser(content.other_languages)
    assert guesser.guess(PATIENTS["es"]) is None
    assert guesser.guess(PATIENTS["pl"]) is None  # asked once, failed once, quiet after


def test_the_model_ships_in_a_package() -> None:
    path = languages.model_path()
    assert path is not None and path.stat().st_size > 500_000


@pytest.mark.parametrize(("entry", "expected"), [
    ({"name": "Spanish", "text": "Solo inglés."},
     "must show the placeholder { $emergency_number }"),
    ({"name": "Spanish"}, "needs a 'name' and a 'text'"),
    ({"name": "Spanish", "text": "Llame al { $emergency_number } o { $doctor }"},
     "unknown placeholder { $doctor }"),
])
def test_a_text_that_cannot_help_is_refused_at_start_up(
    tmp_path: Path, entry: dict[str, str], expected: str
) -> None:
    broken = copy_content(tmp_path)
    path = broken / "other_languages.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["languages"]["es"] = entry
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    with pytest.raises(ContentError) as refused:
        load(broken)

    assert f"other_languages.yaml: languages.es: {expected}" in str(refused.value)


def test_a_content_folder_without_the_file_still_starts(tmp_path: Path) -> None:
    older = copy_content(tmp_path)
    (older / "other_languages.yaml").unlink()

    content = load_content(older, clinic_name="Lotus", clinic_contact="0")

    assert content.other_languages == {} and content.in_other_language("es") is None


def test_english_is_no_other_language(tmp_path: Path) -> None:
    broken = copy_content(tmp_path)
    path = broken / "other_languages.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["languages"]["en"] = {"name": "English", "text": "Call { $emergency_number }."}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    with pytest.raises(ContentError, match=r"languages\.en: English is the language"):
        load(broken)


def test_without_an_emergency_number_no_text_says_it_in_english_words() -> None:
    content = load_content(clinic_name="Lotus", clinic_contact="0")  # EMERGENCY_NUMBER unset

    assert content.in_other_language("es") is None  # "llame al your local emergency number"


def test_an_unsure_guess_picks_among_the_languages_the_clinic_offers() -> None:
    guesser = languages.LanguageGuesser(["es", "de", "pt"])

    assert guesser.guess("ok perfecto, alli estare") is None  # too short to be sure
    assert guesser.likeliest("ok perfecto, alli estare", {"es", "de"}) == "es"
    assert guesser.likeliest("ok", {"es", "de"}) is None
