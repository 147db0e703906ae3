"""How a report is named to a member: never a server path or a hashed file name.

A report's ``source`` stays as it was ingested (the evaluation files and ``mttq show`` look
reports up by it); what a citation shows is its name here: the bundled samples by a name
given to them, a file by its own name without the folders above it, a JSON Lines record by
its file's name and id. The page's address, when its source gave one, is shown beside it.
"""

from __future__ import annotations

# The bundled samples (knowledge/samples/), by file name: their hashed names mean nothing to
# a reader, and their titles are already in the citation.
SAMPLE_NAMES: dict[str, str] = {
    "000_0cb552742f2e955b.txt": "bài mẫu số 1",
    "001_33d32a97775012cc.txt": "bài mẫu số 2",
    "002_0c8cf19a6beb1e4d.txt": "bài mẫu số 3",
    "003_6335d066f07a1d37.txt": "bài mẫu số 4",
    "004_ad35e0de605a32a0.txt": "bài mẫu số 5",
}


def shown_name(source: str) -> str:
    """ "bài mẫu số 3" for a sample, "bao-cao.docx" for "/srv/uploads/bao-cao.docx",
    "tin.jsonl#17" for "/srv/data/tin.jsonl#17"."""
    path, hash_mark, record = source.partition("#")
    name = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or path
    if not hash_mark:
        return SAMPLE_NAMES.get(name, name)
    return f"{name}#{record}"
