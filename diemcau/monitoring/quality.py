"""Read side: a site's current grade, 24-hour trend, last report, and chart series from roll-ups."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Max, Sum
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext

from diemcau.monitoring.alerts import silence_threshold
from diemcau.monitoring.choices import GRADE_RANK, AlertState, Grade, Period
from diemcau.monitoring.levels import grade, grade_thresholds
from diemcau.monitoring.models import AgentToken, Alert, Rollup

CURRENT_WINDOW = dt.timedelta(minutes=15)
RANGES = {
    # range → (roll-up period, span)
    "hour": (Period.MINUTE, dt.timedelta(hours=1)),
    "day": (Period.MINUTE, dt.timedelta(days=1)),
    "week": (Period.HOUR, dt.timedelta(days=7)),
    "month": (Period.HOUR, dt.timedelta(days=30)),
    "year": (Period.DAY, dt.timedelta(days=365)),
}


@dataclass
class SiteQuality:
    site_id: int
    grade: str = Grade.UNKNOWN
    loss: float | None = None
    jitter: float | None = None
    rtt: float | None = None
    mos: float | None = None
    last_seen: dt.datetime | None = None
    has_agent: bool = False
    trend: list = field(default_factory=list)  # 24 hourly grades/loss, oldest first
    trend_change: float | None = None  # loss of the last 6 h minus the 18 h before
    open_alerts: list = field(default_factory=list)

    @property
    def rank(self) -> tuple:
        return (GRADE_RANK.get(self.grade, 2), -(self.loss or 0.0), -(self.jitter or 0.0))

    @property
    def get_grade_display(self) -> str:
        return Grade(self.grade).label

    @property
    def trend_svg(self) -> str:
        """24 hourly bars coloured by grade, drawn here: a template loop per bar is too slow on the board."""
        if not self.trend:
            return ""
        no_data = gettext("no data")
        bars = format_html_join("", '<rect x="{}" y="0" width="3.6" height="16" class="g-{}"><title>{} · {}</title></rect>',
                                ((f"{i * 4:.0f}", g, localtime(slot).strftime("%H:%M"),
                                  no_data if loss is None else f"{loss:.1f} %")
                                 for i, (slot, loss, g) in enumerate(self.trend)))
        return format_html('<svg class="trend" viewBox="0 0 100 16" preserveAspectRatio="none" role="img" '
                           'aria-label="{}">{}</svg>', gettext("Last 24 hours, one bar per hour"), bars)

    @property
    def silent(self) -> bool:
        return self.has_agent and (self.last_seen is None or timezone.now() - self.last_seen > silence_threshold())


def _weighted(field_name):
    return Sum(F(field_name) * F("rounds"))


def qualities(site_ids, now: dt.datetime | None = None, *, trend: bool = True,
              alerts: bool = True) -> dict[int, SiteQuality]:
    """Current figures of many sites in four queries; the 24-hour trend and the raised alerts
    only when asked (a board of ten thousand sites sorts on the current figures and draws
    the trend of one page)."""
    now = now or timezone.now()
    site_ids = list(site_ids)
    out = {pk: SiteQuality(pk) for pk in site_ids}
    if not site_ids:
        return out
    thresholds = grade_thresholds()
    current = (Rollup.objects.filter(site_id__in=site_ids, period=Period.MINUTE, bucket__gte=now - CURRENT_WINDOW)
               .values("site_id").annotate(n=Sum("rounds"), loss=_weighted("loss_avg"), jitter=_weighted("jitter_avg"),
                                           rtt=_weighted("rtt_avg"), mos=_weighted("mos_avg")))
    for row in current:
        q, n = out[row["site_id"]], row["n"] or 0
        if n:
            q.loss, q.jitter = _div(row["loss"], n), _div(row["jitter"], n)
            q.rtt, q.mos = _div(row["rtt"], n), _div(row["mos"], n)
            q.grade = grade(q.loss, q.jitter, thresholds)
    if trend:
        _add_trend(out, site_ids, now, thresholds)
    for row in AgentToken.objects.filter(site_id__in=site_ids).values("site_id").annotate(last=Max("last_seen_at")):
        out[row["site_id"]].has_agent = True
        out[row["site_id"]].last_seen = row["last"]
    if alerts:
        for alert in Alert.objects.filter(site_id__in=site_ids, state=AlertState.RAISED).select_related("device"):
            out[alert.site_id].open_alerts.append(alert)
    return out


def _add_trend(out, site_ids, now, thresholds) -> None:
    start = (now - dt.timedelta(hours=24)).replace(minute=0, second=0, microsecond=0)
    hours = defaultdict(dict)
    for site_id, bucket, loss, jitter in Rollup.objects.filter(
            site_id__in=site_ids, period=Period.HOUR, bucket__gte=start).values_list(
            "site_id", "bucket", "loss_avg", "jitter_avg"):
        hours[site_id][bucket] = (loss, jitter)
    slots = [start + dt.timedelta(hours=h) for h in range(25)]
    for site_id, by_hour in hours.items():
        q = out[site_id]
        q.trend = [(slot, *(by_hour.get(slot) or (None, None))) for slot in slots]
        q.trend = [(slot, loss, grade(loss, jitter, thresholds) if loss is not None else Grade.UNKNOWN)
                   for slot, loss, jitter in q.trend]
        recent = [loss for _s, loss, _g in q.trend[-6:] if loss is not None]
        before = [loss for _s, loss, _g in q.trend[:-6] if loss is not None]
        if recent and before:
            q.trend_change = sum(recent) / len(recent) - sum(before) / len(before)


def _div(total, n):
    return total / n if total is not None and n else None


def series(site_id: int, range_name: str, now: dt.datetime | None = None) -> dict:
    """Chart data for one site over ``hour`` / ``day`` / ``week`` / ``month`` / ``year``, from roll-ups."""
    now = now or timezone.now()
    period, span = RANGES.get(range_name, RANGES["day"])
    rows = Rollup.objects.filter(site_id=site_id, period=period, bucket__gte=now - span).order_by("bucket").values_list(
        "bucket", "loss_avg", "loss_max", "rtt_avg", "jitter_avg", "mos_avg", "rounds", "bad_rounds")
    out = {"period_s": int(period), "t": [], "loss": [], "loss_max": [], "rtt": [], "jitter": [], "mos": [],
           "bad_share": []}
    for bucket, loss, loss_max, rtt, jitter, mos, rounds, bad in rows:
        out["t"].append(int(bucket.timestamp() * 1000))
        for key, value in (("loss", loss), ("loss_max", loss_max), ("rtt", rtt), ("jitter", jitter), ("mos", mos)):
            out[key].append(None if value is None else round(value, 3))
        out["bad_share"].append(round(100.0 * bad / rounds, 1) if rounds else None)
    return out
