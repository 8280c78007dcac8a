"""Settings from the environment and .env: parsing, clear errors, secret token, .env.example."""

from __future__ import annotations

import os
import re
import subprocess
import sys
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
    ("name", "value", "allowed"),
    [
        ("ASK_CHANNEL_IDS", "abc", "channel ids"),
        ("ASK_CHANNEL_IDS", "[[[[", "JSON list"),
        ("ASK_CHANNEL_IDS", "1,-2", "positive whole numbers"),
        ("ADMIN_ROLE_ID", "not-a-number", "role id"),
        ("DEV_GUILD_ID", "12.5", "server id"),
        ("DEV_GUILD_ID", "-5", "positive whole number"),
        ("ANSWER_THRESHOLD", "2", "from 0 to 1"),
        ("ANSWER_THRESHOLD", "nan", "from 0 to 1"),
        ("SUGGEST_THRESHOLD", "-0.1", "from 0 to 1"),
        ("COOLDOWN_QUESTIONS", "0", "from 1 to 1000"),
        ("COOLDOWN_QUESTIONS", "-3", "from 1 to 1000"),
        ("COOLDOWN_SECONDS", "-1", "above 0"),
        ("COOLDOWN_SECONDS", "0", "above 0"),
        ("COOLDOWN_SECONDS", "inf", "above 0"),
        ("COOLDOWN_SECONDS", "nan", "above 0"),
        ("RELOAD_POLL_SECONDS", "0", "above 0"),
        ("RELOAD_POLL_SECONDS", "-inf", "above 0"),
        ("RELOAD_DEBOUNCE_SECONDS", "-1", "from 0 to 3600"),
        ("QUESTION_RETENTION_DAYS", "0", "from 1 to 3650"),
        ("QUESTION_RETENTION_DAYS", "3651", "from 1 to 3650"),
        ("QUESTION_RETENTION_DAYS", "a month", "from 1 to 3650"),
        ("SHARD_COUNT", "0", ">= 1"),
        ("SHARD_COUNT", "9" * 5000, ">= 1"),
        ("SHARD_IDS", "one", "from 0 to SHARD_COUNT-1"),
        ("ADMIN_DIGEST_HOUR", "24", "from 0 to 23"),
        ("ADMIN_DIGEST_HOUR", "-1", "from 0 to 23"),
        ("ADMIN_DIGEST_HOUR", "noon", "from 0 to 23"),
        ("ANALYTICS_SALT", "change-me", "at least 16 characters"),
        ("ANALYTICS_SALT", "short", "at least 16 characters"),
        ("LOG_LEVEL", "loud", "DEBUG, INFO"),
    ],
)
def test_invalid_value_raises_error_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, allowed: str
) -> None:
    """An invalid value is one line naming the setting, what it allows, and .env.example."""
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert "\n" not in message
    assert f"setting {name}" in message
    assert "allowed: " in message and allowed in message
    assert ".env.example" in message
    assert TOKEN not in message


@pytest.mark.parametrize(
    ("values", "names"),
    [
        ({"ANSWER_THRESHOLD": "0.3", "SUGGEST_THRESHOLD": "0.5"}, ["ANSWER_THRESHOLD", "SUGGEST"]),
        ({"SHARD_IDS": "0,1"}, ["SHARD_IDS", "SHARD_COUNT"]),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,2"}, ["SHARD_IDS", "2", "0 to SHARD_COUNT-1"]),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "-1"}, ["SHARD_IDS", "-1"]),
        ({"SHARD_COUNT": "3", "SHARD_IDS": "[1, 1]"}, ["SHARD_IDS", "twice"]),
    ],
    ids=["inverted-thresholds", "ids-without-count", "id-too-big", "id-negative", "duplicate"],
)
def test_inconsistent_settings_raise_one_line(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, str], names: list[str]
) -> None:
    """Settings that contradict each other are one line naming both and what is allowed."""
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as info:
        load_settings(require_token=False)
    message = str(info.value)
    assert "\n" not in message and ".env.example" in message
    assert all(name in message for name in names), message


def test_salt_is_never_shown_in_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rejected ANALYTICS_SALT is named, never echoed."""
    monkeypatch.setenv("ANALYTICS_SALT", "s3cr3t")
    with pytest.raises(SettingsError) as info:
        load_settings(require_token=False)
    assert "ANALYTICS_SALT" in str(info.value) and "s3cr3t" not in str(info.value)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,1"}, (2, [0, 1])),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "[3, 1]"}, (4, [3, 1])),
        ({"SHARD_COUNT": "4"}, (4, None)),
        ({"SHARD_COUNT": "", "SHARD_IDS": ""}, (None, None)),
    ],
)
def test_shards_parse(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, str], expected: tuple[object, object]
) -> None:
    """SHARD_COUNT and SHARD_IDS accept a comma list or a JSON list; blank means unset."""
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    settings = load_settings(require_token=False)
    assert (settings.shard_count, settings.shard_ids) == expected


@pytest.mark.parametrize(("raw", "expected"), [("", None), ("0", 0), ("23", 23), (" 7 ", 7)])
def test_admin_digest_hour(monkeypatch: pytest.MonkeyPatch, raw: str, expected: int | None) -> None:
    """ADMIN_DIGEST_HOUR is an hour 0..23, or unset (no digest) when blank."""
    monkeypatch.setenv("ADMIN_DIGEST_HOUR", raw)
    assert load_settings(require_token=False).admin_digest_hour == expected


def test_equal_thresholds_are_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """ANSWER_THRESHOLD may equal SUGGEST_THRESHOLD (no "did you mean" band)."""
    monkeypatch.setenv("ANSWER_THRESHOLD", "0.4")
    monkeypatch.setenv("SUGGEST_THRESHOLD", "0.4")
    settings = load_settings(require_token=False)
    assert settings.answer_threshold == settings.suggest_threshold == 0.4


@pytest.mark.parametrize(
    ("values", "database"),
    [
        ({}, Path("data") / "analytics.sqlite3"),
        ({"DATA_DIR": "/srv/bot"}, Path("/srv/bot/analytics.sqlite3")),
        ({"DATA_DIR": "/srv/bot", "DATABASE_PATH": "/db/a.sqlite3"}, Path("/db/a.sqlite3")),
        ({"DATA_DIR": "/srv/bot", "DATABASE_PATH": ""}, Path("/srv/bot/analytics.sqlite3")),
    ],
    ids=["default", "data-dir", "explicit-database", "blank-database"],
)
def test_database_lives_in_data_dir_unless_named(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, str], database: Path
) -> None:
    """The database is DATA_DIR/analytics.sqlite3 unless DATABASE_PATH names another file."""
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    assert load_settings(require_token=False).database_path == database


def test_database_path_given_in_code_wins() -> None:
    """Settings built in code (as the Discord tests do) keep their database_path."""
    settings = Settings(_env_file=None, database_path=Path("x.db"), data_dir=Path("d"))
    assert settings.database_path == Path("x.db")


@pytest.mark.parametrize("raw", [None, "", "  "], ids=["unset", "empty", "blank"])
def test_analytics_salt_is_optional(monkeypatch: pytest.MonkeyPatch, raw: str | None) -> None:
    """Without ANALYTICS_SALT there is no salt setting (analytics makes a per-install one)."""
    if raw is not None:
        monkeypatch.setenv("ANALYTICS_SALT", raw)
    assert load_settings(require_token=False).analytics_salt is None


def test_env_example_is_valid_and_matches_the_defaults(clean_env: Path) -> None:
    """.env.example copied to .env loads, and every value in it is the field's default."""
    (clean_env / ".env").write_text(ENV_EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_settings(require_token=False) == Settings(_env_file=None)


def _docker_env() -> dict[str, str]:
    """What `docker run --env-file .env` (a copy of .env.example) sets over the image's ENV."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    image_env = next(line for line in dockerfile.splitlines() if line.startswith("ENV "))
    env = dict(re.findall(r"(\w+)=(\S*)", image_env))
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        # Docker's env-file: whole-line comments only, values taken verbatim (no quotes removed).
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value
    return env


def test_env_example_works_as_a_docker_env_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """In the image, .env.example keeps the image's folders: knowledge and data under /app."""
    for key, value in _docker_env().items():
        monkeypatch.setenv(key, value)
    settings = load_settings(require_token=False)
    assert settings.knowledge_dir == Path("/app/knowledge")
    assert settings.data_dir == Path("/app/data")
    assert settings.database_path == Path("/app/data/analytics.sqlite3")


def test_dotenv_that_is_not_utf8_is_one_line(clean_env: Path) -> None:
    """A .env that is not UTF-8 text gives one clear line, not a decoding traceback."""
    (clean_env / ".env").write_bytes(b"COOLDOWN_SECONDS=\xff\n")
    with pytest.raises(SettingsError) as info:
        load_settings(require_token=False)
    assert ".env is not UTF-8 text" in str(info.value) and "\n" not in str(info.value)


def test_unreadable_dotenv_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A .env the bot may not read gives one line saying so."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", ".env")

    monkeypatch.setattr(Settings, "__init__", refuse)
    with pytest.raises(SettingsError) as info:
        load_settings(require_token=False)
    assert "cannot read .env: Permission denied" in str(info.value)


def test_settings_module_does_not_load_the_knowledge_store() -> None:
    """Importing bot.settings loads nothing from bot.kb (the console can read settings alone)."""
    code = (
        "import sys, bot.settings; print(sorted(m for m in sys.modules if m.startswith('bot.kb')))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "[]"


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
