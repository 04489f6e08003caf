"""Demo data of the meetings app: a year of meetings with their checks, roll-calls, a roster,
backup plans and drills, training — and a provincial meeting a couple of hours ahead today.

Everything is built in memory and written with ``bulk_create`` (about 40,000
rows in a few seconds). The check history has the usual mix: most sites
ready on time, some late, a few never checked, and a few "chronic" sites
failing the same items again and again. ``keep_meeting_ahead`` is called by
the live demo (``diemcau run``) so that a later start still finds a meeting
today with its board alive.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from diemcau.core.demo import DEMO_MARK
from diemcau.inventory.models import Contact, Organization, Site
from diemcau.meetings import checklist as cl
from diemcau.meetings.choices import BackupKind, Importance, Level, MarkSource, Outcome, RollCall
from diemcau.meetings.models import (
    BackupPlan,
    CheckMark,
    Drill,
    DutyShift,
    DutySwap,
    Meeting,
    MeetingSeries,
    Participation,
    RollCallMark,
    TrainingSession,
)
from diemcau.meetings.services import derive

WEEKS_BACK = 52
WEEKS_AHEAD = 4
BRIEFING = "Giao ban trực tuyến tuần của UBND tỉnh với các xã, phường"
TODAY_TITLE = "Hội nghị trực tuyến UBND tỉnh: triển khai nhiệm vụ trọng tâm"
PLAN_TEXT = {
    BackupKind.SECOND_LINK: ("Chuyển sang đường truyền dự phòng của nhà mạng thứ hai",
                             "Rút cáp mạng thiết bị đầu cuối khỏi cổng đường chính\nCắm sang cổng router dự phòng\n"
                             "Gọi lại vào phòng họp, báo điểm cầu tỉnh", "Router dự phòng, cáp mạng 5 m"),
    BackupKind.MOBILE_ROUTER: ("Router 4G dự phòng", "Bật router 4G (sạc sẵn)\nKết nối thiết bị đầu cuối qua cáp LAN\n"
                               "Giảm băng thông cuộc gọi xuống 1 Mbps\nGọi lại vào phòng họp",
                               "Router 4G, SIM data còn dung lượng"),
    BackupKind.SOFT_CLIENT: ("Máy tính xách tay với phần mềm họp", "Mở máy tính xách tay, đăng nhập phần mềm họp\n"
                             "Cắm loa ngoài và micro hội nghị USB\nVào phòng họp bằng mã của cuộc họp",
                             "Máy tính xách tay, loa/micro USB"),
    BackupKind.OTHER_ROOM: ("Chuyển sang phòng họp dự phòng", "Báo điểm cầu tỉnh\nChuyển đại biểu sang phòng họp nhỏ\n"
                            "Vào phòng họp bằng thiết bị của phòng dự phòng", "Phòng họp nhỏ đã cấu hình"),
    BackupKind.PHONE_BRIDGE: ("Nghe qua cầu truyền hình bằng điện thoại", "Gọi số cầu điện thoại của cuộc họp\n"
                              "Bật loa ngoài, báo điểm cầu tỉnh chỉ nghe được tiếng", "Điện thoại bàn có loa ngoài"),
}


FAILED_NOTES = {
    BackupKind.SECOND_LINK: "Đường dự phòng chưa được cấu hình định tuyến tới máy chủ hội nghị",
    BackupKind.MOBILE_ROUTER: "SIM 4G hết dung lượng, chưa nạp",
    BackupKind.SOFT_CLIENT: "Máy tính xách tay chưa cài bản phần mềm họp mới, mất 20 phút cập nhật",
    BackupKind.OTHER_ROOM: "Phòng dự phòng đang có lớp tập huấn, không dùng được",
    BackupKind.PHONE_BRIDGE: "Không có số cầu điện thoại của cuộc họp",
}


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class _Builder:
    def __init__(self, ctx):
        self.ctx, self.rng, self.now = ctx, ctx.rng, ctx.now
        self.checklist = cl.current_checklist()
        self.meetings: list[Meeting] = []
        self.sites_of: dict = {}  # meeting index → [(site, is_host)]

    def meeting(self, *, title, starts, minutes, level, importance, organizer, host, sites, series=None,
                platform=None, dial_in=""):
        meeting = Meeting(title=title, starts_at=starts, ends_at=starts + dt.timedelta(minutes=minutes), level=level,
                          importance=importance, organizer=organizer, host_site=host, series=series,
                          platform=platform, dial_in=dial_in, notes=DEMO_MARK,
                          created_by=self.ctx.users.get("dost_staff"), created_at=starts - dt.timedelta(days=7))
        meeting.apply_checklist(self.checklist)
        self.sites_of[len(self.meetings)] = [(host, True)] + [(s, False) for s in sites if s.pk != host.pk]
        self.meetings.append(meeting)
        return meeting

    def save_meetings(self):
        Meeting.objects.bulk_create(self.meetings, batch_size=500)
        rows = []
        for index, meeting in enumerate(self.meetings):
            for site, is_host in self.sites_of[index]:
                rows.append(Participation(meeting=meeting, site=site, is_host=is_host,
                                          added_at=meeting.created_at))
        return rows


def _personas(rng, sites):
    """Most sites are reliable; some are often late; a few fail the same items again and again."""
    out = {}
    for site in sites:
        roll = rng.random()
        if roll < 0.07:
            out[site.pk] = ("chronic", rng.choice([["audio_out", "audio_in"], ["link"], ["video_out"], ["power"]]))
        elif roll < 0.22:
            out[site.pk] = ("late", [])
        elif roll < 0.27:
            out[site.pk] = ("absent_minded", [])
        else:
            out[site.pk] = ("good", [])
    return out


def _history(rng, meeting, participation, persona, users, now, marks, rollcalls):
    """The marks of one past (or today's) check, and the roll-call if the meeting has started."""
    kind, weak_items = persona
    manual = [i["code"] for i in meeting.manual_items]
    due = meeting.due_at
    if kind == "absent_minded" and rng.random() < 0.6:
        return  # never checked
    if kind == "late" and rng.random() < 0.6:
        begin = due + dt.timedelta(minutes=rng.randint(5, 50))
    else:
        begin = due - dt.timedelta(minutes=rng.randint(20, 240))
    if begin > now:
        return
    user = users.get(participation.site.organization_id)
    at = begin
    if meeting.auto_items:
        at_auto = begin - dt.timedelta(minutes=rng.randint(1, 20))
        failing_link = kind == "chronic" and "link" in weak_items and rng.random() < 0.7
        marks.append(CheckMark(participation=participation, item="link", source=MarkSource.AUTO, at=at_auto,
                               late=at_auto > due, evidence_at=at_auto - dt.timedelta(seconds=rng.randint(3, 50)),
                               outcome=Outcome.FAIL if failing_link else Outcome.PASS,
                               value={"loss_pct": round(rng.uniform(4, 12), 2) if failing_link else
                                      round(rng.uniform(0, 0.8), 2), "rounds": rng.randint(20, 120)}))
    for code in manual:
        at += dt.timedelta(seconds=rng.randint(20, 150))
        if at > now:
            break
        failed = kind == "chronic" and code in weak_items and rng.random() < 0.75
        failed = failed or rng.random() < 0.01
        marks.append(CheckMark(participation=participation, item=code, source=MarkSource.MANUAL, at=at, user=user,
                               late=at > due, outcome=Outcome.FAIL if failed else Outcome.PASS,
                               note="Micro bàn chủ tọa rè, đã thay pin" if failed and code == "audio_out" else ""))
        if failed and rng.random() < 0.5:
            at += dt.timedelta(minutes=rng.randint(5, 25))
            if at <= now:
                marks.append(CheckMark(participation=participation, item=code, source=MarkSource.MANUAL, at=at,
                                       user=user, late=at > due, outcome=Outcome.PASS, note="Đã khắc phục"))
    if meeting.starts_at <= now:
        roll = rng.random()
        if kind == "chronic" and roll < 0.35:
            status = RollCall.AUDIO if "audio_out" in weak_items else RollCall.VIDEO
        elif roll < 0.02:
            status = RollCall.ABSENT
        else:
            status = RollCall.PRESENT
        rollcalls.append(RollCallMark(participation=participation, status=status,
                                      at=meeting.starts_at + dt.timedelta(minutes=rng.randint(1, 8)),
                                      user=users.get("host")))


def load(ctx):
    from diemcau.standards.models import Platform

    rng, now = ctx.rng, ctx.now
    orgs = {o.code: o for o in Organization.objects.select_related("kind")}
    sites = list(Site.objects.active().select_related("organization", "organization__kind").order_by("code"))
    hub = next((s for s in sites if s.is_hub), sites[0])
    dost = orgs.get("SKHCN") or hub.organization
    local = [s for s in sites if s.organization.kind.code in ("commune", "ward") and s.code.endswith("-01")]
    departments = [s for s in sites if s.organization.kind.code in ("department", "dost") and s.code.endswith("-01")]
    platform = Platform.objects.filter(reference=True).first()
    today = timezone.localtime(now).date()
    b = _Builder(ctx)

    # The weekly briefing: Mondays 07:30, a year back and a month ahead, every commune and ward.
    series = MeetingSeries.objects.create(title=BRIEFING, rule="FREQ=WEEKLY;BYDAY=MO")
    monday = today - dt.timedelta(days=today.weekday())
    for week in range(-WEEKS_BACK, WEEKS_AHEAD + 1):
        day = monday + dt.timedelta(weeks=week)
        b.meeting(title=BRIEFING, starts=_local(day, 7, 30), minutes=90, level=Level.PROVINCIAL,
                  importance=Importance.NORMAL, organizer=orgs.get("VP-UBND", dost), host=hub, sites=local,
                  series=series, platform=platform, dial_in="Phòng họp 01 · mã 880 123 456")
    # Department meetings: twice a month, a department with the other departments and a few communes.
    for month in range(12):
        for half in (4, 18):
            day = today.replace(day=1) - dt.timedelta(days=30 * month) + dt.timedelta(days=half)
            if day.weekday() >= 5:
                day += dt.timedelta(days=7 - day.weekday())
            host = rng.choice(departments)
            guests = rng.sample(departments, min(8, len(departments))) + rng.sample(local, min(6, len(local)))
            b.meeting(title=f"Hội nghị trực tuyến {host.organization.name}", starts=_local(day, 14, 0), minutes=120,
                      level=Level.DEPARTMENT, importance=Importance.NORMAL, organizer=host.organization, host=host,
                      sites=guests, platform=platform)
    # Today: an important provincial meeting about an hour and a half ahead, so the board is alive.
    today_meeting = b.meeting(title=TODAY_TITLE, starts=_next_start(now), minutes=120, level=Level.PROVINCIAL,
                              importance=Importance.IMPORTANT, organizer=orgs.get("VP-UBND", dost), host=hub,
                              sites=local + departments, platform=platform, dial_in="Phòng họp 01 · mã 880 123 789")
    participations = b.save_meetings()

    techs = {}
    from diemcau.accounts.models import User

    for user in User.objects.filter(role="site_tech", is_active=True).order_by("pk"):
        techs.setdefault(user.organization_id, user)
    techs["host"] = ctx.users.get("dost_staff")
    personas = _personas(rng, sites)
    demo_tech = ctx.users.get("site_tech")
    marks, rollcalls = [], []
    for p in participations:
        if p.meeting.starts_at > now + dt.timedelta(hours=6):
            continue
        if p.meeting is today_meeting and demo_tech and p.site.organization_id == demo_tech.organization_id:
            continue  # the demo technician's own check is left to do
        _history(rng, p.meeting, p, personas[p.site_id], techs, now, marks, rollcalls)
    # The state is derived in memory before the rows are written: no update pass afterwards.
    _derive_all(participations, marks, rollcalls)
    Participation.objects.bulk_create(participations, batch_size=2000)
    CheckMark.objects.bulk_create(marks, batch_size=5000)
    RollCallMark.objects.bulk_create(rollcalls, batch_size=5000)
    # A few of today's sites report a problem: the board shows their failing item and backup.
    ctx.log(f"  {len(b.meetings)} meetings, {len(participations)} participations, {len(marks)} check marks, "
            f"{len(rollcalls)} roll-call marks; today: {today_meeting.title} at "
            f"{cl.local(today_meeting.starts_at)}")
    _roster(ctx, orgs, today_meeting)
    _backups(ctx, sites)
    _training(ctx, orgs)


def _next_start(now: dt.datetime) -> dt.datetime:
    """About an hour and a half ahead, on the half hour: inside the agents' fast window already."""
    local = timezone.localtime(now).replace(second=0, microsecond=0)
    local = local.replace(minute=0) + dt.timedelta(minutes=30 if local.minute < 30 else 60)
    return local + dt.timedelta(minutes=90)


def _derive_all(participations, marks, rollcalls):
    by_participation, calls = {}, {}
    for mark in marks:
        by_participation.setdefault(id(mark.participation), []).append(mark)
    for call in rollcalls:
        calls[id(call.participation)] = call
    for p in participations:
        rows = sorted(by_participation.get(id(p), []), key=lambda m: m.at)
        call = calls.get(id(p))
        if rows:
            for name, value in derive(p.meeting, rows).items():
                setattr(p, name, value)
            auto = [m for m in rows if m.source == MarkSource.AUTO]
            if auto:
                p.evidence = {"link": auto[-1].evidence_at.isoformat()}
        if call:
            p.rollcall, p.rollcall_at = call.status, call.at


def _roster(ctx, orgs, meeting):
    """DOST, VNPT, Viettel and the platform team on duty for today's meeting, and working-day shifts."""
    rng, now = ctx.rng, ctx.now
    people = [("SKHCN", "Điều phối, trực kỹ thuật chung", ctx.users.get("dost_staff")),
              ("SKHCN", "Tổ nền tảng hội nghị (MCU)", None),
              ("VNPT-CB", "Đường truyền TSLCD", ctx.users.get("operator")),
              ("VIETTEL-CB", "Đường truyền, 4G dự phòng", None)]
    names = ["Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Quang Vinh", "Phạm Thu Trang", "Hoàng Đức Anh", "Nông Thị Lan"]
    shifts = []
    for code, duty, user in people:
        org = orgs.get(code)
        if org is None:
            continue
        name = (user.get_full_name() if user else rng.choice(names)).replace(" (demo)", "")
        phone = "09" + "".join(str(rng.randrange(10)) for _ in range(8))
        shifts.append(DutyShift(organization=org, duty=duty, person=user, name=name, phone=phone, meeting=meeting,
                                starts_at=meeting.due_at - dt.timedelta(hours=1), ends_at=meeting.ends_at))
        for day in range(-14, 15):
            start = timezone.localtime(now).replace(hour=7, minute=0, second=0, microsecond=0) + dt.timedelta(days=day)
            if start.weekday() >= 5:
                continue
            shifts.append(DutyShift(organization=org, duty=duty, person=user if rng.random() < 0.5 else None,
                                    name=name if rng.random() < 0.5 else rng.choice(names),
                                    phone=phone, starts_at=start, ends_at=start + dt.timedelta(hours=10)))
    DutyShift.objects.bulk_create(shifts)
    swapped = [s for s in shifts if s.meeting_id is None][:3]
    DutySwap.objects.bulk_create([DutySwap(shift=s, from_name="Đỗ Văn Nam", from_phone="0912000111", to_name=s.name,
                                           to_phone=s.phone, reason="Đổi ca do đi công tác huyện",
                                           at=s.starts_at - dt.timedelta(days=1)) for s in swapped])
    ctx.log(f"  {len(shifts)} duty shifts, {len(swapped)} swaps")


def _backups(ctx, sites):
    rng, now = ctx.rng, ctx.now
    plans = []
    for site in sites:
        if rng.random() < 0.2:
            continue
        kinds = rng.sample([BackupKind.MOBILE_ROUTER, BackupKind.SOFT_CLIENT, BackupKind.SECOND_LINK,
                            BackupKind.PHONE_BRIDGE, BackupKind.OTHER_ROOM], rng.choice([1, 1, 2]))
        for kind in kinds:
            title, steps, equipment = PLAN_TEXT[kind]
            plans.append(BackupPlan(site=site, kind=kind, title=title, steps=steps, equipment=equipment,
                                    created_at=now - dt.timedelta(days=rng.randint(60, 400))))
    BackupPlan.objects.bulk_create(plans, batch_size=2000)
    drills = []
    for plan in plans:
        roll = rng.random()
        if roll < 0.45:
            continue  # never tried
        for _ in range(rng.choice([1, 1, 2])):
            worked = rng.random() < (0.55 if roll < 0.55 else 0.9)
            drills.append(Drill(plan=plan, held_at=now - dt.timedelta(days=rng.randint(3, 300), hours=rng.randint(0, 8)),
                                conducted_by=rng.choice(["Cán bộ đầu mối và kỹ thuật VNPT", "Cán bộ đầu mối",
                                                         "Tổ kỹ thuật Sở KH&CN"]),
                                worked=worked, restore_minutes=rng.randint(2, 15) if worked else None,
                                note="" if worked else FAILED_NOTES[plan.kind]))
    Drill.objects.bulk_create(drills, batch_size=2000)
    ctx.log(f"  {len(plans)} backup plans, {len(drills)} drills")


def _training(ctx, orgs):
    rng, now = ctx.rng, ctx.now
    contacts = list(Contact.objects.active().filter(role="primary").order_by("pk"))
    organizer = orgs.get("SKHCN")
    if organizer is None or not contacts:
        return
    topics = ["Vận hành thiết bị đầu cuối và kiểm tra trước họp", "Xử lý sự cố âm thanh: micro, loa, vọng, hú",
              "Chuyển sang phương án dự phòng 4G trong 5 phút", "Cấu hình chuẩn thiết bị đầu cuối theo hồ sơ của tỉnh"]
    sessions = []
    for index, topic in enumerate(topics):
        session = TrainingSession.objects.create(
            topic=topic, held_on=(now - dt.timedelta(days=40 + 70 * index)).date(), trainer="Tổ kỹ thuật Sở KH&CN",
            organizer=organizer, material="Hướng dẫn kiểm tra trước họp; sổ tay xử lý sự cố thường gặp")
        session.attendees.set(rng.sample(contacts, k=min(len(contacts), rng.randint(15, 35))))
        sessions.append(session)
    ctx.log(f"  {len(sessions)} training sessions")


def keep_meeting_ahead(now: dt.datetime | None = None) -> Meeting | None:
    """For ``diemcau run`` on a demo database: if no demo meeting runs or starts in the next hours, add one."""
    now = now or timezone.now()
    soon = Meeting.objects.scheduled().filter(notes__contains=DEMO_MARK, ends_at__gte=now,
                                              starts_at__lte=now + dt.timedelta(hours=4))
    if soon.exists():
        return None
    model = Meeting.objects.filter(notes__contains=DEMO_MARK, title=TODAY_TITLE).order_by("-starts_at").first()
    if model is None:
        return None
    from diemcau.meetings import services

    sites = [p.site for p in model.participations.filter(removed_at__isnull=True).select_related("site")
             .filter(Q(site__retired_at__isnull=True))]
    start = _next_start(now)
    return services.meeting_schedule(
        user=None, title=TODAY_TITLE, organizer=model.organizer, host_site=model.host_site, sites=sites,
        starts_at=start, ends_at=start + dt.timedelta(hours=2), level=Level.PROVINCIAL,
        importance=Importance.IMPORTANT, platform=model.platform, dial_in=model.dial_in, notes=DEMO_MARK)[0]
