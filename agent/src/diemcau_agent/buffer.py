"""The local SQLite buffer: results wait here until the server confirms them.

The same file keeps the little the agent must remember across restarts
(the ``state`` table: the thresholds last heard from the server).

Rows are kept in insertion order (the ``seq`` column) so that after an outage
of days they are sent oldest first. When the file hits its row cap, or the
disk is full, the oldest rows go first and the buffer remembers how many
were lost and over what period, so the next batch can tell the server.
"""

import json
import logging
import os
import sqlite3

log = logging.getLogger("diemcau_agent.buffer")

SCHEMA = """
CREATE TABLE IF NOT EXISTS result (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dropped (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    count INTEGER NOT NULL,
    first_measured_at TEXT,
    last_measured_at TEXT
);
CREATE TABLE IF NOT EXISTS state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class Buffer:
    """Durable FIFO of result dicts, keyed by their ``id``."""

    def __init__(self, path, max_rows=200000):
        self.path = path
        self.max_rows = max_rows
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        # Two connections share the file: the measuring loop writes, the
        # upload thread reads and deletes. WAL lets them do so without
        # blocking each other; each connection stays on its own thread.
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30.0, check_same_thread=False)
        if path != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL never corrupts the file; a power cut can
            # only lose the last few commits, and it spares the site PC's
            # disk a flush for every result.
            self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        # Losses we could not even write down (disk full) are held here
        # until a write succeeds.
        self._unsaved_drops = []

    def close(self):
        self.db.close()

    def add(self, result):
        """Store one result; makes room by dropping the oldest if needed."""
        body = json.dumps(result, ensure_ascii=False, sort_keys=True)
        for _attempt in range(8):
            try:
                self.db.execute("BEGIN IMMEDIATE")
                try:
                    self._flush_unsaved_drops()
                    over = self.count() + 1 - self.max_rows
                    if over > 0:
                        self._drop_oldest(over)
                    self.db.execute("INSERT OR IGNORE INTO result (id, body) VALUES (?, ?)", (result["id"], body))
                    self.db.execute("COMMIT")
                    return True
                except BaseException:
                    # SQLITE_FULL may already have rolled the transaction back.
                    if self.db.in_transaction:
                        self.db.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                if not _is_full(exc):
                    raise
                log.warning("buffer full on disk, dropping the oldest results")
                if not self._drop_oldest_committed(max(1, self.count() // 10)):
                    break
        # Not even room for this one: it is the loss, counted in memory.
        self._unsaved_drops.append(result.get("measured_at"))
        log.error("result %s dropped: disk full", result.get("id"))
        return False

    def get_state(self, key):
        """A value the agent keeps across restarts (e.g. the server's thresholds), or None."""
        row = self.db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_state(self, key, value):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("DELETE FROM state WHERE key = ?", (key,))
            self.db.execute("INSERT INTO state (key, value) VALUES (?, ?)", (key, value))
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def count(self):
        return self.db.execute("SELECT COUNT(*) FROM result").fetchone()[0]

    def oldest(self, limit):
        """Up to ``limit`` results, oldest first."""
        rows = self.db.execute("SELECT body FROM result ORDER BY seq LIMIT ?", (limit,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def confirm(self, ids):
        """Delete results the server has accepted (or definitively refused)."""
        ids = list(ids)
        if not ids:
            return
        self.db.execute("BEGIN")
        self.db.executemany("DELETE FROM result WHERE id = ?", [(i,) for i in ids])
        self.db.execute("COMMIT")

    def dropped(self):
        """``{"count", "first_measured_at", "last_measured_at"}`` not yet reported, or None."""
        row = self.db.execute("SELECT count, first_measured_at, last_measured_at FROM dropped").fetchone()
        self._reported_memory = len(self._unsaved_drops)
        count = (row[0] if row else 0) + self._reported_memory
        if not count:
            return None
        stamps = [s for s in ([row[1], row[2]] if row else []) + self._unsaved_drops if s]
        return {"count": count, "first_measured_at": min(stamps) if stamps else None,
                "last_measured_at": max(stamps) if stamps else None}

    def dropped_reported(self, report):
        """The server has acknowledged ``report``: subtract what it covered."""
        if not report:
            return
        memory = getattr(self, "_reported_memory", 0)
        del self._unsaved_drops[:memory]
        self._reported_memory = 0
        stored = report["count"] - memory
        self.db.execute("BEGIN")
        self.db.execute("UPDATE dropped SET count = count - ?", (max(0, stored),))
        self.db.execute("DELETE FROM dropped WHERE count <= 0")
        self.db.execute("COMMIT")

    def _drop_oldest(self, n):
        rows = self.db.execute("SELECT seq, body FROM result ORDER BY seq LIMIT ?", (n,)).fetchall()
        if not rows:
            return 0
        stamps = [json.loads(body).get("measured_at") for _seq, body in rows]
        self.db.execute("DELETE FROM result WHERE seq <= ?", (rows[-1][0],))
        self._record_drops(len(rows), [s for s in stamps if s])
        return len(rows)

    def _drop_oldest_committed(self, n):
        try:
            self.db.execute("BEGIN IMMEDIATE")
            dropped = self._drop_oldest(n)
            self.db.execute("COMMIT")
        except sqlite3.OperationalError:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            return False
        return dropped > 0

    def _record_drops(self, n, stamps):
        # A read-then-write instead of an UPSERT: SQLite older than 3.24
        # (still shipped by some Linux distributions) has no ON CONFLICT.
        row = self.db.execute("SELECT count, first_measured_at, last_measured_at FROM dropped").fetchone()
        known = [s for s in stamps + (list(row[1:]) if row else []) if s]
        first = min(known) if known else None
        last = max(known) if known else None
        if row:
            self.db.execute("UPDATE dropped SET count = ?, first_measured_at = ?, last_measured_at = ?",
                            (row[0] + n, first, last))
        else:
            self.db.execute("INSERT INTO dropped (one, count, first_measured_at, last_measured_at) "
                            "VALUES (1, ?, ?, ?)", (n, first, last))

    def _flush_unsaved_drops(self):
        if self._unsaved_drops:
            self._record_drops(len(self._unsaved_drops), [s for s in self._unsaved_drops if s])
            self._unsaved_drops = []
            # They are in the table now; a report already made counts them there.
            self._reported_memory = 0


def _is_full(exc):
    text = str(exc).lower()
    return "full" in text or "disk i/o" in text
