"""Two real worker processes against one database (used by test_workers.py).

    python -m diemcau.core.tests.workers_probe setup
    python -m diemcau.core.tests.workers_probe run START_AT NAME
    python -m diemcau.core.tests.workers_probe check

The database is the one DATABASE_URL names. ``setup`` loads a small province,
critical incidents that will be warned and escalated during the run, samples
that make two sites' link alerts raise and clear, and an agent that goes
silent. ``run`` plays the worker's minute jobs over 45 simulated minutes (the
clock travels; every job claims its work as in production), starting at the
wall-clock time START_AT so both processes start together; it prints one line
per failed job and exits with their number. ``check`` prints, as JSON, what
must hold after both runs: nothing failed twice, nothing lost.
"""

import datetime as dt
import json
import os
import sys
import time
import traceback
import uuid
from zoneinfo import ZoneInfo

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")

import django  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = dt.datetime(2026, 3, 9, 8, 0, tzinfo=HANOI)  # a Monday, in working hours
MINUTES = 45
# Loss per minute at the two flapping sites: bad, clean, bad, clean … (each change is a flip).
PATTERN = [20.0] * 4 + [0.0] * 7 + [20.0] * 4 + [0.0] * 8 + [20.0] * 4 + [0.0] * 18


def mail_dir() -> str:
    return os.path.join(settings.DATA_DIR, "mail")


def setup():
    from diemcau.incidents.reference import load_reference
    from diemcau.incidents.services import incident_report
    from diemcau.monitoring.models import AgentToken, Sample
    from diemcau.testing import make_province, term

    with time_machine.travel(T0 - dt.timedelta(minutes=5), tick=False):
        province = make_province()
        load_reference()
        for user in (province.tech, province.head, province.other_tech, province.other_head, province.staff):
            user.email = f"{user.username}@example.org"
            user.save(update_fields=["email"])
        for site, user in ((province.site_a, province.tech), (province.site_b, province.other_tech),
                           (province.site_a2, province.head)):
            incident_report(site=site, user=user, symptoms=[term("symptom", "audio_loss")], severity="critical",
                            description="Mất tiếng trong cuộc họp", at=T0)
        samples = []
        for site in (province.site_a, province.site_b):
            for minute, loss in enumerate(PATTERN):
                for second in (0, 30):
                    at = T0 + dt.timedelta(minutes=minute, seconds=second)
                    samples.append(Sample(result_id=uuid.uuid4(), site=site, kind="probe", measured_at=at,
                                          received_at=at, loss_pct=loss, rtt_ms=20.0, jitter_ms=2.0, mos=4.2,
                                          ok=True))
        Sample.objects.bulk_create(samples)
        # An agent that stops reporting ten minutes in: "no data" must be raised during the run.
        AgentToken.objects.create(site=province.site_dept, digest=uuid.uuid4().hex, hint="probe",
                                  last_seen_at=T0 + dt.timedelta(minutes=10))


def run(start_at: float, name: str) -> int:
    from diemcau.core import outbox
    from diemcau.incidents import escalation
    from diemcau.monitoring import alerts, flips, tasks

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = mail_dir()
    jobs = [
        ("samples", lambda now: tasks.process_new_samples(now, settle=dt.timedelta(seconds=5))),
        ("silence", lambda now: alerts.evaluate_silence(now)),
        ("flips", lambda now: flips.process_flips(now=now)),
        ("sla_scan", lambda now: escalation.sla_scan(now=now)),
        ("outbox", lambda now: outbox.deliver_due(now=now)),
    ]
    while time.time() < start_at:
        time.sleep(0.01)
    failures = 0
    for minute in range(MINUTES):
        now = T0 + dt.timedelta(minutes=minute, seconds=50)
        with time_machine.travel(now, tick=False):
            for job, call in jobs:
                try:
                    call(now)
                except Exception as exc:
                    failures += 1
                    print(f"FAILED {name} minute {minute} {job}: {type(exc).__name__}: {exc}", flush=True)
                    traceback.print_exc()
    connection.close()
    return failures


def check() -> dict:
    from diemcau.core.models import Delivery
    from diemcau.incidents.choices import Channel, EventKind
    from diemcau.incidents.models import Clock, Incident, IncidentEvent, SlaTally
    from diemcau.incidents.tallies import sla_tally_rebuild
    from diemcau.monitoring.choices import AlertState, Period, Problem
    from diemcau.monitoring.models import Alert, AlertFlip, Cursor, Rollup

    escalations = IncidentEvent.objects.filter(kind=EventKind.ESCALATED).values_list(
        "incident_id", "data__target", "data__level")
    warnings = IncidentEvent.objects.filter(kind=EventKind.WARNED).values_list("incident_id", "data__target")
    loss_raises = AlertFlip.objects.filter(alert__problem=Problem.LOSS, new_state=AlertState.RAISED).values(
        "alert__site_id").annotate(n=Count("pk"))
    monitoring_incidents = Incident.objects.filter(channel=Channel.MONITORING, site__alerts__problem=Problem.LOSS) \
        .values("site_id").annotate(n=Count("pk", distinct=True))
    message_ids = []
    for name in sorted(os.listdir(mail_dir())) if os.path.isdir(mail_dir()) else []:
        with open(os.path.join(mail_dir(), name), encoding="utf-8", errors="replace") as handle:
            message_ids += [line.split(":", 1)[1].strip() for line in handle if line.startswith("Message-ID:")]
    tallies = sorted(t for t in SlaTally.objects.values_list("holder_id", "site_org_id", "month", "target", "started",
                                                                 "met", "missed", "answered", "answered_seconds")
                     if any(t[4:]))
    sla_tally_rebuild()
    recount = sorted(SlaTally.objects.values_list("holder_id", "site_org_id", "month", "target", "started", "met",
                                                  "missed", "answered", "answered_seconds"))
    critical = Incident.objects.filter(severity="critical")
    return {
        "duplicate_escalations": len(escalations) - len(set(escalations)),
        "duplicate_warnings": len(warnings) - len(set(warnings)),
        "escalations": len(escalations),
        "warnings": len(warnings),
        # Each critical incident's acknowledge target: warned once, escalated to levels 1 and 2 once each.
        "critical_fully_chased": sum(
            1 for i in critical if {(t, lv) for (inc, t, lv) in escalations if inc == i.pk} >= {
                ("acknowledge", 1), ("acknowledge", 2)} and (i.pk, "acknowledge") in set(warnings)),
        "critical": critical.count(),
        "flips_pending": AlertFlip.objects.filter(processed_at__isnull=True).count(),
        "flips": AlertFlip.objects.count(),
        "loss_raises": {str(r["alert__site_id"]): r["n"] for r in loss_raises},
        "monitoring_incidents": {str(r["site_id"]): r["n"] for r in monitoring_incidents},
        "no_data_raised": Alert.objects.filter(problem=Problem.NO_DATA, state=AlertState.RAISED).count(),
        "minute_rollups": Rollup.objects.filter(period=Period.MINUTE).count(),
        "cursor": Cursor.objects.get(name="samples").position.isoformat(),
        "deliveries_not_sent": Delivery.objects.exclude(status="sent").count(),
        "deliveries": Delivery.objects.count(),
        "messages": len(message_ids),
        "distinct_messages": len(set(message_ids)),
        "tallies_exact": tallies == recount,
        "running_clocks_overdue_unescalated": Clock.objects.filter(
            state="overdue", escalation_level=0).count(),
    }


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "setup":
        setup()
    elif command == "run":
        sys.exit(min(run(float(sys.argv[2]), sys.argv[3]), 100))
    elif command == "check":
        print(json.dumps(check()))
