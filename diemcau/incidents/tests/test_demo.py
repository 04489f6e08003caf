"""The demo province has a year of incidents with believable, operator-specific SLA figures."""

import datetime as dt
import random

from django.utils import timezone

from diemcau.core.demo import DemoContext
from diemcau.incidents import reports
from diemcau.incidents.choices import Status
from diemcau.incidents.models import CalendarDay, Incident, IncidentEvent, RepeatFlag, SlaPolicy


def test_the_demo_has_a_year_of_history_open_incidents_repeats_and_operators_that_differ(db):
    from diemcau.incidents import demo as incidents_demo
    from diemcau.inventory import demo as inventory_demo

    # Only the inventory demo and ours: other apps' demos are theirs to test.
    now = timezone.now()
    ctx = DemoContext(rng=random.Random(2026), now=now, log=lambda line: None)
    inventory_demo.load(ctx)
    incidents_demo.load(ctx)
    first = Incident.objects.order_by("reported_at").first().reported_at
    assert now - first > dt.timedelta(days=330)
    assert Incident.objects.count() > 800
    assert 5 <= Incident.objects.filter(status__in=Status.open_values()).count() <= 30
    assert Incident.objects.filter(status__in=Status.open_values(), breached=True).exists()
    assert RepeatFlag.objects.filter(cleared_at__isnull=True).count() >= 2
    assert CalendarDay.objects.filter(date__year=2026).exists()
    assert SlaPolicy.objects.filter(operator__isnull=False).exists()
    assert IncidentEvent.objects.filter(kind="reassigned").exclude(note="").exists()
    from diemcau.accounts.models import User

    leader = User.objects.get(username="lanhdao")
    this_month = timezone.localdate().replace(day=1)
    report = reports.sla_report(user=leader, incidents=Incident.objects.all(),
                                start=(this_month - dt.timedelta(days=340)).replace(day=1), end=this_month,
                                tz=timezone.get_current_timezone())
    operators = {r.label: r for r in report.operators}
    vnpt, viettel = operators["VNPT Cao Bằng"], operators["Viettel Cao Bằng"]
    assert vnpt.incidents > 50 and viettel.incidents > 30
    assert vnpt.resolve_pct > viettel.resolve_pct and vnpt.mtta < viettel.mtta
    assert 40 < viettel.resolve_pct < 95 and 60 < vnpt.resolve_pct < 99
    # Links that flapped and cleared by themselves are counted apart, never as met.
    assert vnpt.self_cleared + viettel.self_cleared >= 20
    flap = Incident.objects.filter(channel="monitoring", status__in=["resolved", "closed"]).first()
    assert {c.state for c in flap.clocks.all()} <= {"self_cleared", "missed"}
