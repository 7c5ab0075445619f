"""What patients do: /start and consent, the FAQ and free questions, /help, their
appointments and the reminder and check-in buttons, linking their record, /settings,
/stop, /mydata and /forget, and the bot being blocked or unblocked (`membership`)."""
