"""What the bot says and shows: loading and checking the clinic's content files (`content`),
one for each language (`translations`), their message format (`patterns`: Fluent) and how
each writes dates (`dates`: Babel), the names of every text and the placeholders each
takes (`keys`), buttons and their callback data (`keyboards`, `callbacks`), Telegram's
HTML (`telegram_html`), and the staff's weekly picture (`chart`). The texts themselves are
in the top-level `content/`.

Imports: `bot.understanding` (the warning-sign file's parts, to check it; the FAQ's topics),
`bot.core` (the settings, to load the languages they name) and `db` (`db.models`' enums,
`db.stats`' figures, to draw them); nothing that runs."""
