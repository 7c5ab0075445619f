"""Reading what patients write: matching a question to the FAQ (`faq_search`) and hearing
warning signs in everyday words (`warning_signs`, built from `sign_parts` and `words`,
read from `content/red_flags.yaml` by `warning_signs_file`). Pure: no database, no
Telegram; it imports only the FAQ's data type from `bot.texts.content`."""
