"""Alert rules: raise on a pattern, clear after clean rounds, "no data" after silence.

SmokePing-style hysteresis (QOS.md): a problem is raised when k of the last n
rounds were bad and cleared only after N clean rounds in a row, so a link
that flaps raises once instead of flooding people. Each change of state is an
``AlertFlip`` row; the flips job (``flips``) then opens, updates or resolves
the site's incident in a transaction of its own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.lib.numbers import format_quantity
from diemcau.monitoring import bulk
from diemcau.monitoring.choices import TRAIN_KINDS, AlertState, CheckStatus, Problem
from diemcau.monitoring.levels import current_levels
from diemcau.monitoring.models import AgentToken, Alert, AlertFlip, Sample

MEASURES = {Problem.LOSS: "loss_pct", Problem.JITTER: "jitter_ms", Problem.RTT: "rtt_ms", Problem.MOS: "mos"}
UNITS = {Problem.LOSS: "%", Problem.JITTER: "ms", Problem.RTT: "ms", Problem.MOS: ""}


def shown(problem: str, value, decimals: int = 1) -> str:
    """A measured value with its unit, as the reader's language writes numbers ("70,9 ms")."""
    return "–" if value is None else format_quantity(value, UNITS.get(problem, ""), decimals)


@dataclass(frozen=True)
class Pattern:
    raise_k: int
    raise_n: int
    clear_after: int


def link_pattern() -> Pattern:
    return Pattern(int(getattr(settings, "MONITORING_RAISE_K", 3)), int(getattr(settings, "MONITORING_RAISE_N", 5)),
                   int(getattr(settings, "MONITORING_CLEAR_ROUNDS", 5)))


def device_pattern() -> Pattern:
    return Pattern(int(getattr(settings, "MONITORING_DEVICE_RAISE_K", 2)),
                   int(getattr(settings, "MONITORING_DEVICE_RAISE_N", 3)),
                   int(getattr(settings, "MONITORING_DEVICE_CLEAR_ROUNDS", 2)))


def silence_threshold() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "MONITORING_SILENCE_MINUTES", 10)))


def step(alert: Alert, bad: bool, pattern: Pattern) -> str | None:
    """Feed one round to the alert (in memory); returns the new state when it flips."""
    alert.recent = (list(alert.recent) + [bool(bad)])[-pattern.raise_n:]
    if alert.state == AlertState.OK:
        if sum(alert.recent) >= pattern.raise_k:
            alert.state, alert.clean_streak = AlertState.RAISED, 0
            return AlertState.RAISED
        return None
    alert.clean_streak = 0 if bad else alert.clean_streak + 1
    if alert.clean_streak >= pattern.clear_after:
        alert.state, alert.recent, alert.clean_streak = AlertState.OK, [], 0
        return AlertState.OK
    return None


# What the alert rules own on an alert; its incident is written by the flips job (flips.py).
RULE_FIELDS = ["state", "recent", "clean_streak", "evaluated_until", "last_value", "detail", "raised_at"]


def _flip(alert: Alert, new_state: str, at: dt.datetime, value, reason: str) -> None:
    """Record the change of state; the incident follows in the flips job, never in this transaction."""
    old = AlertState.RAISED if new_state == AlertState.OK else AlertState.OK
    alert.detail = reason[:300]
    if new_state == AlertState.RAISED:
        alert.raised_at = at
    if alert.pk is None:
        alert.save()
    else:
        alert.save(update_fields=RULE_FIELDS)
    AlertFlip.objects.create(alert=alert, at=at, old_state=old, new_state=new_state, value=value, reason=reason[:300],
                             next_attempt_at=at)


def _reason(problem: str, value, level, raised: bool) -> str:
    if not raised:
        return _("%(problem)s back within the standard (%(value)s)") % {"problem": Problem(problem).label,
                                                                       "value": shown(problem, value)}
    return _("%(problem)s %(value)s, FAIL level %(level)s%(unit)s") % {
        "problem": Problem(problem).label, "value": shown(problem, value), "level": shown(problem, level.fail),
        "unit": ""}


def _alert(site_id: int, problem: str, device_id=None) -> Alert:
    alert, _created = Alert.objects.select_for_update().get_or_create(site_id=site_id, problem=problem,
                                                                      device_id=device_id)
    return alert


def evaluate_site_rounds(site_id: int, rounds, levels=None, pattern=None) -> list[str]:
    """Feed probe rounds ``[(measured_at, {measure: value})]`` (any order) to one site's link alerts."""
    return evaluate_rounds({site_id: rounds}, levels, pattern)


STEP_FIELDS = ["recent", "clean_streak", "evaluated_until", "last_value", "state"]


def evaluate_rounds(by_site: dict, levels=None, pattern=None, chunk: int = 500) -> list[str]:
    """Feed rounds of many sites to their link alerts: the alerts of a chunk of sites are read and
    locked in one query and written back in one bulk update; only a flip costs more."""
    levels = levels or current_levels()
    pattern = pattern or link_pattern()
    flips = []
    site_ids = sorted(by_site)
    for start in range(0, len(site_ids), chunk):
        part = site_ids[start:start + chunk]
        with transaction.atomic():
            wanted = [p for p in MEASURES if p in levels]
            existing = set(Alert.objects.filter(site_id__in=part, problem__in=wanted, device__isnull=True)
                           .values_list("site_id", "problem"))
            Alert.objects.bulk_create([Alert(site_id=site_id, problem=problem) for site_id in part
                                       for problem in wanted if (site_id, problem) not in existing],
                                      ignore_conflicts=True)
            known = {(a.site_id, a.problem): a for a in Alert.objects.select_for_update().filter(
                site_id__in=part, problem__in=wanted, device__isnull=True)}
            changed = []
            for site_id in part:
                rounds = sorted(by_site[site_id], key=lambda r: r[0])
                for problem, measure in MEASURES.items():
                    level = levels.get(problem)
                    if level is None:
                        continue
                    alert = known.get((site_id, problem))
                    if alert is None:
                        alert = _alert(site_id, problem)
                    before = (alert.state, list(alert.recent), alert.clean_streak)
                    touched = False
                    for measured_at, values in rounds:
                        if alert.evaluated_until and measured_at <= alert.evaluated_until:
                            continue  # arrived late: already judged with the rounds around it
                        value = values.get(measure)
                        if value is None and problem != Problem.LOSS:
                            continue
                        new_state = step(alert, level.fails(value), pattern)
                        alert.evaluated_until, alert.last_value, touched = measured_at, value, True
                        if new_state:
                            _flip(alert, new_state, measured_at, value,
                                  _reason(problem, value, level, new_state == AlertState.RAISED))
                            flips.append(new_state)
                    # A healthy link's alert is the same after a clean round as before it: not
                    # writing it spares ten thousand UPDATEs a minute. Its evaluated_until then
                    # stays behind, so a late round may still count in its window; harmless.
                    if touched and (alert.state, list(alert.recent), alert.clean_streak) != before:
                        changed.append(alert)
            _write_steps(changed)
    return flips


def _write_steps(changed: list[Alert]) -> None:
    """The alerts' new step state in bulk (``bulk_update``'s CASE expressions cost seconds here)."""
    ops = connection.ops
    casts = {"recent": "jsonb", "clean_streak": "integer", "evaluated_until": "timestamptz",
             "last_value": "double precision", "state": "varchar"}
    bulk.update_by_id(Alert._meta.db_table, STEP_FIELDS, casts, [
        (a.pk, bulk.json_text(a.recent), a.clean_streak, ops.adapt_datetimefield_value(a.evaluated_until),
         a.last_value, a.state) for a in changed])


def evaluate_samples(received_after: dt.datetime, received_until: dt.datetime) -> int:
    """Judge every probe round received in ``(after, until]``; returns the number of rounds."""
    by_site = defaultdict(list)
    rows = Sample.objects.filter(kind__in=TRAIN_KINDS, received_at__gt=received_after,
                                 received_at__lte=received_until).values_list(
        "site_id", "measured_at", "loss_pct", "jitter_ms", "rtt_ms", "mos")
    for site_id, measured_at, loss, jitter, rtt, mos in rows.iterator(chunk_size=5000):
        by_site[site_id].append((measured_at, {"loss_pct": loss, "jitter_ms": jitter, "rtt_ms": rtt, "mos": mos}))
    evaluate_rounds(by_site)
    return sum(len(r) for r in by_site.values())


@transaction.atomic
def evaluate_silence(now: dt.datetime | None = None) -> int:
    """Raise "no data" for sites whose agent has been silent too long; clear it when it reports again."""
    now = now or timezone.now()
    limit = silence_threshold()
    seen = dict(AgentToken.objects.filter(last_seen_at__isnull=False).values("site_id")
                .annotate(last=Max("last_seen_at")).values_list("site_id", "last"))
    revoked_only = set(AgentToken.objects.values_list("site_id", flat=True).distinct()) - set(
        AgentToken.objects.filter(revoked_at__isnull=True).values_list("site_id", flat=True))
    silent_sites = {site_id for site_id, last in seen.items() if now - last > limit and site_id not in revoked_only}
    # The alert rows exist before they are locked: two workers never both insert one (the second waits, then
    # finds it raised by the first).
    Alert.objects.bulk_create([Alert(site_id=site_id, problem=Problem.NO_DATA) for site_id in silent_sites],
                              ignore_conflicts=True)
    existing = {a.site_id: a for a in Alert.objects.select_for_update().filter(problem=Problem.NO_DATA)}
    flips = 0
    for site_id, last in seen.items():
        silent = site_id in silent_sites
        alert = existing.get(site_id)
        if silent and alert.state == AlertState.OK:
            alert.state = AlertState.RAISED
            minutes = int((now - last).total_seconds() // 60)
            _flip(alert, AlertState.RAISED, now, minutes,
                  _("The agent has sent nothing for %(minutes)s minutes") % {"minutes": minutes})
            flips += 1
        elif not silent and alert is not None and alert.state == AlertState.RAISED:
            alert.state = AlertState.OK
            _flip(alert, AlertState.OK, now, 0, _("The agent reports again"))
            flips += 1
    return flips


@transaction.atomic
def evaluate_device_result(check, status: str, at: dt.datetime, detail: str = "") -> str | None:
    """Feed one device check result to the device's alert."""
    alert = _alert(check.device.site_id, Problem.DEVICE, check.device_id)
    bad = status in (CheckStatus.DOWN, CheckStatus.FAULT)
    new_state = step(alert, bad, device_pattern())
    alert.evaluated_until = at
    if new_state:
        name = str(check.device)
        reason = (_("%(device)s: %(method)s %(detail)s") % {"device": name, "method": check.get_method_display(),
                                                             "detail": detail}
                  if new_state == AlertState.RAISED else _("%(device)s answers again") % {"device": name})
        _flip(alert, new_state, at, None, reason)
    else:
        alert.save(update_fields=["recent", "clean_streak", "evaluated_until"])
    return new_state
