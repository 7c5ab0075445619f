"""What the tests and the benchmarks share: the Bot API stand-in (`telegram_stub`), the
bot as a test or a benchmark runs it (`bots`), child processes that die with their test
(`processes`), test databases (`databases`), and the people and bookings a test starts
from (`factories`, `chaos`). Test modules import from here, never from each other."""
