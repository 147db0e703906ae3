"""Ingest benchmark: the real bulk file through the project's real ingest path.

    python bench/ingest.py [--limit N] [--workers W ...] [--db PATH] [--input FILE] [--full]

Default: the first --limit articles (6000) ingested with workers=1 and workers=2, each into
its own fresh SQLite file, side by side; plus a 500-article in-process profile of the three
phases (read/decode, clean+extract, store.save) showing what bounds the speed. ``--full``
runs the whole file with 2 workers instead of the side-by-side comparison.

Each ingest run happens in its own freshly spawned process, so its peak RSS (RUSAGE_SELF)
and its workers' peak RSS (RUSAGE_CHILDREN) belong to that run alone, and every run pays the
same cold start (imports, lazily loaded tables) that a real ``mttq ingest`` pays.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import queue as queue_module
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from knowledge import store
from knowledge.errors import KnowledgeError, ReadError
from knowledge.extract import Record
from knowledge.ingest import ingest, process, raw_hash
from knowledge.read import RawDocument, iter_path

GOAL_RATE = 300.0  # articles/s on 2 cores
DEFAULT_INPUT = Path(__file__).resolve().parents[1].parent / "shared/data/baomoi-2017.jsonl.gz"
DEFAULT_LIMIT = 6000
PROFILE_SAMPLE = 500


@dataclass(slots=True)
class Run:
    """One ingest run, measured inside the process that ran it (picklable, small)."""

    workers: int
    articles: int
    seconds: float
    counts: dict[str, int]
    first_failures: list[str]
    db_mb: float
    self_rss_mb: float
    children_rss_mb: float

    @property
    def label(self) -> str:
        return f"workers={self.workers}"

    @property
    def rate(self) -> float:
        return self.articles / self.seconds if self.seconds > 0 else 0.0


@dataclass(slots=True)
class Profile:
    articles: int
    read_ms: float
    process_ms: float
    save_ms: float
    failures: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers


def rss_mb(who: int) -> float:
    """Peak RSS in MB (Linux reports ru_maxrss in KiB, macOS in bytes)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def fresh_db(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def db_size_mb(path: Path) -> float:
    files = (Path(f"{path}{suffix}") for suffix in ("", "-wal"))
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6


def db_for(base: Path | None, tmp: Path, label: str) -> Path:
    if base is None:
        return fresh_db(tmp / f"{label}.sqlite")
    return fresh_db(base.with_name(f"{base.stem}-{label}{base.suffix}"))


def documents(input_path: Path, limit: int | None) -> Iterator[RawDocument | ReadError]:
    found = iter_path(input_path)
    return found if limit is None else itertools.islice(found, limit)


def progress(label: str, every: int = 500) -> tuple[list[int], Callable[[str], None]]:
    """A counter and an on_progress callback; shows the live rate on a terminal only."""
    count = [0]
    start = time.perf_counter()
    live = sys.stderr.isatty()

    def tick(_source: str) -> None:
        count[0] += 1
        if live and count[0] % every == 0:
            rate = count[0] / (time.perf_counter() - start)
            print(f"\r  {label}: {count[0]:>6} articles, {rate:6.1f}/s", end="", file=sys.stderr)

    return count, tick


def clear_progress() -> None:
    if sys.stderr.isatty():
        print("\r" + " " * 50 + "\r", end="", file=sys.stderr)


# --------------------------------------------------------------------------- measurements


def run_ingest(input_path: Path, limit: int | None, workers: int, db_path: Path) -> Run:
    """Runs in a spawned process: ingest, then measure this process and its children."""
    engine = store.connect(f"sqlite:///{db_path}")
    count, tick = progress(f"workers={workers}")
    start = time.perf_counter()
    summary = ingest(engine, documents(input_path, limit), workers=workers, on_progress=tick)
    seconds = time.perf_counter() - start
    engine.dispose()
    clear_progress()
    counts: dict[str, int] = summary.as_dict()["counts"]  # type: ignore[assignment]
    failures = [f"{f.source}: {f.reason}: {f.detail[:120]}" for f in summary.failed[:3]]
    return Run(
        workers,
        count[0],
        seconds,
        counts,
        failures,
        db_size_mb(db_path),
        rss_mb(resource.RUSAGE_SELF),
        rss_mb(resource.RUSAGE_CHILDREN),
    )


def _run_child(queue: multiprocessing.Queue, *args: object) -> None:
    queue.put(run_ingest(*args))  # type: ignore[arg-type]


def run_isolated(input_path: Path, limit: int | None, workers: int, db_path: Path) -> Run:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_run_child, args=(queue, input_path, limit, workers, db_path))
    child.start()
    while True:
        try:
            result: Run = queue.get(timeout=1.0)
            break
        except queue_module.Empty:
            if not child.is_alive():
                raise RuntimeError(
                    f"workers={workers} run died (exit code {child.exitcode})"
                ) from None
    child.join()
    return result


def timed_records(
    docs: list[RawDocument],
) -> tuple[list[tuple[RawDocument, Record]], float, list[str]]:
    records: list[tuple[RawDocument, Record]] = []
    failures: list[str] = []
    start = time.perf_counter()
    for doc in docs:
        try:
            records.append((doc, process(doc)))
        except KnowledgeError as error:
            failures.append(f"{doc.source}: {error.reason}")
    return records, time.perf_counter() - start, failures


def timed_saves(records: list[tuple[RawDocument, Record]], db_path: Path) -> float:
    engine = store.connect(f"sqlite:///{db_path}")
    start = time.perf_counter()
    for doc, record in records:
        store.save(engine, record, source=doc.source, raw_hash=raw_hash(doc.text))
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds


def profile_phases(input_path: Path, db_path: Path, sample: int) -> Profile:
    """The three phases in-process (workers=1); one extra article warms lazy tables first."""
    found = iter_path(input_path)
    warm = next((d for d in found if isinstance(d, RawDocument)), None)
    if warm is not None:
        process(warm)
    start = time.perf_counter()
    docs = [d for d in itertools.islice(found, sample) if isinstance(d, RawDocument)]
    read_s = time.perf_counter() - start
    records, process_s, failures = timed_records(docs)
    save_s = timed_saves(records, db_path)

    def per(seconds: float, n: int) -> float:
        return 1000 * seconds / n if n else 0.0

    return Profile(
        len(docs),
        per(read_s, len(docs)),
        per(process_s, len(docs)),
        per(save_s, len(records)),
        failures,
    )


# --------------------------------------------------------------------------- output


def print_profile(p: Profile) -> None:
    total = p.read_ms + p.process_ms + p.save_ms
    print(f"\nphases, in-process, workers=1, {p.articles} articles (warm):")
    for name, ms in (
        ("read/decode", p.read_ms),
        ("clean+extract", p.process_ms),
        ("store.save", p.save_ms),
    ):
        share = 100 * ms / total if total else 0.0
        print(f"  {name:<14} {ms:7.2f} ms/article {share:5.1f}%")
    serial = 1000 / total if total else float("inf")
    # Workers only take clean+extract; reading and saving stay in the parent.
    parent = p.read_ms + p.save_ms
    ceiling = 1000 / parent if parent else float("inf")
    two = 1000 / max(parent, p.process_ms / 2) if total else float("inf")
    print(
        f"  serial {serial:.0f}/s; parent-only read+save caps any worker count at ~{ceiling:.0f}/s;"
        f" ideal with 2 workers ~{two:.0f}/s"
    )
    for failure in p.failures[:3]:
        print(f"  extraction failure: {failure}")


def print_runs(runs: list[Run]) -> None:
    header = (
        "articles",
        "seconds",
        "art/s",
        "stored",
        "dup",
        "unchg",
        "failed",
        "db MB",
        "RSS self",
        "RSS kids",
    )
    print(f"\n{'run':<10}" + "".join(f"{h:>9}" for h in header))
    for r in runs:
        c = r.counts
        cells = (
            r.articles,
            f"{r.seconds:.1f}",
            f"{r.rate:.1f}",
            c["added"] + c["replaced"],
            c["duplicate"],
            c["unchanged"],
            c["failed"],
            f"{r.db_mb:.1f}",
            f"{r.self_rss_mb:.0f}",
            f"{r.children_rss_mb:.0f}",
        )
        print(f"{r.label:<10}" + "".join(f"{v:>9}" for v in cells))
    print(
        "  RSS = peak MB; 'self' is the ingesting (writer) process, 'kids' the largest single"
        " worker (max over children, not a sum). db MB includes the -wal file."
    )
    for r in runs:
        for failure in r.first_failures:
            print(f"  {r.label} failure: {failure}")


def print_verdict(runs: list[Run]) -> None:
    by_workers = {r.workers: r for r in runs}
    one, two = by_workers.get(1), by_workers.get(2)
    if one and two and one.rate > 0:
        print(f"\nspeed-up workers=2 / workers=1: {two.rate / one.rate:.2f}x")
    if two:
        verdict = "MET" if two.rate >= GOAL_RATE else "NOT MET"
        print(
            f"goal ≥ {GOAL_RATE:.0f} articles/s on 2 cores: {verdict} ({two.rate:.1f} articles/s)"
        )


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT, help="bulk .jsonl(.gz) file")
    parser.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        help=f"articles per run (default {DEFAULT_LIMIT})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="worker counts to compare (default: 1 2)",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="database path; each run uses PATH's stem + '-<run>' (default: temp dir)",
    )
    parser.add_argument("--full", action="store_true", help="the whole file, 2 workers only")
    parser.add_argument(
        "--sample",
        type=int,
        default=PROFILE_SAMPLE,
        help=f"articles for the phase profile (0 skips it; default {PROFILE_SAMPLE})",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.input.is_file():
        print(f"input not found: {args.input}", file=sys.stderr)
        return 2
    limit, workers = (None, [2]) if args.full else (args.limit, args.workers)
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        print(f"input: {args.input}\nlimit: {limit or 'all'}  workers: {workers}")
        runs = [run_isolated(args.input, limit, w, db_for(args.db, tmp, f"w{w}")) for w in workers]
        if args.sample > 0:
            print_profile(profile_phases(args.input, db_for(args.db, tmp, "profile"), args.sample))
        print_runs(runs)
        print_verdict(runs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
