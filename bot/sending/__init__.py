"""Getting messages to Telegram: the Bot API transport on aiohttp (`aiohttp_request`),
the rate limiter that keeps the bot under Telegram's limits (`rate_limit`: 30 messages a
second overall, with bursts and priorities; each chat's pace in `chat_pace`), what a failed
send means (`delivery`), replies sent without parsing Telegram's answer (`replies`), and
sending a broadcast to every recipient (`broadcast_runner`).

Imports: `bot.services` (the context, which peers are alive), `bot.texts` and `db`; never
`bot.appointments`, `handlers` or the assembly."""
