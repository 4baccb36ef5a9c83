"""Full export and import of the database as JSON (every table, every row).

For moving data between backends and for archive deliveries; PostgreSQL's own
``pg_dump``/``pg_restore`` remain the backup tool (see README).
"""

from __future__ import annotations

import base64
import enum
import json
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

import app.registry  # noqa: F401  (every table)
from app.db import Base
from app.generations import TRANSLATIONS_ROW, bump_content_generation

FORMAT = "samradsportalen-export/1"


def _encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode()}
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if key == "$dt":
            return datetime.fromisoformat(inner)
        if key == "$date":
            return date.fromisoformat(inner)
        if key == "$b64":
            return base64.b64decode(inner)
    return value


#: Bookkeeping, not content: the page cache's counter (an import bumps it instead).
NOT_EXPORTED = frozenset({"content_generation"})


def _tables() -> list[sa.Table]:
    return [table for table in Base.metadata.sorted_tables if table.name not in NOT_EXPORTED]


def export_database(connection: Connection, out: IO[str]) -> dict[str, int]:
    """Write every table as JSON; return row counts per table."""
    counts: dict[str, int] = {}
    out.write('{"format": %s, "tables": {' % json.dumps(FORMAT))
    for index, table in enumerate(_tables()):
        out.write(("," if index else "") + json.dumps(table.name) + ": [")
        order = [c for c in table.primary_key.columns] or list(table.columns)
        result = connection.execute(sa.select(table).order_by(*order))
        count = 0
        for row in result.mappings():
            out.write(("," if count else "") + json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False))
            count += 1
        out.write("]")
        counts[table.name] = count
    out.write("}}\n")
    return counts


def import_database(connection: Connection, data: IO[str]) -> dict[str, int]:
    """Load an export into an empty schema (the migrations must have run)."""
    payload = json.load(data)
    if payload.get("format") != FORMAT:
        raise ValueError("not a Samrådsportalen export")
    counts: dict[str, int] = {}
    for table in _tables():
        rows = payload["tables"].get(table.name, [])
        if rows:
            connection.execute(table.insert(), [{k: _decode(v) for k, v in row.items()} for row in rows])
        counts[table.name] = len(rows)
    if connection.dialect.name == "postgresql":
        for table in Base.metadata.sorted_tables:
            pk = list(table.primary_key.columns)
            if len(pk) == 1 and isinstance(pk[0].type, sa.Integer) and pk[0].autoincrement is not False:
                # Names come from our own metadata, never from input.
                connection.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "  # nosec B608
                        f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"
                    )
                )
    bump_content_generation(connection)  # no page cached before the import is served after it
    bump_content_generation(connection, TRANSLATIONS_ROW)  # imported translation overrides are read
    return counts
