"""The application and how it runs: settings (`config`), building the PTB Application
and opening its resources (`app`, `context`), polling and webhook mode (`polling_guard`,
`webhook`, `inbox`), the per-chat update queue (`concurrency`), several processes on one
database (`instances`), the clinic clock (`clock`), staff dialogs kept in the database
(`dialogs`), logs and start-up failures (`logs`, `startup`).

It may import every other part of `bot` and `db`; only `app` imports `handlers` (the
composition root)."""
