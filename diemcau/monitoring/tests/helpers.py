"""Builders for monitoring tests: agent-shaped results and batches."""

import datetime as dt
import uuid

from django.utils import timezone


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def probe(loss=0.0, rtt=20.0, jitter=2.0, mos=4.3, at=None, rid=None, **extra):
    fields = {"sent": 50, "received": max(0, min(50, round(50 * (1 - loss / 100.0)))), "duplicates": 0, "loss_pct": loss,
              "rtt_min_ms": rtt * 0.9, "rtt_median_ms": rtt, "rtt_p95_ms": rtt * 1.2, "rtt_max_ms": rtt * 1.5,
              "jitter_ms": jitter, "jitter_back_ms": jitter / 2, "voice": {"codec": "g711", "r": 90.0, "mos": mos}}
    fields.update(extra)
    return {"id": str(rid or uuid.uuid4()), "kind": "probe", "measured_at": iso(at or timezone.now()),
            "fields": fields}


def batch(*results, **extra):
    body = {"agent_version": "0.1.0", "hostname": "PC-TEST", "sent_at": iso(timezone.now()),
            "results": list(results)}
    body.update(extra)
    return body
