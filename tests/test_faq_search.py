"""The matcher on its own: the packaged FAQ, typed questions, typos and nonsense."""

from __future__ import annotations

import pytest

from bot.texts.content import load_content
from bot.understanding.faq_search import FaqMatcher, normalize, stem
from bot.understanding.topics import Topic


@pytest.fixture(scope="module")
def matcher() -> FaqMatcher:
    content = load_content(None, clinic_name="C", clinic_contact="x")
    return FaqMatcher(content.topics, content.left_to_staff)


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("does it hurt?", "session"),
        ("how long is a session?", "session"),
        ("is it safe?", "risks"),
        ("can it help my lower back?", "back"),
        ("what happens at my first visit?", "session"),
        ("What is acupuncture?", "what"),
        ("why does it work", "how"),
        ("endorphins?", "how"),
        ("can I stop taking painkillers", "back"),
        ("what are the side effects", "risks"),
        ("Are the needles clean?", "risks"),
        ("is it dangerous for pregnant women", "risks"),
        ("does it help with stress", "what"),
        ("ACUPUNTURE PINCH", "session"),  # a typo, in capitals
        ("Will I get brusing?", "risks"),
        ("WHAT IS WELLNESS ACUPUNCTURE?!", "what"),  # case and punctuation folded
        # Another treatment in the story around the question is not what is asked.
        ("what even is acupuncture? my physio mentioned it", "what"),
        ("can the electric one cause any bad reactions or burns", "risks"),
        ("if it works for my back could i come off my co-codamol?", "back"),
        ("sell it to me in two lines", "summary"),
        ("would you recommend it for someone who has tried everything else?", "summary"),
    ],
)
def test_typed_questions_find_their_topic(matcher: FaqMatcher, question: str, topic: str) -> None:
    found = matcher.match(question)
    assert found.topic is not None and found.topic.id == topic


@pytest.mark.parametrize("question", ["what is the weather tomorrow", "hello", "asdfgh jkl",
                                      "I want pizza", "what is it", "", "???", "🙂🙂",
                                      "how much does it cost"])
def test_unrelated_text_matches_nothing(matcher: FaqMatcher, question: str) -> None:
    assert matcher.match(question).topic is None


def test_two_close_topics_give_a_did_you_mean(matcher: FaqMatcher) -> None:
    found = matcher.match("is acupuncture good for back pain and is it safe")
    assert found.topic is not None and found.topic.id == "back"
    assert [topic.id for topic in found.alternatives] == ["risks"]


@pytest.mark.parametrize(("question", "left"), [
    ("how much is a session?", "prices"), ("what time do you open on saturdays", "opening hours"),
    ("is there parking near you?", "where the clinic is"), ("do you take Bupa?", "insurance"),
    ("do you do cupping as well?", "other treatments"),
    ("can acupuncture help my migraines?", "other conditions"),
    ("I get migraines. Can acupuncture help?", "other conditions"),  # the story says what
    ("what should I wear, do I need to take my top off", "getting ready"),
])
def test_what_the_faq_leaves_to_staff_gets_no_topic(question: str, left: str) -> None:
    """A question about what no topic answers goes to a person, not to the nearest topic
    ("how much is a session?" is not the session topic)."""
    content = load_content(None, clinic_name="C", clinic_contact="x")
    found = FaqMatcher(content.topics, content.left_to_staff).match(question)
    assert found.topic is None and found.left_to_staff == left


def test_texting_shorthand_is_read() -> None:
    content = load_content(None, clinic_name="C", clinic_contact="x")
    matcher = FaqMatcher(content.topics, content.left_to_staff, content.vocabulary.spelled_out)
    found = matcher.match("wat r meridians")
    assert found.topic is not None and found.topic.id == "what"


def test_search_ranks_and_filters(matcher: FaqMatcher) -> None:
    assert [t.id for t in matcher.search("bruise")] == ["risks"]
    assert matcher.search("xylophone") == []
    assert matcher.search("needles")[0].id in {"what", "session"}


def test_a_phrase_of_only_common_words_decides_nothing() -> None:
    topics = [Topic("a", "A", ("Q?",), ("what is",), (), "alpha"),
              Topic("b", "B", ("R?",), ("bruise",), (), "beta")]
    assert FaqMatcher(topics).match("what is the weather").topic is None


def test_normalize_and_stem() -> None:
    assert normalize("  Does it HURT?! Café ") == "does it hurt cafe"
    assert {stem("hurts"), stem("hurting"), stem("hurt")} == {"hurt"}
    assert stem("bruising") == stem("bruises") == stem("bruise")


def test_questions_in_other_scripts_find_their_topic() -> None:
    """Cyrillic and Arabic words are words; Chinese, written without spaces, is read by
    its characters and their pairs."""
    from bot.understanding.topics import Topic

    def topic(topic_id: str, *questions: str) -> Topic:
        return Topic(id=topic_id, title=topic_id, questions=questions, keywords=(),
                     related=(), answer="...")

    matcher = FaqMatcher([topic("session", "针灸疼吗？", "治疗需要多长时间？", "Чи боляче?",
                                "هل الوخز مؤلم؟"),
                          topic("contact", "怎么预约？", "Як записатися на прийом?",
                                "كيف أحجز موعدا؟")])
    found = [matcher.match(question).topic for question in
             ("扎针会疼吗", "一次治疗要多长时间", "як записатися", "هل الوخز مؤلم جدا")]

    assert [found_topic.id if found_topic else None for found_topic in found] == [
        "session", "session", "contact", "session"]
