import datetime as dt
import random

from django.utils import timezone

from diemcau.core.demo import DemoContext
from diemcau.monitoring import demo, live, tasks
from diemcau.monitoring.choices import Period, SampleKind
from diemcau.monitoring.models import AgentToken, Rollup, Sample
from diemcau.monitoring.quality import qualities


def test_the_demo_agents_keep_reporting_through_the_real_ingest(province):
    now = timezone.now()
    demo.load(DemoContext(rng=random.Random(9), now=now - dt.timedelta(days=2), log=lambda s: None))
    agents = live.DemoAgents(rng=random.Random(1), now=now)
    silent = AgentToken.objects.filter(hint=demo.DEMO_SILENT_HINT).values_list("site_id", flat=True)
    assert agents.tokens and not {t.site_id for t in agents.tokens} & set(silent)
    sent = agents.tick(now=now, minutes=10)
    assert sent == 20 * len(agents.tokens)
    assert Sample.objects.filter(kind=SampleKind.PROBE).count() == sent
    tasks.process_new_samples(now=now + dt.timedelta(seconds=5), settle=dt.timedelta(0))
    assert Rollup.objects.filter(period=Period.MINUTE, bucket__gte=now - dt.timedelta(minutes=11)).exists()
    figures = qualities([t.site_id for t in agents.tokens])
    assert all(q.grade != "unknown" for q in figures.values())


def test_the_live_site_config_points_the_agent_at_loopback(province, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    path = live.write_config(province.site_a, "http://127.0.0.1:8000", 18999)
    text = path.read_text()
    assert "server = http://127.0.0.1:8000" in text and "reflector = 127.0.0.1:18999" in text
    assert AgentToken.objects.filter(site=province.site_a, revoked_at__isnull=True).count() == 1
