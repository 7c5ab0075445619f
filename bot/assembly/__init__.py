"""The assembly: building the PTB Application and opening its resources (`app`), start-up
failures and the stop signal (`startup`), polling and webhook mode (`polling_guard`,
`webhook`, `inbox`), the per-chat update queue (`concurrency`), this process's share of
Telegram's limit among its peers (`instances`), the staff set-up check (`staff_setup`), and
whether the bot has anything in hand, for tests (`quiescence`).

The top floor of the running bot: only `bot/__main__.py` and the demo import it.

Imports: `handlers`, `bot.appointments`, `bot.sending`, `bot.services`, `bot.texts`,
`bot.understanding`, `bot.core` and `db`."""
