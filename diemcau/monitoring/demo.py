"""Demo: a month of link quality for every site, a few degrading links, some silent agents, alerts.

Roll-ups are written directly (an hour per row for the month, one row every
five minutes for the last day), drawn from the same generator the early
warning is evaluated on; then the real alert rules, the silence check and the
early warning run over them, so the alerts and incidents shown are the ones
the application would have raised.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from diemcau.monitoring import alerts, early, histories, rollups
from diemcau.monitoring.choices import CheckMethod, CheckStatus, Period
from diemcau.monitoring.models import AgentToken, DeviceCheck, VendorStatusOid, hash_token
from diemcau.monitoring.rollups import bucket_start, merge_rollups

DAYS = 30
SILENT_SHARE = 0.06
DEGRADING_SHARE = 0.08
BROKEN_SHARE = 0.04
# The live demo keeps the demo agents reporting (see live.DemoAgents); the silent ones stay silent.
DEMO_HINT = "dca_demo"
DEMO_SILENT_HINT = "dca_demo_x"
DEMO_TERMINALS = 12
DEMO_SIP_PORT = 25060
DEMO_UNPLUGGED = 5


def _mos(loss, jitter, rtt):
    # A rough E-model for G.711 with PLC, enough for demo charts.
    ta = rtt / 2 + 2 * jitter + 20
    r = 93.2 - (0.0 if ta <= 100 else 0.1 * (ta - 100)) - 95 * loss / (loss + 25.1)
    r = max(0.0, min(100.0, r))
    return max(1.0, min(4.5, 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6))


@dataclass(slots=True)
class _Row:
    """One roll-up as rollups.upsert and merge_rollups read it (no model instance: 100,000 of them)."""

    site_id: int
    period: int
    bucket: dt.datetime
    rounds: int
    bad_rounds: int
    loss_avg: float
    loss_max: float
    jitter_avg: float
    jitter_max: float
    rtt_avg: float
    rtt_max: float
    mos_avg: float
    mos_min: float


def _bad_rounds(rounds, loss, rng):
    """How many of ``rounds`` rounds lose 3 % or more when each loses ``loss`` × U(0,3; 1,8):
    the expected number with binomial noise (one draw instead of one per round)."""
    if loss <= 0:
        return 0
    p = min(1.0, max(0.0, (1.8 - 3.0 / loss) / 1.5))
    if p in (0.0, 1.0):
        return int(rounds * p)
    return min(rounds, max(0, round(rng.gauss(rounds * p, (rounds * p * (1 - p)) ** 0.5))))


def _row(site_id, period, bucket, rounds, loss, jitter, rtt, rng):
    return _Row(site_id, int(period), bucket, rounds, _bad_rounds(rounds, loss, rng),
                loss, loss * rng.uniform(1.2, 3.0), jitter, jitter * rng.uniform(1.3, 2.5),
                rtt, rtt * rng.uniform(1.2, 2.0), _mos(loss, jitter, rtt), _mos(loss * 2, jitter * 2, rtt * 1.5))


def load(ctx):
    from diemcau.inventory.models import Device, Site

    rng: random.Random = ctx.rng
    now = ctx.now
    sites = list(Site.objects.active().order_by("pk"))
    hours = DAYS * 24
    start = bucket_start(now, Period.HOUR) - dt.timedelta(hours=hours - 1)
    hourly, minutes, tokens = [], [], []
    silent, degrading, broken = [], [], []
    for site in sites:
        roll = rng.random()
        kind = ("silent" if roll < SILENT_SHARE else "degrading" if roll < SILENT_SHARE + DEGRADING_SHARE
                else "broken" if roll < SILENT_SHARE + DEGRADING_SHARE + BROKEN_SHARE else "normal")
        # A degrading link started to get worse a day or so ago: getting worse now, not failing yet.
        history = histories.generate(rng, hours=hours, degrade=kind == "degrading",
                                     start_hour=int(start.timestamp() // 3600),
                                     onset=hours - rng.randint(18, 36), ramp_hours=rng.uniform(80.0, 140.0))
        if kind == "broken":
            for h in range(hours - 6, hours):
                history.loss[h] = rng.uniform(6.0, 15.0)
        last_seen = now - dt.timedelta(seconds=rng.randint(5, 40))
        if kind == "silent":
            gap = rng.randint(3, 72)
            last_seen = now - dt.timedelta(hours=gap)
            silent.append(site)
        (degrading if kind == "degrading" else broken if kind == "broken" else []).append(site)
        cut = hours - int((now - last_seen).total_seconds() // 3600)
        for h in range(max(cut, 0)):
            hourly.append(_row(site.pk, Period.HOUR, start + dt.timedelta(hours=h), 120, history.loss[h],
                               history.jitter[h], history.rtt[h], rng))
        if kind != "silent":
            for m in range(0, 24 * 60, 5):
                at = bucket_start(now - dt.timedelta(minutes=m), Period.MINUTE)
                h = min(hours - 1, int((at - start).total_seconds() // 3600))
                loss = max(0.0, history.loss[h] * rng.lognormvariate(0, 0.4))
                minutes.append(_row(site.pk, Period.MINUTE, at, 2, loss, history.jitter[h] * rng.uniform(0.8, 1.2),
                                    history.rtt[h] * rng.uniform(0.95, 1.1), rng))
        tokens.append(AgentToken(site=site, digest=hash_token(f"demo-{site.pk}-{rng.random()}"), hint=DEMO_SILENT_HINT if kind == "silent" else DEMO_HINT,
                                 created_at=start, last_seen_at=last_seen, agent_version="0.1.0",
                                 hostname=f"PC-HNTT-{site.code}"))
    # Plain SQL inserts (rollups.upsert): the ORM's bulk_create spent most of the demo's time
    # compiling a hundred thousand rows.
    rollups.upsert(hourly)
    rollups.upsert(minutes)
    by_day = {}
    for row in hourly:
        by_day.setdefault((row.site_id, bucket_start(row.bucket, Period.DAY)), []).append(row)
    rollups.upsert([_Row(site_id=s, period=int(Period.DAY), bucket=b, **merge_rollups(parts))
                    for (s, b), parts in by_day.items()])
    AgentToken.objects.bulk_create(tokens)

    # The real rules over the last rounds of the broken links, the silence check and the early warning.
    for site in broken:
        rounds = [(now - dt.timedelta(seconds=30 * i), {"loss_pct": rng.uniform(5.0, 14.0), "jitter_ms": 25.0,
                                                          "rtt_ms": 60.0, "mos": 3.4}) for i in range(6)]
        alerts.evaluate_site_rounds(site.pk, rounds)
    alerts.evaluate_silence(now)
    warned = early.evaluate_all(now)

    VendorStatusOid.objects.get_or_create(
        manufacturer="Cisco", model="", oid="1.3.6.1.4.1.9.9.13.1.3.1.6.1",
        defaults={"healthy_values": "1", "label": "Nhiệt độ thiết bị (CISCO-ENVMON-MIB, 1 = bình thường)"})
    # The demo codecs are reached "through NAT" at loopback ports, where
    # ``monitoring_live_demo`` answers for them (one stays silent: unplugged).
    checks = []
    terminals = list(Device.objects.active().filter(group__code="terminal", site__in=sites).select_related("site")
                     .order_by("site_id", "pk")[:DEMO_TERMINALS])
    for i, device in enumerate(terminals):
        if device.ip_address is None:
            device.ip_address = f"10.{20 + device.site_id // 250}.{device.site_id % 250}.{10 + i % 200}"
            device.save(update_fields=["ip_address"])
        up = i != DEMO_UNPLUGGED
        checks.append(DeviceCheck(device=device, method=CheckMethod.SIP, host="127.0.0.1", port=DEMO_SIP_PORT + i,
                                  status=CheckStatus.UP if up else CheckStatus.DOWN,
                                  checked_at=now - dt.timedelta(minutes=rng.randint(1, 5)),
                                  rtt_ms=rng.uniform(5, 80) if up else None,
                                  detail={"code": 200, "reason": "OK", "server": device.model} if up
                                  else {"error": "timeout", "sent": 5}))
    DeviceCheck.objects.bulk_create(checks, ignore_conflicts=True)
    ctx.shared["monitoring_silent_sites"] = [s.pk for s in silent]
    ctx.log(f"  {len(hourly)} hourly and {len(minutes)} minute roll-ups for {len(sites)} sites; "
            f"{len(degrading)} degrading, {len(broken)} failing, {len(silent)} silent agents; "
            f"{warned} early warnings; {len(checks)} device checks")
    # The verdicts were computed before any quality existed: judge again with it.
    from diemcau.standards.services import recompute_sites

    recompute_sites(None, now=now)
