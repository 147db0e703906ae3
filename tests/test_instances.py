"""Several instances on one database: processes that open an empty database at the same
moment, and processes that ingest the same files at once, on a real SQLite file and a real
PostgreSQL database (a fresh one per test, dropped afterwards)."""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from knowledge import store
from tests.conftest import POSTGRES_URL

INSTANCES = 6


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database nobody has opened yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    if not POSTGRES_URL.startswith("postgresql"):
        pytest.skip("PostgreSQL: TEST_DATABASE_URL is not set to a postgresql:// URL")
    name = f"mttq_test_{uuid.uuid4().hex[:12]}"
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _open(url: str, barrier: Any, results: Any) -> None:
    barrier.wait()  # every process connects at the same moment: the race is met every time
    try:
        store.connect(url).dispose()
        results.put("ok")
    except Exception as error:  # reported to the test, which shows it
        results.put(f"{type(error).__name__}: {error}"[:300])


def _at_once(target: Any, args: tuple[Any, ...], count: int) -> list[str]:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(count), context.Queue()
    processes = [context.Process(target=target, args=(*args, barrier, results)) for _ in range(count)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return outcomes


def test_instances_opening_an_empty_database_at_once_all_start(empty_url: str) -> None:
    outcomes = _at_once(_open, (empty_url,), INSTANCES)
    assert outcomes == ["ok"] * INSTANCES
    engine = store.connect(empty_url)
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        identities = connection.execute(text("SELECT count(*) FROM dbinfo")).scalar()
    engine.dispose()
    head = store.ScriptDirectory.from_config(store._alembic_config()).get_current_head()
    assert versions == [head]  # migrated once: one version row, one identity
    assert identities == 1
