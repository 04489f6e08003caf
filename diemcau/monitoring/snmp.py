"""SNMP v2c / v3 polling (pysnmp 7, asyncio), by numeric OIDs only.

No MIB files are installed on the servers, so every object is named by its
number: sysUpTime, sysDescr, the interface error counters (IF-MIB ifTable)
and the vendor status OID configured per device model (``VendorStatusOid``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
IF_IN_ERRORS = "1.3.6.1.2.1.2.2.1.14"
IF_OUT_ERRORS = "1.3.6.1.2.1.2.2.1.20"


@dataclass
class Credentials:
    version: str  # "2c" or "3"
    community: str = ""
    user: str = ""
    auth_key: str = ""
    priv_key: str = ""


@dataclass
class SnmpResult:
    host: str
    port: int
    ok: bool
    rtt_ms: float | None = None
    uptime_s: float | None = None
    descr: str = ""
    in_errors: int | None = None
    out_errors: int | None = None
    vendor_value: str | None = None
    error: str = ""
    extra: dict = field(default_factory=dict)


def _auth(creds: Credentials):
    from pysnmp.hlapi.v3arch.asyncio import (
        CommunityData,
        UsmUserData,
        usmAesCfb128Protocol,
        usmHMACSHAAuthProtocol,
        usmNoAuthProtocol,
        usmNoPrivProtocol,
    )

    if creds.version == "3":
        return UsmUserData(
            creds.user, authKey=creds.auth_key or None, privKey=creds.priv_key or None,
            authProtocol=usmHMACSHAAuthProtocol if creds.auth_key else usmNoAuthProtocol,
            privProtocol=usmAesCfb128Protocol if creds.priv_key else usmNoPrivProtocol)
    return CommunityData(creds.community, mpModel=1)


async def _walk_sum(engine, auth, target, context, oid: str, limit: int = 256) -> int | None:
    from pysnmp.hlapi.v3arch.asyncio import ObjectIdentity, ObjectType, bulk_walk_cmd

    total, seen = 0, 0
    async for error_indication, error_status, _index, var_binds in bulk_walk_cmd(
            engine, auth, target, context, 0, 25, ObjectType(ObjectIdentity(oid)), lexicographicMode=False):
        if error_indication or error_status:
            return None if seen == 0 else total
        for _name, value in var_binds:
            try:
                total += int(value)
            except (TypeError, ValueError):
                continue
            seen += 1
            if seen >= limit:
                return total
    return total if seen else None


async def poll(host: str, port: int, creds: Credentials, vendor_oid: str | None = None, timeout: float = 2.0,
               retries: int = 1, engine=None) -> SnmpResult:
    """One device: uptime, description, interface errors and the vendor status; never raises."""
    from pysnmp.hlapi.v3arch.asyncio import (
        ContextData,
        ObjectIdentity,
        ObjectType,
        SnmpEngine,
        UdpTransportTarget,
        get_cmd,
    )

    engine = engine or SnmpEngine()
    result = SnmpResult(host, port, False)
    try:
        target = await UdpTransportTarget.create((host, port), timeout=timeout, retries=retries)
        auth, context = _auth(creds), ContextData()
        oids = [SYS_UPTIME, SYS_DESCR] + ([vendor_oid] if vendor_oid else [])
        started = time.monotonic()
        error_indication, error_status, error_index, var_binds = await get_cmd(
            engine, auth, target, context, *[ObjectType(ObjectIdentity(o)) for o in oids])
        result.rtt_ms = round((time.monotonic() - started) * 1000, 3)
        if error_indication:
            result.error = str(error_indication)
            return result
        if error_status:
            result.error = f"{error_status.prettyPrint()} at {error_index}"
            return result
        values = {str(name): value for name, value in var_binds}
        result.ok = True
        uptime = values.get(SYS_UPTIME)
        result.uptime_s = int(uptime) / 100.0 if uptime is not None and _is_value(uptime) else None
        descr = values.get(SYS_DESCR)
        result.descr = descr.prettyPrint()[:200] if descr is not None and _is_value(descr) else ""
        if vendor_oid:
            vendor = values.get(vendor_oid)
            result.vendor_value = vendor.prettyPrint() if vendor is not None and _is_value(vendor) else None
        result.in_errors = await _walk_sum(engine, auth, target, context, IF_IN_ERRORS)
        result.out_errors = await _walk_sum(engine, auth, target, context, IF_OUT_ERRORS)
    except Exception as exc:  # noqa: BLE001 - one odd device must not stop the cycle
        result.ok, result.error = False, f"{type(exc).__name__}: {exc}"
    return result


def _is_value(value) -> bool:
    # noSuchObject / noSuchInstance / endOfMibView come back as special types.
    return type(value).__name__ not in ("NoSuchObject", "NoSuchInstance", "EndOfMibView")
