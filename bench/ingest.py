"""Ingest benchmark: `mttq ingest` end to end (read, clean, extract, store and the search
index) on the real bulk file, and what bounds its speed.

    python bench/ingest.py [--input FILE] [--limit N | --full] [--runs R] [--workers W]
                           [--compare SRC] [--sample N] [--keep DIR]

1. Where an article's time goes: --sample articles (default 1000) through each stage in this
   process, one at a time: reading and checking the record (the parent), cleaning and
   extracting (the workers), handing the record between processes (pickle), storing 64
   reports a transaction (the parent) and indexing them (the index follower, a process of
   its own). CPU milliseconds per article, the index's own split (tokenizer, documents,
   tantivy, SQL), and the ceiling each stage sets on 2 cores: that is what bounds the speed.
2. End to end: `python -m bot ingest FILE --json` into a fresh SQLite database, exactly as an
   admin runs it, the index included (the command returns with the index up to date);
   --runs times. With --compare SRC, the same command from another source tree (a checkout
   of main: PYTHONPATH=SRC) runs in turn with ours, A B A B, each pair side by side, and the
   ratios are taken pair by pair so a machine whose speed drifts still compares fairly.
   Wall seconds, articles/s, CPU seconds (the command and its workers and follower) and
   the largest single process's peak RSS.
3. The index alone: rebuilt from nothing on the database the last run made, timed, so its
   share of the end-to-end time shows.

--limit N (default 6000) takes the first N records of the file (written to a temporary
.jsonl.gz, the format `mttq ingest` reads); --full takes all 35,440.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import itertools
import json
import os
import pickle
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATE = 300.0  # articles/s end to end, index included, on 2 cores
DEFAULT_INPUT = ROOT.parent / "shared/data/baomoi-2017.jsonl.gz"
DEFAULT_LIMIT = 6000
PROFILE_SAMPLE = 1000
COMMIT = 64  # reports a transaction, as knowledge.ingest stores them


# --------------------------------------------------------------------------- helpers


def fresh_db(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", "-journal", ".migrate.lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(f"{path}.index", ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb(kilobytes: float) -> float:
    """ru_maxrss: KiB on Linux, bytes on macOS."""
    return kilobytes / (1024 * 1024) if sys.platform == "darwin" else kilobytes / 1024


def head_of(source: Path, limit: int | None, folder: Path) -> Path:
    """The first ``limit`` records as a .jsonl.gz of their own (the whole file: as is)."""
    if limit is None:
        return source
    target = folder / f"first-{limit}.jsonl.gz"
    with gzip.open(source, "rb") as lines, gzip.open(target, "wb", compresslevel=6) as out:
        for line in itertools.islice(lines, limit):
            out.write(line)
    return target


def progress(label: str, every: int = 500) -> tuple[list[int], Callable[[str], None]]:
    """A counter and an on_progress callback; shows the live rate on a terminal only
    (bench/answer.py uses it too)."""
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


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- 1. the stages


@dataclass(slots=True)
class Stages:
    """CPU milliseconds per article of each stage (per stored report for store and index)."""

    articles: int
    read: float  # parent: gzip, JSON, the text checks, NFC
    extract: float  # workers: clean + extract
    handover: float  # pickling a document to a worker and its record back (both sides)
    store: float  # parent: store.save_many, 64 a transaction
    index: float  # the follower: the index built from the stored reports
    index_split: dict[str, float] = field(default_factory=dict)  # share of the index's time
    failures: int = 0

    @property
    def parent(self) -> float:
        return self.read + self.store + self.handover / 2

    @property
    def total(self) -> float:
        return self.read + self.extract + self.handover + self.store + self.index


def measure_stages(input_path: Path, sample: int, folder: Path) -> Stages:
    from knowledge import store
    from knowledge.errors import KnowledgeError
    from knowledge.extract import Record
    from knowledge.ingest import process, raw_hash
    from knowledge.read import RawDocument, iter_path

    head = head_of(input_path, sample + 1, folder)
    warm = next(d for d in iter_path(head) if isinstance(d, RawDocument))
    process(warm)  # the lazily loaded tables (gazetteer) are no article's time
    start = cpu_seconds()
    documents = [
        d for d in itertools.islice(iter_path(head), 1, None) if isinstance(d, RawDocument)
    ]
    read_s = cpu_seconds() - start

    start = cpu_seconds()
    records: list[tuple[RawDocument, Record]] = []
    failures = 0
    for document in documents:
        try:
            records.append((document, process(document)))
        except KnowledgeError:
            failures += 1
    extract_s = cpu_seconds() - start

    start = cpu_seconds()
    for document, record in records:
        pickle.loads(pickle.dumps(document, pickle.HIGHEST_PROTOCOL))
        pickle.loads(pickle.dumps(record, pickle.HIGHEST_PROTOCOL))
    handover_s = cpu_seconds() - start

    db = fresh_db(folder / "stages.sqlite")
    engine = store.connect(f"sqlite:///{db}")
    entries = [store.Entry(record, d.source, raw_hash(d.text)) for d, record in records]
    start = cpu_seconds()
    for at in range(0, len(entries), COMMIT):
        store.save_many(engine, entries[at : at + COMMIT])
    store_s = cpu_seconds() - start

    index_s, split = measure_index(engine, db)
    engine.dispose()
    n, stored = max(len(documents), 1), max(len(records), 1)
    return Stages(
        len(documents),
        1000 * read_s / n,
        1000 * extract_s / n,
        1000 * handover_s / n,
        1000 * store_s / stored,
        1000 * index_s / stored,
        split,
        failures,
    )


# The index's time by where it is spent, matched on the profiled functions' files and names
# (the index module may be reorganised: what matches nothing counts as "other").
INDEX_PARTS: tuple[tuple[str, Callable[[str, str], bool]], ...] = (
    ("tokenizer (knowledge/terms.py)", lambda file, name: file.endswith("knowledge/terms.py")),
    ("folding (knowledge/text.py)", lambda file, name: file.endswith("knowledge/text.py")),
    ("tantivy add_document", lambda file, name: "add_document" in name),
    (
        "tantivy commit + merges",
        lambda file, name: "tantivy" in name and ("commit" in name or "merging" in name),
    ),
    ("tantivy, other", lambda file, name: "tantivy" in name),
    ("SQL (SQLite, SQLAlchemy)", lambda file, name: "sqlite3" in name or "sqlalchemy" in file),
    ("index module's Python", lambda file, name: file.endswith("knowledge/index.py")),
    ("regular expressions", lambda file, name: "re.Pattern" in name),
    ("str methods", lambda file, name: "of 'str' objects" in name),
)


def measure_index(engine: Any, db: Path) -> tuple[float, dict[str, float]]:
    """The index built from nothing for these reports: CPU seconds of this process (tantivy's
    writer thread included), and, in a second build under cProfile, each part's share."""
    from knowledge.index import PassageIndex, index_path

    url = f"sqlite:///{db}"
    start = cpu_seconds()
    PassageIndex(engine, index_path(url)).sync(force=True)
    seconds = cpu_seconds() - start
    shutil.rmtree(f"{db}.index", ignore_errors=True)
    profiler = cProfile.Profile()
    profiler.enable()
    PassageIndex(engine, index_path(url)).sync(force=True)
    profiler.disable()
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(tottime for _cc, _nc, tottime, _ct, _callers in stats.values()) or 1.0
    split: dict[str, float] = {}
    for (file, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        part = next(
            (label for label, matches in INDEX_PARTS if matches(file, name)), "other Python"
        )
        split[part] = split.get(part, 0.0) + tottime / total
    return seconds, dict(sorted(split.items(), key=lambda kv: -kv[1]))


def print_stages(s: Stages, workers: int) -> None:
    print(f"\nwhere an article's time goes ({s.articles} articles, one core, CPU ms per article):")
    rows = (
        ("read + check", s.read, "parent"),
        ("clean + extract", s.extract, f"{workers} workers"),
        ("hand-over (pickle)", s.handover, "both sides"),
        ("store, 64 a commit", s.store, "parent"),
        ("index", s.index, "index follower"),
    )
    for name, ms, where in rows:
        print(f"  {name:<20} {ms:6.2f} ms {100 * ms / s.total:5.1f}%  ({where})")
    print(f"  {'all':<20} {s.total:6.2f} ms")
    print("  the index's own time (profiled):")
    for part, share in s.index_split.items():
        print(f"    {part:<28} {100 * share:5.1f}%")
    cores = 2000 / s.total
    ceilings = {
        "the 2 cores (every stage's CPU)": cores,
        "the parent (read, store, hand-over)": 1000 / s.parent,
        f"{workers} workers alone (clean + extract)": workers * 1000 / (s.extract + s.handover / 2),
        "the index follower (one writer thread)": 1000 / s.index,
    }
    print("  ceilings on 2 cores, articles/s:")
    for name, rate in sorted(ceilings.items(), key=lambda kv: kv[1]):
        print(f"    {rate:7.0f}  {name}")
    bound = min(ceilings, key=lambda k: ceilings[k])
    print(f"  bounded by {bound}: {ceilings[bound]:.0f} articles/s at best")
    if s.failures:
        print(f"  ({s.failures} articles failed extraction and were left out)")


# --------------------------------------------------------------------------- 2. end to end


@dataclass(slots=True)
class Run:
    tree: str  # "ours" or the compared source tree
    seconds: float
    cpu: float
    peak_mb: float
    counts: dict[str, int]

    @property
    def articles(self) -> int:
        c = self.counts
        return c["stored"] + c["duplicate"] + c["unchanged"] + c["failed"]

    @property
    def rate(self) -> float:
        return self.articles / self.seconds if self.seconds else 0.0


def run_command(
    tree: Path, label: str, input_path: Path, db: Path, workers: int, folder: Path
) -> Run:
    """`python -m bot ingest INPUT --json` from ``tree``, in a fresh database; timed from
    outside (its CPU includes the workers and the index follower it waited for)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "DATABASE_URL": f"sqlite:///{fresh_db(db)}",
        "INGEST_WORKERS": str(workers),
    }
    env.pop("INDEX_DIR", None)
    command = [sys.executable, "-m", "bot", "ingest", str(input_path), "--json"]
    out_path, err_path = folder / f"{label}.out", folder / f"{label}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, env=env, cwd=folder, stdout=out, stderr=err)
        # wait4: this run's own CPU (with the descendants it waited for) and peak RSS.
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(
            f"{label}: mttq ingest exited {child.returncode}: {err_path.read_text()[-2000:]}"
        )
    counts = json.loads(out_path.read_text("utf-8"))["counts"]
    return Run(label, seconds, usage.ru_utime + usage.ru_stime, peak_mb(usage.ru_maxrss), counts)


def run_pairs(
    args: argparse.Namespace, input_path: Path, folder: Path
) -> list[tuple[Run, Run | None]]:
    """Ours, then the compared tree, in turn: A B A B ..."""
    trees = [(ROOT, "ours"), *([(args.compare.resolve(), "compared")] if args.compare else [])]
    pairs: list[tuple[Run, Run | None]] = []
    for number in range(1, args.runs + 1):
        runs: list[Run] = []
        for tree, label in trees:
            note(f"run {number}/{args.runs}: {label} ({tree}) ...")
            run = run_command(
                tree, label, input_path, folder / f"{label}.sqlite", args.workers, folder
            )
            runs.append(run)
            note(
                f"  {run.articles} articles in {run.seconds:.1f} s: {run.rate:.1f}/s, {run.cpu:.1f} s CPU"
            )
        pairs.append((runs[0], runs[1] if len(runs) > 1 else None))
    return pairs


def print_runs(pairs: list[tuple[Run, Run | None]], workers: int) -> None:
    print(
        f"\nend to end, `mttq ingest` with {workers} workers, index included, fresh database each run:"
    )
    header = (
        "run",
        "tree",
        "articles",
        "seconds",
        "art/s",
        "CPU s",
        "peak MB",
        "stored",
        "dup",
        "failed",
    )
    print("  " + "".join(f"{h:>10}" for h in header))
    for number, pair in enumerate(pairs, start=1):
        for run in (r for r in pair if r is not None):
            c = run.counts
            cells = (number, run.tree, run.articles, f"{run.seconds:.1f}", f"{run.rate:.1f}", f"{run.cpu:.1f}",
                     f"{run.peak_mb:.0f}", c["stored"], c["duplicate"], c["failed"])  # fmt: skip
            print("  " + "".join(f"{v:>10}" for v in cells))
    ours = [a for a, _ in pairs]
    ms = 1000 * statistics.median(r.cpu / r.articles for r in ours)
    print(f"  ours: median {statistics.median(r.rate for r in ours):.1f} articles/s"
          f" ({statistics.median(r.seconds for r in ours):.1f} s), CPU {ms:.2f} ms per article:"
          f" two free cores' worth {2000 / ms:.0f} articles/s (other work on the machine takes"
          f" wall time, not CPU time)")  # fmt: skip
    compared = [(a, b) for a, b in pairs if b is not None]
    if compared:
        wall = [a.seconds / b.seconds for a, b in compared]
        cpu = [a.cpu / b.cpu for a, b in compared]
        print(f"  compared: median {statistics.median(b.rate for _, b in compared):.1f} articles/s")
        print(f"  ours/compared, pair by pair: wall {', '.join(f'{w:.2f}' for w in wall)}"
              f" (median {statistics.median(wall):.2f}x); CPU median {statistics.median(cpu):.2f}x")  # fmt: skip
        print(f"  speed-up: {1 / statistics.median(wall):.2f}x (median of the pairs' wall ratios)")


# --------------------------------------------------------------------------- 3. the index alone


def index_alone(db: Path) -> tuple[float, float, int]:
    """The index rebuilt from nothing on that database: wall and CPU seconds, reports."""
    from knowledge import store
    from knowledge.index import PassageIndex, index_path

    url = f"sqlite:///{db}"
    engine = store.connect(url)
    shutil.rmtree(f"{db}.index", ignore_errors=True)
    start, cpu = time.perf_counter(), cpu_seconds()
    count = PassageIndex(engine, index_path(url)).sync(force=True)
    wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    engine.dispose()
    return wall, cpu, count


def print_index_share(pairs: list[tuple[Run, Run | None]], alone: tuple[float, float, int]) -> None:
    wall, cpu, count = alone
    last = pairs[-1][0]
    print(f"\nthe index alone, rebuilt from nothing on the last run's database ({count} reports):")
    print(f"  {wall:.1f} s wall, {cpu:.1f} s CPU: {100 * cpu / last.cpu:.0f}% of that run's CPU;"
          f" {100 * wall / last.seconds:.0f}% of its wall time if it ran after the ingest on one core"
          f" (it follows the ingest in its own process instead)")  # fmt: skip


def print_verdict(pairs: list[tuple[Run, Run | None]]) -> None:
    rate = statistics.median(a.rate for a, _ in pairs)
    verdict = "MET" if rate >= GOAL_RATE else "NOT MET"
    print(f"\ngoal >= {GOAL_RATE:.0f} articles/s end to end (index included) on 2 cores: {verdict}"
          f" ({rate:.1f} articles/s, median; load average {os.getloadavg()[0]:.1f} at the end)")  # fmt: skip


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT, help="bulk .jsonl(.gz) file")
    parser.add_argument(
        "--limit", type=int, default=DEFAULT_LIMIT, help=f"records (default {DEFAULT_LIMIT})"
    )
    parser.add_argument("--full", action="store_true", help="the whole file")
    parser.add_argument(
        "--runs", type=int, default=1, help="end-to-end runs (pairs with --compare)"
    )
    parser.add_argument("--workers", type=int, default=2, help="INGEST_WORKERS (default 2)")
    parser.add_argument(
        "--compare",
        type=Path,
        default=None,
        help="another source tree run in turn (e.g. a checkout of main)",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=PROFILE_SAMPLE,
        help=f"articles for the stages (0 skips; default {PROFILE_SAMPLE})",
    )
    parser.add_argument("--keep", type=Path, default=None, help="keep the databases in this folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.input.is_file():
        print(f"input not found: {args.input}", file=sys.stderr)
        return 2
    if args.compare is not None and not (args.compare / "bot" / "cli.py").is_file():
        print(f"--compare {args.compare}: not a source tree of this project", file=sys.stderr)
        return 2
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        input_path = head_of(args.input, None if args.full else args.limit, folder)
        print(f"input: {args.input} ({'all' if args.full else f'first {args.limit}'} records)")
        print(
            f"load average at the start: {os.getloadavg()[0]:.1f} (other work on the machine skews wall time)"
        )
        if args.sample > 0:
            note(f"stages over {args.sample} articles ...")
            print_stages(measure_stages(args.input, args.sample, folder), args.workers)
        pairs = run_pairs(args, input_path, folder)
        print_runs(pairs, args.workers)
        print_index_share(pairs, index_alone(folder / "ours.sqlite"))
        print_verdict(pairs)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
