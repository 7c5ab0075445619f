"""What the bot says and shows: loading and checking the clinic's content files
(`content`), the names of every text and the placeholders each takes (`keys`), buttons
and their callback data (`keyboards`, `callbacks`), Telegram's HTML (`telegram_html`),
and the staff's weekly picture (`chart`). The texts themselves are in the top-level `content/`.

Imports: `bot.understanding` (the warning-sign file's parts, to check it; the FAQ's topics)
and `db` (`db.models`' enums, `db.stats`' figures, to draw them); nothing that runs."""
