"""Reading a language by its word list (bot/understanding/lexicon.py): a sign is found in
the words patients type, and the words around it say whose, when and whether."""

from __future__ import annotations

import pytest

from bot.understanding.faq_search import FaqMatcher
from bot.understanding.lexicon import LexiconReader, fold, parse_lexicon
from bot.understanding.policy import Outcome
from bot.understanding.topics import Topic

LIST = {
    "negations": ["no", "sin", "nunca"],
    "history": ["hace años", "de pequeño"],
    "someone_else": ["mi madre", "mi marido"],
    "with_me_now": ["aquí conmigo", "ahora mismo"],
    "not_here": ["ya está bien", "la semana pasada"],
    "positive": ["mejor", "genial"],
    "general_question": ["puede causar", "es posible que"],
    "personal": ["me", "mi", "tengo"],
    "figures_of_speech": ["me muero de risa"],
    "body": ["duel*", "mareo", "me siento", "me desmay*"],
    "signs": [
        {"name": "trouble breathing", "tier": "emergency",
         "phrases": ["no pued* respirar", "me ahog*", "falta* aire"]},
        {"name": "thoughts of suicide", "tier": "emergency", "crisis": True,
         "phrases": ["quiero morir*", "no quiero despertar", "vor die u-bahn"]},
        {"name": "fainting", "tier": "emergency", "phrases": ["desmay*"]},
        {"name": "fever", "tier": "same_day", "phrases": ["fiebre", "escalofri*"]},
        {"name": "dying (idiom check)", "tier": "emergency", "phrases": ["muer*"]},
    ],
}
TOPICS = (Topic(id="session", title="Sesión", answer="Dura una hora.",
                questions=("¿cuánto dura una sesión?",), keywords=("dura", "sesión"),
                related=()),
          Topic(id="risks", title="Riesgos", answer="Es seguro.",
                questions=("¿es segura la acupuntura?",), keywords=("riesgos", "seguro"),
                related=()))


@pytest.fixture(scope="module")
def reader() -> LexiconReader:
    problems: list[str] = []
    lexicon = parse_lexicon(LIST, "warning_signs.yaml", problems)
    assert problems == [] and lexicon is not None
    return LexiconReader("es", lexicon, FaqMatcher(TOPICS))


@pytest.mark.parametrize(("text", "outcome"), [
    ("NO PUEDO RESPIRAR!!!", Outcome.EMERGENCY),  # its own negation is the sign
    ("desde la sesión me ahogo un poco al subir", Outcome.EMERGENCY),  # a stem
    ("me falta muchísimo el aire", Outcome.EMERGENCY),  # two words between
    ("tengo fiebreeee y escalofríos", Outcome.SAME_DAY),  # drawn out, accents
    ("no tengo fiebre, todo bien", Outcome.NOTHING),  # denied
    ("No, tengo fiebre desde ayer", Outcome.SAME_DAY),  # the comma ends the denial
    ("me tiro vor die U-Bahn", Outcome.EMERGENCY),  # a phrase's inner hyphen, as typed
    ("tuve fiebre hace años con otra cosa", Outcome.HISTORY),
    ("mi madre no puede respirar bien", Outcome.CONFIRM),  # someone else: ask
    ("mi marido no puede respirar, está aquí conmigo", Outcome.EMERGENCY),
    ("mi madre tiene fiebre", Outcome.NOTHING),  # someone else's same-day sign
    # The words around an emergency's never silence it: a person reads what they would.
    ("mi madre se desmayó la semana pasada, ya está bien", Outcome.LOOK),
    ("hace años tuve asma y ahora no puedo respirar", Outcome.LOOK),
    ("¿la acupuntura puede causar que no pueda respirar?", Outcome.LOOK),
    ("en 2015 tuve fiebre muchos meses", Outcome.HISTORY),  # a year dates it
    ("ni mareo ni nada, me siento genial", Outcome.NOTHING),  # denied, and it goes well
    ("me siento mucho mejor", Outcome.NOTHING),
    ("¿la acupuntura puede causar fiebre?", Outcome.RISKS),
    ("me muero de risa con tus mensajes", Outcome.LOOK),  # a figure of speech, perhaps
    ("me siento rara desde ayer", Outcome.LOOK),  # own body, not understood
    ("gracias por todo, hasta el martes", Outcome.NOTHING),
    ("¿cuánto dura una sesión?", Outcome.NOTHING),  # the FAQ's
])
def test_the_words_around_a_sign_decide_what_it_calls_for(
    reader: LexiconReader, text: str, outcome: Outcome
) -> None:
    decision, _ = reader.decide(text)

    assert decision.outcome == outcome, decision
    assert decision.language == "es"


def test_thoughts_of_suicide_get_the_crisis_line(reader: LexiconReader) -> None:
    decision, _ = reader.decide("a veces no quiero despertar")

    assert decision.outcome == Outcome.EMERGENCY and decision.crisis
    assert decision.signs == ("thoughts of suicide",)


def test_a_question_finds_its_topic_in_the_language(reader: LexiconReader) -> None:
    _, match = reader.decide("cuanto dura la sesion")

    assert match is not None and match.topic is not None and match.topic.id == "session"


def test_folding_evens_out_case_accents_and_drawn_out_letters() -> None:
    assert fold("ÁRBOL Größe muuuucho") == "arbol grosse mucho"


def test_a_broken_list_names_its_problems() -> None:
    problems: list[str] = []
    broken = {**LIST, "negations": "no",
              "signs": [{"name": "x", "tier": "soon", "phrases": ["a"]},
                        {"name": "short", "tier": "same_day", "phrases": ["fi*"]}]}

    assert parse_lexicon(broken, "es/warning_signs.yaml", problems) is None
    assert problems == [
        "es/warning_signs.yaml: 'negations' must be a list of words or phrases",
        "es/warning_signs.yaml: sign 1: needs a 'name', a 'tier' (emergency or same_day) "
        "and a list of 'phrases'",
        "es/warning_signs.yaml: sign 'short': \"fi*\": a stem with * needs at least 4 letters"]


@pytest.mark.parametrize(("text", "outcome"), [
    ("我胸口很疼，喘不上气", Outcome.EMERGENCY),  # characters between a phrase's own
    ("我没有觉得胸口疼，只是有点累", Outcome.LOOK),  # denied: an emergency's, to a person
    ("不能呼吸了", Outcome.EMERGENCY),  # the phrase's own negation
    ("扎针的地方有点疼", Outcome.LOOK),  # the body, not a sign
])
def test_a_language_written_without_spaces_is_read_by_its_characters(
    text: str, outcome: Outcome
) -> None:
    problems: list[str] = []
    lexicon = parse_lexicon({"negations": ["没有", "不"], "body": ["疼"],
                             "signs": [{"name": "chest pain", "tier": "emergency",
                                        "phrases": ["胸口疼", "胸痛"]},
                                       {"name": "trouble breathing", "tier": "emergency",
                                        "phrases": ["喘不上气", "不能呼吸"]}]},
                            "zh/warning_signs.yaml", problems)
    assert problems == [] and lexicon is not None

    decision, _ = LexiconReader("zh", lexicon, FaqMatcher(TOPICS)).decide(text)

    assert decision.outcome == outcome, decision
