"""Fixtures of the incident tests: huey runs tasks inline, helpers to report at a given local time."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from diemcau.testing import term

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def _huey_inline(settings):
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    settings.INCIDENT_WORK_HOURS = "07:00-11:30,13:30-17:00"
    yield
    HUEY.immediate = previous


def local(*args) -> dt.datetime:
    """An aware datetime in Hanoi time: ``local(2026, 3, 9, 8, 0)``."""
    return dt.datetime(*args, tzinfo=HANOI)


@pytest.fixture
def province(province):
    """The shared province, plus this app's reference data (a transactional test may have flushed it)."""
    from diemcau.incidents.reference import load_reference

    load_reference()
    return province


@pytest.fixture
def reference(db):
    from diemcau.incidents.reference import load_reference

    load_reference()


@pytest.fixture
def at():
    """``with at(local(...)):`` freezes the clock there."""
    def travel(moment):
        return time_machine.travel(moment, tick=False)
    return travel


@pytest.fixture
def report(at):
    """``report(site, user, when, severity=…, symptoms=[codes])`` → incident, reported at ``when``."""
    from diemcau.incidents.services import incident_report

    def make(site, user, when, *, symptoms=("audio_loss",), **fields):
        with at(when):
            return incident_report(site=site, user=user, symptoms=[term("symptom", c) for c in symptoms],
                                   description=fields.pop("description", "Mất tiếng"), **fields)
    return make
