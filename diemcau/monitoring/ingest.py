"""Turn an agent's batch into stored samples: validated per item, idempotent, fast.

Each result is checked against the contract the agent ships
(``contract.check_result``: every field's type, per kind), then for what a
schema cannot say (physically impossible values, times in the future). A
result the server can never accept is rejected with its reason so the agent
drops it; the rest of the batch is stored. Of a result's fields only those
the contract names are stored, at most ``MONITORING_MAX_RESULT_BYTES``. A
result (its id with its measurement time) is unique in the table and the
insert ignores conflicts, so a batch sent twice stores nothing twice and is
answered the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.monitoring import contract
from diemcau.monitoring.choices import TRAIN_KINDS, SampleKind
from diemcau.monitoring.models import AgentToken, Sample

try:  # optional: three times faster JSON, the largest cost of an upload after the insert itself
    import orjson
except ImportError:  # pragma: no cover - the standard library does the same, slower
    orjson = None

KINDS = set(SampleKind.values)
MAX_RESULTS = 5000
# Bounds of what a link can physically show; beyond them the agent is broken.
MAX_MS = 60_000.0
FUTURE_SLACK = dt.timedelta(minutes=10)


class Invalid(Exception):
    pass


class TooLarge(Invalid):
    """Answered 413: the agent halves its batch and tries again."""


def max_age_days() -> int:
    """How late a result may arrive. Longer than raw samples are kept: a result a fortnight late
    still lands in its roll-ups (within the minute) before the pruning job removes the raw row."""
    return int(getattr(settings, "MONITORING_MAX_AGE_DAYS", 30))


def _number(fields: dict, key: str, low: float, high: float):
    value = fields.get(key)
    if value is None:
        return None
    kind = type(value)
    if (kind is float and low <= value <= high) or (kind is int and low <= value <= high):
        return float(value)  # the common case, checked first: thousands of values per batch
    if kind is bool or kind not in (int, float) or math.isnan(value):
        raise Invalid(_("%(field)s is not a number") % {"field": key})
    if value < low or value > high:
        raise Invalid(_("%(field)s = %(value)s is outside %(low)s–%(high)s") %
                      {"field": key, "value": value, "low": low, "high": high})
    return float(value)


def _time(value, now: dt.datetime, earliest: dt.datetime | None = None) -> dt.datetime:
    if not isinstance(value, str):
        raise Invalid(_("measured_at is missing"))
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(_("measured_at is not an ISO 8601 time")) from None
    if stamp.tzinfo is None:
        raise Invalid(_("measured_at has no time zone"))
    if stamp > now + FUTURE_SLACK:
        raise Invalid(_("measured_at is in the future (check the site computer's clock)"))
    if stamp < (earliest or now - dt.timedelta(days=max_age_days())):
        raise Invalid(_("measured_at is more than %(days)s days old") % {"days": max_age_days()})
    return stamp


def _probe_columns(fields: dict) -> dict:
    sent = fields.get("sent")
    received = fields.get("received")
    if sent is not None or received is not None:
        if not isinstance(sent, int) or not isinstance(received, int) or isinstance(sent, bool):
            raise Invalid(_("sent and received must be whole numbers"))
        if sent < 0 or received < 0 or received > sent + (fields.get("duplicates") or 0):
            raise Invalid(_("received %(received)s of %(sent)s sent is impossible") %
                          {"received": received, "sent": sent})
    rtt = _number(fields, "rtt_median_ms", 0.0, MAX_MS)
    for key in ("rtt_min_ms", "rtt_p95_ms", "rtt_max_ms"):
        _number(fields, key, 0.0, MAX_MS)
    if rtt is not None and fields.get("rtt_min_ms") is not None and fields["rtt_min_ms"] > rtt:
        raise Invalid(_("rtt_min_ms is above rtt_median_ms"))
    jitter = _number(fields, "jitter_ms", 0.0, MAX_MS)
    back = _number(fields, "jitter_back_ms", 0.0, MAX_MS)
    loss = _number(fields, "loss_pct", 0.0, 100.0)
    voice = fields.get("voice") if isinstance(fields.get("voice"), dict) else {}
    mos = _number(voice, "mos", 1.0, 5.0)
    _number(voice, "r", 0.0, 130.0)
    if loss is None and "error" not in fields:
        raise Invalid(_("a probe result needs loss_pct or an error"))
    if "error" in fields and loss is None:
        loss = 100.0  # no reply at all: the link was down for this round
    both = [v for v in (jitter, back) if v is not None]
    worst_jitter = max(both) if both else None
    return rtt, worst_jitter, loss, mos, loss is not None and loss < 100.0


def _check_columns(kind: str, fields: dict) -> dict:
    key = {"tcp_connect": "connect_ms", "dns": "resolve_ms", "https": "response_ms"}.get(kind)
    value = _number(fields, key, 0.0, MAX_MS) if key else None
    if kind == "throughput":
        _number(fields, "kbps", 0.0, 100_000_000.0)
    ok = fields.get("ok")
    if ok is not None and not isinstance(ok, bool):
        raise Invalid(_("ok must be true or false"))
    return value, ok


GRADES = {"good", "ok", "bad", "terrible"}


def _grade_columns(fields: dict) -> tuple:
    """A 20-second window's grade: its figures in the columns, the grade kept as sent in ``data``."""
    if fields.get("grade") not in GRADES:
        raise Invalid(_("grade must be one of good, ok, bad, terrible"))
    for key in ("window_s", "trains", "sent", "received"):
        value = fields.get(key)
        if type(value) is not int or value < 0:
            raise Invalid(_("%(field)s must be a whole number") % {"field": key})
    if not 1 <= fields["window_s"] <= 300 or fields["sent"] < 1 or fields["received"] > fields["sent"]:
        raise Invalid(_("received %(received)s of %(sent)s sent is impossible") %
                      {"received": fields["received"], "sent": fields["sent"]})
    loss = _number(fields, "loss_pct", 0.0, 100.0)
    if loss is None:
        raise Invalid(_("a grade window needs loss_pct"))
    return _number(fields, "rtt_median_ms", 0.0, MAX_MS), _number(fields, "jitter_ms", 0.0, MAX_MS), loss


def max_result_bytes() -> int:
    """How much of one result's fields is stored (one probe showed 4 MB of unknown fields)."""
    return int(getattr(settings, "MONITORING_MAX_RESULT_BYTES", 4096))


def validate(item, result_id: uuid.UUID, now: dt.datetime, site_id: int, earliest: dt.datetime | None = None) -> tuple:
    """One result → its row (values in ``COLUMNS`` order), or ``Invalid`` with the reason."""
    if not isinstance(item, dict):
        raise Invalid(_("a result must be an object"))
    kind = item.get("kind")
    if kind not in KINDS:
        raise Invalid(_("unknown kind %(kind)r") % {"kind": kind})
    problem = contract.check_result(item)
    if problem:
        raise Invalid(problem)
    fields = contract.known_fields(kind, item["fields"])
    size = len(_dumps(fields))
    if size > max_result_bytes():
        raise Invalid(_("the fields take %(size)s bytes; at most %(limit)s are stored") % {
            "size": size, "limit": max_result_bytes()})
    measured_at = _time(item.get("measured_at"), now, earliest)
    if kind in TRAIN_KINDS:
        rtt, jitter, loss, mos, ok = _probe_columns(fields)
    elif kind == SampleKind.GRADE:
        rtt, jitter, loss = _grade_columns(fields)
        mos, ok = None, fields["grade"] not in ("bad", "terrible")
    else:
        rtt, ok = _check_columns(kind, fields)
        jitter = loss = mos = None
    return (result_id, site_id, kind, measured_at, now, rtt, jitter, loss, mos, ok, fields)


def _dumps(value) -> bytes:
    return orjson.dumps(value) if orjson is not None else json.dumps(value).encode()


def decode(body: bytes):
    """The request body as Python objects (ValueError when it is not JSON)."""
    if orjson is not None:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise ValueError(str(exc)) from None
    return json.loads(body)


@transaction.atomic
def store_batch(token: AgentToken, payload, *, now: dt.datetime | None = None) -> dict:
    """Validate and store a decoded batch; answer in the agent contract's shape."""
    now = now or timezone.now()
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise Invalid(_("the body must be an object with a list of results"))
    results = payload["results"]
    if len(results) > MAX_RESULTS:
        raise TooLarge(_("at most %(n)s results per batch") % {"n": MAX_RESULTS})
    accepted, rejected, rows, seen, windows = [], [], [], set(), []
    earliest = now - dt.timedelta(days=max_age_days())
    for item in results:
        raw_id = item.get("id") if isinstance(item, dict) else None
        try:
            result_id = uuid.UUID(str(raw_id))
        except (ValueError, TypeError):
            rejected.append({"id": str(raw_id), "reason": _("id is not a UUID")})
            continue
        try:
            row = validate(item, result_id, now, token.site_id, earliest)
        except Invalid as exc:
            rejected.append({"id": raw_id, "reason": str(exc)})
            continue
        accepted.append(raw_id)
        if result_id not in seen:
            seen.add(result_id)
            rows.append(row)
            if row[2] == SampleKind.GRADE:
                windows.append((row[3], row[10]["grade"]))
    if rows:
        insert_ignoring_duplicates(rows)
    _touch(token, payload, now)
    if windows:
        # Judged at once, in this transaction: a run of bad windows in an important meeting
        # must not wait for the minute job.
        from diemcau.monitoring import call_quality

        call_quality.windows_received(token.site, windows)
    return {"accepted": accepted, "rejected": rejected}


COLUMNS = ["result_id", "site_id", "kind", "measured_at", "received_at", "rtt_ms", "jitter_ms", "loss_pct", "mos",
           "ok", "data"]


def insert_ignoring_duplicates(rows: list[tuple]) -> None:
    """One ``INSERT … ON CONFLICT (result_id, measured_at) DO NOTHING`` per chunk (SQLite ≥ 3.24 and PostgreSQL).

    The same effect as ``bulk_create(ignore_conflicts=True)`` without the
    ORM's per-field compilation, which cost more than the insert itself.
    """
    ops = connection.ops
    table = ops.quote_name(Sample._meta.db_table)
    names = ", ".join(ops.quote_name(c) for c in COLUMNS)
    sql = (f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
           f"ON CONFLICT ({ops.quote_name('result_id')}, {ops.quote_name('measured_at')}) DO NOTHING")
    sqlite = connection.vendor == "sqlite"
    moment = ops.adapt_datetimefield_value
    as_json = ops.adapt_json_value
    if sqlite and orjson is not None:
        def as_json(value, _encoder):
            return orjson.dumps(value).decode()
    received = moment(rows[0][4])
    params = [(r[0].hex if sqlite else r[0], r[1], r[2], moment(r[3]), received, r[5], r[6], r[7], r[8], r[9],
               as_json(r[10], None)) for r in rows]
    with connection.cursor() as cursor:
        for start in range(0, len(params), 1000):
            cursor.executemany(sql, params[start:start + 1000])


def _touch(token: AgentToken, payload: dict, now: dt.datetime) -> None:
    dropped = payload.get("dropped") if isinstance(payload.get("dropped"), dict) else {}
    count = dropped.get("count") if isinstance(dropped.get("count"), int) and dropped.get("count") > 0 else 0
    AgentToken.objects.filter(pk=token.pk).update(
        last_seen_at=now, agent_version=str(payload.get("agent_version") or "")[:40],
        hostname=str(payload.get("hostname") or "")[:120], dropped_total=F("dropped_total") + count,
    )
