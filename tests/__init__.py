"""Tests: the real Application over real HTTP against a loopback Bot API stand-in."""
