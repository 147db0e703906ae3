"""Shared fixtures: real databases (SQLite in memory, and PostgreSQL when TEST_DATABASE_URL
points to one), never mocks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.settings import get_settings
from knowledge import store
from knowledge.ingest import documents, ingest, sample_paths

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


def _reset_postgres(url: str) -> None:
    engine = store._engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A freshly migrated database; every store test runs on both backends."""
    if request.param == "sqlite":
        engine = store.connect("sqlite:///:memory:")
    else:
        if not POSTGRES_URL.startswith("postgresql"):
            pytest.skip("PostgreSQL: TEST_DATABASE_URL is not set to a postgresql:// URL")
        _reset_postgres(POSTGRES_URL)
        engine = store.connect(POSTGRES_URL)
    yield engine
    engine.dispose()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An SQLite file the `mttq` commands use (DATABASE_URL), fresh settings around it."""
    path = tmp_path / "mttq.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """The bundled samples, stored under their file names as `mttq ingest --samples` does."""
    paths = sample_paths()
    summary = ingest(engine, documents(paths, sources={p: p.name for p in paths}), workers=1)
    assert len(summary.added) == len(paths), summary.failed
    return engine


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file holding the bundled samples; tests copy it rather than write to it."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    engine = store.connect(f"sqlite:///{path}")
    paths = sample_paths()
    ingest(engine, documents(paths, sources={p: p.name for p in paths}), workers=1)
    engine.dispose()
    return path
