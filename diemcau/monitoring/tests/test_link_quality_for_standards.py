"""Measured link quality reaches the minimum standard: NET-LOSS, NET-JITTER, NET-RTT are judged, not unknown."""

import datetime as dt

from django.utils import timezone

from diemcau.monitoring.choices import Period
from diemcau.monitoring.models import Rollup
from diemcau.monitoring.stability import MIN_ROUNDS, link_quality


def _hours(site, *, hours, rounds, rtt, jitter, loss):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    Rollup.objects.bulk_create([
        Rollup(site=site, period=Period.HOUR, bucket=now - dt.timedelta(hours=h + 1), rounds=rounds, bad_rounds=0,
               rtt_avg=rtt, rtt_max=rtt, jitter_avg=jitter, jitter_max=jitter, loss_avg=loss, loss_max=loss,
               mos_avg=4.2, mos_min=4.0)
        for h in range(hours)
    ])


def test_link_quality_is_the_round_weighted_mean_of_recent_hours(province):
    _hours(province.site_a, hours=10, rounds=120, rtt=40.0, jitter=12.0, loss=4.0)
    _hours(province.site_b, hours=2, rounds=120, rtt=40.0, jitter=12.0, loss=0.0)  # too few rounds
    quality = link_quality([province.site_a.pk, province.site_b.pk], timezone.now())
    assert 10 * 120 >= MIN_ROUNDS > 2 * 120
    assert quality == {province.site_a.pk: {"rtt_ms": 40.0, "jitter_ms": 12.0, "loss_pct": 4.0, "days": 14}}


def test_the_standard_judges_measured_loss(province):
    from diemcau.standards.models import SiteCompliance
    from diemcau.standards.services import load_default_standard, recompute_sites

    load_default_standard()
    _hours(province.site_a, hours=10, rounds=120, rtt=40.0, jitter=12.0, loss=4.0)
    recompute_sites([province.site_a.pk, province.site_b.pk])
    results_a = SiteCompliance.objects.get(site=province.site_a).results
    results_b = SiteCompliance.objects.get(site=province.site_b).results
    assert results_a["NET-LOSS"]["status"] == "fail"
    assert results_a["NET-JITTER"]["status"] == "pass"
    assert results_a["NET-RTT"]["status"] == "pass"
    assert results_b["NET-LOSS"]["status"] == "unknown"
