"""Changes from other apps mark sites pending; one job a minute recomputes them all."""

import pytest
from huey.contrib.djhuey import HUEY

from diemcau.standards.models import PendingVerdict, SiteVerdict
from diemcau.standards.services import drain_pending_verdicts, request_verdict_recompute


@pytest.fixture
def queued():
    HUEY.immediate = False
    yield
    HUEY.immediate = True


def test_a_burst_of_requests_marks_each_site_once_and_queues_nothing(standard, province, queued):
    pending_before = HUEY.pending_count()
    for _ in range(50):
        request_verdict_recompute([province.site_a.pk, province.site_b.pk])
    assert set(PendingVerdict.objects.values_list("site_id", flat=True)) == {province.site_a.pk, province.site_b.pk}
    assert HUEY.pending_count() == pending_before


def test_draining_recomputes_the_marked_sites_and_clears_them(standard, province, queued):
    request_verdict_recompute([province.site_a.pk])
    assert not SiteVerdict.objects.filter(site=province.site_a).exists()
    assert drain_pending_verdicts() == 1
    assert SiteVerdict.objects.filter(site=province.site_a, is_current=True).exists()
    assert not PendingVerdict.objects.exists()
    assert drain_pending_verdicts() == 0


def test_a_mark_made_during_a_recomputation_is_kept_for_the_next(standard, province, queued, monkeypatch):
    from django.utils import timezone

    from diemcau.standards import services

    request_verdict_recompute([province.site_a.pk])
    real = services.recompute_sites

    def recompute_and_meanwhile_mark(ids, **kwargs):
        result = real(ids, **kwargs)
        PendingVerdict.objects.filter(site_id=province.site_a.pk).update(requested_at=timezone.now())
        return result

    monkeypatch.setattr(services, "recompute_sites", recompute_and_meanwhile_mark)
    drain_pending_verdicts()
    assert PendingVerdict.objects.filter(site_id=province.site_a.pk).exists()
