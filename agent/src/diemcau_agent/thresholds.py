"""The levels the agent judges a link by: the province's published standard.

The server sends them in every answer (``thresholds`` in
``agent/schema/results-response.schema.json``), so the agent's own check and
the server's alerts judge by the same numbers. The built-in copy below is the
shipped standard (``diemcau/data/standard.yaml``, version 2026.1); it is used
only until the agent has heard from the server, and the last levels heard
are kept in the local state so a restart without a network keeps them.

Comparisons follow the standard's words: a value *above* ``fail_above``
fails, *above* ``warn_above`` warns; a loss *below* a grade's
``loss_below`` earns that grade, and a jitter above ``jitter_above_ms``
lowers the grade by one (Pexip's rule).
"""

MEASURES = ("loss_pct", "jitter_ms", "rtt_ms")
GRADES = ("good", "ok", "bad", "terrible")

BUILT_IN = {
    "version": "",
    "loss_pct": {"warn_above": 1.0, "fail_above": 3.0},
    "jitter_ms": {"warn_above": 30.0, "fail_above": 50.0},
    "rtt_ms": {"warn_above": 150.0, "fail_above": 300.0},
    "grades": [{"code": "good", "loss_below": 1.0}, {"code": "ok", "loss_below": 3.0},
               {"code": "bad", "loss_below": 10.0}, {"code": "terrible"}],
    "grade_jitter_above_ms": 40.0,
}

STATE_KEY = "thresholds"


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
        return None
    return float(value)


def clean(data):
    """The server's ``thresholds`` object checked and normalised, or None when unusable.

    A partial or broken object is refused whole: judging loss by the server
    and jitter by the built-in copy would be neither one rule nor the other.
    """
    if not isinstance(data, dict):
        return None
    out = {"version": str(data.get("version") or "")[:80]}
    for measure in MEASURES:
        rule = data.get(measure)
        if not isinstance(rule, dict):
            return None
        fail, warn = _number(rule.get("fail_above")), _number(rule.get("warn_above", rule.get("fail_above")))
        if fail is None or warn is None or warn > fail:
            return None
        out[measure] = {"warn_above": warn, "fail_above": fail}
    grades = data.get("grades")
    if not isinstance(grades, list) or not grades:
        return None
    rows, last = [], -1.0
    for row in grades:
        if not isinstance(row, dict) or row.get("code") not in GRADES:
            return None
        below = row.get("loss_below")
        if below is None:
            rows.append({"code": row["code"]})
            continue
        below = _number(below)
        if below is None or below <= last:
            return None
        last = below
        rows.append({"code": row["code"], "loss_below": below})
    if "loss_below" in rows[-1]:
        return None  # the last grade must catch every loss
    out["grades"] = rows
    jitter = _number(data.get("grade_jitter_above_ms"))
    if jitter is None:
        return None
    out["grade_jitter_above_ms"] = jitter
    return out


class Thresholds:
    """One set of levels and where it came from (``server`` or ``built-in``)."""

    def __init__(self, data=None, source="built-in"):
        self.data = data or BUILT_IN
        self.source = source

    @property
    def version(self):
        return self.data.get("version") or ""

    def fails(self, measure, value):
        return value is not None and value > self.data[measure]["fail_above"]

    def warns(self, measure, value):
        return value is not None and value > self.data[measure]["warn_above"]

    def grade(self, loss_pct, jitter_ms):
        """Pexip's grade of a window: by loss, one grade lower when jitter is too high."""
        rows = self.data["grades"]
        code = rows[-1]["code"]
        for row in rows:
            below = row.get("loss_below")
            if below is not None and loss_pct < below:
                code = row["code"]
                break
        if jitter_ms is not None and jitter_ms > self.data["grade_jitter_above_ms"]:
            order = [row["code"] for row in rows]
            code = order[min(len(order) - 1, order.index(code) + 1)]
        return code


def load(buffer):
    """The last levels heard from the server (kept in the buffer's state), else the built-in ones."""
    import json

    if buffer is not None:
        try:
            raw = buffer.get_state(STATE_KEY)
        except Exception:  # an unreadable state file must not stop a measurement
            raw = None
        if raw:
            try:
                data = clean(json.loads(raw))
            except ValueError:
                data = None
            if data is not None:
                return Thresholds(data, "server")
    return Thresholds()


class _FileState:
    """Read-only view of a buffer file's state table (``check`` must not create the service's files)."""

    def __init__(self, path):
        self.path = path

    def get_state(self, key):
        import os
        import sqlite3

        if not self.path or not os.path.exists(self.path):
            return None
        try:
            db = sqlite3.connect("file:%s?mode=ro" % self.path, uri=True, timeout=5.0)
        except sqlite3.Error:
            return None
        try:
            row = db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None  # a buffer from an older agent has no state table yet
        finally:
            db.close()
        return row[0] if row else None


def load_file(path):
    """The levels kept in the buffer file at ``path`` (without creating it), else the built-in ones."""
    return load(_FileState(path))
