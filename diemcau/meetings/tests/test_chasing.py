"""Sites not ready by the due time are chased: the contact, then the unit head; every reminder once."""

import datetime as dt
import threading

import pytest
from django.db import connection

from diemcau.core.models import Notice
from diemcau.meetings import jobs, services
from diemcau.meetings.models import Participation
from diemcau.meetings.tests.conftest import local

START = local(2026, 3, 10, 9, 0)          # due 08:00, the unit head at 08:15
MANUAL = ["call", "video_out", "video_in", "audio_out", "audio_in", "power", "backup"]


def chase_notices(user, site):
    return Notice.objects.filter(user=user, kind__startswith="meeting.chase", title__contains=site.name)


def test_nobody_is_chased_before_the_due_time(province, schedule):
    schedule(START)
    assert jobs.chases_due(local(2026, 3, 10, 7, 59)) == []


def test_the_contact_then_the_unit_head_and_never_a_ready_site(province, schedule, at, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    meeting = schedule(START)
    ready = Participation.objects.get(meeting=meeting, site=province.site_a2)
    with at(local(2026, 3, 10, 7, 30)):
        for item in MANUAL:
            services.check_mark(ready, user=province.tech, item=item, outcome="pass")
    province.site_a.contacts.update(email="dau.moi@thongnong.example")
    with at(local(2026, 3, 10, 8, 1)), django_capture_on_commit_callbacks(execute=True):
        assert jobs.chase_scan() == 3      # site_a, site_b, the host site; not the ready one
    assert chase_notices(province.tech, province.site_a).count() == 1
    assert not chase_notices(province.tech, province.site_a2).exists()
    assert chase_notices(province.other_tech, province.site_b).count() == 1
    assert not chase_notices(province.head, province.site_a).exists()
    assert any("dau.moi@thongnong.example" in m.to for m in mailoutbox)
    with at(local(2026, 3, 10, 8, 10)):
        assert jobs.chase_scan() == 0      # the head waits a quarter of an hour
    with at(local(2026, 3, 10, 8, 16)):
        assert jobs.chase_scan() == 3
        assert jobs.chase_scan() == 0
    assert chase_notices(province.head, province.site_a).count() == 1
    assert chase_notices(province.other_head, province.site_b).count() == 1
    with at(local(2026, 3, 10, 9, 1)):
        assert jobs.chases_due(local(2026, 3, 10, 9, 1)) == []   # the meeting has started


def test_two_workers_reading_the_same_due_list_send_every_reminder_once(province, schedule):
    schedule(START)
    now = local(2026, 3, 10, 8, 1)
    seen_by_a, seen_by_b = jobs.chases_due(now), jobs.chases_due(now)
    assert seen_by_a == seen_by_b and len(seen_by_a) == 4
    done_a = [jobs.chase(pk, level, now) for pk, level in seen_by_a]
    done_b = [jobs.chase(pk, level, now) for pk, level in seen_by_b]
    assert sum(done_a) == 4 and not any(done_b)
    assert chase_notices(province.tech, province.site_a).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_worker_threads_at_once_send_every_reminder_once(province, schedule):
    schedule(START)
    results, barrier = [], threading.Barrier(2)

    def worker(now):
        barrier.wait()
        try:
            results.append(jobs.chase_scan(now))
        finally:
            connection.close()

    for now in (local(2026, 3, 10, 8, 1), local(2026, 3, 10, 8, 20)):
        threads = [threading.Thread(target=worker, args=(now,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sum(results) == 8                               # 4 sites × (contact, head), whichever worker sent
    assert chase_notices(province.tech, province.site_a).count() == 1
    assert chase_notices(province.head, province.site_a).count() == 1
    assert chase_notices(province.other_tech, province.site_b).count() == 1
    assert chase_notices(province.other_head, province.site_b).count() == 1
    assert set(Participation.objects.values_list("chase_level", flat=True)) == {2}


def test_the_periodic_task_chases(province, schedule, at):
    from diemcau.meetings.tasks import chase_task, evidence_task

    schedule(START)
    with at(local(2026, 3, 10, 8, 1)):
        assert chase_task.call_local() == 4
        assert evidence_task.call_local() == 20   # 4 sites × 5 measured items: their first rows
    assert Participation.objects.filter(chase_level=1).count() == 4
    assert dt.timedelta(0) < START - local(2026, 3, 10, 8, 1)
