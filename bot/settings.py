"""Settings from the environment and `.env` (pydantic-settings); `.env.example` documents each."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from knowledge.errors import EXTRACT_SECONDS

DEFAULT_DATABASE = Path("data") / "mttq.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_DATABASE}",
        description="SQLAlchemy URL: an SQLite file (default) or postgresql+psycopg://user@host/db",
    )
    max_document_mb: float = Field(
        default=20.0, gt=0, description="Largest single file ingest accepts"
    )
    ingest_workers: int = Field(
        default=2, ge=1, le=64, description="Processes that clean and extract"
    )
    extract_seconds: float = Field(
        default=EXTRACT_SECONDS,
        ge=0,
        description="Longest time cleaning and extracting one document may take (0: no limit)",
    )
    index_dir: str | None = Field(
        default=None,
        description="Search index folder (default: next to the SQLite file, or data/index-<hash>)",
    )
    log_level: str = Field(
        default="WARNING",
        description="Python logging level: DEBUG, INFO, WARNING, ERROR or CRITICAL",
    )

    telegram_bot_token: SecretStr | None = Field(
        default=None, description="The bot's token from @BotFather; none: the console chat"
    )
    admin_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Telegram user ids of admins, comma-separated"
    )
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot", description="Bot API base (a local Bot API server)"
    )
    telegram_file_base_url: str = Field(
        default="https://api.telegram.org/file/bot", description="Bot API file download base"
    )
    webhook_url: str | None = Field(
        default=None, description="Public HTTPS URL Telegram posts updates to (webhook mode)"
    )
    webhook_listen: str = Field(default="0.0.0.0", description="Address the webhook server binds")
    webhook_port: int = Field(default=8443, ge=1, le=65535, description="Webhook server port")
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Secret Telegram sends with each update (1-256 of A-Z a-z 0-9 _ -)",
    )
    health_port: int = Field(
        default=8081, ge=1, le=65535, description="Health endpoint port (webhook mode)"
    )

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"unknown logging level {value!r}")
        return level

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """ADMIN_IDS=123,456 (or a JSON list) → [123, 456]."""
        if isinstance(value, int):
            return [value]
        if isinstance(value, str):
            text = value.strip().strip("[]")
            return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
        return value


@cache
def get_settings() -> Settings:
    return Settings()


@dataclass(frozen=True, slots=True)
class Problem:
    """One setting pydantic refused, as plain data for the Vietnamese message
    (handlers.render.bad_setting)."""

    name: str  # the environment variable: ADMIN_IDS
    kind: str  # pydantic's error type: int_parsing, greater_than_equal, value_error…
    value: str  # what was given (for a list, the item that failed)
    limits: dict[str, Any]  # ge, le, gt…
    detail: str  # pydantic's own English message, shown after the Vietnamese one


def problems(error: ValidationError) -> list[Problem]:
    return [
        Problem(
            name=str(found["loc"][0]).upper() if found["loc"] else "",
            kind=str(found["type"]),
            value=str(found.get("input", "")),
            limits=dict(found.get("ctx") or {}),
            detail=str(found["msg"]),
        )
        for found in error.errors()
    ]
