"""What the bot says and shows: loading and checking the clinic's content files
(`content`), the names of every text and the placeholders each takes (`keys`), buttons
and their callback data (`keyboards`, `callbacks`), and Telegram's HTML
(`telegram_html`). The texts themselves are in the top-level `content/`.

It imports `bot.understanding` (to check the warning-sign file) and `db.models`' enums;
nothing that runs."""
