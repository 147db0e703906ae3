"""Index stage: a persistent lexical index (tantivy) over every stored passage.

A passage is one extracted item (a sentence or ';' clause with its kind) or a report's head
(title, unit, period). The index lives on disk next to the SQLite file (or in a cache folder
for PostgreSQL) and follows the database's append-only change log (``reportchange``): each
process applies only the changes after the last sequence number written in the index folder,
so start-up never rebuilds, and every bot instance sharing one PostgreSQL catches up with new
reports on its next question. Replaying a change is harmless (a report's passages are
deleted before they are added again), so a crash between commit and bookkeeping costs
nothing but a repeat.

Why tantivy: measured on this machine it answers OR queries over a million passages in tens
of milliseconds where SQLite FTS5 takes seconds, opens instantly from disk (mmap), and a
pure-Python BM25 would have to be rebuilt or unpickled at every start.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlmodel import col

from knowledge import store
from knowledge.errors import IndexUnavailable
from knowledge.models import Item, Report, ReportChange
from knowledge.terms import Terms, terms
from knowledge.text import fold

log = logging.getLogger(__name__)

VERSION = 10  # bump when the schema or the terms change: the index is then rebuilt once
_STATE = "state.json"
_BATCH = 500
_NEAR = 15  # tokens of each neighbour kept as a passage's context
_TITLE = 25  # tokens of the report's title kept as context


def unit_key(level: str, name: str) -> str:
    return f"{level}|{fold(name)}"


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("item", stored=True)
    builder.add_integer_field("report", stored=True, indexed=True, fast=True)
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_text_field("kind", stored=True, tokenizer_name="raw")
    builder.add_text_field("unit", tokenizer_name="raw")
    builder.add_text_field("place", tokenizer_name="raw")
    # Stored, never indexed (a text field would put every passage in the term dictionary).
    builder.add_bytes_field("text", stored=True)
    builder.add_text_field("f", stored=True, tokenizer_name="whitespace")
    # The passage's neighbours and its report's title: what the sentence is about when it
    # does not say it ("Chủ tịch Ủy ban MTTQ quận …" after a sentence naming Long Biên).
    builder.add_text_field("c", stored=True, tokenizer_name="whitespace", index_option="basic")
    # The paragraph of its report the passage stands in (-1: the title), and both as one
    # term ("rp"), so the passages of forty paragraphs are one term-set query.
    builder.add_integer_field("para", stored=True, indexed=True, fast=True)
    builder.add_integer_field("rp", indexed=True)
    # No field of syllable pairs or accented words: pairs are phrase queries on "f" (its
    # positions), accents are checked when reranking; both fields doubled the term dictionary.
    return builder.build()


def _paragraph_schema() -> tantivy.Schema:
    """One entry a paragraph (a line of the report's text): questions often join facts of
    one paragraph (who spoke, at which meeting) that stand in different sentences."""
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("report", stored=True, indexed=True, fast=True)
    builder.add_integer_field("para", stored=True, indexed=True, fast=True)
    builder.add_text_field("p", stored=True, tokenizer_name="whitespace", index_option="freq")
    return builder.build()


def _report_schema() -> tantivy.Schema:
    """One entry a report, all its words: a report that matches the question throughout
    (title, lead, the passage) is told from one that shares a fragment."""
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("report", stored=True, indexed=True, fast=True)
    builder.add_text_field("d", tokenizer_name="whitespace", index_option="freq")
    return builder.build()


SCHEMA = _schema()
PARAGRAPH_SCHEMA = _paragraph_schema()
REPORT_SCHEMA = _report_schema()
# Three indexes, one folder each: BM25 takes its document count and average length from
# the whole index, so passages, paragraphs and whole reports must not share one.
PARTS: dict[str, tantivy.Schema] = {
    "passages": SCHEMA,
    "paragraphs": PARAGRAPH_SCHEMA,
    "reports": REPORT_SCHEMA,
}


@dataclass(frozen=True, slots=True)
class Hit:
    score: float
    item_id: int  # 0 for a report's head passage
    report_id: int
    kind: str
    text: str
    line: str  # pre-folded tokens, for reranking
    context: str = ""  # pre-folded tokens of the neighbours and the title
    para: int = -1  # the paragraph of its report it stands in (-1: the title)


def index_path(database_url: str, configured: str | None = None) -> Path | None:
    """Where the index of a database lives; None keeps it in memory (in-memory SQLite)."""
    if configured:
        return Path(configured)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        return None if database in {"", ":memory:"} else Path(f"{database}.index")
    import hashlib

    digest = hashlib.sha1(url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
    return Path("data") / f"index-{digest}"


class PassageIndex:
    """The persistent index of one database; thread-safe for many readers.

    It heals itself: an index folder that is damaged (a truncated or garbled file, a lost
    meta.json) or that disagrees with the database (another number of reports than stored)
    is rebuilt from the database, with a warning on stderr, rather than answering from
    half an index for good.
    """

    def __init__(self, engine: Engine, path: Path | None, *, refresh_seconds: float = 1.0) -> None:
        self.engine = engine
        self.path = path
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._checked = 0.0
        self._parts, self._searchers = self._open()
        self._verified = path is None  # an in-memory index is built here, from nothing

    @property
    def _searcher(self) -> tantivy.Searcher:
        return self._searchers["passages"]

    # -- opening and bookkeeping ---------------------------------------------------------

    def _open(self) -> tuple[dict[str, tantivy.Index], dict[str, tantivy.Searcher]]:
        if self.path is None:
            self._memory_seq, self._memory_db = 0, ""
            return _opened({part: tantivy.Index(schema) for part, schema in PARTS.items()})
        if self.path.exists() and not self.path.is_dir():
            raise IndexUnavailable(
                "index_path",
                f"INDEX_DIR {self.path} is a file, not a folder; point it to a folder (it is "
                "created if missing) or remove the file",
                source=str(self.path),
            )
        cause = store.folder_unwritable(self.path)
        if cause is not None:
            return self._open_read_only(cause)
        state = self._read_state()
        # Only a state file naming another version means an old index: a folder without one
        # is new, perhaps being created by another process this moment (never remove it).
        if state and state.get("version") != VERSION:
            log.warning("index at %s has another version: rebuilding it once", self.path)
            shutil.rmtree(self.path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise IndexUnavailable(
                "index_path",
                f"cannot create the index folder {self.path}: {error}",
                source=str(self.path),
            ) from None
        try:
            # Opening a searcher reads every segment's footer: a truncated or garbled file
            # fails here rather than in the middle of a question.
            return _opened(_on_disk(self.path))
        except ValueError as error:
            log.warning(
                "index at %s is damaged (%s): rebuilding it from the database",
                self.path,
                _first_line(error),
            )
            return self._fresh_folder()

    def _fresh_folder(self) -> tuple[dict[str, tantivy.Index], dict[str, tantivy.Searcher]]:
        assert self.path is not None
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True, exist_ok=True)
        return _opened(_on_disk(self.path))

    def _open_read_only(
        self, cause: str
    ) -> tuple[dict[str, tantivy.Index], dict[str, tantivy.Searcher]]:
        """An index folder this process cannot write (a read-only mount, another user's).

        tantivy takes a lock file even to read, so the folder is read through links from a
        private temporary folder, where the locks are written, and so is a catch-up with
        reports stored since (kept until the process ends). An index that is missing, of
        another version or of another database would have to be built: that is an error.
        """
        assert self.path is not None
        problem = self._unusable_as_is()
        if problem is not None:
            raise IndexUnavailable(
                "index_path",
                f"index folder {self.path} {problem}, and it cannot be written: {cause}; "
                "point INDEX_DIR to a writable folder",
                source=str(self.path),
            )
        self._overlay = tempfile.TemporaryDirectory(prefix="mttq-index-")
        overlay = Path(self._overlay.name)
        for entry in self.path.iterdir():
            if entry.is_dir():  # one index a part: its files linked one by one
                (overlay / entry.name).mkdir()
                for inner in entry.iterdir():
                    if not inner.name.endswith(".lock"):
                        (overlay / entry.name / inner.name).symlink_to(inner.resolve())
            elif not entry.name.endswith(".lock"):
                (overlay / entry.name).symlink_to(entry.resolve())
        log.info("index at %s cannot be written (%s): read through %s", self.path, cause, overlay)
        behind = store.change_head(self.engine)[1] - int(self._read_state().get("seq", 0))
        if behind > 0:
            log.warning(
                "index at %s is %d changes behind the database and cannot be written: "
                "catching up in a temporary folder, again at every start",
                self.path,
                behind,
            )
        folder, self.path = self.path, overlay
        try:
            return _opened(_on_disk(overlay))
        except ValueError as error:
            raise IndexUnavailable(
                "index_path", f"index folder {folder} cannot be read: {error}", source=str(folder)
            ) from None

    def _unusable_as_is(self) -> str | None:
        """Why the index on disk cannot answer for this database without a rebuild."""
        assert self.path is not None
        if not self.path.exists():
            return "does not exist"
        state = self._read_state()
        if not state or not all((self.path / part / "meta.json").exists() for part in PARTS):
            return "holds no index"
        if state.get("version") != VERSION:
            return f"holds an index of another version ({state.get('version')}; this one reads {VERSION})"
        if state.get("db") != store.identity(self.engine):
            return "holds the index of another database"
        return None

    def _read_state(self) -> dict[str, Any]:
        if self.path is None:
            return {"version": VERSION, "seq": self._memory_seq, "db": self._memory_db}
        try:
            return dict(json.loads((self.path / _STATE).read_text()))
        except (OSError, ValueError):
            return {}

    def _write_state(self, seq: int, database: str) -> None:
        if self.path is None:
            self._memory_seq, self._memory_db = seq, database
            return
        temporary = self.path / f"{_STATE}.tmp"
        temporary.write_text(json.dumps({"version": VERSION, "seq": seq, "db": database}))
        temporary.replace(self.path / _STATE)  # atomic: readers never see half a file

    @property
    def applied(self) -> int:
        return int(self._read_state().get("seq", 0))

    # -- following the database ----------------------------------------------------------

    def sync(self, *, force: bool = False) -> int:
        """Apply the database changes this index has not seen; returns how many reports.

        Throttled to one database look-up per ``refresh_seconds`` unless forced. When another
        process holds the writer (an ingest, another bot on the same folder), this one only
        reloads what that process committed.
        """
        now = time.monotonic()
        if not force and now - self._checked < self.refresh_seconds:
            return 0
        try:
            return self._sync(now)
        except ValueError as error:  # tantivy: a file of the folder is damaged or gone
            self.heal(error)
            return self.reports_indexed()

    def _sync(self, now: float) -> int:
        with self._lock:
            self._checked = now
            database, newest = store.change_head(self.engine)
            state = self._read_state()
            applied = int(state.get("seq", 0))
            # Another database (recreated since, or another URL on the same folder): start over.
            stale = state.get("db") not in {None, "", database} or newest < applied
            if stale:
                log.warning("index at %s belongs to another database: rebuilding", self.path)
            if newest <= applied and not stale:
                self._reload()
                count = 0
            else:
                count = self._catch_up(database, applied, newest, stale=stale)
                if count < 0:
                    return 0
            if not self._verified:
                count += self._verify(database, newest)
            return count

    def _catch_up(self, database: str, applied: int, newest: int, *, stale: bool) -> int:
        """Apply the changes after ``applied``; -1 when another process holds the writer."""
        writers: dict[str, tantivy.IndexWriter] = {}
        try:
            for part, index in self._parts.items():
                writers[part] = index.writer(heap_size=_HEAP[part], num_threads=1)
        except ValueError:
            for writer in writers.values():  # release the locks taken before the busy one
                writer.wait_merging_threads()
            log.info("index writer busy in another process; reloading its commits")
            self._reload()
            return -1
        try:
            if stale:
                for writer in writers.values():
                    writer.delete_all_documents()
                applied = 0
            count = self._apply(writers, applied, newest)
        finally:
            for writer in writers.values():
                writer.wait_merging_threads()
        self._write_state(newest, database)
        self._reload()
        return count

    def _verify(self, database: str, newest: int) -> int:
        """Once a process: the index, now at the change-log head, must hold one head passage
        per stored report. A lost meta.json leaves an empty index that believes it is
        current; anything that disagrees is rebuilt. Returns the reports re-indexed."""
        stored = store.count_reports(self.engine)
        if store.change_head(self.engine) != (database, newest):
            return 0  # changes arrived meanwhile: check again at the next sync
        indexed = self.reports_indexed()
        if indexed == stored:
            self._verified = True
            return 0
        log.warning(
            "index at %s holds %d reports, the database %d: rebuilding it",
            self.path,
            indexed,
            stored,
        )
        rebuilt = self._catch_up(database, 0, newest, stale=True)
        self._verified = rebuilt >= 0  # another process holds the writer: check again later
        return max(rebuilt, 0)

    def reports_indexed(self) -> int:
        """Reports the index holds (one whole-report entry each, and one title passage)."""
        query = tantivy.Query.term_query(SCHEMA, "kind", "title")
        found: Any = self._searcher.search(query, limit=1, count=True)  # the stubs lack .count
        titles = int(found.count or 0)
        whole = int(self._searchers["reports"].num_docs)
        return titles if titles == whole else -1  # parts that disagree: rebuild

    def heal(self, error: Exception) -> None:
        """A query failed inside the index (a file damaged after opening): start over from
        the database, once, so the next question is answered from a whole index."""
        if self.path is None:
            raise error
        log.warning(
            "index at %s failed (%s): rebuilding it from the database",
            self.path,
            _first_line(error),
        )
        with self._lock:
            self._parts, self._searchers = self._fresh_folder()
            self._verified = True
        self._sync(time.monotonic())

    def _reload(self) -> None:
        for index in self._parts.values():
            index.reload()
        self._searchers = {part: index.searcher() for part, index in self._parts.items()}

    def _apply(self, writers: dict[str, tantivy.IndexWriter], after: int, upto: int) -> int:
        with self.engine.connect() as connection:
            seq = col(ReportChange.seq)
            rows = connection.execute(
                select(col(ReportChange.report_id)).where(seq > after, seq <= upto).order_by(seq)
            ).scalars()
            touched = list(dict.fromkeys(int(r) for r in rows))
        for start in range(0, len(touched), _BATCH):
            batch = touched[start : start + _BATCH]
            for writer in writers.values():
                for report_id in batch:
                    writer.delete_documents_by_term("report", report_id)
            for part, document in self._documents(batch):
                writers[part].add_document(document)
            for writer in writers.values():
                writer.commit()
        if not touched:
            for writer in writers.values():
                writer.commit()  # a start-over with nothing to add still drops the old passages
        return len(touched)

    def _documents(self, report_ids: list[int]) -> Iterator[tuple[str, tantivy.Document]]:
        """Passages of the reports that still exist (a deleted one yields none)."""
        with self.engine.connect() as connection:
            reports = connection.execute(
                select(  # type: ignore[call-overload]
                    Report.id,
                    Report.title,
                    Report.unit_level,
                    Report.unit_name,
                    Report.unit_parents,
                    Report.period_year,
                    Report.text,
                ).where(Report.id.in_(report_ids))  # type: ignore[union-attr]
            ).all()
            items = connection.execute(
                select(Item.id, Item.report_id, Item.kind, Item.text, Item.heading)  # type: ignore[call-overload]
                .where(Item.report_id.in_(report_ids))  # type: ignore[attr-defined]
                .order_by(Item.id)
            ).all()
        heads = {int(r.id): r for r in reports}
        titles = {report_id: terms(r.title) for report_id, r in heads.items()}
        for report_id, report in heads.items():
            yield "passages", _document(report, 0, "title", report.title, titles[report_id], ())
        by_report: dict[int, list[Any]] = {}
        for item in items:
            if int(item.report_id) in heads:
                by_report.setdefault(int(item.report_id), []).append(item)
        for report_id, report in heads.items():
            if report_id not in by_report:
                yield "reports", _whole(report, titles[report_id], [])
        for report_id, own in by_report.items():
            report = heads[report_id]
            found = [terms(i.text) for i in own]
            yield "reports", _whole(report, titles[report_id], found)
            lines = paragraphs(report.text or "")
            where = _paragraph_of([i.text for i in own], lines)
            for number, line in enumerate(lines):
                yield "paragraphs", _paragraph(report, number, terms(line))
            for n, item in enumerate(own):
                before = found[n - 1].tokens[-_NEAR:] if n else ()
                after = found[n + 1].tokens[:_NEAR] if n + 1 < len(found) else ()
                context = (*before, *after, *titles[report_id].tokens[:_TITLE])
                yield (
                    "passages",
                    _document(
                        report, int(item.id), item.kind, item.text, found[n], context, para=where[n]
                    ),
                )

    # -- searching -------------------------------------------------------------------------

    @property
    def searcher(self) -> tantivy.Searcher:
        return self._searcher

    def doc_freq(self, field: str, term: str) -> int:
        return int(self._searcher.doc_freq(field, term))

    def search(self, query: tantivy.Query, *, limit: int, stored: bool = True) -> list[Hit]:
        """Best passages first. ``stored=False`` reads only the report id (a fast field):
        enough to know which reports hold a term."""
        try:
            return self._search(query, limit=limit, stored=stored)
        except ValueError as error:
            self.heal(error)
            return self._search(query, limit=limit, stored=stored)

    def _search(self, query: tantivy.Query, *, limit: int, stored: bool) -> list[Hit]:
        searcher = self._searcher
        found = searcher.search(query, limit=limit, count=False)
        if not stored:
            return self._report_hits(found.hits)
        hits = []
        for score, address in found.hits:
            document = searcher.doc(address)
            para = document.get_first("para")
            hits.append(
                Hit(
                    score=float(score),
                    item_id=int(document.get_first("item") or 0),
                    report_id=int(document.get_first("report") or 0),
                    kind=str(document.get_first("kind")),
                    text=bytes(document.get_first("text") or b"").decode("utf-8"),
                    line=str(document.get_first("f")),
                    context=str(document.get_first("c") or ""),
                    para=-1 if para is None else int(para),
                )
            )
        return hits

    def _report_hits(self, found: list[Any]) -> list[Hit]:
        reports = self._searcher.fast_field_values("report", [address for _, address in found])
        return [
            Hit(float(score), 0, int(report or 0), "", "", "")
            for (score, _), report in zip(found, reports, strict=True)
        ]

    def search_reports(self, tokens: list[str], *, limit: int) -> dict[int, float]:
        """Reports by BM25 over their whole text, best first."""
        should: list[tuple[tantivy.Occur, tantivy.Query]] = [
            (tantivy.Occur.Should, tantivy.Query.term_query(REPORT_SCHEMA, "d", t))
            for t in dict.fromkeys(tokens)
        ]
        if not should:
            return {}
        searcher = self._searchers["reports"]
        try:
            found = searcher.search(
                tantivy.Query.boolean_query(should), limit=limit, count=False
            ).hits
            reports = searcher.fast_field_values("report", [address for _, address in found])
        except ValueError as error:
            self.heal(error)
            return {}
        return {
            int(report or 0): float(score)
            for (score, _), report in zip(found, reports, strict=True)
        }

    def search_paragraphs(
        self, tokens: list[str], *, limit: int
    ) -> dict[tuple[int, int], tuple[float, str]]:
        """Paragraphs by BM25: (report, paragraph) → (score, its tokens), best first."""
        should: list[tuple[tantivy.Occur, tantivy.Query]] = [
            (tantivy.Occur.Should, tantivy.Query.term_query(PARAGRAPH_SCHEMA, "p", t))
            for t in dict.fromkeys(tokens)
        ]
        if not should:
            return {}
        searcher = self._searchers["paragraphs"]
        try:
            found = searcher.search(
                tantivy.Query.boolean_query(should), limit=limit, count=False
            ).hits
        except ValueError as error:
            self.heal(error)
            return {}
        best: dict[tuple[int, int], tuple[float, str]] = {}
        for score, address in found:
            document = searcher.doc(address)
            key = (int(document.get_first("report") or 0), int(document.get_first("para") or 0))
            best[key] = (float(score), str(document.get_first("p") or ""))
        return best

    def passages_of(self, paragraphs: list[tuple[int, int]], *, limit: int) -> list[Hit]:
        """The passages standing in these paragraphs."""
        if not paragraphs:
            return []
        keys = [paragraph_key(report, para) for report, para in paragraphs]
        return self.search(tantivy.Query.term_set_query(SCHEMA, "rp", keys), limit=limit)

    @property
    def size(self) -> int:
        return int(self._searcher.num_docs)


# Writer memory a part (tantivy's minimum is 15 MB a thread).
_HEAP = {"passages": 64_000_000, "paragraphs": 32_000_000, "reports": 32_000_000}


def _on_disk(folder: Path) -> dict[str, tantivy.Index]:
    indexes = {}
    for part, schema in PARTS.items():
        (folder / part).mkdir(parents=True, exist_ok=True)
        indexes[part] = tantivy.Index(schema, path=str(folder / part), reuse=True)
    return indexes


def _opened(
    indexes: dict[str, tantivy.Index],
) -> tuple[dict[str, tantivy.Index], dict[str, tantivy.Searcher]]:
    return indexes, {part: index.searcher() for part, index in indexes.items()}


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:300] if str(error) else type(error).__name__


def paragraph_key(report: int, para: int) -> int:
    """One integer for (report, paragraph): reports stay far below 2**40, paragraphs 2**20."""
    return report * 1_048_576 + para


def paragraphs(text: str) -> list[str]:
    """A report's paragraphs: the non-empty lines of its cleaned text."""
    return [line for line in text.split("\n") if line.strip()]


def _paragraph_of(items: list[str], lines: list[str]) -> list[int]:
    """The paragraph each item (in document order) stands in: items are sentences and
    clauses cut from the lines, so each is found at or after the previous one's line."""
    where, at = [], 0
    for text in items:
        probe = text[:40]
        for number in range(at, len(lines)):
            if probe in lines[number]:
                at = number
                break
        where.append(at)
    return where


def _paragraph(report: Any, number: int, found: Terms) -> tantivy.Document:
    return tantivy.Document(report=int(report.id), para=number, p=found.line)


def _document(
    report: Any,
    item_id: int,
    kind: str,
    text: str,
    found: Terms,
    context: tuple[str, ...],
    *,
    para: int = -1,
) -> tantivy.Document:
    places = _places(report)
    return tantivy.Document(
        item=item_id,
        report=int(report.id),
        year=int(report.period_year or 0),
        kind=kind,
        unit=places[:1] or [""],
        place=places or [""],
        text=text.encode("utf-8"),
        f=found.line,
        c=" ".join(context),
        para=para,
        rp=paragraph_key(int(report.id), para),
    )


def _whole(report: Any, title: Terms, items: list[Terms]) -> tantivy.Document:
    """The report as one entry: its title (twice: what the page is about) and every item."""
    words = [*title.tokens, *title.tokens, *(t for found in items for t in found.tokens)]
    return tantivy.Document(report=int(report.id), d=" ".join(words))


def _places(report: Any) -> list[str]:
    """The report's unit key first, then its parents' keys."""
    if not report.unit_level:
        return []
    keys = [unit_key(report.unit_level, report.unit_name)]
    parents: Iterable[dict[str, str]] = report.unit_parents or []
    keys += [unit_key(p["level"], p["name"]) for p in parents]
    return keys
