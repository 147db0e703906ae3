"""Settings from the environment and `.env` (pydantic-settings); `.env.example` documents each."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE = Path("data") / "mttq.db"


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
    index_dir: str | None = Field(
        default=None,
        description="Search index folder (default: next to the SQLite file, or data/index-<hash>)",
    )
    log_level: str = Field(default="WARNING", description="Python logging level")


@cache
def get_settings() -> Settings:
    return Settings()
