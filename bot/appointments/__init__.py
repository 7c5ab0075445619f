"""Bookings and the messages they plan: the one booking path every entry point takes
(`booking`), the pure timing rules (`planning`: when a guide, reminder and check-in are
due, quiet hours, and what a check-in answer leads to), the timers that send them
(`timers`), composing each message (`rendering`), clinic wall-clock times
(`clinic_time`), phone numbers (`phones`), calendar files (`calendar_file`) and the CSV
import (a file's bytes as text, `file_text`; its lines, `csv_lines`; its rows,
`import_reader`; into the schedule, `importer`; what became of each row,
`import_report`).

Imports: `bot.sending`, `bot.services`, `bot.texts`, `bot.core` and `db`; never `handlers`
or the assembly."""
