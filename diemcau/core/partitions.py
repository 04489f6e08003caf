"""Daily range partitions for the tables that grow by millions of rows a day (PostgreSQL only).

At the national figure (10,000 sites every 30 seconds) the raw samples grow
by 29 million rows a day. Deleting a day of them row by row writes as much
WAL as inserting them did, leaves the table bloated and keeps autovacuum
busy; dropping the day's partition is a catalogue change. On PostgreSQL
such a table is range-partitioned by day on its time column (native
declarative partitioning), with BRIN indexes on the time columns (a few
pages per day where a B-tree takes gigabytes) and a DEFAULT partition that
catches any row no daily partition holds (a late result older than the
oldest day kept, or days the maintenance has not reached yet), so an insert
never fails for want of a partition. SQLite keeps plain tables: nothing here
runs there.

Partitions are created and dropped by the application itself (``maintain``,
called by each owning app's retention job), not by pg_partman: pg_partman
4.7 (Debian's ``postgresql-15-partman``) is not a trusted extension, so
``CREATE EXTENSION`` needs a superuser the application's role is not, and its
background worker needs ``shared_preload_libraries`` and a restart of the
server; what the application needs is a few statements a day.

Days are the province's local days (``TIME_ZONE``), the days people read.
Migrations convert a table with ``to_partitioned`` and back with
``to_plain``; both keep every row. Creating a partition takes only a SHARE
UPDATE EXCLUSIVE lock on the table (``ATTACH PARTITION``), so inserts never
wait for it; dropping one takes a brief ACCESS EXCLUSIVE lock, tried with a
lock timeout and left for the next run when the table is busy.

    from diemcau.core import partitions
    SAMPLES = partitions.Daily("monitoring_sample", "measured_at", arrival="received_at")
    partitions.maintain(SAMPLES, keep_days=7)      # create days ahead, drop expired days
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

AHEAD_DAYS = 3
# A row that arrived this recently may not be rolled up yet: the day holding it is dropped at the next run.
SETTLE = dt.timedelta(minutes=15)
DROP_LOCK_TIMEOUT = "3s"
# Ranges of 1 MB of table, summarised as soon as they fill (not only at the next vacuum).
BRIN_OPTIONS = "WITH (pages_per_range = 128, autosummarize = on)"


@dataclass(frozen=True)
class Daily:
    """A table partitioned by local day on ``column``; ``arrival`` names the column of when a row arrived."""

    table: str
    column: str
    arrival: str = ""

    @property
    def default(self) -> str:
        return f"{self.table}_default"

    def name_for(self, day: dt.date) -> str:
        return f"{self.table}_p{day:%Y%m%d}"


def is_postgresql(conn=None) -> bool:
    return (conn or connection).vendor == "postgresql"


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=local_zone())


def is_partitioned(table: str, conn=None) -> bool:
    conn = conn or connection
    if not is_postgresql(conn):
        return False
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                       "WHERE c.relname = %s AND pg_table_is_visible(c.oid)", [table])
        return cursor.fetchone() is not None


@dataclass(frozen=True)
class Partition:
    name: str
    lower: dt.datetime | None  # None: MINVALUE (a plain table converted in place)
    upper: dt.datetime | None  # None: the DEFAULT partition
    is_default: bool = False


def partitions_of(table: str, cursor) -> list[Partition]:
    """The table's partitions with their bounds, read from the catalogue (PostgreSQL parses the bounds)."""
    cursor.execute(
        r"""
        SELECT c.relname, b.expr = 'DEFAULT',
               CASE WHEN b.expr LIKE '%%FROM (MINVALUE)%%' THEN NULL
                    ELSE (regexp_match(b.expr, 'FROM \(''([^'']+)''\)'))[1]::timestamptz END,
               (regexp_match(b.expr, 'TO \(''([^'']+)''\)'))[1]::timestamptz
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS expr) b
        WHERE i.inhparent = %s::regclass
        ORDER BY 4 NULLS LAST
        """,
        [table],
    )
    return [Partition(name, lower, upper, is_default) for name, is_default, lower, upper in cursor.fetchall()]


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _lock(cursor, table: str) -> None:
    """One maintenance at a time per table (the migration, the retention job of either worker)."""
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"diemcau.partitions:{table}"])


def ensure(spec: Daily, *, now: dt.datetime | None = None, ahead_days: int = AHEAD_DAYS) -> list[str]:
    """Create the daily partitions from the first day not yet covered to ``ahead_days`` after today.

    Rows of those days that the DEFAULT partition caught meanwhile are moved into their day.
    Returns the names created.
    """
    if not is_partitioned(spec.table):
        return []
    now = now or timezone.now()
    today = now.astimezone(local_zone()).date()
    created = []
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor, spec.table)
        existing = partitions_of(spec.table, cursor)
        covered_until = max((p.upper for p in existing if p.upper), default=None)
        first = covered_until.astimezone(local_zone()).date() if covered_until else today
        day = first
        while day <= today + dt.timedelta(days=ahead_days):
            _create_day(cursor, spec, day, has_default=any(p.is_default for p in existing))
            created.append(spec.name_for(day))
            day += dt.timedelta(days=1)
    return created


def _create_day(cursor, spec: Daily, day: dt.date, *, has_default: bool) -> None:
    name, lower, upper = spec.name_for(day), day_start(day), day_start(day + dt.timedelta(days=1))
    # Created apart and then attached: ATTACH PARTITION needs only a SHARE UPDATE EXCLUSIVE lock on
    # the table, where CREATE TABLE … PARTITION OF would wait for (and block) every insert.
    cursor.execute(f"CREATE TABLE {_q(name)} (LIKE {_q(spec.table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                   f"INCLUDING STORAGE)")
    if has_default:
        column = _q(spec.column)
        cursor.execute(f"WITH moved AS (DELETE FROM {_q(spec.default)} WHERE {column} >= %s AND {column} < %s "
                       f"RETURNING *) INSERT INTO {_q(name)} SELECT * FROM moved", [lower, upper])
        if cursor.rowcount:
            log.warning("%s: %s rows moved from the default partition into %s", spec.table, cursor.rowcount, name)
    cursor.execute(f"ALTER TABLE {_q(spec.table)} ATTACH PARTITION {_q(name)} FOR VALUES FROM (%s) TO (%s)",
                   [lower, upper])


def drop_expired(spec: Daily, *, keep_days: int, now: dt.datetime | None = None) -> dict:
    """Drop the partitions whose every row is older than ``keep_days``; delete such rows from the default.

    A partition holding a row that arrived within ``SETTLE`` is kept until the next run (its
    roll-up may still be due), and so is one the lock timeout found busy. Returns
    ``{"partitions": [names dropped], "rows": rows deleted from the default partition}``.
    """
    if not is_partitioned(spec.table):
        return {"partitions": [], "rows": 0}
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=keep_days)
    with connection.cursor() as cursor:
        candidates = [p for p in partitions_of(spec.table, cursor) if p.upper and p.upper <= cutoff]
    dropped = []
    for partition in candidates:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                _lock(cursor, spec.table)
                if spec.arrival and _arrived_since(cursor, partition.name, spec.arrival, now - SETTLE):
                    continue
                cursor.execute(f"SET LOCAL lock_timeout = '{DROP_LOCK_TIMEOUT}'")
                cursor.execute(f"DROP TABLE {_q(partition.name)}")
            dropped.append(partition.name)
        except OperationalError as error:
            log.warning("%s kept until the next run: %s", partition.name, error)
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        where, params = f"{_q(spec.column)} < %s", [cutoff]
        if spec.arrival:
            where, params = f"{where} AND {_q(spec.arrival)} < %s", [cutoff, now - SETTLE]
        cursor.execute(f"DELETE FROM {_q(spec.default)} WHERE {where}", params)
        rows = cursor.rowcount
    return {"partitions": dropped, "rows": rows}


def _arrived_since(cursor, table: str, column: str, since: dt.datetime) -> bool:
    cursor.execute(f"SELECT 1 FROM {_q(table)} WHERE {_q(column)} >= %s LIMIT 1", [since])
    return cursor.fetchone() is not None


def maintain(spec: Daily, *, keep_days: int, now: dt.datetime | None = None) -> dict:
    """The retention job's part: days ahead created, expired days dropped (nothing on SQLite)."""
    created = ensure(spec, now=now)
    return {"created": created, **drop_expired(spec, keep_days=keep_days, now=now)}


def status(spec: Daily, *, now: dt.datetime | None = None) -> dict:
    """For /healthz and the operator: is tomorrow covered, how many rows wait in the default partition."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        found = partitions_of(spec.table, cursor)
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {_q(spec.default)} LIMIT 100000) d")
        in_default = cursor.fetchone()[0]
    tomorrow = now + dt.timedelta(days=1)
    covered = any(p.upper and p.upper > tomorrow and (p.lower is None or p.lower <= tomorrow) for p in found)
    return {"partitions": sum(1 for p in found if not p.is_default), "tomorrow_ready": covered,
            "rows_in_default": in_default}


# --- Converting a table, in a migration ------------------------------------------------------

def _short(name: str, suffix: str) -> str:
    """``name`` + ``suffix`` within PostgreSQL's 63 bytes, unique by a hash when cut."""
    full = f"{name}{suffix}"
    if len(full) <= 63:
        return full
    digest = hashlib.sha1(full.encode()).hexdigest()[:8]
    return f"{full[:54]}_{digest}"


def _constraints(cursor, table: str) -> list[tuple[str, str, str]]:
    cursor.execute("SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype, conname", [table])
    return cursor.fetchall()


def _plain_indexes(cursor, table: str) -> list[tuple[str, str, list[str], str]]:
    """Indexes that back no constraint: ``(name, method, [columns], definition)``."""
    cursor.execute(
        """
        SELECT ci.relname, am.amname,
               ARRAY(SELECT a.attname FROM unnest(ix.indkey) k JOIN pg_attribute a
                     ON a.attrelid = ix.indrelid AND a.attnum = k),
               pg_get_indexdef(ix.indexrelid)
        FROM pg_index ix
        JOIN pg_class ci ON ci.oid = ix.indexrelid
        JOIN pg_am am ON am.oid = ci.relam
        WHERE ix.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)
        ORDER BY ci.relname
        """,
        [table],
    )
    return [(name, method, list(columns), definition) for name, method, columns, definition in cursor.fetchall()]


def _id_sequence(cursor, table: str) -> tuple[int, bool]:
    """The next id to hand out, and whether ``id`` is an identity column (else a serial's default)."""
    cursor.execute("SELECT attidentity <> '' FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'id'",
                   [table])
    identity = cursor.fetchone()[0]
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    last = 0
    if sequence:
        cursor.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {sequence}")
        last = cursor.fetchone()[0]
    cursor.execute(f"SELECT COALESCE(max(id), 0) FROM {_q(table)}")
    return max(last, cursor.fetchone()[0]) + 1, identity


def to_partitioned(schema_editor, spec: Daily, *, brin: tuple[str, ...] = (), now: dt.datetime | None = None) -> None:
    """Turn the plain table into the partitioned one, keeping every row without copying any.

    The existing table becomes the first partition (from MINVALUE to the start of tomorrow), so
    the conversion costs an index build on it, not a copy; the retention job drops it like any
    day once its newest rows are old enough. Constraints and indexes are recreated on the
    partitioned table under their names (unique ones must include the partition key); a
    single-column B-tree on a column in ``brin`` becomes a BRIN index, and the other ``brin``
    columns get one. A table with no rows is simply replaced. Nothing happens on SQLite.
    """
    if not is_postgresql(schema_editor.connection) or is_partitioned(spec.table):
        return
    now = now or timezone.now()
    table, key = spec.table, spec.column
    with connection.cursor() as cursor:
        _lock(cursor, table)
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_q(table)}), max({_q(key)}) FROM {_q(table)}")
        has_rows, newest = cursor.fetchone()
        next_id, identity = _id_sequence(cursor, table)
        constraints = _constraints(cursor, table)
        indexes = _plain_indexes(cursor, table)
        for name, contype, definition in constraints:
            if contype == "u" and not re.search(rf"\b{re.escape(key)}\b", definition):
                raise ValueError(f"{table}: the unique constraint {name} ({definition}) must include {key} "
                                 f"before the table can be partitioned by it")
        last_day = max(now, newest or now).astimezone(local_zone()).date()
        upper = day_start(last_day + dt.timedelta(days=1))
        legacy = _short(table, f"_p_before_{last_day + dt.timedelta(days=1):%Y%m%d}")

        # The old table steps aside: its index and constraint names go to the new one.
        cursor.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(legacy)}")
        for name, contype, _definition in constraints:
            if contype in "pu":
                cursor.execute(f"ALTER INDEX {_q(name)} RENAME TO {_q(_short(name, '_old'))}")
            else:
                cursor.execute(f"ALTER TABLE {_q(legacy)} RENAME CONSTRAINT {_q(name)} TO {_q(_short(name, '_old'))}")
        for name, *_rest in indexes:
            cursor.execute(f"ALTER INDEX {_q(name)} RENAME TO {_q(_short(name, '_old'))}")
        pk = next((name for name, contype, _d in constraints if contype == "p"), None)
        if pk:
            cursor.execute(f"ALTER TABLE {_q(legacy)} DROP CONSTRAINT {_q(_short(pk, '_old'))}")
        if identity:
            cursor.execute(f"ALTER TABLE {_q(legacy)} ALTER COLUMN id DROP IDENTITY")
        else:
            cursor.execute(f"ALTER TABLE {_q(legacy)} ALTER COLUMN id DROP DEFAULT")
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [legacy])
            old_sequence = cursor.fetchone()[0]
            if old_sequence:
                cursor.execute(f"DROP SEQUENCE {old_sequence}")

        # The partitioned table: same columns, defaults and checks; ids go on from where they were.
        sequence = f"{table}_id_seq"
        cursor.execute(f"CREATE TABLE {_q(table)} (LIKE {_q(legacy)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                       f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({_q(key)})")
        cursor.execute(f"CREATE SEQUENCE {_q(sequence)} AS bigint START WITH {int(next_id)} OWNED BY {_q(table)}.id")
        cursor.execute(f"ALTER TABLE {_q(table)} ALTER COLUMN id SET DEFAULT nextval('{sequence}'::regclass)")
        for name, contype, definition in constraints:
            if contype == "p":
                definition = f"PRIMARY KEY (id, {_q(key)})"
            cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
        with_brin = set()
        for name, method, columns, definition in indexes:
            if len(columns) == 1 and columns[0] in brin and method == "btree":
                cursor.execute(f"CREATE INDEX {_q(name)} ON {_q(table)} USING brin ({_q(columns[0])}) {BRIN_OPTIONS}")
                with_brin.add(columns[0])
                cursor.execute(f"DROP INDEX {_q(_short(name, '_old'))}")
                continue
            on = re.sub(r"^CREATE (UNIQUE )?INDEX \S+ ON \S+ ", "", definition)
            unique = "UNIQUE " if definition.startswith("CREATE UNIQUE") else ""
            cursor.execute(f"CREATE {unique}INDEX {_q(name)} ON {_q(table)} {on}")
            with_brin.update(columns if method == "brin" else ())
        for column in brin:
            if column not in with_brin:
                cursor.execute(f"CREATE INDEX {_q(_short(table, f'_{column}_brin'))} ON {_q(table)} "
                               f"USING brin ({_q(column)}) {BRIN_OPTIONS}")

        if has_rows:
            cursor.execute(f"ALTER TABLE {_q(table)} ATTACH PARTITION {_q(legacy)} FOR VALUES FROM (MINVALUE) "
                           f"TO (%s)", [upper])
        else:
            cursor.execute(f"DROP TABLE {_q(legacy)}")
        cursor.execute(f"CREATE TABLE {_q(spec.default)} PARTITION OF {_q(table)} DEFAULT")
    ensure(spec, now=now)


def to_plain(schema_editor, spec: Daily, model) -> None:
    """Back to one plain table as Django creates it, every row copied over (nothing on SQLite)."""
    if not is_postgresql(schema_editor.connection) or not is_partitioned(spec.table):
        return
    table = spec.table
    aside = _short(table, "_partitioned")
    with connection.cursor() as cursor:
        _lock(cursor, table)
        cursor.execute("SELECT c.relname FROM pg_index ix JOIN pg_class c ON c.oid = ix.indexrelid "
                       "WHERE ix.indrelid = %s::regclass", [table])
        index_names = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(aside)}")
        for name in index_names:
            cursor.execute(f"ALTER INDEX {_q(name)} RENAME TO {_q(_short(name, '_part'))}")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [aside])
        sequence = cursor.fetchone()[0]
        if sequence:
            cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {_q(_short(table, '_part_id_seq'))}")
    schema_editor.create_model(model)
    columns = ", ".join(_q(f.column) for f in model._meta.local_concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {_q(table)} ({columns}) OVERRIDING SYSTEM VALUE SELECT {columns} FROM {_q(aside)}")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(max(id), 0) + 1, false) "
                       f"FROM {_q(table)}", [table])
        cursor.execute(f"DROP TABLE {_q(aside)} CASCADE")
