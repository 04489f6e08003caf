"""One poll cycle over every enabled device check: SIP OPTIONS, SNMP, TCP, all at once.

The checks run concurrently (``MONITORING_POLL_CONCURRENCY`` at a time) in
one asyncio loop; the results are written in bulk, the device's status is
updated, and each result feeds the device's alert (the same hysteresis as
the link alerts).
"""

from __future__ import annotations

import asyncio
import time

from django.conf import settings
from django.utils import timezone

from diemcau.monitoring import aio, sip, snmp, tcpcheck
from diemcau.monitoring.choices import AlertState, CheckMethod, CheckStatus, Problem
from diemcau.monitoring.models import Alert, CheckResult, DeviceCheck, VendorStatusOid


def concurrency() -> int:
    return int(getattr(settings, "MONITORING_POLL_CONCURRENCY", 2000))


def vendor_oid_for(device, oids) -> VendorStatusOid | None:
    maker = (device.manufacturer or "").strip().lower()
    model = (device.model or "").strip().lower()
    exact = [o for o in oids if o.manufacturer.lower() == maker and o.model.lower() == model]
    loose = [o for o in oids if o.manufacturer.lower() == maker and not o.model]
    return (exact or loose or [None])[0]


async def check_one(check: DeviceCheck, vendor: VendorStatusOid | None, engine=None) -> tuple[str, float | None, dict]:
    host, port = check.target_host, check.target_port
    if check.method == CheckMethod.SIP:
        res = await sip.options_ping(host, port, timeout=float(getattr(settings, "MONITORING_SIP_TIMEOUT_S", 8.0)))
        detail = {"code": res.code, "reason": res.reason, "server": res.server, "sent": res.transmissions,
                  "error": res.error}
        return (CheckStatus.UP if res.ok else CheckStatus.DOWN), res.rtt_ms if res.ok else None, detail
    if check.method == CheckMethod.TCP:
        res = await tcpcheck.tcp_ping(host, port)
        return (CheckStatus.UP if res["ok"] else CheckStatus.DOWN), res["connect_ms"] if res["ok"] else None, res
    creds = snmp.Credentials(check.snmp_version, check.snmp_community, check.snmp_user, check.snmp_auth_key,
                             check.snmp_priv_key)
    res = await snmp.poll(host, port, creds, vendor.oid if vendor else None, engine=engine)
    detail = {"uptime_s": res.uptime_s, "descr": res.descr, "in_errors": res.in_errors,
              "out_errors": res.out_errors, "vendor_value": res.vendor_value, "error": res.error}
    if not res.ok:
        return CheckStatus.DOWN, None, detail
    previous = check.detail or {}
    for key in ("in_errors", "out_errors"):
        if res.__dict__[key] is not None and previous.get(key) is not None and res.__dict__[key] >= previous[key]:
            detail[key + "_delta"] = res.__dict__[key] - previous[key]
    if res.uptime_s is not None and previous.get("uptime_s") and res.uptime_s < previous["uptime_s"]:
        detail["rebooted"] = True  # uptime went back: the device restarted since the last poll
    if vendor and res.vendor_value is not None and not vendor.is_healthy(res.vendor_value):
        detail["error"] = f"{vendor.label or vendor.oid} = {res.vendor_value}"
        return CheckStatus.FAULT, res.rtt_ms, detail
    errors = (detail.get("in_errors_delta") or 0) + (detail.get("out_errors_delta") or 0)
    if errors >= int(getattr(settings, "MONITORING_IF_ERRORS_FAULT", 1000)):
        detail["error"] = f"interface errors +{errors} since the last poll"
        return CheckStatus.FAULT, res.rtt_ms, detail
    return CheckStatus.UP, res.rtt_ms, detail


async def run_checks(checks, vendor_oids, limit: int | None = None):
    semaphore = asyncio.Semaphore(limit or concurrency())
    engine = None
    if any(c.method == CheckMethod.SNMP for c in checks):
        from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

        engine = SnmpEngine()

    async def guarded(check):
        async with semaphore:
            try:
                return await check_one(check, vendor_oid_for(check.device, vendor_oids), engine)
            except Exception as exc:  # noqa: BLE001
                return CheckStatus.DOWN, None, {"error": f"{type(exc).__name__}: {exc}"}

    return await asyncio.gather(*(guarded(c) for c in checks))


def run_cycle(queryset=None) -> dict:
    """Poll every enabled check once; returns counts and the time taken."""
    from diemcau.monitoring.alerts import evaluate_device_result

    started = time.monotonic()
    checks = list((queryset if queryset is not None else DeviceCheck.objects.filter(enabled=True))
                  .filter(device__retired_at__isnull=True)
                  .exclude(host="", device__ip_address__isnull=True)
                  .select_related("device"))
    oids = list(VendorStatusOid.objects.all())
    outcomes = aio.run(run_checks(checks, oids))
    now = timezone.now()
    results = []
    for check, (status, rtt, detail) in zip(checks, outcomes, strict=True):
        # A row per change and per failure: ten thousand healthy answers every five
        # minutes would say nothing the check's own fields do not.
        if status != check.status or status != CheckStatus.UP:
            results.append(CheckResult(device_check=check, at=now, status=status, rtt_ms=rtt, detail=detail))
        check.status, check.rtt_ms, check.detail, check.checked_at = status, rtt, detail, now
    DeviceCheck.objects.bulk_update(checks, ["status", "rtt_ms", "detail", "checked_at"], batch_size=1000)
    CheckResult.objects.bulk_create(results, batch_size=1000)
    # Only checks that failed, or whose alert still remembers failures, need the alert machinery.
    watched = {device_id for device_id, state, recent in Alert.objects.filter(problem=Problem.DEVICE)
               .values_list("device_id", "state", "recent") if state == AlertState.RAISED or any(recent or [])}
    for check in checks:
        if check.status in (CheckStatus.DOWN, CheckStatus.FAULT) or check.device_id in watched:
            error = (check.detail or {}).get("error") or ""
            evaluate_device_result(check, check.status, now, error)
    counts = {s: sum(1 for c in checks if c.status == s) for s in CheckStatus.values}
    counts["seconds"] = round(time.monotonic() - started, 3)
    return counts
