"""Roll-ups of the probe results: 1 minute from raw samples, 1 hour from minutes, 1 day from hours.

Only the buckets touched by newly received samples are recomputed, so late
results (an agent back after an outage) land in the right minute. Days are
local days (Asia/Ho_Chi_Minh), the ones people read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Case, F, FloatField, Max, Min, Sum, When
from django.utils import timezone

from diemcau.core import partitions
from diemcau.monitoring import bulk
from diemcau.monitoring.choices import TRAIN_KINDS, Grade, Period
from diemcau.monitoring.levels import grade, grade_thresholds
from diemcau.monitoring.models import Rollup, Sample

BAD_GRADES = {Grade.BAD, Grade.TERRIBLE}
UPDATE_FIELDS = ["rounds", "bad_rounds", "rtt_avg", "rtt_max", "jitter_avg", "jitter_max", "loss_avg", "loss_max",
                 "mos_avg", "mos_min"]


def bucket_start(when: dt.datetime, period: int) -> dt.datetime:
    if period == Period.DAY:
        local = when.astimezone(ZoneInfo(settings.TIME_ZONE))
        return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)
    stamp = int(when.timestamp())
    return dt.datetime.fromtimestamp(stamp - stamp % period, tz=dt.UTC)


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def _weighted(pairs):
    pairs = [(v, w) for v, w in pairs if v is not None and w]
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total if total else None


def _extreme(values, pick):
    values = [v for v in values if v is not None]
    return pick(values) if values else None


def summarise_rounds(rows, thresholds) -> dict:
    """Raw rounds ``(rtt, jitter, loss, mos)`` → one roll-up's figures."""
    rtts, jitters, losses, moses = zip(*rows, strict=True)
    bad = sum(1 for _, j, loss, _m in rows if grade(loss, j, thresholds) in BAD_GRADES)
    return {"rounds": len(rows), "bad_rounds": bad, "rtt_avg": _mean(rtts), "rtt_max": _extreme(rtts, max),
            "jitter_avg": _mean(jitters), "jitter_max": _extreme(jitters, max), "loss_avg": _mean(losses),
            "loss_max": _extreme(losses, max), "mos_avg": _mean(moses), "mos_min": _extreme(moses, min)}


def merge_rollups(parts) -> dict:
    """Finer roll-ups → one coarser roll-up, averages weighted by rounds."""
    return {
        "rounds": sum(p.rounds for p in parts), "bad_rounds": sum(p.bad_rounds for p in parts),
        "rtt_avg": _weighted((p.rtt_avg, p.rounds) for p in parts), "rtt_max": _extreme([p.rtt_max for p in parts], max),
        "jitter_avg": _weighted((p.jitter_avg, p.rounds) for p in parts),
        "jitter_max": _extreme([p.jitter_max for p in parts], max),
        "loss_avg": _weighted((p.loss_avg, p.rounds) for p in parts),
        "loss_max": _extreme([p.loss_max for p in parts], max),
        "mos_avg": _weighted((p.mos_avg, p.rounds) for p in parts),
        "mos_min": _extreme([p.mos_min for p in parts], min),
    }


def upsert(rows: list[Rollup]) -> None:
    """Insert or replace roll-ups by (site, period, bucket)."""
    moment = connection.ops.adapt_datetimefield_value
    bulk.upsert(Rollup._meta.db_table, ["site_id", "period", "bucket", *UPDATE_FIELDS], ["site_id", "period", "bucket"],
                [(r.site_id, int(r.period), moment(r.bucket), *(getattr(r, f) for f in UPDATE_FIELDS)) for r in rows])


def _span(buckets, period):
    return min(buckets), max(buckets) + dt.timedelta(seconds=period)


def _groups(spans: dict[int, tuple], limit: dt.timedelta, size: int = 500):
    """Sites whose spans lie close together, read with one query: ``(site_ids, start, end)``.

    A site back from a long outage has a span of days; it gets a query of its
    own instead of widening everyone's.
    """
    group, g_start, g_end = [], None, None
    for site_id, (start, end) in sorted(spans.items(), key=lambda kv: kv[1]):
        if group and (len(group) >= size or max(g_end, end) - min(g_start, start) > limit):
            yield group, g_start, g_end
            group, g_start, g_end = [], None, None
        group.append(site_id)
        g_start = start if g_start is None else min(g_start, start)
        g_end = end if g_end is None else max(g_end, end)
    if group:
        yield group, g_start, g_end


def rollup_minutes(touched: dict[int, set]) -> dict[int, set]:
    """Recompute the minute roll-ups ``{site_id: {minute, …}}``; returns the hours they fall in."""
    thresholds = grade_thresholds()
    out, hours = [], defaultdict(set)
    spans = {site_id: _span(minutes, Period.MINUTE) for site_id, minutes in touched.items()}
    for site_ids, start, end in _groups(spans, dt.timedelta(hours=2)):
        grouped = defaultdict(list)
        rows = Sample.objects.filter(site_id__in=site_ids, kind__in=TRAIN_KINDS, measured_at__gte=start,
                                     measured_at__lt=end).values_list("site_id", "measured_at", "rtt_ms",
                                                                       "jitter_ms", "loss_pct", "mos")
        for site_id, measured_at, *values in rows.iterator(chunk_size=5000):
            minute = bucket_start(measured_at, Period.MINUTE)
            if minute in touched[site_id]:
                grouped[(site_id, minute)].append(values)
        for (site_id, minute), values in grouped.items():
            out.append(Rollup(site_id=site_id, period=Period.MINUTE, bucket=minute,
                              **summarise_rounds(values, thresholds)))
            hours[site_id].add(bucket_start(minute, Period.HOUR))
    upsert(out)
    return hours


WEIGHTED = ("rtt_avg", "jitter_avg", "loss_avg", "mos_avg")


def _aggregates() -> dict:
    """The coarser roll-up's figures as SQL aggregates over the finer rows (averages weighted by rounds)."""
    figures = {"n_rounds": Sum("rounds"), "n_bad": Sum("bad_rounds"), "x_rtt_max": Max("rtt_max"),
               "x_jitter_max": Max("jitter_max"), "x_loss_max": Max("loss_max"), "x_mos_min": Min("mos_min")}
    for name in WEIGHTED:
        figures[f"w_{name}"] = Sum(F(name) * F("rounds"), output_field=FloatField())
        figures[f"n_{name}"] = Sum(Case(When(**{f"{name}__isnull": False}, then=F("rounds"))))
    return figures


def rollup_from_finer(touched: dict[int, set], period: int, finer: int) -> dict[int, set]:
    """Recompute ``period`` roll-ups from ``finer`` ones, summed by the database one bucket at a
    time for up to a thousand sites per query; returns the days touched (for hours)."""
    by_bucket = defaultdict(list)
    for site_id, buckets in touched.items():
        for bucket in buckets:
            by_bucket[bucket].append(site_id)
    out, coarser = [], defaultdict(set)
    span = dt.timedelta(seconds=int(period))
    aggregates = _aggregates()
    for bucket, site_ids in by_bucket.items():
        for start in range(0, len(site_ids), 1000):
            rows = (Rollup.objects.filter(site_id__in=site_ids[start:start + 1000], period=finer, bucket__gte=bucket,
                                          bucket__lt=bucket + span)
                    .values("site_id").annotate(**aggregates).order_by())
            for row in rows:
                figures = {"rounds": row["n_rounds"] or 0, "bad_rounds": row["n_bad"] or 0,
                           "rtt_max": row["x_rtt_max"], "jitter_max": row["x_jitter_max"],
                           "loss_max": row["x_loss_max"], "mos_min": row["x_mos_min"]}
                for name in WEIGHTED:
                    n = row[f"n_{name}"]
                    figures[name] = row[f"w_{name}"] / n if n and row[f"w_{name}"] is not None else None
                out.append(Rollup(site_id=row["site_id"], period=period, bucket=bucket, **figures))
                if period == Period.HOUR:
                    coarser[row["site_id"]].add(bucket_start(bucket, Period.DAY))
    upsert(out)
    return coarser


def rollup_samples(received_after: dt.datetime, received_until: dt.datetime) -> int:
    """Roll up the probe samples received in ``(after, until]``; returns how many minutes were recomputed."""
    touched = defaultdict(set)
    rows = Sample.objects.filter(kind__in=TRAIN_KINDS, received_at__gt=received_after,
                                 received_at__lte=received_until).values_list("site_id", "measured_at")
    for site_id, measured_at in rows.iterator(chunk_size=5000):
        touched[site_id].add(bucket_start(measured_at, Period.MINUTE))
    if not touched:
        return 0
    hours = rollup_minutes(touched)
    days = rollup_from_finer(hours, Period.HOUR, Period.MINUTE)
    rollup_from_finer(days, Period.DAY, Period.HOUR)
    return sum(len(v) for v in touched.values())


def retention() -> dict:
    """Days each kind of row is kept (settings, with defaults)."""
    return {
        "raw": int(getattr(settings, "MONITORING_RAW_DAYS", 7)),
        Period.MINUTE: int(getattr(settings, "MONITORING_MINUTE_ROLLUP_DAYS", 35)),
        Period.HOUR: int(getattr(settings, "MONITORING_HOUR_ROLLUP_DAYS", 400)),
        Period.DAY: int(getattr(settings, "MONITORING_DAY_ROLLUP_DAYS", 3650)),
    }


SAMPLES = partitions.Daily("monitoring_sample", "measured_at", arrival="received_at")
CHECK_RESULTS = partitions.Daily("monitoring_checkresult", "at")


def prune(now: dt.datetime | None = None) -> dict:
    """Remove raw samples, check results and roll-ups past their retention.

    On PostgreSQL the raw samples and check results are partitioned by day: the days ahead are
    created and whole expired days dropped (``removed["raw_days"]``), and only the few rows the
    default partition caught are deleted one by one. SQLite deletes rows.
    """
    from diemcau.monitoring.models import CheckResult

    now = now or timezone.now()
    keep = retention()
    removed = {}
    for name, spec, model, column in (("raw", SAMPLES, Sample, "measured_at"),
                                      ("checks", CHECK_RESULTS, CheckResult, "at")):
        if partitions.is_partitioned(spec.table):
            done = partitions.maintain(spec, keep_days=keep["raw"], now=now)
            removed[name], removed[f"{name}_days"] = done["rows"], done["partitions"]
        else:
            cutoff = now - dt.timedelta(days=keep["raw"])
            removed[name] = model.objects.filter(**{f"{column}__lt": cutoff}).delete()[0]
    for period in (Period.MINUTE, Period.HOUR, Period.DAY):
        removed[period.label] = Rollup.objects.filter(
            period=period, bucket__lt=now - dt.timedelta(days=keep[period])).delete()[0]
    return removed
