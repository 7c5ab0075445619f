"""What the tests and the benchmarks share: the bot as a test or a benchmark runs it
(`bots`), child processes that die with their test (`processes`), test databases
(`databases`), and the people and bookings a test starts from (`factories`, `chaos`).
The Bot API stand-in itself is `bot.stand_in` (the demo uses it too). Test modules
import from here, never from each other."""
