"""Turn raw measurements into result records for the buffer and the server.

A record is ``{"id", "kind", "measured_at", "fields"}`` (see
``agent/schema/results-request.schema.json``). The id is a random UUID made
when the measurement is taken, so a batch sent twice is recognised.
"""

import uuid

from diemcau_agent import checks, emodel, probe
from diemcau_agent.uploader import utc_now_iso


def record(kind, fields, measured_at=None):
    """Wrap ``fields`` in a result envelope with a fresh id."""
    return {"id": str(uuid.uuid4()), "kind": kind, "measured_at": measured_at or utc_now_iso(), "fields": fields}


def train_fields(train, codec):
    """Add the E-model estimate to a train summary and drop internal keys."""
    fields = dict(train)
    spread = fields.pop("_fwd_spread_ms", None)
    if fields.get("rtt_median_ms") is None:
        fields["voice"] = {"codec": codec, "r": None, "mos": None, "note": "không nhận được gói nào"}
        return fields
    jitter = max(fields.get("jitter_ms") or 0.0, fields.get("jitter_back_ms") or 0.0)
    late = emodel.late_share(spread, jitter, fields["received"], fields["sent"])
    fields["late_pct"] = round(late, 3)
    fields["voice"] = emodel.estimate(codec, fields["rtt_median_ms"] / 2.0, fields["loss_pct"], jitter, late)
    return fields


def probe_record(cfg, count=None, spacing_s=None, reflector=None):
    """Run one train against the configured reflector; returns a record."""
    host, port = reflector or cfg.reflector
    measured_at = utc_now_iso()
    try:
        train = probe.run_train(host, port, count=count or cfg.count, interval=spacing_s or cfg.spacing_s,
                                grace=cfg.grace_s, dscp=cfg.dscp)
    except probe.ProbeError as exc:
        return record("probe", {"reflector": "%s:%s" % (host, port), "error": str(exc)}, measured_at)
    return record("probe", train_fields(train, cfg.codec), measured_at)


def reachability_records(cfg):
    """TCP connect to each platform port, DNS for each name, HTTPS to the server."""
    out = []
    if cfg.platform_host:
        for port in cfg.tcp_ports:
            out.append(record("tcp_connect", checks.tcp_connect(cfg.platform_host, port)))
    for name in cfg.dns_names:
        out.append(record("dns", checks.dns_resolve(name)))
    if cfg.server:
        out.append(record("https", checks.https_reachable(cfg.server.rstrip("/") + "/healthz", cfg.ca_file)))
    return out
