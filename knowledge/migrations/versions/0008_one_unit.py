"""One unit however written: stored reports of one unit re-keyed to it

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 00:00:00

Reports stored before kept the unit each page wrote: "Xã Liêm Hải", "xã Liêm Hải, huyện Trực
Ninh" and "Xã Liêm Hải, tỉnh Nam Định" as three units when the gazetteer could pin only some
of them. Each report of a unit whose parents agree with exactly one unit known (one gazetteer
code among the stored reports of that name, or one stored unit those parents fit) takes that
unit's code and spelling of the name; the parents each page named stay as written (they are
the page's provenance). Every report re-keyed is announced in the change log, so the search
index and the catalog read it again. The downgrade leaves the codes: they are right either way.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_report = sa.table(
    "report",
    sa.column("id", sa.Integer),
    sa.column("unit_level", sa.String),
    sa.column("unit_name", sa.String),
    sa.column("unit_code", sa.String),
    sa.column("unit_parents", sa.JSON),
)
_change = sa.table("reportchange", sa.column("report_id", sa.Integer), sa.column("op", sa.String))


def _parents(raw: Any) -> tuple[Any, ...]:
    from knowledge.catalog import Place

    if isinstance(raw, str):  # SQLite hands JSON back as text through a lightweight table
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = []
    places = raw if isinstance(raw, list) else []
    return tuple(
        Place(str(p["level"]), str(p["name"]))
        for p in places
        if isinstance(p, dict) and p.get("level") and p.get("name")
    )


def upgrade() -> None:
    # The resolution is the catalog's own (knowledge.catalog.resolve_units): what answers see
    # at run time is what is stored.
    from knowledge.catalog import Unit, resolve_units

    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            _report.c.id,
            _report.c.unit_level,
            _report.c.unit_name,
            _report.c.unit_code,
            _report.c.unit_parents,
        ).where(_report.c.unit_level.is_not(None), _report.c.unit_name.is_not(None))
    ).all()
    filed = {
        row.id: (Unit(row.unit_level, row.unit_name, _parents(row.unit_parents)), row.unit_code)
        for row in rows
    }
    canonical = resolve_units(set(filed.values()))
    changed: list[dict[str, Any]] = []
    for report_id, (unit, code) in filed.items():
        entity = canonical[(unit, code)]
        new_code = code or entity.code
        if new_code != code or entity.name != unit.name:
            changed.append({"rid": report_id, "code": new_code, "name": entity.name})
    if not changed:
        return
    connection.execute(
        _report.update()
        .where(_report.c.id == sa.bindparam("rid"))
        .values(unit_code=sa.bindparam("code"), unit_name=sa.bindparam("name")),
        changed,
    )
    connection.execute(sa.insert(_change), [{"report_id": c["rid"], "op": "add"} for c in changed])


def downgrade() -> None:
    pass
