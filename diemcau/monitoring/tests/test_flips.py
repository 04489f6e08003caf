"""Monitoring never stalls (R20): a failing incident write for one site holds up no other site."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from diemcau.incidents.choices import EventKind, Status
from diemcau.monitoring import flips, incident_link, tasks
from diemcau.monitoring.choices import AlertState, Period, Problem
from diemcau.monitoring.models import Alert, AlertFlip, Rollup, Sample

NOW = timezone.now().replace(second=0, microsecond=0)


def bad_minute(site, minute: dt.datetime, loss: float = 20.0):
    """Two probe rounds a minute, as an agent sends them."""
    return [Sample(result_id=uuid.uuid4(), site=site, kind="probe", measured_at=minute + dt.timedelta(seconds=s),
                   received_at=minute + dt.timedelta(seconds=s), loss_pct=loss, rtt_ms=20.0, jitter_ms=2.0,
                   mos=4.0, ok=True) for s in (0, 30)]


def feed(sites, minutes, loss):
    """Samples for ``minutes`` minutes before ``NOW``, then one run of the roll-up job and of the flips job."""
    start = NOW - dt.timedelta(minutes=minutes + 1)
    Sample.objects.bulk_create([s for site in sites for m in range(minutes)
                                for s in bad_minute(site, start + dt.timedelta(minutes=m), loss)])
    tasks.process_new_samples(NOW, settle=dt.timedelta(0))


@pytest.fixture
def breaks_for(monkeypatch):
    """Make the incident service fail for the sites given (an error in the incidents app)."""
    broken = set()
    real = incident_link.incident_report

    def report(*, site, **kwargs):
        if site.pk in broken:
            raise RuntimeError(f"the incidents app failed for {site.code}")
        return real(site=site, **kwargs)

    monkeypatch.setattr(incident_link, "incident_report", report)
    return broken


def test_an_incident_service_that_raises_for_one_site_leaves_every_other_site_flowing(province, breaks_for):
    broken, healthy = province.site_a, province.site_b
    breaks_for.add(broken.pk)
    feed([broken, healthy], minutes=4, loss=20.0)
    assert flips.process_flips(now=NOW) == 1  # the healthy site's raise; the broken one waits
    # Roll-ups and alerts were written for both sites, whatever happened to the incidents.
    for site in (broken, healthy):
        assert Rollup.objects.filter(site=site, period=Period.MINUTE).exists()
        assert Alert.objects.get(site=site, problem=Problem.LOSS).state == AlertState.RAISED
    assert Alert.objects.get(site=healthy, problem=Problem.LOSS).incident is not None
    assert Alert.objects.get(site=broken, problem=Problem.LOSS).incident is None
    stuck = AlertFlip.objects.get(alert__site=broken, processed_at__isnull=True)
    assert stuck.attempts == 1 and "RuntimeError" in stuck.last_error
    assert stuck.next_attempt_at == NOW + dt.timedelta(minutes=1)
    # The next minutes keep flowing for everyone: the healthy link clears and its incident resolves.
    later = NOW + dt.timedelta(minutes=10)
    Sample.objects.bulk_create([s for m in range(5) for s in bad_minute(healthy, later - dt.timedelta(minutes=6 - m),
                                                                        loss=0.0)])
    tasks.process_new_samples(later, settle=dt.timedelta(0))
    flips.process_flips(now=later)
    incident = Alert.objects.get(site=healthy, problem=Problem.LOSS).incident
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    # The broken site is tried again with a growing delay, then carried once the service works.
    assert AlertFlip.objects.get(pk=stuck.pk).attempts == 2
    breaks_for.clear()
    assert flips.process_flips(now=later + dt.timedelta(hours=1)) == 1
    assert Alert.objects.get(site=broken, problem=Problem.LOSS).incident is not None
    assert not AlertFlip.objects.filter(processed_at__isnull=True).exists()


def test_a_self_cleared_incident_is_stamped_when_the_link_cleared_not_when_the_job_ran(province):
    site = province.site_a
    feed([site], minutes=4, loss=20.0)
    flips.process_flips(now=NOW)
    cleared_from = NOW + dt.timedelta(minutes=2)
    Sample.objects.bulk_create([s for m in range(4) for s in bad_minute(site, cleared_from + dt.timedelta(minutes=m),
                                                                        loss=0.0)])
    tasks.process_new_samples(NOW + dt.timedelta(minutes=30), settle=dt.timedelta(0))
    clear = AlertFlip.objects.get(alert__site=site, alert__problem=Problem.LOSS, new_state=AlertState.OK)
    flips.process_flips(now=NOW + dt.timedelta(minutes=45))   # the worker runs late
    incident = Alert.objects.get(site=site, problem=Problem.LOSS).incident
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert incident.resolved_at == clear.at
    assert incident.events.get(kind=EventKind.RESOLVED).at == clear.at


def test_a_later_flip_of_a_site_waits_for_the_earlier_one(province, breaks_for):
    site = province.site_a
    breaks_for.add(site.pk)
    feed([site], minutes=4, loss=20.0)
    Sample.objects.bulk_create([s for m in range(4) for s in bad_minute(site, NOW + dt.timedelta(minutes=m),
                                                                        loss=0.0)])
    tasks.process_new_samples(NOW + dt.timedelta(minutes=10), settle=dt.timedelta(0))
    assert AlertFlip.objects.filter(alert__site=site, processed_at__isnull=True).count() == 2
    flips.process_flips(now=NOW + dt.timedelta(minutes=10))
    raise_flip, clear_flip = AlertFlip.objects.filter(alert__site=site).order_by("at")
    assert raise_flip.attempts == 1 and clear_flip.attempts == 0   # the clear did not overtake the raise


def test_two_workers_carry_each_flip_once(province):
    feed([province.site_a, province.site_b], minutes=4, loss=20.0)
    pending = list(flips.pending().values_list("pk", flat=True))
    assert flips.claim(pending[0], now=NOW) and not flips.claim(pending[0], now=NOW)


def test_a_flip_taken_again_after_its_lease_ran_out_is_carried_once(province):
    """Worker 1 claims the raise and is slow; past the lease worker 2 takes and carries it. When worker 1
    gets to it, the flip is handled: no second incident."""
    from diemcau.incidents.models import Incident

    feed([province.site_a], minutes=4, loss=20.0)
    (pk,) = flips.pending().values_list("pk", flat=True)
    assert flips.claim(pk, now=NOW)                                       # worker 1
    later = NOW + flips.LEASE + dt.timedelta(seconds=1)
    assert flips.process_flips(now=later) == 1                            # worker 2, after the lease
    assert not flips.carry(pk, now=NOW)                                   # worker 1 at last
    assert Incident.objects.filter(site=province.site_a).count() == 1
    assert AlertFlip.objects.get(pk=pk).processed_at == later


def test_the_department_sees_the_flips_that_keep_failing_on_the_board(province, client_for, breaks_for):
    breaks_for.add(province.site_a.pk)
    feed([province.site_a], minutes=4, loss=20.0)
    flips.process_flips(now=NOW)
    page = client_for(province.staff).get(reverse("monitoring:board")).content.decode()
    assert province.site_a.code in page and "RuntimeError" in page
    assert "RuntimeError" not in client_for(province.tech).get(reverse("monitoring:board")).content.decode()
