"""Deadlines are stored in UTC and shown in Vietnam time; reminders go once; late units are visible."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from diemcau.core.models import Notice
from diemcau.reviews import services
from diemcau.reviews.aggregate import progress
from diemcau.reviews.models import Reminder
from diemcau.reviews.tests.conftest import complete

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.UTC


@pytest.fixture
def due(province):
    """A campaign due at 17:00 Vietnam time on 15 December 2026 (10:00 UTC)."""
    for user in (province.head, province.tech, province.staff):
        user.email = f"{user.username}@caobang.gov.vn"
        user.save(update_fields=["email"])
    return services.campaign_open(
        title="Rà soát cuối năm", deadline=dt.datetime(2026, 12, 15, 17, 0, tzinfo=HCM), user=province.admin,
        organizations=[province.commune_a, province.commune_b], reminder_days=[3, 1],
        now=dt.datetime(2026, 12, 1, tzinfo=UTC),
    )


def test_the_deadline_typed_in_vietnam_time_is_stored_in_utc(province, client_for):
    client = client_for(province.admin)
    response = client.post(reverse("reviews:campaign_new"), {
        "title": "Rà soát 2027", "deadline": "2099-03-31T17:00", "instructions": "",
        "organizations": [province.commune_a.pk], "reminder_text": "7, 3, 1",
    })
    assert response.status_code == 302
    campaign = province.commune_a.review_tasks.get().campaign
    assert campaign.deadline == dt.datetime(2099, 3, 31, 10, 0, tzinfo=UTC)
    assert campaign.reminder_days == [7, 3, 1]
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "17:00 31/03/2099" in page


def test_a_deadline_in_the_past_is_refused(province):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.campaign_open(title="x", deadline=timezone.now() - dt.timedelta(hours=1), user=province.admin,
                               organizations=[province.commune_a])


def test_no_reminder_before_the_first_reminder_day(due):
    assert services.reminders_send(now=dt.datetime(2026, 12, 12, 9, 59, tzinfo=UTC)) == 0


def test_the_three_day_reminder_is_sent_once_to_each_unit_in_vietnam_time(due, province, django_capture_on_commit_callbacks):
    # 3 days before 17:00 Vietnam time is 10:00 UTC on the 12th.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(now=dt.datetime(2026, 12, 12, 10, 0, tzinfo=UTC)) == 2
    notice = Notice.objects.get(user=province.tech, kind="review.reminder")
    assert "17:00 15/12/2026" in notice.title
    assert any("head@caobang.gov.vn" in m.to for m in mail.outbox)
    # Later runs the same day send nothing again.
    assert services.reminders_send(now=dt.datetime(2026, 12, 12, 23, 0, tzinfo=UTC)) == 0
    assert Notice.objects.filter(user=province.tech, kind="review.reminder").count() == 1
    # The one-day reminder comes a day before.
    assert services.reminders_send(now=dt.datetime(2026, 12, 14, 10, 30, tzinfo=UTC)) == 2
    assert Notice.objects.filter(user=province.tech, kind="review.reminder").count() == 2


def test_after_a_pause_only_the_latest_reminder_is_sent(due, province):
    assert services.reminders_send(now=dt.datetime(2026, 12, 14, 12, 0, tzinfo=UTC)) == 2
    assert Notice.objects.filter(user=province.tech, kind="review.reminder").count() == 1
    assert services.reminders_send(now=dt.datetime(2026, 12, 14, 13, 0, tzinfo=UTC)) == 0


def test_a_unit_that_submitted_is_not_reminded(due, province):
    task = due.tasks.get(organization=province.commune_a)
    complete(task, province.tech)
    services.task_submit(task, user=province.head, now=dt.datetime(2026, 12, 10, tzinfo=UTC))
    assert services.reminders_send(now=dt.datetime(2026, 12, 12, 10, 0, tzinfo=UTC)) == 1
    assert not Notice.objects.filter(user=province.tech, kind="review.reminder").exists()


def test_a_claimed_reminder_is_not_sent_by_another_worker(due, province):
    task = due.tasks.get(organization=province.commune_a)
    Reminder.objects.create(task=task, days_before=3)  # the other worker got there first
    assert services.reminders_send(now=dt.datetime(2026, 12, 12, 10, 0, tzinfo=UTC)) == 1
    assert not Notice.objects.filter(user=province.tech, kind="review.reminder").exists()


def test_a_reminder_that_could_not_be_written_is_not_claimed_and_goes_on_the_next_run(due, province, monkeypatch):
    real_notify, calls = services.notify, []

    def notify_fails_once(users, **kwargs):
        calls.append(kwargs["key"])
        if len(calls) == 1:
            raise ConnectionError("the outbox could not be written")
        return real_notify(users, **kwargs)

    monkeypatch.setattr(services, "notify", notify_fails_once)
    now = dt.datetime(2026, 12, 12, 10, 0, tzinfo=UTC)
    assert services.reminders_send(now=now) == 1          # the other unit is not held up
    failed_task_id = int(calls[0].split(":")[1])
    assert not Reminder.objects.filter(task_id=failed_task_id).exists()
    assert services.reminders_send(now=now + dt.timedelta(minutes=15)) == 1
    assert Reminder.objects.filter(task_id=failed_task_id, days_before=3).exists()
    assert services.reminders_send(now=now + dt.timedelta(minutes=30)) == 0


def test_reminder_emails_go_through_the_outbox_and_are_retried(due, province, settings, smtp_server):
    from diemcau.conftest import free_port
    from diemcau.core import outbox
    from diemcau.core.models import Delivery

    port, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()   # the mail server is down at first
    now = dt.datetime(2026, 12, 12, 10, 0, tzinfo=UTC)
    services.reminders_send(now=now)
    outbox.deliver_due(now=timezone.now())
    assert set(Delivery.objects.filter(kind="review.reminder").values_list("status", flat=True)) == {"pending"}
    settings.EMAIL_PORT = port
    outbox.deliver_due(now=timezone.now() + dt.timedelta(minutes=2))
    assert set(Delivery.objects.filter(kind="review.reminder").values_list("status", flat=True)) == {"sent"}
    sent = Delivery.objects.filter(kind="review.reminder")
    received = [to[0] for to, content in smtp_server.messages for d in sent if f"<delivery-{d.pk}@" in content]
    assert sorted(received) == ["head@caobang.gov.vn", "tech@caobang.gov.vn"]


def test_late_units_are_told_once_and_the_department_sees_them(due, province):
    after = dt.datetime(2026, 12, 15, 10, 1, tzinfo=UTC)  # 17:01 Vietnam time
    assert services.reminders_send(now=after) == 2
    assert services.reminders_send(now=after + dt.timedelta(hours=1)) == 0
    assert Notice.objects.filter(user=province.head, kind="review.reminder", title__startswith="Quá hạn").exists() \
        or Notice.objects.filter(user=province.head, kind="review.reminder", title__startswith="Late").exists()
    assert Notice.objects.filter(user=province.staff, kind="review.late").count() == 1
    assert {t.organization for t in progress(due, now=after)["late"]} == {province.commune_a, province.commune_b}


def test_a_submission_after_the_deadline_stays_marked_late(due, province):
    task = due.tasks.get(organization=province.commune_a)
    complete(task, province.tech)
    before = dt.datetime(2026, 12, 15, 9, 59, tzinfo=UTC)  # 16:59 Vietnam time
    on_time = services.task_submit(task, user=province.head, now=before)
    assert not on_time.is_late(now=before + dt.timedelta(days=5))
    other = due.tasks.get(organization=province.commune_b)
    complete(other, province.other_tech)
    late = services.task_submit(other, user=province.other_head, now=dt.datetime(2026, 12, 15, 10, 1, tzinfo=UTC))
    assert late.is_late()
    assert late.events.get(kind="submitted").data == {"late": True}


def test_the_periodic_task_runs_the_reminders(due):
    from diemcau.reviews.tasks import send_review_reminders

    assert send_review_reminders.call_local() == 0  # now is far before the December deadline


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_reminder_once(province):
    campaign = services.campaign_open(
        title="Song song", deadline=dt.datetime(2026, 12, 15, 17, 0, tzinfo=HCM), user=province.admin,
        organizations=[province.commune_a, province.commune_b], reminder_days=[3],
        now=dt.datetime(2026, 12, 1, tzinfo=UTC))
    now = dt.datetime(2026, 12, 12, 11, 0, tzinfo=UTC)
    results, barrier = [], threading.Barrier(2)

    def worker():
        barrier.wait()
        try:
            results.append(services.reminders_send(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 2
    assert Reminder.objects.filter(task__campaign=campaign).count() == 2
    assert Notice.objects.filter(user=province.tech, kind="review.reminder").count() == 1
