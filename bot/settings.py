"""Typed settings from the environment or ``.env`` (see ``.env.example``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.kb.store import default_knowledge_dir


class Settings(BaseSettings):
    """Every setting the bot reads. The token is a secret and never logged."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = None
    knowledge_dir: Path = Field(default_factory=default_knowledge_dir)
    database_path: Path = Path("data/analytics.sqlite3")
    analytics_salt: SecretStr = SecretStr("change-me")
    ask_channel_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    admin_role_id: int | None = None
    admin_log_channel_id: int | None = None
    dev_guild_id: int | None = None
    answer_threshold: float = Field(default=0.55, ge=0.0, le=1.0)
    suggest_threshold: float = Field(default=0.35, ge=0.0, le=1.0)
    cooldown_questions: int = Field(default=5, ge=1)
    cooldown_seconds: float = Field(default=30.0, gt=0)
    reload_poll_seconds: float = Field(default=0.5, gt=0)
    reload_debounce_seconds: float = Field(default=0.6, ge=0)
    log_level: str = "INFO"

    @field_validator("ask_channel_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # Accept "1,2,3" from a .env file as well as a JSON list.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [int(v) for v in text.replace(" ", "").split(",") if v]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("admin_role_id", "admin_log_channel_id", "dev_guild_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value


class SettingsError(Exception):
    """Settings are missing or invalid; the message says which and how to fix it."""


def load_settings(require_token: bool = True) -> Settings:
    from pydantic import ValidationError
    from pydantic_settings import SettingsError as SourceError

    try:
        settings = Settings()
    except SourceError as exc:
        raise SettingsError(
            f"{exc}. Fix it in .env or the environment (see .env.example)."
        ) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "?"
        raise SettingsError(
            f"setting {name} is invalid: {first['msg']}. "
            "Fix it in .env or the environment (see .env.example)."
        ) from exc
    if require_token and (
        settings.discord_token is None or not settings.discord_token.get_secret_value().strip()
    ):
        raise SettingsError(
            "DISCORD_TOKEN is not set. Put your bot token in .env "
            "(see .env.example), or run `python -m bot repl` for the console."
        )
    return settings
