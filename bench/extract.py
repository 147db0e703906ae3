"""Clean + extract benchmark: how the time for one document grows with its size.

    python bench/extract.py [--sizes 10000,100000,1000000] [--kinds reports,figures,...]
                            [--repeat N] [--data DIR]

Each kind of text is made at each size (characters) and cleaned and extracted as one
document, the way a worker of ``mttq ingest`` does (``clean`` then ``extract``, no storage).
Time per character side by side across sizes shows whether the cost is linear: it should stay
flat as the text grows a hundredfold.

Kinds:
  reports    the bundled real meeting reports (knowledge/samples; each up to its page's
             related news or comments, which end a document) one after another, over and
             over; each copy's paragraphs end with the copy's number ("… trên địa bàn xã 3."),
             else clean would keep a repeated paragraph once and extraction would see one copy
  issued     the real directive documents of ``../shared/data/front-docs-2025`` (header,
             provisions, tables), each without its "Nơi nhận" and signature block (the first
             one would end the document), copied the same way; skipped when absent
  figures    lines full of figures: "Tổ 12: vận động 8.000.000/21.000.000 đồng, 77 cuộc/2288
             lượt, 607 phần quà trị giá 214 triệu đồng;"
  sentence   the same figures in one endless sentence (clauses joined by ", ", no full stop),
             the shape whose time grew with the square of its size
  oneline    the reports above with every newline made a space: one endless line
  people     officials named with their roles, and requests made by role ("Đồng chí Bí thư
             Chi bộ thôn 12 yêu cầu …"), each a different person
  headings   numbered and lettered headings by the thousand, each over a dated sentence

Times are the best of ``--repeat`` runs (at most two from a million characters up), measured
as CPU time of this process (time.process_time), which other work on a shared machine
disturbs far less than the clock; the wall-clock total is printed too. A warm-up document first loads what every
process loads once (the gazetteer, the tone-mark table).
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from knowledge.clean import clean
from knowledge.extract import extract
from knowledge.ingest import sample_paths

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared/data"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
GOAL_SECONDS_PER_MB = 2.0


@dataclass(slots=True)
class Timing:
    kind: str
    size: int
    clean: float  # CPU seconds
    extract: float
    wall: float

    @property
    def total(self) -> float:
        return self.clean + self.extract

    @property
    def per_char_us(self) -> float:
        return self.total / self.size * 1e6


def _copy(text: str, copy: int) -> str:
    """Copy number ``copy`` of the text, each non-empty paragraph ending with that number
    (before its full stop): distinct paragraphs of the same shape."""
    if not copy:
        return text
    return "\n".join(_numbered(line.rstrip(), copy) for line in text.split("\n"))


def _numbered(line: str, copy: int) -> str:
    if not line:
        return line
    if line[-1] in ".:;!?":
        return f"{line[:-1]} {copy}{line[-1]}"
    return f"{line} {copy}"


def _repeated(base: str, size: int, separator: str = "\n\n") -> str:
    parts, length, copy = [], 0, 0
    while length < size:
        part = _copy(base, copy)
        parts.append(part)
        length, copy = length + len(part) + len(separator), copy + 1
    return separator.join(parts)[:size]


def _lines(make: Callable[[int], str], size: int, separator: str = "\n") -> str:
    parts, length, index = [], 0, 0
    while length < size:
        part = make(index)
        parts.append(part)
        length, index = length + len(part) + len(separator), index + 1
    return separator.join(parts)[:size]


# Where a page's related news or comments begin: clean drops everything after, so a copy
# after it would never be extracted.
_PAGE_TAIL = re.compile(r"^[\s\xa0]*(?:Tin liên quan|Đánh giá:|Bình luận)\s*$", re.MULTILINE)


def _reports() -> str:
    texts = [path.read_text("utf-8") for path in sample_paths()]
    return "\n\n".join(
        text[: m.start()] if (m := _PAGE_TAIL.search(text)) else text for text in texts
    )


def _issued(data: Path) -> str | None:
    folder = data / "front-docs-2025"
    if not folder.is_dir():
        return None
    bodies = []
    for path in sorted(folder.glob("e2-*.txt")):
        text = path.read_text("utf-8")
        cut = re.search(r"^\s*Nơi nhận", text, re.MULTILINE | re.IGNORECASE)
        bodies.append(text[: cut.start()] if cut else text)
    return "\n\n".join(bodies)


def _figure_clause(index: int) -> str:
    return (
        f"Tổ {index}: vận động {8 + index % 9}.000.000/21.000.000 đồng, {77 + index % 13} cuộc/"
        f"2288 lượt, 607 phần quà trị giá {214 + index % 31} triệu đồng;"
    )


_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
_MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Quang", "Ngọc", "Thanh"]
_GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hùng", "Lan", "Mai", "Nam", "Sơn", "Vân"]


def _person(index: int) -> str:
    name = (
        f"{_SURNAMES[index % 10]} {_MIDDLE[index // 10 % 8]} {_GIVEN[index // 80 % 12]}"
        f" {_GIVEN[index // 960 % 12]}"
    )
    return (
        f"Đồng chí {name}, Bí thư Chi bộ thôn {index} phát biểu tại hội nghị. Đồng chí Bí thư"
        f" Chi bộ thôn {index} yêu cầu các đoàn thể tiếp tục vận động nhân dân."
    )


def _heading(index: int) -> str:
    return [
        f"{index % 20 + 1}. CÔNG TÁC MẶT TRẬN SỐ {index}",
        f"{'abcde'[index % 5]}) Kết quả đạt được của tổ {index}",
        f"Ngày {index % 28 + 1}/{index % 12 + 1}/2024, Ủy ban MTTQ xã tổ chức hội nghị lần thứ {index}.",
    ][index % 3]


def kinds(data: Path) -> dict[str, Callable[[int], str]]:
    reports = _reports()
    issued = _issued(data)
    made: dict[str, Callable[[int], str]] = {"reports": lambda size: _repeated(reports, size)}
    if issued is not None:
        made["issued"] = lambda size: _repeated(issued, size)
    made |= {
        "figures": lambda size: _lines(_figure_clause, size),
        "sentence": lambda size: _lines(lambda i: _figure_clause(i).rstrip(";"), size, ", "),
        "oneline": lambda size: " ".join(_repeated(reports, size + size // 10).split())[:size],
        "people": lambda size: _lines(_person, size),
        "headings": lambda size: _lines(_heading, size),
    }
    return made


def measure(kind: str, text: str, repeat: int) -> Timing:
    best: Timing | None = None
    for _ in range(repeat):
        wall, start = time.perf_counter(), time.process_time()
        cleaned = clean(text)
        middle = time.process_time()
        extract(cleaned)
        end = time.process_time()
        timing = Timing(kind, len(text), middle - start, end - middle, time.perf_counter() - wall)
        if best is None or timing.total < best.total:
            best = timing
    assert best is not None
    return best


def report(rows: list[Timing], sizes: list[int]) -> str:
    lines = [
        f"{'kind':<9} {'chars':>9} {'clean s':>8} {'extract s':>9} {'CPU s':>7} {'wall s':>7}"
        f" {'µs/char':>8}",
    ]
    for row in rows:
        lines.append(
            f"{row.kind:<9} {row.size:>9,} {row.clean:>8.3f} {row.extract:>9.3f} {row.total:>7.3f}"
            f" {row.wall:>7.3f} {row.per_char_us:>8.2f}"
        )
    lines += ["", "µs per character, side by side (flat = linear):"]
    lines.append(
        f"{'kind':<9} " + " ".join(f"{size:>10,}" for size in sizes) + "   largest/smallest"
    )
    for kind in dict.fromkeys(row.kind for row in rows):
        mine = {row.size: row.per_char_us for row in rows if row.kind == kind}
        cells = " ".join(f"{mine[size]:>10.2f}" for size in sizes)
        lines.append(f"{kind:<9} {cells}   {mine[sizes[-1]] / mine[sizes[0]]:>6.2f}×")
    largest = [row for row in rows if row.size == sizes[-1]]
    if sizes[-1] >= 1_000_000:
        worst = max(largest, key=lambda row: row.per_char_us)
        per_mb = worst.per_char_us  # µs per character = s per million characters
        verdict = "met" if per_mb < GOAL_SECONDS_PER_MB else "NOT met"
        lines += [
            "",
            f"slowest at {sizes[-1]:,} characters: {worst.kind}, {per_mb:.2f} s per million"
            f" characters of CPU (goal < {GOAL_SECONDS_PER_MB:g} s: {verdict})",
        ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--kinds", default=None, help="comma-separated; default: all")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per size (at most 2 from 1M up)"
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = sorted(int(size) for size in args.sizes.split(","))
    made = kinds(args.data)
    chosen = args.kinds.split(",") if args.kinds else list(made)
    extract(clean(_reports()))  # warm-up: lazily loaded tables are no document's time
    rows = []
    for kind in chosen:
        for size in sizes:
            repeat = min(args.repeat, 2) if size >= 1_000_000 else args.repeat
            rows.append(measure(kind, made[kind](size), repeat))
            row = rows[-1]
            print(f"  {kind} {size:,}: {row.total:.3f} s", flush=True)
    print()
    print(report(rows, sizes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
