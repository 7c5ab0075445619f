"""What kind of sentence a sign is said in: a report, a question about risk in general or
a worry about what might happen ("can acupuncture cause a collapsed lung?", "scared of
fainting"), asking about treating it ("can it reduce inflammation?"), a figure of speech
("nearly had a heart attack when I saw the bill", "laughed so hard I couldn't breathe"),
or the writer's job in health care ("I'm a nurse: three chest pains on the ward
tonight"). Part of reading a sign in its context (`context.py`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from itertools import pairwise

from bot.understanding.clauses import Clause, found, found_within, opens_a_question, said
from bot.understanding.sign_parts import Tier
from bot.understanding.warning_signs import Mention, WarningSigns
from bot.understanding.words import Phrases, words_of

# Signs counted like cases ("two cardiac arrests") are the writer's work, not their body.
_COUNTS = frozenset({"one", "two", "three", "four", "five", "six", "several", "few", "many",
                     "multiple", "loads", "lots"})
# Words of the job list that say when, not what: a shift worker's own sign is theirs.
_WORK_HOURS = frozenset({"shift", "shifts", "on shift", "off shift", "night shift", "on nights",
                         "on call"})
# Beside a role, what makes signs the work's cases (`_cases`), and what makes one an
# episode of the writer's own.
_CASES = frozenset({"calls", "call", "cases", "patients", "jobs", "admissions"})
_ALL_THE_TIME = frozenset({"all day", "all night", "all shift", "every day", "every shift",
                           "all week", "day long"})
_DURATION = frozenset({"min", "mins", "minute", "minutes", "hour", "hours", "hrs"})
# Words of a job's phrase that name a role, not the work: "i am a nurse", "work in icu".
_ROLE_WORDS = frozenset({"nurse", "paramedic", "doctor", "carer", "midwife", "aider",
                         "lifeguard", "worker", "phlebotomist", "responder", "work", "here",
                         "crew"})
# "I" followed by these speaks of the writer: "I've taken", "I want", "I'm having".
_I = frozenset({"i", "im", "ive"})
OWN_VERBS = frozenset({"am", "have", "had", "has", "want", "wanna", "feel", "felt", "took",
                        "taken", "just", "can", "keep", "cut", "think", "going", "gonna",
                        "need", "cannot", "having", "been", "got", "get"})
# "I'm a nurse": a role, not something the writer has.
_A_ROLE = frozenset({("am", "a"), ("am", "an")})
# "will I", "would I": what might happen, not what is.
_FUTURE = frozenset({"will", "would", "could", "might", "may", "can", "should", "if"})
# Questions only someone who has the sign asks.
_OWN_QUESTIONS = ("normal to have", "normal to feel", "normal to get", "normal to be",
                  "normal for both", "normal for my", "normal that i", "how long will",
                  "how long does", "how long should", "how worried", "need to worry",
                  "should i worry", "should i be worried", "tips for", "make the",
                  "what does it mean if", "is anyone there", "any reason why",
                  "has anyone else had", "does anyone else get", "anyone know why",
                  "is it normal", "normal reaction", "is it ok to feel", "is it okay to feel",
                  "common after", "when will the", "will the", "go away on its own",
                  "is it the needles", "because i have got", "that is what i have got",
                  "mine is", "mine are", "why is it so", "i have got it")
# "is it normal for your lips to swell": a question about it, not about treating it.
_NORMAL = frozenset({"normal", "ok", "okay", "common", "usual", "safe", "alright"})
# Words that take the joke back: what follows is meant.
_EARNEST = ("seriously", "not joking", "no joke", "not joke", "not kidding", "for real",
            "genuinely")
# Laughter typed out (laughing emoji are read as "haha").
LAUGHS = frozenset({"haha", "hahaha", "hehe", "lol", "lmao", "lmfao", "rofl"})
# Care already planned for it, just before a same-day sign: "I'm having surgery for the
# numbness in my fingers" is a condition being treated, not a new sign.
_PLANNED_CARE = ("surgery for", "surgery on", "operation for", "operation on", "op for",
                 "waiting list for", "booked in for")
# ... unless the clause says it is here now: "had treatment for the dizziness and now I'm so
# dizzy I can't stand".
_NOW = frozenset({"now", "since", "still", "today", "tonight", "worse", "again", "currently",
                  "started", "ago"})
# ... or that it has happened.
_HAPPENED = frozenset({"has", "have", "had"})


def _said_now(words: Sequence[str]) -> bool:
    """Words placing it now, but not "can I still have acupuncture?"."""
    return any(word in _NOW and not (
        word == "still" and position >= 2 and words[position - 1] in {"i", "we"}
        and words[position - 2] in {"can", "could", "should", "do", "will", "may"})
        for position, word in enumerate(words))


# Asking what to do in a case put forward, not reporting it, whatever personal words
# follow ("what should I do if I feel faint after my session?"), unless it is said to be
# happening ("what do I do if I can't breathe right now?").
_HYPOTHETICAL = ("what should i do if", "what do i do if", "what would i do if",
                 "what happens if", "what would happen if", "if something goes wrong",
                 "if anything goes wrong", "if something happens", "if anything happens")
# A figure of speech counts this many words either side of a sign.
_FIGURE_REACH = 6
# Said whole, these are figures of speech about the very sign they name: something that
# "nearly gave me a stroke" (City, the traffic, the rent), or a stroke someone "will have
# when they hear", "nearly had when I said"; or said with a laugh ("im gonna have a stroke
# fr 😂"). Only that sign is a figure; another beside it still counts ("nearly had a heart
# attack, chest still tight"), and nothing thought, felt or said of now is one ("I feel as
# though I'm going to have a heart attack", "I almost had a stroke just now").
_GIVEN = ("nearly gave me", "almost gave me", "gave me", "give me", "going to give me",
          "will give me")
_HAD = ("nearly had", "almost had", "going to have", "will have", "would have")
_HYPERBOLES = tuple(f"{how} {what}" for what in ("a heart attack", "a stroke")
                    for how in (*_GIVEN, *_HAD))
# A figure said with a trigger: "... a stroke when they hear".
_TRIGGERS = frozenset({"when", "whenever", "once"})
_NOT_A_FIGURE = frozenset({"think", "thought", "feel", "feels", "felt", "feeling", "scared",
                           "worried", "afraid", "frightened", "terrified", "sure", "maybe",
                           "might", "reckon", "honestly", "warned", "now", "here", "minute",
                           "again", "still", "just", "seriously", "really", "genuinely",
                           "actually"})


class Kind(StrEnum):
    REPORT = "report"
    RISK_QUESTION = "a question about risk"
    TREATING = "asking about treating it"
    FIGURE = "a figure of speech"
    LAUGHTER = "said with a laugh"  # only "lol", "haha" or 😂 near it: weaker than a figure
    JOB = "their job"



class SentenceKinds:
    """Reads the kind of sentence around a sign. Built once, beside the matcher; `someone`
    says whether a word is someone else ("my son")."""

    def __init__(self, signs: WarningSigns, someone: Callable[[str], bool]) -> None:
        words = signs.vocabulary
        self._someone = someone
        self._negations = signs.negations
        self._figures = Phrases(words.figures)
        self._earnest = Phrases(_EARNEST)
        self._hyperboles = [tuple(words_of(text)) for text in _HYPERBOLES]
        self._laughs = Phrases(LAUGHS)
        self._own_questions = Phrases(_OWN_QUESTIONS)
        self._job = Phrases(words.job)
        # What speaks of the work itself (cases, the ward, CPR), not only of a role or hours:
        # "I am paramedic and know the signs, crushing chest pain" is the writer's own.
        self._job_context = Phrases([text for text in words.job if text not in _WORK_HOURS
                                     and _ROLE_WORDS.isdisjoint(text.split())])
        self._asking = Phrases(words.asking)
        self._general = Phrases(words.general)
        self._supposing = Phrases(words.supposing)
        self._worrying = Phrases(words.worrying)
        self._personal = Phrases(words.personal)
        self._treating = Phrases(words.treating).single
        self._planned_care = Phrases(_PLANNED_CARE)
        self._hypothetical = Phrases(_HYPOTHETICAL)

    def kind(self, clauses: Sequence[Clause], mention: Mention, patients_own: bool) -> Kind:
        """`patients_own`: the sign is the writer's own, as far as the subject says."""
        clause = clauses[mention.clause]
        figure = self._figure(clause, mention)
        if figure == Kind.FIGURE:
            return figure
        sentence = [other for other in clauses if other.sentence == clause.sentence]
        at_work = any(said(other, self._job) for other in sentence)
        # The work itself ("three chest pains on the ward") speaks of work; a role or the
        # hours alone ("I'm a nurse", "lightheaded all shift") only of someone else's sign.
        if ((at_work and (any(said(other, self._job_context) for other in sentence)
                          or not patients_own or self._cases(clause, mention)))
                or (self._counted(clause, mention)
                    and any(said(other, self._job) for other in clauses))) \
                and not self.said_of_self(clause, mention):
            return Kind.JOB  # "I'm a nurse. Three chest pains on the ward tonight"
        if figure is not None:
            return figure  # only laughed about
        if self._treated(clause, mention) or self._care_planned(clause, mention):
            return Kind.TREATING
        if self._supposed(clause, mention) or self._beside_a_general_question(clauses, mention):
            return Kind.RISK_QUESTION
        return Kind.REPORT

    @staticmethod
    def _cases(clause: Clause, mention: Mention) -> bool:
        """Beside a role, signs said as the work's cases, not as an episode now: "chest
        pains and overdoses", "chest pain calls all day" (not "crushing chest pain for 30
        min", nor anything said to be happening now)."""
        words = clause.words
        last = mention.positions[-1]
        if _said_now(words) or any(
                word == "for" and not _DURATION.isdisjoint(words[index + 1:index + 4])
                for index, word in enumerate(words)):
            return False  # "crushing chest pain for 30 min"
        first = mention.positions[0]
        following = words[last + 1] if last + 1 < len(words) else ""

        def plural(word: str) -> bool:
            return word.endswith("s") and not word.endswith("ss")

        # A list of plural cases: "chest pains and overdoses", "nosebleeds and chest pains"
        # (not "I'm a nurse and been having chest pains": one sign, the writer's own).
        # The next case may take two words: "overdoses and chest pains".
        listed = plural(words[last]) and (
            (following == "and" and any(plural(word) for word in words[last + 2:last + 4]))
            or (first >= 2 and words[first - 1] == "and" and plural(words[first - 2])))
        return listed or following in _CASES or any(
            " ".join(words[index:index + 2]) in _ALL_THE_TIME for index in range(len(words)))

    @staticmethod
    def _counted(clause: Clause, mention: Mention) -> bool:
        """Signs counted like cases: "two cardiac arrests", "three chest pains"."""
        first = mention.positions[0]
        return any(word.isdigit() or word in _COUNTS
                   for word in clause.words[max(0, first - 2):first])

    def asked_of_own(self, clauses: Sequence[Clause], mention: Mention) -> bool:
        """The sign's sentence speaks of the writer's own experience, not of what might
        happen: "why do I feel so short of breath", "my chest", "is it normal to have chest
        pain after?" (not "will I keel over?", "if I've never had either")."""
        clause = clauses[mention.clause]
        first = mention.positions[0]
        if first and clause.words[first - 1] == "my":
            return True  # "what should I do if my chest pain gets worse?"
        sentence = [other for other in clauses if other.sentence == clause.sentence]
        return any(said(other, self._own_questions) or self._mine(other)
                   for other in sentence)

    def _mine(self, clause: Clause) -> bool:
        words = clause.words
        if said(clause, self._supposing):
            return False
        for position, word in enumerate(words[:-1]):
            following = words[position + 1]
            if word in {"my", "mine"} and not self._someone(following):
                return True
            if word in _I and following in OWN_VERBS and not (
                    position and words[position - 1] in _FUTURE):
                return True
        return False

    def said_of_self(self, clause: Clause, mention: Mention) -> bool:
        """The writer's own words before the sign, or "I" with a verb of having, wanting or
        doing in its part: "I've taken an overdose", "I want to end my life" (not "I deal
        with overdoses all day")."""
        if self._own_before(clause, mention):
            return True
        words = clause.words
        first = mention.positions[0]
        return any(words[position] in _I and words[position + 1] in OWN_VERBS
                   and tuple(words[position + 1:position + 3]) not in _A_ROLE
                   for position in range(clause.part_of(first).start, first))

    def _own_before(self, clause: Clause, mention: Mention) -> bool:
        """The patient's own words before the sign: "my back", "I have", "I am", "the
        spot on my forearm has gone red"."""
        first = mention.positions[0]
        words = clause.words
        before = words[max(0, first - 3):first]
        mine = range(clause.part_of(first).start, first)
        return ((first > 0 and words[first - 1] == "i")
                or any(words[position] in {"my", "me", "myself"} for position in mine)
                or " ".join(before).endswith(("i am", "i have", "i had", "i feel", "i got",
                                              "i was")))

    def _beside_a_general_question(self, clauses: Sequence[Clause], mention: Mention
                                   ) -> bool:
        """A list of signs under a general question ("What are the side effects?
        Bleeding, infection, that sort of thing.")."""
        clause = clauses[mention.clause]
        if self._personal_in(clause, range(len(clause.words))):
            return False
        return any(other.asks and said(other, self._general)
                   and not self._personal_in(other, range(len(other.words)))
                   for other in clauses if other.sentence != clause.sentence)

    def _figure(self, clause: Clause, mention: Mention) -> Kind | None:
        """A figure of speech or laughter around the sign ("nearly had a heart attack when
        I saw the bill", "dying lol"), or laughing anywhere in the clause ("laughed so hard
        I couldn't breathe")."""
        words = clause.words
        near = range(max(0, mention.positions[0] - _FIGURE_REACH),
                     min(len(words), mention.positions[-1] + _FIGURE_REACH + 1))
        if said(clause, self._earnest):
            return None  # "can't breathe 😂 seriously, my lips are going blue"
        if self._hyperbole(clause, mention):
            return Kind.FIGURE  # "watching City nearly gave me a stroke"
        figures = [position for position in found(clause, self._figures) if position in near]
        if any(word.startswith("laugh") for word in words) or any(
                words[position] not in LAUGHS for position in figures):
            return Kind.FIGURE
        return Kind.LAUGHTER if figures else None

    def _hyperbole(self, clause: Clause, mention: Mention) -> bool:
        """The sign's words end one of the hyperboles, given by something, said with a
        trigger or a laugh, and nothing in the clause says it is thought, felt or now."""
        words, last = clause.words, mention.positions[-1] + 1
        for phrase in self._hyperboles:
            start = last - len(phrase)
            if start < 0 or tuple(words[start:last]) != phrase \
                    or start > mention.positions[0]:
                continue
            if not _NOT_A_FIGURE.isdisjoint(words) or any(
                    pair in {("as", "though"), ("as", "if")} for pair in pairwise(words)):
                return False  # "I feel as though I'm going to have a heart attack"
            return "me" in phrase \
                or not _TRIGGERS.isdisjoint(words[last:last + 2]) \
                or said(clause, self._laughs)
        return False

    def _supposed(self, clause: Clause, mention: Mention) -> bool:
        """A general question or statement, or a supposition or worry, that says nothing of
        the patient themselves: "can acupuncture cause fainting?", "what if I feel faint?",
        "nervous about fainting"."""
        words = clause.words
        first = mention.positions[0]
        if found_within(clause, self._worrying, clause.part_of(first)):
            return True  # "scared of fainting", "shaking just thinking about it"
        if mention.sign.tier == Tier.SAME_DAY and any(
                position < first for position in found(clause, self._hypothetical)) \
                and not _said_now(words) and _HAPPENED.isdisjoint(words) \
                and not any(word.isdigit() for word in words):
            # "what should I do if I feel faint after my session?" (not "... right now",
            # nor "if a bit of needle has broken off"); an emergency is asked about anyway
            return True
        part = clause.part_of(first)
        # In the sign's own part: "just in case I'm overreacting, the spot is oozing pus"
        # reports it.
        for position in found(clause, self._supposing):
            if part.start <= position < first:
                return not self._personal_in(clause, range(position + 1, len(words))) \
                    and not _said_now(words)  # "if im coughing up blood, started 10 mins ago"
        if self._personal_in(clause, range(len(words))):
            return False
        # "Can acupuncture cause ...?" asks; "can't breathe" ("can not") does not.
        opens_question = opens_a_question(words, part.start, self._asking, clause.question)
        asking = opens_question or (clause.asks and part.start == 0)
        return asking or found_within(clause, self._general,
                                      range(len(words)) if clause.asks or clause.question else part)

    def _personal_in(self, clause: Clause, positions: range) -> bool:
        """The patient speaks of themselves: "my", "still", "I feel" (but not "will I
        feel" or "if I feel", which suppose)."""
        words = clause.words
        for position in found(clause, self._personal):
            if position not in positions:
                continue
            if words[position] in {"my", "mine"} and position + 1 < len(words) \
                    and self._someone(words[position + 1]):
                continue  # "my son": someone else
            if words[position] != "i" or position == 0:
                return True
            before = words[position - 1]
            if not (self._asking.at(words, position - 1) or before in self._supposing.single):
                return True
        return False

    def _care_planned(self, clause: Clause, mention: Mention) -> bool:
        """Care planned for a same-day sign just before it: "surgery for the numbness"."""
        if mention.sign.tier != Tier.SAME_DAY:
            return False
        first = mention.positions[0]
        part = clause.part_of(first)
        if _said_now(clause.words):
            return False
        words = clause.words
        for position in found(clause, self._planned_care):
            if not part.start <= position < first:
                continue
            # The phrase ends at its "for" or "on"; only small words follow it to the sign.
            end = next((index for index in range(position + 1, first)
                        if words[index] in {"for", "on"}), None)
            if end is not None and all(clause.filler[index] for index in range(end + 1, first)):
                return True
        return False

    def _treated(self, clause: Clause, mention: Mention) -> bool:
        """Asking about treating it: "can it reduce inflammation?" (but "help, I can't
        breathe" is no question)."""
        first = mention.positions[0]
        part = clause.part_of(first)
        if not (clause.asks or self._asking.at(clause.words, part.start)):
            return False
        words = clause.words
        if any(words[position] in {"i", "my", "me"} for position in range(part.start, first)):
            return False  # "can I take paracetamol for chest pain?": the writer has it
        return any(words[position] in self._treating and words[position - 1] not in _NORMAL
                   for position in range(max(part.start, first - 3), first))
