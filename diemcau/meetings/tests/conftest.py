"""Fixtures of the meeting tests: huey inline, a meeting at a given Hanoi time, the clock frozen there."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args) -> dt.datetime:
    """An aware datetime in Hanoi time: ``local(2026, 3, 9, 8, 0)``."""
    return dt.datetime(*args, tzinfo=HANOI)


@pytest.fixture(autouse=True)
def _huey_inline():
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


@pytest.fixture
def province(province):
    """The shared province, plus the incidents' reference data (a transactional test may have flushed it)."""
    from diemcau.incidents.reference import load_reference

    load_reference()
    return province


@pytest.fixture
def at():
    """``with at(local(...)):`` freezes the clock there."""
    def travel(moment):
        return time_machine.travel(moment, tick=False)
    return travel


@pytest.fixture
def schedule(province, at):
    """``schedule(start, minutes=120, sites=[…], **fields)`` → a meeting hosted at DOST's view of site_dept."""
    from diemcau.meetings import services

    def make(start, *, minutes=120, sites=None, now=None, **fields):
        sites = sites if sites is not None else [province.site_a, province.site_a2, province.site_b]
        fields.setdefault("title", "Giao ban trực tuyến UBND tỉnh")
        fields.setdefault("level", "provincial")
        fields.setdefault("importance", "important")
        with at(now or start - dt.timedelta(days=3)):
            return services.meeting_schedule(
                user=province.staff, organizer=fields.pop("organizer", province.dost),
                host_site=fields.pop("host_site", province.site_dept), sites=sites, starts_at=start,
                ends_at=start + dt.timedelta(minutes=minutes), **fields)[0]
    return make


@pytest.fixture
def probe(province):
    """``probe(site, at, loss=0.2, n=6)``: an agent at the site uploads ``n`` rounds ending at ``at``."""
    import uuid

    from diemcau.monitoring import ingest
    from diemcau.monitoring.services import agent_token_issue
    from diemcau.monitoring.synthetic import agent_round

    tokens = {}

    def send(site, at, *, loss=0.2, jitter=4.0, rtt=30.0, n=6):
        if site.pk not in tokens:
            tokens[site.pk] = agent_token_issue(site=site, user=None)[0]
        rounds = [agent_round(str(uuid.uuid4()), at - dt.timedelta(seconds=5 * i), loss, jitter, rtt)
                  for i in range(n)]
        ingest.store_batch(tokens[site.pk], {"agent_version": "test", "results": rounds}, now=at)
    return send
