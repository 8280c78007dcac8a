"""Typed settings from the environment or ``.env`` (see ``.env.example``).

Each field's ``description`` states the values it allows; :func:`load_settings`
turns any invalid value into one line naming the setting and that range. A
setting left blank (``KEY=``) means "use the default".
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.db import Database, parse_database_url
from bot.paths import DATABASE_FILE, DEFAULT_DATA_DIR, default_knowledge_dir

# Discord ids are unsigned 64-bit snowflakes.
Snowflake = Annotated[int, Field(ge=1, le=2**64 - 1)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

FIX_HINT = "Fix it in .env or the environment (see .env.example)."
SECRET_FIELDS = frozenset({"discord_token", "analytics_salt"})
MIN_SALT_LENGTH = 16
# The value older copies of .env.example shipped with; anyone can read it, so it hides nothing.
PLACEHOLDER_SALT = "change-me"


class Settings(BaseSettings):
    """Every setting the bot reads. The token and the salt are secrets and never logged."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = Field(default=None, description="the bot token")
    knowledge_dir: Path = Field(
        default_factory=default_knowledge_dir, description="a folder with the knowledge YAML"
    )
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="a folder the bot may write")
    database_path: Path = Field(
        default=DEFAULT_DATA_DIR / DATABASE_FILE,
        description=f"a file path (default: DATA_DIR/{DATABASE_FILE})",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="empty (SQLite files in DATA_DIR, one process), sqlite:///path, or "
        "postgresql://user:password@host:5432/dbname (several processes share it)",
    )
    analytics_salt: SecretStr | None = Field(
        default=None,
        description=f"empty (a per-install salt is generated in DATA_DIR), or at least "
        f"{MIN_SALT_LENGTH} characters other than the example '{PLACEHOLDER_SALT}'",
    )
    question_retention_days: int = Field(
        default=30, ge=1, le=3650, description="a whole number of days from 1 to 3650"
    )
    ask_channel_ids: Annotated[list[Snowflake], NoDecode] = Field(
        default_factory=list,
        description="Discord channel ids (positive whole numbers), comma separated or a JSON list",
    )
    ask_channel_chatter: Literal["silent", "react", "reply"] = Field(
        default="react",
        description="silent, react or reply: what ask channels do with messages that ask the "
        "bot nothing",
    )
    admin_role_id: Snowflake | None = Field(
        default=None, description="a Discord role id (a positive whole number), or empty"
    )
    admin_log_channel_id: Snowflake | None = Field(
        default=None, description="a Discord channel id (a positive whole number), or empty"
    )
    dev_guild_id: Snowflake | None = Field(
        default=None, description="a Discord server id (a positive whole number), or empty"
    )
    shard_count: int | None = Field(
        default=None, ge=1, description="empty (automatic), or a whole number of shards >= 1"
    )
    shard_ids: Annotated[list[int] | None, NoDecode] = Field(
        default=None,
        description="empty (all shards), or shard numbers from 0 to SHARD_COUNT-1, comma "
        "separated or a JSON list; needs SHARD_COUNT",
    )
    admin_digest_hour: int | None = Field(
        default=None, ge=0, le=23, description="empty (no digest), or an hour (UTC) from 0 to 23"
    )
    answer_threshold: Fraction = Field(
        default=0.55, description="a number from 0 to 1, at least SUGGEST_THRESHOLD"
    )
    suggest_threshold: Fraction = Field(
        default=0.35, description="a number from 0 to 1, at most ANSWER_THRESHOLD"
    )
    cooldown_questions: int = Field(
        default=5, ge=1, le=1000, description="a whole number of questions from 1 to 1000"
    )
    cooldown_seconds: Finite = Field(
        default=30.0, gt=0, le=86400, description="a number of seconds above 0, at most 86400"
    )
    reload_poll_seconds: Finite = Field(
        default=0.5, gt=0, le=3600, description="a number of seconds above 0, at most 3600"
    )
    reload_debounce_seconds: Finite = Field(
        default=0.6, ge=0, le=3600, description="a number of seconds from 0 to 3600"
    )
    log_level: LogLevel = Field(
        default="INFO", description="DEBUG, INFO, WARNING, ERROR or CRITICAL"
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_means_default(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        # The database lives in DATA_DIR unless DATABASE_PATH names another file.
        data_dir = data.get("data_dir", DEFAULT_DATA_DIR)
        if "database_path" not in data and isinstance(data_dir, str | os.PathLike):
            data["database_path"] = Path(data_dir) / DATABASE_FILE
        return data

    @field_validator("database_url")
    @classmethod
    def _valid_database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_database_url(value.get_secret_value(), Path("unused"))  # raises with a hint
        return value

    @property
    def database(self) -> Database:
        """The store ``DATABASE_URL`` picks; SQLite at DATABASE_PATH when it is empty."""
        url = self.database_url.get_secret_value() if self.database_url else ""
        return parse_database_url(url, self.database_path)

    @field_validator("ask_channel_ids", "shard_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # Accept "1,2,3" from a .env file as well as a JSON list.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return json.loads(text)
                except (ValueError, RecursionError) as exc:
                    raise ValueError("not a JSON list of whole numbers") from exc
            return [v for v in text.replace(" ", "").split(",") if v]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("analytics_salt")
    @classmethod
    def _real_salt(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        secret = value.get_secret_value().strip()
        if secret == PLACEHOLDER_SALT:
            raise ValueError(
                f"'{PLACEHOLDER_SALT}' is the published example; delete the line to use a "
                "generated per-install salt"
            )
        if len(secret) < MIN_SALT_LENGTH:
            raise ValueError(f"too short ({len(secret)} characters)")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.answer_threshold < self.suggest_threshold:
            raise ValueError(
                f"ANSWER_THRESHOLD ({self.answer_threshold}) is below SUGGEST_THRESHOLD "
                f"({self.suggest_threshold}); allowed: 0 <= SUGGEST_THRESHOLD <= "
                "ANSWER_THRESHOLD <= 1"
            )
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SHARD_IDS is set but SHARD_COUNT is not; set both, or neither")
            wrong = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if wrong:
                raise ValueError(
                    f"SHARD_IDS has {wrong[0]}; allowed: shard numbers from 0 to "
                    f"SHARD_COUNT-1 ({self.shard_count - 1})"
                )
            if len(set(self.shard_ids)) != len(self.shard_ids):
                raise ValueError("SHARD_IDS lists a shard twice; list each shard once")
        return self


class SettingsError(Exception):
    """Settings are missing or invalid; the message says which and how to fix it."""


def describe_validation_error(exc: ValidationError) -> str:
    """One line naming each invalid setting, what was wrong and what is allowed."""
    parts = []
    for error in exc.errors(include_url=False):
        message = str(error["msg"]).removeprefix("Value error, ")
        message = message[:1].lower() + message[1:] if message.startswith("Input ") else message
        loc = error["loc"]
        if not loc:  # a rule across settings; its message names them
            parts.append(message)
            continue
        name = str(loc[0])
        field = Settings.model_fields.get(name)
        shown = "" if name in SECRET_FIELDS else _shown_value(error.get("input"))
        text = f"setting {name.upper()}{shown} is invalid: {message}"
        if field is not None and field.description:
            text += f"; allowed: {field.description}"
        parts.append(text)
    return "; ".join(parts) if parts else str(exc).splitlines()[0]


def _shown_value(value: object) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return ""
    text = repr(value)
    return f"={text[:40]}…" if len(text) > 40 else f"={text}"


def load_settings(require_token: bool = True) -> Settings:
    """Read and check every setting; raise :class:`SettingsError` with one clear line."""
    from pydantic_settings import SettingsError as SourceError

    try:
        settings = Settings()
    except SourceError as exc:
        raise SettingsError(f"{exc}. {FIX_HINT}") from exc
    except ValidationError as exc:
        raise SettingsError(f"{describe_validation_error(exc)}. {FIX_HINT}") from exc
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f".env is not UTF-8 text (byte {exc.start}); save it as UTF-8. {FIX_HINT}"
        ) from exc
    except OSError as exc:
        raise SettingsError(f"cannot read .env: {exc.strerror or exc}. {FIX_HINT}") from exc
    if require_token and (
        settings.discord_token is None or not settings.discord_token.get_secret_value().strip()
    ):
        raise SettingsError(
            "DISCORD_TOKEN is not set. Put your bot token in .env "
            "(see .env.example), or run `python -m bot repl` for the console."
        )
    return settings
