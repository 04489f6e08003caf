"""A roadmap from a campaign's accepted proposals: evidence, explanations, adoption, chasing, progress."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from docx import Document as Docx

from diemcau.core.models import Notice
from diemcau.reports import evidence, planning, services
from diemcau.reports.choices import DocKind, WorkStatus
from diemcau.reports.documents import build
from diemcau.reports.models import Chase, Document, Work


def test_only_accepted_paid_or_free_work_is_weighed_and_the_codec_needs_the_link(accepted, province):
    items, details = evidence.roadmap_items(accepted)
    by_description = {details[i.key]["proposal"].description: i for i in items}
    codec = by_description["Thay thiết bị đầu cuối Poly"]
    link = by_description["Nâng băng thông TSLCD lên 20 Mbps"]
    assert codec.requires == (link.key,)
    assert by_description["Chuẩn hóa cấu hình"].bundle == "reconfigure:terminal"
    reasons = details[codec.key]["reasons"]
    assert reasons["meetings_source"] == "level" and reasons["meetings"] == 2.0  # a commune, no meeting data


def test_declared_meetings_outweigh_the_level(accepted, province):
    province.site_a.meetings_per_month = 12
    province.site_a.save(update_fields=["meetings_per_month"])
    items, details = evidence.roadmap_items(accepted)
    mic = next(i for i in items if details[i.key]["proposal"].description == "Thay dây micro")
    assert details[mic.key]["reasons"]["meetings_source"] == "declared"
    assert mic.benefit > 0


def test_it_builds_explains_and_reports_the_gap(accepted, province):
    roadmap = services.roadmap_build(campaign=accepted, title="Lộ trình 2027",
                                     phases=[{"label": "Giai đoạn 1", "budget": 10_000_000},
                                             {"label": "Giai đoạn 2", "budget": 200_000_000}], user=province.admin)
    items = {i.proposal.description: i for i in roadmap.items.select_related("proposal")}
    assert roadmap.chosen == "milp" and roadmap.gap is not None and roadmap.gap >= 0
    assert items["Chuẩn hóa cấu hình"].phase == 1 and "Không tốn kinh phí" in items["Chuẩn hóa cấu hình"].explanation
    assert items["Nâng băng thông TSLCD lên 20 Mbps"].phase == 1
    # The codec (120 M) does not fit phase 1 (10 M): phase 2, after its link.
    codec = items["Thay thiết bị đầu cuối Poly"]
    assert codec.phase == 2 and "Giai đoạn 2" in codec.explanation
    assert "đường truyền" in codec.explanation
    small = services.roadmap_build(campaign=accepted, title="Ít tiền", phases=[{"budget": 1_000_000}])
    waiting = small.items.get(proposal__description="Thay thiết bị đầu cuối Poly")
    assert waiting.phase == 0 and waiting.explanation.startswith(("Chờ bố trí", "Chưa bố trí"))


def test_bad_phases_are_refused_with_the_phase_named(accepted, province):
    with pytest.raises(ValidationError) as error:
        services.roadmap_build(campaign=accepted, title="x", phases=[{"budget": 5}, {"budget": "nhiều"}])
    assert "2" in str(error.value)


def test_recorded_provincial_meetings_outweigh_everything_else(accepted, province):
    from diemcau.meetings.models import Meeting, Participation

    start = timezone.now() - dt.timedelta(days=10)
    for n in range(6):
        meeting = Meeting(title=f"Họp {n}", level="provincial", organizer=province.leadership,
                          host_site=province.site_dept, starts_at=start + dt.timedelta(days=n),
                          ends_at=start + dt.timedelta(days=n, hours=2))
        meeting.apply_checklist({})
        meeting.save()
        Participation.objects.create(meeting=meeting, site=province.site_a)
    items, details = evidence.roadmap_items(accepted)
    mic = next(i for i in items if details[i.key]["proposal"].description == "Thay dây micro")
    assert details[mic.key]["reasons"]["meetings_source"] == "meetings"
    assert details[mic.key]["reasons"]["meetings"] == 1.0  # six in the six months


def test_the_slider_answers_and_names_the_next_tranche(accepted, province):
    solved = planning.solve(accepted, [0], exact=False)
    none = planning.slider(solved.ranking, solved.details, 0)
    assert none["spent"] == 0 and none["next"]  # free work, and what 100 million adds
    everything = planning.slider(solved.ranking, solved.details, 10**12)
    assert everything["items"] == len(solved.items) and everything["next"] == []


def test_adopting_creates_tasks_owned_by_who_does_them_once(accepted, province):
    roadmap = services.roadmap_build(campaign=accepted, title="L", phases=[{"budget": 10**10, "due": "2027-06-30"}])
    n = services.roadmap_adopt(roadmap, user=province.admin)
    assert n == roadmap.items.filter(phase__gt=0).count()
    link = Work.objects.get(item__proposal__description="Nâng băng thông TSLCD lên 20 Mbps")
    mic = Work.objects.get(item__proposal__description="Thay dây micro")
    assert link.owner == province.vnpt and mic.owner == province.commune_a
    assert mic.due_on == dt.date(2027, 6, 30) and mic.updates.count() == 1
    with pytest.raises(ValidationError):
        services.roadmap_adopt(roadmap, user=province.admin)


def test_overdue_tasks_are_chased_once_per_period_through_notices(accepted, province, settings):
    settings.REPORTS_CHASE_DAYS = 7
    roadmap = services.roadmap_build(campaign=accepted, title="L", phases=[{"budget": 10**10, "due": "2027-01-31"}])
    services.roadmap_adopt(roadmap, user=province.admin)
    done = Work.objects.get(item__proposal__description="Thay dây micro")
    services.work_update(done, user=province.head, status=WorkStatus.DONE, cost_spent=700_000,
                         done_on=timezone.localdate())
    open_count = Work.objects.filter(status__in=WorkStatus.open_values()).count()
    assert services.chase_overdue(today=dt.date(2027, 1, 31)) == 0  # not yet overdue
    assert services.chase_overdue(today=dt.date(2027, 2, 1)) == open_count
    assert Notice.objects.filter(kind="reports.overdue", user=province.head).exists()
    assert services.chase_overdue(today=dt.date(2027, 2, 3)) == 0  # chased 2 days ago
    assert services.chase_overdue(today=dt.date(2027, 2, 8)) == open_count
    assert Chase.objects.filter(work=done).count() == 0


def test_a_task_update_is_a_new_row_and_bad_input_is_refused(accepted, province):
    roadmap = services.roadmap_build(campaign=accepted, title="L", phases=[{"budget": 10**10}])
    services.roadmap_adopt(roadmap, user=province.admin)
    work = Work.objects.get(item__proposal__description="Thay dây micro")
    services.work_update(work, user=province.head, status=WorkStatus.IN_PROGRESS, cost_spent=300_000)
    services.work_update(work, user=province.head, status=WorkStatus.DONE, cost_spent=750_000)
    assert list(work.updates.values_list("status", flat=True)) == ["planned", "in_progress", "done"]
    work.refresh_from_db()
    assert work.status == "done" and work.cost_spent == 750_000 and work.done_on == timezone.localdate()
    with pytest.raises(ValidationError):
        services.work_update(work, user=province.head, status="finished")
    with pytest.raises(ValidationError):
        services.work_update(work, user=province.head, status="done", cost_spent=-1)


def test_the_progress_report_compares_plan_and_actual_at_a_date_and_names_improved_sites(accepted, province):
    from diemcau.standards.models import SiteVerdict

    roadmap = services.roadmap_build(campaign=accepted, title="L", phases=[{"budget": 10**10, "due": "2026-01-01"}])
    services.roadmap_adopt(roadmap, user=province.admin)
    now = timezone.now()
    SiteVerdict.objects.filter(site=province.site_a).update(is_current=False)
    SiteVerdict.objects.create(site=province.site_a, verdict="unfit", computed_at=now - dt.timedelta(days=30),
                               checked_at=now - dt.timedelta(days=30), is_current=False)
    work = Work.objects.get(item__proposal__description="Thay dây micro")
    services.work_update(work, user=province.head, status=WorkStatus.DONE, cost_spent=800_000,
                         done_on=timezone.localdate() - dt.timedelta(days=10))
    SiteVerdict.objects.create(site=province.site_a, verdict="stable", computed_at=now - dt.timedelta(days=2),
                               checked_at=now, is_current=True)
    doc = Document.objects.create(kind=DocKind.PROGRESS, organization=province.dost, campaign=accepted,
                                  roadmap=roadmap, as_of=timezone.localdate(), excerpt="Tiến độ")
    built = build(doc)
    text = "\n".join([p.text for p in Docx(io.BytesIO(built.docx)).paragraphs])
    assert built.facts["done"] == 1 and built.facts["overdue"] == built.facts["tasks"] - 1
    assert "Hội trường UBND xã Thông Nông: từ không còn phù hợp lên ổn định;" in text
    # The same report at an earlier date shows nothing done.
    doc.as_of = timezone.localdate() - dt.timedelta(days=20)
    with time_machine.travel(timezone.now()):
        assert build(doc).facts["done"] == 0
