"""The reader on its own (bot/understanding/): what a message calls for, rule by rule, as
a patient's sentence can show it, and the content files that shape
it. How well it reads messages nobody tuned it on is measured by `python -m tests.eval`;
`tests/test_understanding_eval.py` holds it to the tuning set."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.texts.content import ContentError, load_content
from bot.understanding.policy import Outcome
from bot.understanding.screen import Reader
from bot.understanding.second_opinion import SecondOpinion
from bot.understanding.sign_parts import Sign, Tier
from bot.understanding.vocabulary import Vocabulary
from bot.understanding.warning_signs import WarningSigns
from tests.support.factories import copy_content

PADDING = ("Thank you again for Tuesday. The drive home was easy and the children were "
           "happy to see me. We cooked dinner together and watched a film afterwards. ") * 20


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        # The sign itself: typos, negation, a sign that passed.
        ("I have a feaver", Outcome.SAME_DAY),
        ("I have fewer headaches now", Outcome.NOTHING),  # a real word is never a typo
        ("no redness, swelling or heat", Outcome.NOTHING),
        ("I don't feel well my chest is tight", Outcome.EMERGENCY),
        ("it won't stop bleeding", Outcome.SAME_DAY),
        ("the bleeding has stopped", Outcome.NOTHING),
        ("I fainted yesterday but I'm fine now", Outcome.SAME_DAY),  # passed, still told
        ("im sorry to bother you", Outcome.NOTHING),  # "sorry" is not "sore"
        ("Thank you to Anna, lovely session", Outcome.NOTHING),  # a name is no "angina"
        ("I have no chest pain or breathing problems", Outcome.NOTHING),
        ("cant sleep, feel sick every time i sit up", Outcome.SAME_DAY),
        ("i swallowed everything in the bathroom cabinet an hour ago", Outcome.EMERGENCY),
        ("HELP my son is jerking all over and his eyes went back in his head",
         Outcome.EMERGENCY),
        ("the session made me feel so chill", Outcome.NOTHING),  # not "chills"
        ("I threw up and there was blood in it", Outcome.EMERGENCY),
        ("lost 6kg without trying and my back aches at night", Outcome.SAME_DAY),
        ("cant\nbreathe\nproperly since lunch", Outcome.EMERGENCY),  # a word a line
        # Who.
        ("my wife can't breathe", Outcome.EMERGENCY),  # someone with them now
        ("my dad is on the floor and not answering me", Outcome.EMERGENCY),
        ("mum had her session this morning and now I can't wake her", Outcome.EMERGENCY),
        ("my friend collapsed", Outcome.CONFIRM),  # someone else: is it happening now?
        ("our goalkeeper collapsed in the match", Outcome.CONFIRM),
        ("My wife had acupuncture last week and now she can't breathe", Outcome.EMERGENCY),
        ("my dad had a stroke last week and is now recovering", Outcome.NOTHING),
        ("my son had needles at 11 and now he cannot get his breath", Outcome.EMERGENCY),
        ("my brother is fitting on the living room floor right now", Outcome.EMERGENCY),
        ("a friend fainted after acupuncture once but she's fine now", Outcome.NOTHING),
        ("mum walks with a frame since her stroke, can she come in with me?", Outcome.NOTHING),
        ("my sister felt dizzy once", Outcome.NOTHING),
        ("my dad was taken to hospital with chest pain, can I move Thursday?",
         Outcome.NOTHING),
        ("I couldn't wake up this morning, sorry I missed the call", Outcome.NOTHING),
        # When.
        ("I had a collapsed lung in 1998 when I was 19", Outcome.HISTORY),
        ("I used to faint as a kid", Outcome.HISTORY),
        ("I'm asthmatic and the wheeze is getting worse, inhaler not helping", Outcome.EMERGENCY),
        ("my fingers went numb, I thought it would go away by now but no", Outcome.SAME_DAY),
        ("took every tablet in the drawer an hour ago", Outcome.EMERGENCY),
        ("I can't carry on with life like this", Outcome.EMERGENCY),
        ("there were coffee grounds in my sick this morning", Outcome.EMERGENCY),
        ("felt lightheaded all through my night shift", Outcome.SAME_DAY),  # the shift is theirs
        ("since my session last week I've had numbness in my foot", Outcome.SAME_DAY),
        ("never once in my life have I wet myself like this, and it's numb down there",
         Outcome.EMERGENCY),
        # Words around a sign that must not silence it.
        ("I come every week for my back and since yesterday I can't feel my bum and can't pee",
         Outcome.EMERGENCY),  # a habit far from the sign
        ("He gets chest pain and now he's collapsed on the floor", Outcome.EMERGENCY),
        ("I work at the hospital and I want to kill myself", Outcome.EMERGENCY),
        ("honestly I want to kill myself 😂 nobody would notice", Outcome.EMERGENCY),
        ("can't breathe 😂 seriously my lips are going blue", Outcome.EMERGENCY),
        ("I heard a bang upstairs, my husband has collapsed and won't wake up",
         Outcome.EMERGENCY),
        ("Crushing chest pain down my left arm. The baby is fine now, my mum took her.",
         Outcome.EMERGENCY),  # someone else fine now
        ("my husband has been clammy and sick since his chest pain started 20 mins ago",
         Outcome.EMERGENCY),
        ("I cut my little finger and it won't stop bleeding, I'm on warfarin",
         Outcome.EMERGENCY),
        ("after our break up, honestly thinking of ending it all", Outcome.EMERGENCY),
        ("chest pain\nmy dad had a heart attack years ago and this feels the same",
         Outcome.EMERGENCY),
        ("My wife isn't breathing properly, she had acupuncture with you last week",
         Outcome.EMERGENCY),
        ("quick question\nis it normal to bleed a lot after cupping?", Outcome.RISKS),
        # Found by reading the rules for ways they could silence a real sign.
        ("I'm a nurse and I've taken an overdose", Outcome.EMERGENCY),  # a job, own words
        ("I'm a nurse, three chest pains on the ward tonight", Outcome.NOTHING),
        ("My mum died last year and now I want to die too", Outcome.EMERGENCY),
        ("back in my twenties I was suicidal for a while, I'm in a good place now",
         Outcome.HISTORY),
        ("I took a bunch of pills", Outcome.EMERGENCY),
        ("I'm in my fifties and I've got crushing chest pain going down my left arm",
         Outcome.EMERGENCY),
        ("When I was walking to the car I passed out", Outcome.EMERGENCY),
        ("in the past hour my chest has got really tight", Outcome.EMERGENCY),
        ("I had a stroke years ago and now my face is drooping again", Outcome.EMERGENCY),
        ("No fever, chest crushing", Outcome.EMERGENCY),  # no list: the negation stops
        ("no redness, swelling or pain in my chest", Outcome.NOTHING),  # a list: it goes on
        ("I've never had crushing chest pain like this", Outcome.EMERGENCY),
        ("Can barely breathe", Outcome.EMERGENCY),  # "can" without a subject asks nothing
        ("I can't breathe, I had to stop the car", Outcome.EMERGENCY),  # not "it stopped"
        ("my speech was slurred for 20 minutes, it's better now", Outcome.EMERGENCY),
        ("Why do I feel so short of breath", Outcome.CONFIRM),  # asked of one's own
        ("can acupuncture cause a collapsed lung? read something online, now im nervous",
         Outcome.RISKS),
        ("chest pain lol", Outcome.CONFIRM),  # laughed off, still asked
        ("I'm on Plavix and the point won't stop bleeding", Outcome.EMERGENCY),
        ("Husband away on business, can't breathe, chest crushing", Outcome.EMERGENCY),
        ("In my dream I couldn't breathe, woke up fine", Outcome.NOTHING),
        # Found in batches 24-26.
        ("mam's in hospital with chest pains, she's stable now", Outcome.NOTHING),
        ("able to drive again without my back killing me", Outcome.NOTHING),
        ("I'm having surgery for the numbness in my fingers, please cancel", Outcome.NOTHING),
        ("I'm on the waiting list for the numbness in my hand, can I still come",
         Outcome.NOTHING),  # a phrase of three words, then small words, then the sign
        ("I'm having surgery for my knee and the numbness in my fingers is new",
         Outcome.SAME_DAY),
        ("no more dizziness since yesterday, feeling great", Outcome.NOTHING),
        ("just boaked and there's blood in it", Outcome.EMERGENCY),
        ("been throwing up for the last hour and now theres blood in it", Outcome.EMERGENCY),
        ("since this morning I have had no vision in my left eye", Outcome.EMERGENCY),
        ("no vision problems at all, thanks", Outcome.NOTHING),
        ("partner suddenly doesn't know what year it is, he's right here", Outcome.EMERGENCY),
        ("there's a faint blue mark where the needle went in", Outcome.NOTHING),
        ("eyelid's been twitching since the session, is that a thing?", Outcome.LOOK),
        ("ears feel plugged since the session, not really sore, just odd", Outcome.LOOK),
        # Found in batches 27-29.
        ("Since this morning's session I'm puffed just walking to the shop", Outcome.EMERGENCY),
        ("Feelin real crook, achy and shaky all over", Outcome.SAME_DAY),
        ("heart is thudding really fast and hard, been going an hour", Outcome.SAME_DAY),
        ("so sore I couldn't sleep, 7/10 easy, nurofen did nothing", Outcome.SAME_DAY),
        ("the website says loss of feeling around your bottom means A&E, that's me today",
         Outcome.EMERGENCY),
        ("- back: better\n- sleep: better\n- mood: 10/10", Outcome.NOTHING),  # list lines
        ("- chest: tight\n- breathing: hard", Outcome.EMERGENCY),
        ("what should I do if something feels wrong after, say I feel faint?", Outcome.RISKS),
        ("what should I do if my chest pain gets worse?", Outcome.EMERGENCY),  # has it now
        ("what do i do if my husband has collapsed and isnt breathing", Outcome.CONFIRM),
        ("can't walk to the toilet without my legs giving way", Outcome.EMERGENCY),
        ("not sore just dizzy and sick since the session", Outcome.SAME_DAY),
        ("had treatment for the dizziness yesterday and now I'm so dizzy I can't stand",
         Outcome.SAME_DAY),  # care had, and the sign here now
        ("just in case I'm overreacting, the needle spot is hot, red and oozing pus",
         Outcome.SAME_DAY),
        ("my legs went from under me", Outcome.EMERGENCY),
        ("my leg went weak", Outcome.SAME_DAY),
        # Found in batches 30-32.
        ("Kung hei fat choy! see you after the holiday", Outcome.NOTHING),  # "choy", no typo
        ("ive had two accidents today where i didnt even know i needed to go",
         Outcome.EMERGENCY),
        ("I have 胸闷 very heavy now, like big stone press on the heart", Outcome.EMERGENCY),
        ("My two legs have no power, cannot stand up from bed since morning",
         Outcome.EMERGENCY),
        ("everything goes round when i stand up since the session", Outcome.SAME_DAY),
        # Found in batches 36-38.
        ("chest pain when i am walking", Outcome.EMERGENCY),  # no habit: it happens now
        ("i get short of breath when i am climbing stairs now", Outcome.EMERGENCY),
        ("Sorry I pressed the wrong button there", Outcome.NOTHING),
        ("I am writing for my father. After yesterday's session he says the room is turning "
         "round when he stands up", Outcome.SAME_DAY),
        # Found in batches 33-35.
        ("I am paramedic and know the signs, crushing chest pain for 30 min", Outcome.EMERGENCY),
        ("I'm a paramedic so its chest pain and overdoses all day long", Outcome.NOTHING),
        ("pushing the pram, collapsed on the pavement", Outcome.EMERGENCY),  # one part each
        ("mam has taken a whole box of her paracetamol, she just told me. she's sitting here "
         "with me now", Outcome.EMERGENCY),  # with the writer, said in another sentence
        ("on warfarin. the spot on my hand keeps pouring, gone through 3 plasters, 40 mins "
         "and its not stopping", Outcome.EMERGENCY),  # no word of blood
        ("at my desk and suddenly I can't breathe", Outcome.EMERGENCY),
        # What kind of sentence.
        ("can acupuncture cause a collapsed lung?", Outcome.RISKS),
        ("I nearly had a heart attack when I saw the bill", Outcome.NOTHING),
        ("I'm a paramedic, two cardiac arrests on my shift last night", Outcome.NOTHING),
        ("laughed so hard at your receptionist I couldn't breathe", Outcome.NOTHING),
        ("your receptionist cracks me up, nearly choked on my biscuit 😂", Outcome.NOTHING),
        ("I'm terrified of fainting at the sight of needles", Outcome.RISKS),
        ("can acupuncture reduce inflammation?", Outcome.NOTHING),
        # How much.
        ("the needle spot on my hand is pouring blood", Outcome.EMERGENCY),
        ("I'm on warfarin and the spot won't stop bleeding", Outcome.EMERGENCY),
        ("a tiny dot of blood when the needle came out", Outcome.NOTHING),
        ("not on any blood thinners but the spot keeps bleeding", Outcome.SAME_DAY),
        ("my chest feels a bit tight", Outcome.CONFIRM),  # hedged: asked with one tap
        # Everyday words no sign may hide behind (batches 42-44).
        ("I've taken my pills this morning", Outcome.NOTHING),
        ("how many pills can I take with it", Outcome.NOTHING),
        ("I take my life in my hands driving here lol", Outcome.NOTHING),
        ("I've swallowed them all", Outcome.EMERGENCY),
        ("Bleeding marvellous what you did", Outcome.NOTHING),
        ("about to collapse into bed", Outcome.NOTHING),
        ("I had suicidal thoughts years ago, fine now", Outcome.HISTORY),
        ("im back in uni halls and i cant breathe, my lips are swelling", Outcome.EMERGENCY),
        ("didnt take my warfarin this morning but the spot wont stop bleeding",
         Outcome.EMERGENCY),  # on a thinner all the same
        ("was at swimming and my husband is slurring his words", Outcome.CONFIRM),
        ("was at the bee hives and came up in hives all over my chest", Outcome.SAME_DAY),
        ("I don't take any blood thinners but the spot keeps bleeding", Outcome.SAME_DAY),
        # Batches 45-47: a negation is the next phrasing's, a short sentence points back,
        # a job's cases, and signs said without the sign's usual word.
        ("not short of breath at all, not dizzy, nothing weird", Outcome.NOTHING),
        ("can not hardly breathe", Outcome.EMERGENCY),
        ("I blacked out and spent 3 days in intensive care. That was 2018.",
         Outcome.HISTORY),
        ("I blacked out in the kitchen. That was 10 minutes ago.", Outcome.EMERGENCY),
        ("can't get my breath and it's getting worse", Outcome.EMERGENCY),
        ("Crushing pain in my chest. It was 2019 all over again.", Outcome.EMERGENCY),
        ("Crushing chest pain like my heart attack. That was 2018.", Outcome.EMERGENCY),
        ("Dad collapsed in the hall and won't wake. That was 2010.", Outcome.EMERGENCY),
        ("I collapsed in the shower. It was a while ago.", Outcome.EMERGENCY),
        ("had the baby last week and I'm soaking through a maternity pad every hour",
         Outcome.EMERGENCY),
        ("passed stool in the bed without knowing, back pain, legs heavy", Outcome.EMERGENCY),
        ("so tired of waking up every morning, i keep hoping one night i just wont",
         Outcome.EMERGENCY),
        ("so tired of waking up every morning with a stiff back", Outcome.NOTHING),
        # Someone with them now, not an emergency: the team looks, unless it is only why
        # the writer cancels.
        ("my husband is with me and he keeps feeling dizzy", Outcome.LOOK),
        ("can I cancel Friday, my daughter has a fever", Outcome.NOTHING),
        ("my youngest has a fever", Outcome.NOTHING),
        # Asking whether it is safe for them.
        ("I have epilepsy, my seizures are controlled. Is acupuncture safe for me?",
         Outcome.RISKS),
        ("I always faint at blood tests, is it a bad idea for me?", Outcome.RISKS),
        # Unsure means safe.
        ("feel a bit weird tonight, sort of spaced out and floaty", Outcome.LOOK),
        ("feeling much better, thanks!", Outcome.NOTHING),
        ("Hola, tengo fiebre y me duele el pecho desde la sesión", Outcome.LOOK),
        ("我胸口很疼，呼吸困难", Outcome.LOOK),
        # Bad input is read, not crashed on.
        ("", Outcome.NOTHING),
        ("🤒🤒🤒", Outcome.NOTHING),
        ("?!?!...", Outcome.NOTHING),
        (f"{PADDING}\nmy chest is really tight and I can't breathe. {PADDING}",
         Outcome.EMERGENCY),  # 4,000 characters, the sign in the middle
        ("my chest болит and I can't breathe", Outcome.EMERGENCY),  # mixed scripts
    ],
)
def test_what_a_message_calls_for(reader: Reader, text: str, outcome: Outcome) -> None:
    assert reader.read(text).outcome == outcome


def test_thoughts_of_suicide_get_the_crisis_answer_whatever_the_wording(
        reader: Reader) -> None:
    for text in ("I don't want to be here anymore", "everyone would be better off without me",
                 "thinking about taking all my tablets tonight",
                 "it would be better if I am not here"):
        decision = reader.read(text).decision
        assert decision.outcome == Outcome.EMERGENCY and decision.crisis, text


def test_the_shipped_second_opinion_is_what_the_tuning_set_trains() -> None:
    """bot/data/second_opinion.json.gz is retrained (python -m tests.eval.train) whenever
    a batch joins the tuning set or a red team is kept: the labelled messages, the
    training code and the shipped model agree with what the training recorded (training
    again takes a minute on a busy machine; that the same inputs give the same model is
    the next test's)."""
    from tests.eval.train import TRAINED_FROM, labelled, record, training_cases

    shipped = SecondOpinion.packaged()
    assert shipped is not None
    examples, labels = labelled(training_cases())

    assert TRAINED_FROM.read_text(encoding="utf-8") == record(
        examples, labels, shipped.to_bytes())


def test_the_same_messages_train_the_same_second_opinion() -> None:
    """Training is fixed by its seeds: a sample of the tuning set trains the same weights
    twice, and a different sample different ones."""
    from tests.eval.train import labelled, train, training_cases

    examples, labels = labelled(training_cases()[::40])
    first = train(examples, labels).to_bytes()

    assert train(examples, labels).to_bytes() == first
    assert train(examples[1:], labels[1:]).to_bytes() != first


def test_the_second_opinion_hears_what_the_rules_have_no_words_for(reader: Reader) -> None:
    """A sign in words no phrasing has: the model's reading reaches a person."""
    text = "since the needles yesterday ive been puffing and wheezing like an old kettle"
    assert reader.second_opinion is not None
    assert reader.second_opinion.weigh(reader.signs.spelled(text)).warning >= 0.8


def test_a_clinic_can_list_signs_in_another_script() -> None:
    """Signs in Russian and Greek, with their own negations: matched whatever the case,
    accents or inflection, and a negation in the same language holds them back."""
    signs = WarningSigns(
        [Sign("боль в груди", Tier.EMERGENCY, ("боль в груди", "болит грудь", "не могу дышать")),
         Sign("πυρετός", Tier.SAME_DAY, ("πυρετός", "ζαλάδα"))],
        Vocabulary(negations=("не", "нет", "без", "δεν", "όχι", "χωρίς"),
                   filler=("у", "меня", "в", "έχω", "και")))

    heard = {text: found and found.tier for text in (
        "У МЕНЯ СИЛЬНО БОЛИТ ГРУДЬ", "Сильная боль в груди!", "Не могу дышать",
        "Нет боли в груди", "Έχω πυρετο και ζαλαδα", "Δεν έχω πυρετό", "всё хорошо")
        for found in [signs.find(text)]}

    assert heard == {
        "У МЕНЯ СИЛЬНО БОЛИТ ГРУДЬ": Tier.EMERGENCY,
        "Сильная боль в груди!": Tier.EMERGENCY,
        "Не могу дышать": Tier.EMERGENCY,
        "Нет боли в груди": None,
        "Έχω πυρετο και ζαλαδα": Tier.SAME_DAY,
        "Δεν έχω πυρετό": None,
        "всё хорошо": None,
    }


@pytest.mark.parametrize(
    ("file_name", "file_text", "expected"),
    [
        ("red_flags.yaml", "emergency: []\nsame_day: []\n",
         "needs a list of signs called 'emergency'"),
        ("red_flags.yaml", "emergency:\n  - sign: x\nsame_day:\n  - sign: y\n    phrasings: [a]\n",
         "sign 'x': 'phrasings' must be a list"),
        ("red_flags.yaml", "emergency:\n  - sign: x\n    phrasings: [chest pain]\n    when: now\n"
         "same_day:\n  - sign: y\n    phrasings: [fever]\n", "'when' is not a field of a sign"),
        ("red_flags.yaml", "emergency:\n  - sign: x\n    phrasings: ['!!']\nsame_day:\n"
         "  - sign: y\n    phrasings: [fever]\n", "the phrasing '!!' has no words"),
        ("red_flags.yaml", "emergency:\n  - sign: x\n    phrasings: ['{nope} pain']\n"
         "same_day:\n  - sign: y\n    phrasings: [fever]\n",
         "names {nope}, which is not a concept in reading.yaml"),
        ("red_flags.yaml", "emergency:\n  - sign: x\n    phrasings: [a]\n    heavy: maybe\n"
         "same_day:\n  - sign: y\n    phrasings: [b]\n", "'heavy' must be emergency or same_day"),
        ("red_flags.yaml", "emergency:\n  - sign: x\n    phrasings: [a]\nsame_day:\n  - sign: y\n"
         "    phrasings: [b]\nwords:\n  negations: [no]\n", "'words' has moved to reading.yaml"),
        ("reading.yaml", "negation: [no]\n", "'negation' is not a list the reader uses"),
        ("reading.yaml", "alike: [[pain]]\n", "alike: each line must list two or more"),
        ("reading.yaml", "spelled_out: [[rn]]\n", "spelled_out: each line is [as typed, as meant]"),
    ],
)
def test_a_broken_reading_file_is_refused_naming_the_problem(
    tmp_path: Path, file_name: str, file_text: str, expected: str
) -> None:
    broken = copy_content(tmp_path)
    (broken / file_name).write_text(file_text)

    with pytest.raises(ContentError) as refused:
        load_content(broken, clinic_name="Lotus", clinic_contact="020 7946 0000")

    assert expected in str(refused.value)


def test_no_and_on_stay_words_in_the_content_files() -> None:
    """YAML 1.1 reads a bare `no` as false: "no redness" would lose its negation."""
    content = load_content(None, clinic_name="Lotus", clinic_contact="020 7946 0000")

    assert "no" in content.vocabulary.negations
    assert "on" in content.vocabulary.filler


def test_words_met_after_the_memory_is_full_are_read_the_same(
        reader: Reader, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader remembers how it read words and word pairs, up to a bound; past it, it
    forgets and begins again rather than stop remembering (a long-running bot meets new
    words for ever)."""
    monkeypatch.setattr("bot.understanding.warning_signs._REMEMBERED", 5)
    signs = WarningSigns(reader.signs.signs, reader.signs.vocabulary)
    fresh = Reader(signs, reader.matcher)
    text = "my chest is tight and I can't breathe, the kettle and the garden and the dog"
    first = fresh.read(text).outcome
    for word in ("apple", "banana", "cherry", "damson", "elder", "fig", "grape"):
        fresh.read(f"the {word} tart was lovely")
    assert len(signs._seen) <= 5
    assert "grape" in signs._seen  # still remembering, the older words forgotten
    assert fresh.read(text + " again").outcome == first == Outcome.EMERGENCY
