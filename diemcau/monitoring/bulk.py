"""Bulk writes the per-minute job does thousands of times: plain SQL, both databases.

``bulk_create(update_conflicts=True)`` and ``bulk_update`` compile every
value through the ORM (``bulk_update`` builds a CASE per field), which took
longer than the database work for ten thousand sites.
"""

from __future__ import annotations

import json

from django.db import connection

CHUNK = 1000


def _chunks(rows):
    for start in range(0, len(rows), CHUNK):
        yield rows[start:start + CHUNK]


def upsert(table: str, columns: list[str], conflict: list[str], rows: list[tuple]) -> None:
    """``INSERT … ON CONFLICT (…) DO UPDATE SET col = excluded.col`` (SQLite ≥ 3.24, PostgreSQL)."""
    if not rows:
        return
    q = connection.ops.quote_name
    updates = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in columns if c not in conflict)
    head = f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) VALUES "
    tail = f" ON CONFLICT ({', '.join(q(c) for c in conflict)}) DO UPDATE SET {updates}"
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for chunk in _chunks(rows):
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, [v for row in chunk for v in row])


def update_by_id(table: str, columns: list[str], casts: dict[str, str], rows: list[tuple]) -> None:
    """Set ``columns`` on rows ``(id, *values)``: one ``UPDATE … FROM (VALUES …)`` per chunk on
    PostgreSQL, ``executemany`` on SQLite (where each statement is a cheap in-process call)."""
    if not rows:
        return
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{q(c)} = %s" for c in columns)
            cursor.executemany(f"UPDATE {q(table)} SET {sets} WHERE {q('id')} = %s",
                               [(*row[1:], row[0]) for row in rows])
            return
        names = ["id", *columns]
        sets = ", ".join(f"{q(c)} = v.{q(c)}::{casts[c]}" for c in columns)
        one = "(" + ", ".join(["%s"] * len(names)) + ")"
        for chunk in _chunks(rows):
            cursor.execute(
                f"UPDATE {q(table)} AS t SET {sets} FROM (VALUES {', '.join([one] * len(chunk))}) "
                f"AS v({', '.join(q(n) for n in names)}) WHERE t.{q('id')} = v.{q('id')}::bigint",
                [v for row in chunk for v in row])


def json_text(value) -> str:
    return json.dumps(value, separators=(",", ":"))
