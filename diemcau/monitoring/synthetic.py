"""An agent-shaped probe result, for the demo agents and the benchmarks."""

import datetime as dt


def agent_round(result_id: str, at: dt.datetime, loss: float, jitter: float, rtt: float) -> dict:
    loss = max(0.0, min(100.0, loss))
    sent = 50
    received = sent - round(sent * loss / 100.0)
    ta = rtt / 2 + 2 * jitter + 20
    r = max(0.0, min(100.0, 93.2 - (0.1 * (ta - 100) if ta > 100 else 0.0) - 95 * loss / (loss + 25.1)))
    mos = max(1.0, min(4.5, 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6))
    return {"id": result_id, "kind": "probe",
            "measured_at": at.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "fields": {"sent": sent, "received": received, "duplicates": 0, "loss_pct": round(100.0 * (sent - received) / sent, 3),
                       "rtt_min_ms": round(rtt * 0.85, 3), "rtt_median_ms": round(rtt, 3),
                       "rtt_p95_ms": round(rtt * 1.3, 3), "rtt_max_ms": round(rtt * 1.6, 3),
                       "jitter_ms": round(jitter, 3), "jitter_back_ms": round(jitter * 0.7, 3),
                       "voice": {"codec": "g711", "r": round(r, 2), "mos": round(mos, 3), "scale": "G.107"}}}
