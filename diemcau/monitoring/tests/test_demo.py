import datetime as dt
import random

from django.utils import timezone

from diemcau.core.demo import DemoContext
from diemcau.monitoring import demo
from diemcau.monitoring.choices import Period, Problem
from diemcau.monitoring.models import AgentToken, Alert, Rollup


def test_the_demo_gives_every_site_a_month_of_quality_and_real_alerts(province):
    ctx = DemoContext(rng=random.Random(4), now=timezone.now(), log=lambda s: None)
    demo.SILENT_SHARE, demo.BROKEN_SHARE = 0.3, 0.3
    try:
        demo.load(ctx)
    finally:
        demo.SILENT_SHARE, demo.BROKEN_SHARE = 0.06, 0.04
    sites = {province.site_a.pk, province.site_a2.pk, province.site_b.pk, province.site_dept.pk}
    assert set(Rollup.objects.filter(period=Period.HOUR).values_list("site_id", flat=True).distinct()) <= sites
    assert Rollup.objects.filter(period=Period.HOUR, bucket__lt=ctx.now - dt.timedelta(days=29)).exists()
    assert Rollup.objects.filter(period=Period.DAY).exists()
    assert AgentToken.objects.count() == len(sites)
    silent = ctx.shared["monitoring_silent_sites"]
    assert set(Alert.objects.filter(problem=Problem.NO_DATA, state="raised").values_list("site_id", flat=True)) == \
        set(silent)
