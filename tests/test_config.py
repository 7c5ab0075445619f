"""Settings: a missing or placeholder token is explained, not a traceback; every setting
is documented in .env.example."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from bot.core.settings import EXAMPLE_CLINIC_CONTACT, EXAMPLE_CLINIC_NAME, Settings
from bot.core.settings_loading import SettingsError, load_settings
from bot.stand_in import TOKEN
from tests.support.processes import python_module, run

ROOT = Path(__file__).resolve().parents[1]


def run_bot(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run(python_module("bot", *args), cwd=cwd,
               env={"PATH": "/usr/bin:/bin", **(env or {})})


@pytest.mark.parametrize("token", [None, "", "123456:replace-with-the-token-from-BotFather",
                                   "not a token"])
def test_a_missing_or_placeholder_token_says_where_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, token: str | None
) -> None:
    monkeypatch.chdir(tmp_path)
    if token is not None:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)

    with pytest.raises(SettingsError) as refused:
        load_settings()

    assert "TELEGRAM_BOT_TOKEN" in str(refused.value)
    assert "@BotFather" in str(refused.value)


def test_running_without_a_token_prints_the_help_and_no_traceback(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "run")

    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is missing" in result.stderr and "@BotFather" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_the_env_example_placeholder_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())

    result = run_bot(tmp_path, "check")

    assert result.returncode == 2 and "@BotFather" in result.stderr


def test_settings_come_from_dot_env_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\nSTAFF_USER_IDS=11, 22\nCLINIC_TIMEZONE=Europe/Berlin\n"
        "CLINIC_NAME=Birch Clinic\nCLINIC_CONTACT=030 1234 5678\n"
        # No Bot API here (tests/test_startup_failures.py has check reach the stand-in).
        "TELEGRAM_API_BASE_URL=http://127.0.0.1:9\n")

    result = run_bot(tmp_path, "check")

    assert "Settings and content are fine (7 FAQ topics, in English)" in result.stdout, \
        result.stderr
    assert "Database: reachable" in result.stdout
    assert "Bot API: Could not reach the Bot API at http://127.0.0.1:9" in result.stdout
    assert result.returncode == 2


def test_values_are_parsed_and_checked() -> None:
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN, clinic_name="Birch",
                        clinic_contact="030 1234 5678", emergency_number=" 112 ",
                        staff_user_ids=" 5, 6 ,7", staff_chat_id="-100123",
                        telegram_api_base_url="http://127.0.0.1:8081/", log_level="debug")

    assert settings.staff_user_ids == {5, 6, 7} and settings.is_staff(6)
    assert not settings.is_staff(8) and not settings.is_staff(None)
    assert settings.staff_chat_id == -100123
    assert settings.bot_api_url == "http://127.0.0.1:8081/bot"
    assert settings.log_level == "DEBUG"
    assert settings.emergency_number == "112"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("CLINIC_TIMEZONE", "Mars/Olympus", "not an IANA time zone"),
        ("STAFF_USER_IDS", "12,alice", "Telegram user ids separated by commas"),
        ("TELEGRAM_API_BASE_URL", "api.telegram.org", "must start with http"),
        ("LOG_LEVEL", "LOUD", "must be one of"),
        ("EMERGENCY_NUMBER", "call the doctor", "not a phone number such as 999"),
        ("CHECKIN_MILD_MAX", "7", "7 must be below ESCALATION_THRESHOLD (7)"),
        ("CLINIC_NAME", EXAMPLE_CLINIC_NAME.upper(), "still the example from .env.example"),
        ("CLINIC_CONTACT", EXAMPLE_CLINIC_CONTACT, "still the example from .env.example"),
        ("CLINIC_CONTACT", "  ", "how patients reach a person"),
    ],
)
def test_bad_values_are_named_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, field: str, value: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("CLINIC_NAME", "Birch Clinic")
    monkeypatch.setenv("CLINIC_CONTACT", "030 1234 5678")
    monkeypatch.setenv(field, value)

    with pytest.raises(SettingsError) as refused:
        load_settings()

    assert f"{field}: " in str(refused.value) and message in str(refused.value)


def test_the_example_clinic_is_refused_even_with_a_real_token(tmp_path: Path) -> None:
    """Patients are told to call CLINIC_CONTACT when something is wrong: the example's
    number must never be what they are given."""
    example = (ROOT / ".env.example").read_text()
    (tmp_path / ".env").write_text(example.replace(
        "TELEGRAM_BOT_TOKEN=123456789:replace-with-the-token-from-BotFather",
        f"TELEGRAM_BOT_TOKEN={TOKEN}"))

    result = run_bot(tmp_path, "check")

    assert result.returncode == 2
    assert "CLINIC_NAME: still the example from .env.example" in result.stderr
    assert "CLINIC_CONTACT: still the example from .env.example" in result.stderr
    assert "@BotFather" not in result.stderr and "Traceback" not in result.stderr
    assert f"CLINIC_NAME={EXAMPLE_CLINIC_NAME}\n" in example
    assert f"CLINIC_CONTACT={EXAMPLE_CLINIC_CONTACT}\n" in example


def test_a_missing_clinic_contact_says_what_it_is_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("CLINIC_NAME", "Birch Clinic")

    with pytest.raises(SettingsError) as refused:
        load_settings()

    assert str(refused.value).startswith("CLINIC_CONTACT is missing: how patients reach")


def test_env_example_documents_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", example, flags=re.MULTILINE))

    assert documented == {name.upper() for name in Settings.model_fields}
