"""`python -m bot demo`: the whole bot in a browser, with no token and no network.

The real application (the same handlers, scheduler and database code as production) runs
on a fresh SQLite file against the loopback Bot API stand-in (`bot.stand_in`), on a
`ManualClock`; a local web page shows a patient's chat and the staff chats side by side
and moves the clock (`server`, `page.html`). `seed` makes the demo clinic.

Imports: `bot.assembly`, `bot.appointments`, `bot.services`, `bot.texts`, `bot.core`,
`bot.stand_in` and `db`; only the command line imports it.
"""
