"""Settings from the environment and .env: parsing, clear errors, secret token, .env.example."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[1]
ENV_EXAMPLE = ROOT / ".env.example"
TOKEN = "MTIzNDU2Nzg5.fake-token.S3CR3T-value"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No real .env and no setting inherited from the outer environment."""
    monkeypatch.chdir(tmp_path)
    fields = {name.upper() for name in Settings.model_fields}
    for key in list(os.environ):
        if key.upper() in fields:
            monkeypatch.delenv(key)
    return tmp_path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1, 2,3", [1, 2, 3]),
        ("42", [42]),
        (" 7 , 8 ", [7, 8]),
        ("1,2,", [1, 2]),
        ("", []),
    ],
)
def test_ask_channel_ids_parse_from_comma_list(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: list[int]
) -> None:
    """ASK_CHANNEL_IDS accepts a comma-separated list with optional spaces."""
    monkeypatch.setenv("ASK_CHANNEL_IDS", raw)
    assert Settings(_env_file=None).ask_channel_ids == expected
    assert load_settings(require_token=False).ask_channel_ids == expected


def test_ask_channel_ids_accept_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """ASK_CHANNEL_IDS also accepts a JSON list, as the validator's comment says."""
    monkeypatch.setenv("ASK_CHANNEL_IDS", "[1, 2, 3]")
    assert load_settings(require_token=False).ask_channel_ids == [1, 2, 3]


@pytest.mark.parametrize(("value", "expected"), [([1, 2], [1, 2]), (5, [5]), ("3,4", [3, 4])])
def test_ask_channel_ids_from_python_values(value: object, expected: list[int]) -> None:
    """Settings built in code accept a list, a single id or a comma string."""
    assert Settings(_env_file=None, ask_channel_ids=value).ask_channel_ids == expected


@pytest.mark.parametrize("name", ["ADMIN_ROLE_ID", "ADMIN_LOG_CHANNEL_ID", "DEV_GUILD_ID"])
def test_blank_optional_id_becomes_none(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """An optional id left blank (``ADMIN_ROLE_ID=``) means "not set"."""
    monkeypatch.setenv(name, "")
    assert getattr(Settings(_env_file=None), name.lower()) is None


def test_optional_id_parses_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """A filled-in optional id is read as an integer."""
    monkeypatch.setenv("ADMIN_ROLE_ID", "123456789012345678")
    assert Settings(_env_file=None).admin_role_id == 123456789012345678


def test_defaults_without_any_configuration() -> None:
    """With nothing configured, the documented defaults apply."""
    settings = load_settings(require_token=False)
    assert settings.discord_token is None
    assert settings.ask_channel_ids == []
    assert settings.admin_role_id is None
    assert settings.cooldown_questions == 5
    assert settings.cooldown_seconds == 30.0
    assert settings.answer_threshold == 0.55


@pytest.mark.parametrize("token", [None, "", "   "], ids=["unset", "empty", "blank"])
def test_missing_token_raises_clear_error(
    monkeypatch: pytest.MonkeyPatch, token: str | None
) -> None:
    """Without DISCORD_TOKEN, load_settings says which setting and where to look."""
    if token is not None:
        monkeypatch.setenv("DISCORD_TOKEN", token)
    with pytest.raises(SettingsError) as info:
        load_settings(require_token=True)
    assert "DISCORD_TOKEN" in str(info.value)
    assert ".env.example" in str(info.value)


def test_missing_token_allowed_when_not_required() -> None:
    """Console use (require_token=False) works without a token."""
    assert load_settings(require_token=False).discord_token is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ASK_CHANNEL_IDS", "abc"),
        ("ADMIN_ROLE_ID", "not-a-number"),
        ("DEV_GUILD_ID", "12.5"),
        ("ANSWER_THRESHOLD", "2"),
        ("COOLDOWN_QUESTIONS", "0"),
        ("COOLDOWN_SECONDS", "-1"),
    ],
)
def test_invalid_value_raises_error_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    """An invalid value raises SettingsError that names the setting and .env.example."""
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert name in message
    assert ".env.example" in message
    assert TOKEN not in message


def test_token_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """The token is a SecretStr and never shows up in repr, str or a JSON dump."""
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("ANALYTICS_SALT", "salt-" + TOKEN)
    settings = load_settings()
    assert isinstance(settings.discord_token, SecretStr)
    assert settings.discord_token.get_secret_value() == TOKEN
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert "S3CR3T" not in text


def test_reads_dotenv_in_working_directory(clean_env: Path) -> None:
    """load_settings reads .env from the working directory."""
    (clean_env / ".env").write_text(
        f"DISCORD_TOKEN={TOKEN}\nASK_CHANNEL_IDS=4, 5\nADMIN_ROLE_ID=\n", encoding="utf-8"
    )
    settings = load_settings()
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == TOKEN
    assert settings.ask_channel_ids == [4, 5]
    assert settings.admin_role_id is None


def test_environment_overrides_dotenv(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A variable in the environment wins over the same key in .env."""
    (clean_env / ".env").write_text("COOLDOWN_QUESTIONS=9\n", encoding="utf-8")
    monkeypatch.setenv("COOLDOWN_QUESTIONS", "3")
    assert load_settings(require_token=False).cooldown_questions == 3


def env_example_keys() -> set[str]:
    """UPPERCASE keys in .env.example, set (``KEY=``) or commented out (``# KEY=``)."""
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    return set(re.findall(r"^[ \t]*(?:#[ \t]*)?([A-Z][A-Z0-9_]*)[ \t]*=", text, re.MULTILINE))


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented_in_env_example(field: str) -> None:
    """Each Settings field appears in .env.example as an UPPERCASE key."""
    assert ENV_EXAMPLE.is_file(), f"{ENV_EXAMPLE} is missing"
    assert field.upper() in env_example_keys()
