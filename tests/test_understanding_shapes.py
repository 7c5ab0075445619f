"""Who, when and what kind, read from the shape of a sentence (issue 26): news passed on, a
past day, a goodbye, speech that sounds wrong, a sign's words naming a thing, a job's
cases, a year, a name in capitals.
Each case was written against a reading of a fresh batch or a red team's finding
(tests/eval/red_team/); the reader must keep its answer."""

from __future__ import annotations

import pytest

from bot.understanding.names import NAME, unnamed
from bot.understanding.policy import Outcome
from bot.understanding.screen import Reader


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        # A past day dates someone else's sign, unless it goes on "since".
        ("our goalkeeper collapsed in the match on Sunday", Outcome.NOTHING),
        ("his face dropped on Saturday, he's not been right since, slurring",
         Outcome.EMERGENCY),
        ("my wife can't breathe and I'll ring you on Monday", Outcome.EMERGENCY),
        # News passed on: an emergency going on now is asked about with one tap.
        ("my son just told me he's taken 30 paracetamol", Outcome.CONFIRM),
        ("mum phoned, she says she can't breathe", Outcome.CONFIRM),
        ("my sister apparently fainted at work last week, she's ok", Outcome.NOTHING),
        ("dad cant breathe properly after his covid jab on monday", Outcome.EMERGENCY),
        ("mums face dropped on one side on sunday and it still hasnt come right",
         Outcome.EMERGENCY),
        ("need to cancel my 3pm, mum just rang me, shes having chest pains", Outcome.CONFIRM),
        ("my daughter just texted me she took all her sertraline", Outcome.CONFIRM),
        ("had a TIA in the spring, think its happening again, face dropping",
         Outcome.EMERGENCY),  # a TIA is no aunt ("tia")
        # Descriptions of someone not responding; a blocked nose is no collapse.
        ("she's gone floppy and isn't really talking back to us", Outcome.EMERGENCY),
        ("i can't breathe through my nose with this hay fever", Outcome.NOTHING),
        ("my 6 week old is grunting and sucking in under her ribs", Outcome.EMERGENCY),
        # Saying goodbye: not being around beside a farewell, not a holiday.
        ("i wont be around next week, ive made my peace with it", Outcome.EMERGENCY),
        ("I won't be around next week, I'm in Spain, thanks for everything", Outcome.NOTHING),
        # Speech that sounds wrong; an arm that cannot be lifted.
        ("he woke up unable to lift his right arm", Outcome.CONFIRM),
        ("my wife says my talking sounds strange", Outcome.EMERGENCY),
        # A sign's words naming a thing: "the chest pain clinic" (but medicines run on:
        # "having a seizure meds are in the bag"); bringing an EpiPen is no reaction.
        ("running the suicide awareness training at work", Outcome.NOTHING),
        ("my son is having a seizure meds are in the blue bag", Outcome.CONFIRM),
        ("should I bring my epipen to the appointment?", Outcome.NOTHING),
        ("he is sitting holding his chest and sweating", Outcome.CONFIRM),
        # "fine now" later in the sentence ends someone else's sign, said of them.
        ("my mate collapsed at work, got flown out to perth, hes fine now", Outcome.NOTHING),
        ("dizzy and keep being sick since the session, the headache's ok now",
         Outcome.SAME_DAY),
        ("just had to use my epipen", Outcome.EMERGENCY),
        # A list of cases beside a role is the work, not the writer's body.
        ("paramedic here, a shift full of overdoses and chest pains, shoulders are toast",
         Outcome.NOTHING),
        ("im a carer and my mum collapsed today", Outcome.EMERGENCY),
        # A year dates a sign, unless what lies between likens them or says now, or the
        # sign is said as now in another part; a clock time, a count, a room, a birth year
        # and an age said as now are no date.
        ("heart attack 2011, stent put in, no problems since", Outcome.HISTORY),
        ("crushing chest pain, worst since my heart attack in 2015", Outcome.EMERGENCY),
        ("can't breathe, same as in 2019", Outcome.EMERGENCY),
        ("My husband died in 2023 and today I've got this crushing pain in my chest",
         Outcome.EMERGENCY),
        ("been having trouble breathing since 2000 hrs", Outcome.EMERGENCY),
        ("room 1908, my husband's just collapsed on the bathroom floor", Outcome.EMERGENCY),
        ("my husband (born 1948) has collapsed and he's grey", Outcome.CONFIRM),
        ("its 2026 and still no answer from the gp, my chest is so tight i cant get a breath in",
         Outcome.EMERGENCY),
        ("we moved here in 2019 so dont know the numbers, my husband has gone down on the "
         "kitchen floor and wont wake up", Outcome.EMERGENCY),
        ("two toes have been numb since my disc op in 2012, the surgeon said thats permanent",
         Outcome.HISTORY),
        ("When I was 6 I had meningitis, fever through the roof, weeks in hospital",
         Outcome.HISTORY),
        ("moved flats in 2024 so no gp round here yet, my throat is closing up",
         Outcome.EMERGENCY),
        ("cant breathe properly and my only inhaler ran out in 2025, what do i do",
         Outcome.EMERGENCY),
        ("my husband who had his stroke back in 2020 cant lift his arm and his face has gone "
         "funny", Outcome.EMERGENCY),
        ("I was 20 mins into my walk home when crushing chest pain hit me", Outcome.EMERGENCY),
        ("my nan at 92 has collapsed and wont wake up", Outcome.EMERGENCY),
        ("had chest pains in march 2023, all checked and fine, is acupuncture ok?",
         Outcome.HISTORY),
        # One's own "since my ..." is an onset, not a past event.
        ("really bad pain coming from my chest, sweaty, please tell me what to do",
         Outcome.EMERGENCY),
        ("since my face dropped on one side at lunch ive been drooling", Outcome.EMERGENCY),
        ("since my TIA at lunchtime my right arm feels heavy and useless", Outcome.EMERGENCY),
        ("since my TIA my right arm has been weak and tingly and my speech is off",
         Outcome.EMERGENCY),
        # A thing's collapse was tried and undone: people are named by words no list holds
        # ("the poor lamb collapsed", "the chaplain collapsed").
        ("the poor lamb collapsed in the playground right in front of me", Outcome.EMERGENCY),
        ("a spectator collapsed right beside me at the match", Outcome.EMERGENCY),
        ("one of the ladies in my class has collapsed and is twitching", Outcome.EMERGENCY),
        ("my larynx feels swollen and i can barely get air in", Outcome.EMERGENCY),
        # A doctor named beside someone's emergency now changes nothing.
        ("Mums lips and tongue have swelled up after her new tablets, the gp said they were "
         "safe", Outcome.CONFIRM),
        ("My dad is lying on the floor not breathing properly, we called 999 twice and no "
         "ambulance turned up", Outcome.EMERGENCY),
        ("care assistant here, one of my residents has just collapsed and isnt breathing",
         Outcome.EMERGENCY),
        # Batches 69-71: North American medicine names; someone in a clause about the
        # writer's own place; a drowned rat.
        ("I took like 14 extra strength tylenol plus my muscle relaxers, now my stomach "
         "feels weird", Outcome.EMERGENCY),
        ("The spot on my lower back where she put the needle in is red hot and puffy",
         Outcome.SAME_DAY),
        ("I'm out the back where he was cutting the hedge, won't come round, what do I do",
         Outcome.EMERGENCY),
        ("weather is horrendous, I'll be a drowned rat when I get there haha", Outcome.NOTHING),
        ("needle spot on my ankle wont quit bleeding, Im on Eliquis", Outcome.EMERGENCY),
        # Batches 72-74's rules a red team undid: a long line joined to fragments, "TIA" as
        # written, "took her to" and "urgent care" as care.
        ("swollen\ntongue\nlike the reaction I had as a child to nuts", Outcome.EMERGENCY),
        ("been having TIAs all morning", Outcome.EMERGENCY),
        ("I took her to the bathroom and she collapsed, she's not responding",
         Outcome.EMERGENCY),
        ("urgent care is shut, my wife's lips and tongue are swelling up", Outcome.CONFIRM),
        # A hyperbole that names its sign whole is a figure of speech; the same words
        # thought or felt, or another sign beside them, are not.
        ("watching City last night nearly gave me a stroke, two goals in stoppage time",
         Outcome.NOTHING),
        ("the lads will have a stroke when they hear I've gone for acupuncture", Outcome.NOTHING),
        ("Nearly had a stroke when I said yes to the price lol, worth it though",
         Outcome.NOTHING),
        ("nearly had a heart attack, chest still tight and sweating", Outcome.EMERGENCY),
        ("i think im going to have a stroke", Outcome.EMERGENCY),
        ("I feel like I'm going to have a heart attack", Outcome.EMERGENCY),
        ("I feel as though I'm going to have a heart attack", Outcome.EMERGENCY),
        # Batches 75-77: half a mouth that will not smile, a husband who cannot be roused,
        # blood running into a sock, pressing behind the breastbone.
        ("when he smiled at me just now only one side of his mouth went up", Outcome.EMERGENCY),
        ("I cannot rouse him. I have shaken his shoulder and called his name",
         Outcome.EMERGENCY),
        ("blood is running down my leg from where the needle was, its in my sock",
         Outcome.EMERGENCY),
        ("heavy pressing behind my breastbone since warmups, sweating through my jacket",
         Outcome.EMERGENCY),
        ("I'm a plumber, half my day is spent with my chest jammed under someone's sink, no "
         "wonder my back's shot. Do you do Saturdays?", Outcome.NOTHING),
        # A name in capitals is no sign; capitals for emphasis are.
        ("im doing the Stroke Foundation fun run sunday, any chance of a session saturday",
         Outcome.NOTHING),
        ("my kids school play is called The Fainting Goat, can we move my thurs appt",
         Outcome.NOTHING),
        ("had a session yesterday and now I feel Faint And Dizzy Since Lunch",
         Outcome.SAME_DAY),
        ("I had a Fainting Spell after the session today", Outcome.EMERGENCY),
        ("Hi, sorry to message so late but my husband keeps Vomiting Blood and I dont know what "
         "to do", Outcome.EMERGENCY),
        ("been having Suicidal Ideation again since my meds were changed and its getting loud",
         Outcome.EMERGENCY),
        ("I think my mum has all the Stroke Warning Signs, what do i do", Outcome.EMERGENCY),
        ("I have a Suicide Plan and im going to do it tonight", Outcome.EMERGENCY),
        ("volunteering at the Suicide Prevention Cafe on Tuesdays now, can my slot move",
         Outcome.NOTHING),
        # Batches 78-80: someone sitting here is with the writer.
        ("My mom say the needle place on her knee is swelling and hot and she have little "
         "fever. She is sitting here, I type for her", Outcome.SAME_DAY),
        # ... and words no list had: sight gone like a blind, legs that folded.
        ("woke up and theres nothing out of my right eye. like a black blind's come down "
         "over it", Outcome.EMERGENCY),
        ("both my legs just folded under me this morning, no strength in either of them",
         Outcome.EMERGENCY),
        ("left foot feels floppy since thursday, keep catching the toe", Outcome.SAME_DAY),
        # A name signed off is no typo of a sign ("Siew" is not "spew"), but only a name.
        ("I am walking much better now, thank you.\nRegards,\nSiew Ling Tan", Outcome.NOTHING),
        ("ok\nLove,\nChest Pain", Outcome.EMERGENCY),
        ("had my treatment this morning\nThanks\nBreathless Wheezing", Outcome.EMERGENCY),
        ("bruise on my hand where the needle went in, going yellowy now", Outcome.NOTHING),
        # A carer's resident after a session here, with a sign now, is no case of the job.
        ("im a support worker, one of my residents had acupuncture with you this morning, "
         "now her lips are swelling and she cant breathe", Outcome.EMERGENCY),
        ("I'm a nurse, three chest pains on the ward tonight, had my acupuncture today, see "
         "you friday", Outcome.NOTHING),
        # Batches 81-83: a line broken mid-sentence is read both ways, a sign heard only
        # across the break wins; a line that opens anew ("is it normal ...") stays apart.
        ("dad is talking\nfunny... words coming out all\njumbled... hes sat next to me",
         Outcome.EMERGENCY),
        ("quick question\nis it normal to bleed a lot after cupping?", Outcome.RISKS),
        # ... "like it stops halfway" likens; it has not stopped.
        ("been on the couch since 7 and i cant get a full breath in, its like it stops "
         "halfway and theres a stabbing bit in my back", Outcome.EMERGENCY),
        # ... years said as how long a condition has lasted are history, not the worst
        # for years.
        ("my hip has been numb for 20 years", Outcome.HISTORY),
        ("worst headache ive had for years, came on out of nowhere", Outcome.EMERGENCY),
        ("first time in 20 years i cant breathe like this", Outcome.EMERGENCY),
        # ... someone else already in hospital or sent to the ER is the writer's news.
        ("One of my guys fell off a ladder, we sent him to the ER and he's ok. I'll be half "
         "an hour late", Outcome.NOTHING),
        ("Mum's in the Mater with chest pains since Sunday, they're keeping her in for "
         "tests", Outcome.NOTHING),
        ("my husband had acupuncture with you this morning and we've called an ambulance",
         Outcome.EMERGENCY),
        ("my husband needs an ambulance, is it 999 or 112 from a mobile?", Outcome.CONFIRM),
        ("they kept him in overnight last week but this afternoon his face dropped",
         Outcome.EMERGENCY),
        # ... "seems like it's passed" hedges a sign that passed; "it's like it stops" likens.
        ("got a bit lightheaded on the way home, feels like it's gone now, thanks",
         Outcome.NOTHING),
        ("Mum's had dementia for years and her face has dropped on one side",
         Outcome.CONFIRM),
        ("my son (7) has accidents in bed most nights, can acupuncture help bedwetting?",
         Outcome.NOTHING),
        # ... a thing that collapsed (opening the sentence: not a run-on after a thing), a
        # temperature that is normal, a supposition ("if something goes wrong").
        ("the marquee collapsed at my nephew's christening in the wind", Outcome.NOTHING),
        ("my son half drowned in the pool at his lesson, now hes coughing and really sleepy",
         Outcome.EMERGENCY),
        ("dad was fixing the pergola collapsed on the patio and hes grey", Outcome.CONFIRM),
        ("can i still come tomorrow with a bit of a cold? just sniffly, temp normal",
         Outcome.NOTHING),
        ("What am I meant to do if something goes wrong after I get home, like bleeding or "
         "feeling sick?", Outcome.RISKS),
        ("Had an accident in bed last night, didnt even feel it happen", Outcome.EMERGENCY),
        # Batches 84-86: read once more joined where a sentence goes on across a break (a
        # word or two cut off by a full stop, a few words after "..."), a sign heard only
        # so wins; a thought after "..." that a figure or history began stays its own.
        ("had needles. upper back. tues.\nnow cant get. my breath.\nstairs. even talking. hard",
         Outcome.EMERGENCY),
        ("yesterday needle at my shoulder, today my chest ... so tight", Outcome.EMERGENCY),
        ("Was laughing at the telly with dad... then he collapsed", Outcome.CONFIRM),
        ("Lips n tongue swelling up fast after the needles. Side effect?", Outcome.EMERGENCY),
        ("Blacked out on the kitchen floor and came round confused. Once before.",
         Outcome.EMERGENCY),
        # ... "must stop" is something done, not a sign that stopped.
        ("breathing is very short, I walk 10 steps must stop already", Outcome.EMERGENCY),
        ("ngl been cutting again since the weekend, cant stop thinking about going deeper",
         Outcome.EMERGENCY),
        ("Been cutting again for my bodybuilding show so im a bit flat, ok to still come in?",
         Outcome.NOTHING),
        # ... an aunty back in a place the word list does not know is away (not "back in
        # car").
        ("my aunty back in Nuku'alofa keeps fainting in the heat, see u thursday",
         Outcome.NOTHING),
        ("got dad back in car from the shops and hes gone grey, sweaty and clutching his chest",
         Outcome.CONFIRM),
        # Batches 87-89: "stopped making sense"; blood "in the tissue" of a cough; "I stop
        # it with a plaster" is something done, not a sign gone (but "they stopped" passed).
        ("Mum has suddenly stopped making sense, keeps asking who I am. Shes sat here with me",
         Outcome.EMERGENCY),
        ("been coughing since last night and just now there's red in the tissue, a fair bit",
         Outcome.EMERGENCY),
        ("the needle hole on my wrist keeps bleeding, i stop it with a plaster and an hour "
         "later theres more blood on my sleeve", Outcome.SAME_DAY),
        ("I had some palpitations on the bus after my session, they stopped after a few "
         "minutes", Outcome.NOTHING),
        ("blew my nose and there was a bit of blood on the tissue", Outcome.NOTHING),
        # Batches 90-92: texting shorthand ("sos chst pain"), "goin down L arm" spreads, a
        # plan not to be around beside a parting, a nosebleed that won't stop on a thinner,
        # an arm still sleeping; a wheelie bin, being on a good many tablets.
        ("sos chst pain rn w sweats, goin down L arm", Outcome.EMERGENCY),
        ("No need to rebook me. I'm planning on not being around by next week.",
         Outcome.EMERGENCY),
        ("nosebleed wont stop 45 min, on apixaban, pinching nose not working",
         Outcome.EMERGENCY),
        ("after the electric treatment my arm is sleeping still, 2 days now", Outcome.SAME_DAY),
        ("found a dead fox in a wheelie bin on the round this morning", Outcome.NOTHING),
        ("my son is so wheelie tonight, really worried", Outcome.EMERGENCY),
        ("I am 83 and on a good many tablets, is it safe for a man of my age?", Outcome.RISKS),
        ("I've taken a good many pills tonight, I want it to stop", Outcome.EMERGENCY),
        # ... but a plan not to be around for a holiday, "going down l think", a rare steak.
        ("I'm planning on not being around for the bank holiday, can we move my session?",
         Outcome.NOTHING),
        ("the swelling on my knee is going down l think, see you Weds", Outcome.NOTHING),
        ("I like my steak rare, dribbling blood, is that ok", Outcome.NOTHING),
        # ... everyday words: a photo that came out blurred, a swollen river, breathless with
        # rage, a bruise gone yellowish.
        ("the parking map pic you sent came out all blurred, can u resend", Outcome.NOTHING),
        ("the river's so swollen from all the rain they closed the road", Outcome.NOTHING),
        ("Crows lost again, I'm heartbroken and breathless with rage", Outcome.NOTHING),
        ("little bruise on my shoulder from tuesday, gone yellowish, doesnt hurt",
         Outcome.NOTHING),
    ],
)
def test_the_shape_of_a_sentence_says_whose_and_when(reader: Reader, text: str,
                                                      outcome: Outcome) -> None:
    assert reader.read(text).outcome == outcome


def test_a_name_in_capitals_is_read_as_one_word() -> None:
    signs = {"fainting", "stroke", "swollen"}

    def unnamed_(text: str) -> str:
        return unnamed(text, signs.__contains__, {"the", "my", "mum", "and", "since"})

    assert unnamed_("my kids play is called The Fainting Goat and it's on thursday") == \
        f"my kids play is called {NAME} and it's on thursday"
    assert unnamed_("im doing the Stroke Foundation fun run on sunday morning") == \
        f"im doing the {NAME} fun run on sunday morning"
    # Capitals everywhere are emphasis; a sentence's first word is no name's; a sign's
    # word last, or a small word inside, makes no name.
    emphasis = "Feeling Faint And Stroke Since Lunch Today"
    assert unnamed_(emphasis) == emphasis
    for text in ("Fainting Goat tickets are sold out now, sadly",
                 "i feel really Fainting Stroke after it today",
                 "after my session i had Fainting Since lunch today"):
        assert unnamed_(text) == text
