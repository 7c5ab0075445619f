"""What every handler and job is given: the typed context and the bot's data, split by
kind (`context`: frozen settings, services built once, running tasks, this process among
its peers, each feature's own state); which peer processes are alive and what a gone one
left behind (`peers`); staff dialogs kept in the database so any process can carry them on
(`dialogs`).

Imports: `bot.texts`, `bot.understanding`, `bot.core` and `db`; nothing that sends or
books."""
