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
import tantivy
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from knowledge import store
from knowledge.index import SCHEMA, PassageIndex
from knowledge.ingest import documents, ingest, sample_paths
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.slow  # processes started together

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
    try:
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except DBAPIError as error:  # a role without CREATEDB
        server.dispose()
        pytest.skip(f"PostgreSQL: cannot create a fresh database ({error.orig})")
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
    processes = [
        context.Process(target=target, args=(*args, barrier, results)) for _ in range(count)
    ]
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
        versions = (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        )
        identities = connection.execute(text("SELECT count(*) FROM dbinfo")).scalar()
    engine.dispose()
    head = ScriptDirectory.from_config(store._alembic_config()).get_current_head()
    assert versions == [head]  # migrated once: one version row, one identity
    assert identities == 1


REPORTS = 40


def _folder(path: Path, *, version: int = 0) -> Path:
    """Forty distinct reports, one file each; ``version`` rewrites every fourth one."""
    path.mkdir(exist_ok=True)
    seeds = [p.read_text("utf-8") for p in sample_paths()]
    for index in range(REPORTS):
        gifts = index + 1 + (version if index % 4 == 0 else 0)
        text = f"Bản tin số {index}: tặng {gifts} phần quà.\n" + seeds[index % len(seeds)]
        (path / f"r{index:02}.txt").write_text(text, "utf-8")
    return path


def _ingest(url: str, folder: Path, barrier: Any, results: Any) -> None:
    engine = store.connect(url)
    barrier.wait()  # both start on the first file together: they race for every report
    try:
        results.put(ingest(engine, documents([folder]), workers=1).as_dict())
    except Exception as error:
        results.put({"error": f"{type(error).__name__}: {error}"[:300]})
    engine.dispose()


def _both(url: str, folder: Path) -> dict[str, list[str]]:
    """Two processes ingest the folder at once; the union of their summaries by outcome."""
    union: dict[str, list[str]] = {}
    for summary in _at_once(_ingest, (url, folder), 2):
        assert "error" not in summary, summary
        for outcome in ("added", "replaced", "duplicate", "unchanged", "failed"):
            union.setdefault(outcome, []).extend(
                s if isinstance(s, str) else str(s["source"])
                for s in summary[outcome]  # type: ignore[index]
            )
    return union


def _ids(url: str) -> tuple[dict[str, int], list[str]]:
    engine = store.connect(url)
    ids = {str(r["source"]): int(r["id"]) for r in store.list_reports(engine)}
    with engine.connect() as connection:
        ops = connection.execute(text("SELECT op FROM reportchange ORDER BY seq")).scalars().all()
    engine.dispose()
    return ids, list(ops)


def test_two_ingests_of_one_folder_at_once_store_each_report_once(
    empty_url: str, tmp_path: Path
) -> None:
    folder = _folder(tmp_path / "reports")
    store.connect(empty_url).dispose()
    union = _both(empty_url, folder)
    assert union["failed"] == []
    assert union["replaced"] == union["duplicate"] == []
    assert sorted(union["added"]) == sorted(str(p) for p in folder.iterdir())  # once each
    assert len(union["unchanged"]) == REPORTS  # what one stored, the other found unchanged
    ids, ops = _ids(empty_url)
    assert len(ids) == REPORTS and ops == ["add"] * REPORTS  # nothing deleted and re-stored

    _folder(folder, version=1)  # a new version of every fourth report, ingested twice at once
    union = _both(empty_url, folder)
    changed = sorted(str(folder / f"r{i:02}.txt") for i in range(0, REPORTS, 4))
    assert union["failed"] == union["added"] == union["duplicate"] == []
    assert sorted(union["replaced"]) == changed  # each new version stored once
    again, ops = _ids(empty_url)
    assert ops.count("del") == len(changed)
    assert {s: i for s, i in again.items() if s not in changed} == {
        s: i for s, i in ids.items() if s not in changed
    }

    engine = store.connect(empty_url)
    rerun = ingest(engine, documents([folder]), workers=1).as_dict()
    engine.dispose()
    assert rerun["counts"]["unchanged"] == REPORTS  # type: ignore[index]
    assert _ids(empty_url)[0] == again


def _index(url: str, folder: Path, barrier: Any, results: Any) -> None:
    engine = store.connect(url)
    barrier.wait()  # every process opens the new index folder at the same moment
    try:
        index = PassageIndex(engine, folder)
        index.sync(force=True)
        results.put("ok")
    except Exception as error:
        results.put(f"{type(error).__name__}: {error}"[:300])
    engine.dispose()


def test_instances_opening_a_new_index_folder_at_once_all_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mttq.db'}"
    engine = store.connect(url)
    paths = sample_paths()
    ingest(engine, documents(paths), workers=1)
    outcomes = _at_once(_index, (url, tmp_path / "index"), INSTANCES)
    assert outcomes == ["ok"] * INSTANCES
    index = PassageIndex(engine, tmp_path / "index")
    index.sync(force=True)
    heads = index.search(tantivy.Query.term_query(SCHEMA, "kind", "title"), limit=50, stored=False)
    assert len(heads) == len(paths)  # one head passage per report: the index is whole
