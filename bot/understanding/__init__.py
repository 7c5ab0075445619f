"""Reading what patients write, top to bottom in `screen.py`: the language check, clauses
(`clauses.py`), warning signs (`warning_signs.py`, built from `sign_parts.py` and
`words.py`, read from `content/red_flags.yaml` by `warning_signs_file.py`), each sign in
its context (`context.py`, with `subjects.py` for whose it is and `sentence_kinds.py` for
what the sentence does), the second opinion (`second_opinion.py`), the FAQ
(`faq_search.py`), and the policy that decides (`policy.py`); the word lists come from
`content/reading.yaml` (`vocabulary.py`, `reading_file.py`). Pure: no database, no
Telegram; the FAQ's topics are its own types (`topics.py`), which `bot.texts` loads.

Imports: none (not `db`, not Telegram)."""
