"""Periodic jobs sharing a lock skip quietly instead of logging a warning every few minutes."""

import logging

import pytest
from huey.contrib.djhuey import HUEY

from diemcau.core.locks import skip_if_running
from diemcau.standards.tasks import drain_pending, recompute_stale_verdicts

pytestmark = pytest.mark.django_db


def test_it_runs_when_free_and_skips_when_held():
    calls = []

    @skip_if_running("test-lock")
    def job():
        calls.append(1)
        return "done"

    assert job() == "done"
    with HUEY.lock_task("test-lock"):
        assert job() is None
    assert calls == [1]
    assert job() == "done"


@pytest.mark.parametrize("periodic", [drain_pending, recompute_stale_verdicts])
def test_a_periodic_verdict_job_meeting_a_running_recomputation_logs_no_warning(periodic, caplog):
    caplog.set_level(logging.DEBUG)
    with HUEY.lock_task("standards-recompute"):
        HUEY.execute(periodic.s())
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert "skipped" in caplog.text
