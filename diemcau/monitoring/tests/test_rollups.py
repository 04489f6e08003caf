import datetime as dt
import uuid

from django.utils import timezone

from diemcau.monitoring import rollups, tasks
from diemcau.monitoring.choices import Period
from diemcau.monitoring.models import CheckResult, Rollup, Sample

NOW = timezone.now().replace(second=0, microsecond=0)


def sample(site, at, loss, rtt=20.0, jitter=2.0, received=None):
    return Sample(result_id=uuid.uuid4(), site=site, kind="probe", measured_at=at, received_at=received or at,
                  loss_pct=loss, rtt_ms=rtt, jitter_ms=jitter, mos=4.0, ok=True)


def test_minutes_hours_and_days_are_rolled_up_from_the_samples(province):
    site = province.site_a
    start = NOW - dt.timedelta(hours=2)
    Sample.objects.bulk_create([sample(site, start + dt.timedelta(seconds=30 * i), loss=(i % 4) * 2.0,
                                       rtt=10.0 + i % 3) for i in range(240)])
    rollups.rollup_samples(start - dt.timedelta(seconds=1), NOW)
    minutes = Rollup.objects.filter(site=site, period=Period.MINUTE)
    assert minutes.count() == 120
    first = minutes.order_by("bucket").first()
    assert first.rounds == 2 and first.loss_max == 2.0 and first.loss_avg == 1.0
    hours = Rollup.objects.filter(site=site, period=Period.HOUR)
    assert sum(h.rounds for h in hours) == 240
    assert abs(sum(h.loss_avg * h.rounds for h in hours) / 240 - 3.0) < 1e-9
    assert sum(h.bad_rounds for h in hours) == 120  # the 4 % and 6 % rounds (half of them) grade "bad"
    day_rounds = sum(d.rounds for d in Rollup.objects.filter(site=site, period=Period.DAY))
    assert day_rounds == 240


def test_late_results_update_the_minute_they_belong_to(province):
    site = province.site_a
    at = NOW - dt.timedelta(hours=30)
    Sample.objects.bulk_create([sample(site, at, 0.0, received=NOW - dt.timedelta(minutes=5))])
    rollups.rollup_samples(NOW - dt.timedelta(minutes=10), NOW)
    Sample.objects.bulk_create([sample(site, at + dt.timedelta(seconds=30), 10.0, received=NOW)])
    rollups.rollup_samples(NOW - dt.timedelta(minutes=1), NOW + dt.timedelta(seconds=1))
    minute = Rollup.objects.get(site=site, period=Period.MINUTE)
    assert minute.rounds == 2 and minute.loss_avg == 5.0
    assert Rollup.objects.get(site=site, period=Period.HOUR).rounds == 2


def test_the_scheduled_job_claims_its_window_once(province):
    site = province.site_a
    Sample.objects.bulk_create([sample(site, NOW - dt.timedelta(minutes=3), 0.0)])
    assert tasks.process_new_samples(NOW) == 1
    assert tasks.process_new_samples(NOW) == 0  # nothing new; a second worker gets nothing


def test_pruning_keeps_roll_ups_longer_than_raw_samples(province, settings):
    settings.MONITORING_RAW_DAYS = 7
    site = province.site_a
    old = NOW - dt.timedelta(days=8)
    Sample.objects.bulk_create([sample(site, old, 1.0), sample(site, NOW, 1.0)])
    rollups.rollup_samples(old - dt.timedelta(days=1), NOW + dt.timedelta(seconds=1))
    removed = rollups.prune(NOW)
    assert removed["raw"] == 1 and Sample.objects.count() == 1
    assert Rollup.objects.filter(period=Period.HOUR, bucket__lt=NOW - dt.timedelta(days=7)).exists()
    assert not CheckResult.objects.exists()
