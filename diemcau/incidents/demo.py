"""A year of incidents for the demo province, with believable SLA figures.

Runs after the inventory demo. Each incident gets a timeline generated the
way it would have happened (reported, handed to the link's operator when the
trouble is the link, acknowledged, answered, sometimes waiting for the
reporter, resolved with the cause found, sometimes reopened, closed by the
reporter); the clocks are then derived from those rows by the same code the
application uses. The operators behave differently: VNPT answers faster
than Viettel. A few sites keep losing sound with nothing fixed (R10), and a
dozen incidents of the last days are still open.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from django.db.models import Q

from diemcau.accounts.choices import Role
from diemcau.accounts.models import User
from diemcau.core.models import Notice
from diemcau.incidents.choices import TARGET_EVENTS, Channel, EventKind, Severity, Status
from diemcau.incidents.models import (
    CalendarDay,
    Clock,
    Holding,
    Incident,
    IncidentEvent,
    SlaPolicy,
    SymptomGuide,
)
from diemcau.incidents.repeat import repeat_check
from diemcau.incidents.services import DENORMALISED, apply_derived
from diemcau.incidents.sla import PolicyBook, derive, province_calendar
from diemcau.incidents.tallies import incident_tally_rebuild, sla_tally_rebuild
from diemcau.inventory.models import Link, Organization, Site, Term
from diemcau.lib.bulk import update_rows
from diemcau.lib.workcalendar import AroundTheClock

CALENDAR_2026 = [
    (dt.date(2026, 1, 2), "holiday", "Nghỉ bù Tết Dương lịch (hoán đổi với thứ Bảy 10/01/2026) [DEMO]"),
    (dt.date(2026, 1, 10), "working", "Làm bù cho ngày 02/01/2026 [DEMO]"),
    (dt.date(2026, 2, 13), "holiday", "Nghỉ Tết Nguyên đán Bính Ngọ (hoán đổi với thứ Bảy 28/02/2026) [DEMO]"),
    (dt.date(2026, 2, 28), "working", "Làm bù cho ngày 13/02/2026 [DEMO]"),
]
CONTRACTS = [
    # operator code, severity, acknowledge, respond, resolve (minutes), 24/7
    ("VNPT-CB", Severity.HIGH, 20, 60, 360, False),
    ("VNPT-CB", Severity.NORMAL, 45, 180, 720, False),
    ("VIETTEL-CB", Severity.HIGH, 30, 90, 480, False),
]
FAMILIES = [("audio", 30), ("video", 25), ("connection", 30), ("power", 5), ("content", 4),
            ("compatibility", 3), ("other", 3)]
CAUSES = {
    "audio": [("equipment", 35), ("operation", 30), ("configuration", 25), ("coordination", 10)],
    "video": [("network", 40), ("configuration", 30), ("equipment", 20), ("platform", 10)],
    "connection": [("network", 60), ("equipment", 12), ("configuration", 10), ("power", 6), ("platform", 12)],
    "power": [("power", 100)],
    "content": [("configuration", 50), ("operation", 40), ("equipment", 10)],
    "compatibility": [("configuration", 50), ("equipment", 30), ("platform", 20)],
    "other": [("operation", 50), ("unknown", 50)],
}
ACTIONS = {
    "equipment": [("accessory", 50), ("replace", 20), ("rearrange", 30)],
    "configuration": [("reconfigure", 80), ("software", 20)],
    "network": [("link", 55), ("reconnect", 45)],
    "power": [("accessory", 60), ("invest", 40)],
    "operation": [("training", 60), ("keep", 40)],
    "coordination": [("training", 100)],
    "platform": [("software", 50), ("reconfigure", 50)],
    "unknown": [("keep", 100)],
}
RESOLUTIONS = {
    "accessory": "Thay cáp, đầu nối bị lỏng; kiểm tra lại toàn bộ dây tín hiệu",
    "replace": "Thay thiết bị hỏng bằng thiết bị dự phòng của đơn vị",
    "rearrange": "Bố trí lại loa xa micro, chỉnh hướng camera",
    "reconfigure": "Đưa cấu hình về cấu hình chuẩn của tỉnh (băng thông, codec, khử vọng)",
    "software": "Nâng cấp firmware theo hướng dẫn của nhà sản xuất",
    "link": "Hàn nối lại cáp quang, thay converter quang; đo kiểm băng thông đạt yêu cầu",
    "reconnect": "Chuyển thiết bị họp sang cắm cáp trực tiếp, bỏ Wi-Fi",
    "invest": "Đề xuất trang bị UPS mới cho điểm cầu",
    "training": "Hướng dẫn lại cán bộ vận hành quy trình bật/tắt tiếng và chia sẻ nội dung",
    "keep": "Khởi động lại thiết bị, hoạt động bình thường trở lại",
}
DESCRIPTIONS = {
    "audio": ["Điểm cầu tỉnh không nghe được tiếng của xã", "Tiếng rè, hú khi bật loa to",
              "Micro chủ tọa lúc có lúc mất tiếng"],
    "video": ["Hình bị giật, vỡ khi đông người phát biểu", "Mất hình từ điểm cầu chính",
              "Hình trễ khoảng 3–4 giây so với tiếng"],
    "connection": ["Rớt cuộc gọi giữa buổi họp, gọi lại mất 10 phút", "Không kết nối được vào phòng họp",
                   "Tín hiệu chập chờn từ 8h đến 9h sáng"],
    "power": ["Mất điện lưới, UPS chỉ giữ được 10 phút"],
    "content": ["Không chia sẻ được tài liệu trình chiếu"],
    "compatibility": ["Thiết bị không gọi được vào nền tảng mới của tỉnh"],
    "other": ["Màn hình điều khiển bị treo"],
}
# Behaviour of each kind of holder: median minutes to acknowledge, respond, resolve (clock time).
PROFILES = {
    "unit": (20, 60, 300), "VNPT-CB": (18, 55, 280), "VIETTEL-CB": (40, 120, 560), "dost": (15, 45, 200),
}


def _pick(rng, weighted):
    total = sum(w for _v, w in weighted)
    x = rng.uniform(0, total)
    for value, weight in weighted:
        x -= weight
        if x <= 0:
            return value
    return weighted[-1][0]


def _lognormal(rng, median_minutes):
    return max(2, int(median_minutes * math.exp(rng.gauss(0, 0.75)))) * 60


class _Ev:
    """An event being planned (becomes an IncidentEvent)."""

    __slots__ = ("kind", "at", "holder_id", "user", "note", "data")

    def __init__(self, kind, at, holder_id, user=None, note="", data=None):
        self.kind, self.at, self.holder_id, self.user, self.note, self.data = kind, at, holder_id, user, note, data or {}


class _Demo:
    def __init__(self, ctx):
        self.ctx, self.rng, self.now = ctx, ctx.rng, ctx.now
        self.calendar = province_calendar()
        self.policies = PolicyBook()
        self.terms = {(t.taxonomy, t.code): t for t in Term.objects.filter(taxonomy__in=["symptom", "cause", "action"])}
        self.families = {}
        for guide in SymptomGuide.objects.select_related("symptom"):
            self.families.setdefault(guide.family, []).append(guide.symptom)
        self.dost = Organization.objects.department()
        self.primary = dict(Link.objects.active().filter(role="primary", provider__isnull=False)
                            .values_list("site_id", "provider_id"))
        self.operators = {o.pk: o.code for o in Organization.objects.operators()}
        users = list(User.objects.filter(is_active=True).order_by("pk"))
        self.by_org = {}
        for user in users:
            self.by_org.setdefault(user.organization_id, []).append(user)
        self.staff = next((u for u in users if u.role == Role.DOST_STAFF), None)

    def user_of(self, org_id, roles=None):
        people = [u for u in self.by_org.get(org_id, []) if roles is None or u.role in roles]
        return people[0] if people else None

    def later(self, start, seconds, around_the_clock):
        cal = AroundTheClock() if around_the_clock else self.calendar
        return cal.add_working_seconds(start, seconds)

    def reported_time(self, day_offset):
        day = (self.now - dt.timedelta(days=day_offset)).astimezone(self.calendar.tz).date()
        while not self.calendar.is_working_day(day) and self.rng.random() < 0.85:
            day -= dt.timedelta(days=1)
        minutes = self.rng.randint(7 * 60, 16 * 60 + 30) if self.rng.random() < 0.85 else self.rng.randint(0, 24 * 60 - 1)
        return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=self.calendar.tz)

    def plan(self, site, *, reported_at, family=None, cause=None, stop_after=None, action=None):
        """An incident and its events; ``stop_after`` leaves it open after that step."""
        rng = self.rng
        family = family or _pick(rng, FAMILIES)
        cause = cause or _pick(rng, CAUSES[family])
        pool = self.families.get(family) or self.families["other"]
        symptoms = rng.sample(pool, k=min(len(pool), 1 if rng.random() < 0.7 else 2))
        important = rng.random() < 0.12
        severity = (Severity.CRITICAL if important and rng.random() < 0.5 else
                    _pick(rng, [(Severity.CRITICAL, 4), (Severity.HIGH, 22), (Severity.NORMAL, 62), (Severity.LOW, 12)]))
        always = important or severity == Severity.CRITICAL
        reporter = self.user_of(site.organization_id, {Role.SITE_TECH, Role.UNIT_HEAD})
        channel = Channel.WEB if reporter else Channel.PHONE
        incident = Incident(
            site=site, reported_at=reported_at, reported_by=reporter or self.staff, channel=channel,
            caller="" if reporter else f"Cán bộ kỹ thuật {site.organization.name}",
            family=family, description=rng.choice(DESCRIPTIONS[family]), important_meeting=important,
            severity=severity, holder_id=site.organization_id,
            meeting_ref="Hội nghị trực tuyến của UBND tỉnh" if important else "",
        )
        incident.demo_symptoms = symptoms
        unit = site.organization_id
        events = [_Ev(EventKind.REPORTED, reported_at, unit, reporter or self.staff, incident.description,
                      {"severity": severity, "important_meeting": important, "channel": channel,
                       "symptoms": [s.code for s in symptoms], "suspected_cause": None})]
        t, holder = reported_at, unit
        steps = ["ack", "respond", "pause", "resolve", "reopen", "close"]

        def profile(org_id):
            if org_id == unit:
                return PROFILES["unit"]
            if self.dost and org_id == self.dost.pk:
                return PROFILES["dost"]
            return PROFILES.get(self.operators.get(org_id), PROFILES["unit"])

        # The link or platform gets the incident after triage.
        target = {"network": self.primary.get(site.pk), "platform": self.dost.pk if self.dost else None}.get(cause)
        if target and target != unit:
            t = self.later(t, _lognormal(rng, 15), always)
            suspected = self.terms[("cause", cause)]
            incident.suspected_cause = suspected
            events.append(_Ev(EventKind.TRIAGED, t, unit, self.staff, "",
                              {"severity": severity, "important_meeting": important, "suspected_cause": cause}))
            reason = ("Đèn tín hiệu quang báo lỗi, nghi đường truyền" if cause == "network"
                      else "Lỗi phía nền tảng họp của tỉnh")
            events.append(_Ev(EventKind.REASSIGNED, t, target, self.staff, reason, {"from": unit}))
            holder = target
        ack_m, respond_m, resolve_m = profile(holder)
        worker = self.user_of(holder)
        start = t
        last = len(steps) if stop_after is None else (steps.index(stop_after) + 1 if stop_after in steps else 0)
        for step in steps[:last]:
            if step == "ack":
                t = self.later(start, _lognormal(rng, ack_m), always)
                events.append(_Ev(EventKind.ACKNOWLEDGED, t, holder, worker))
            elif step == "respond":
                t = max(t, self.later(start, _lognormal(rng, respond_m), always))
                events.append(_Ev(EventKind.RESPONDED, t, holder, worker,
                                  rng.choice(["Đã liên hệ điểm cầu, đang kiểm tra từ xa",
                                              "Cử kỹ thuật xuống điểm cầu", "Đang đo kiểm đường truyền"])))
            elif step == "pause" and rng.random() < 0.1:
                events.append(_Ev(EventKind.PAUSED, t + dt.timedelta(minutes=5), holder, worker,
                                  "Đề nghị đơn vị mở phòng họp để kiểm tra thiết bị"))
                t = t + dt.timedelta(hours=rng.randint(2, 30))
                events.append(_Ev(EventKind.RESUMED, t, holder, reporter, "Đã mở phòng họp"))
            elif step == "resolve":
                t = max(t + dt.timedelta(minutes=10), self.later(start, _lognormal(rng, resolve_m), always))
                chosen = action or _pick(rng, ACTIONS[cause])
                incident.cause_found = self.terms[("cause", cause)]
                incident.action_taken = self.terms[("action", chosen)]
                incident.resolution = RESOLUTIONS[chosen]
                events.append(_Ev(EventKind.RESOLVED, t, holder, worker, incident.resolution,
                                  {"cause_found": cause, "action_taken": chosen}))
            elif step == "reopen" and rng.random() < 0.04:
                t = t + dt.timedelta(hours=rng.randint(3, 20))
                events.append(_Ev(EventKind.REOPENED, t, holder, reporter, "Sự cố lặp lại sau khi khắc phục"))
                start = t
                t = self.later(t, _lognormal(rng, resolve_m / 2), always)
                events.append(_Ev(EventKind.RESOLVED, t, holder, worker, incident.resolution,
                                  {"cause_found": cause, "action_taken": incident.action_taken.code}))
            elif step == "close" and rng.random() < 0.8:
                t = t + dt.timedelta(hours=rng.randint(2, 72))
                events.append(_Ev(EventKind.CLOSED, t, holder, reporter))
        events = [e for e in events if e.at <= self.now]
        if not any(e.kind == EventKind.RESOLVED for e in events):
            incident.cause_found = incident.action_taken = None
            incident.resolution = ""
        return incident, events

    def plan_flap(self, site, rng):
        """A link incident monitoring opened and the link cleared by itself a few minutes later (never acted on)."""
        operator = self.primary[site.pk]
        at = self.now - dt.timedelta(days=rng.randint(6, 360), minutes=rng.randint(0, 24 * 60 - 1))
        cleared = at + dt.timedelta(minutes=rng.randint(4, 45))
        symptom = self.terms[("symptom", "unstable_signal")]
        incident = Incident(
            site=site, reported_at=at, reported_by=None, channel=Channel.MONITORING, family="connection",
            description="Cảnh báo tự động từ giám sát đường truyền: mất gói vượt ngưỡng",
            severity=Severity.HIGH, holder_id=operator, suspected_cause=self.terms[("cause", "network")],
            cause_found=self.terms[("cause", "network")], action_taken=self.terms[("action", "keep")],
            resolution="Tự hết: giám sát cho thấy đường truyền đã ổn định trở lại nhiều vòng đo liên tiếp.")
        incident.demo_symptoms = [symptom]
        events = [
            _Ev(EventKind.REPORTED, at, operator, None, incident.description,
                {"severity": Severity.HIGH, "important_meeting": False, "channel": Channel.MONITORING,
                 "symptoms": [symptom.code], "suspected_cause": "network"}),
            _Ev(EventKind.RESOLVED, cleared, operator, None, incident.resolution,
                {"cause_found": "network", "action_taken": "keep", "self_cleared": True}),
        ]
        if rng.random() < 0.8:
            events.append(_Ev(EventKind.CLOSED, cleared + dt.timedelta(hours=rng.randint(2, 48)), operator, self.staff))
        return incident, [e for e in events if e.at <= self.now]


def load(ctx):
    for day, kind, name in CALENDAR_2026:
        CalendarDay.objects.get_or_create(date=day, defaults={"kind": kind, "name": name})
    operators = {o.code: o for o in Organization.objects.operators()}
    for code, severity, ack, respond, resolve, always in CONTRACTS:
        if code in operators:
            SlaPolicy.objects.get_or_create(severity=severity, operator=operators[code], defaults={
                "acknowledge_minutes": ack, "respond_minutes": respond, "resolve_minutes": resolve,
                "around_the_clock": always})
    demo = _Demo(ctx)
    rng = ctx.rng
    sites = list(Site.objects.active().select_related("organization").order_by("code"))
    if not sites:
        return
    # Some sites are much more troubled than others (old devices, thin links).
    weights = [rng.lognormvariate(0, 0.9) * (2.0 if s.pk not in demo.primary else 1.0) for s in sites]
    planned = []
    for _ in range(1100):
        site = rng.choices(sites, weights=weights)[0]
        planned.append(demo.plan(site, reported_at=demo.reported_time(rng.randint(6, 365))))
    # A dozen still open, at every stage, some of them past their targets.
    for stop in ["ack", "respond", "pause", None, None, "ack", "respond", None, "ack", None, None, "respond"]:
        site = rng.choices(sites, weights=weights)[0]
        reported = demo.now - dt.timedelta(hours=rng.randint(1, 90))
        planned.append(demo.plan(site, reported_at=reported, stop_after=stop or "reported"))
    # R10: three sites keep losing sound and nobody records a real fix.
    head = ctx.users.get(str(Role.UNIT_HEAD))
    own = [s for s in sites if head and s.organization_id == head.organization_id][:1]
    repeat_sites = own + rng.sample([s for s in sites if not s.is_hub and s not in own], k=3 - len(own))
    for site in repeat_sites:
        for days in sorted(rng.sample(range(1, 27), k=rng.randint(3, 4)), reverse=True):
            planned.append(demo.plan(site, reported_at=demo.reported_time(days), family="audio",
                                     cause="operation", action="keep"))
    # Links that flap: monitoring opens an incident for the operator and the link recovers by itself.
    # Drawn from their own generator so the apps after this one get the same demo as before.
    flaps = random.Random(2026)
    linked = [s for s in sites if s.pk in demo.primary]
    for _ in range(FLAPS if linked else 0):
        planned.append(demo.plan_flap(flaps.choice(linked), flaps))
    _save(ctx, demo, planned)
    sla_tally_rebuild()
    incident_tally_rebuild()
    for site in {s.pk: s for s in repeat_sites}.values():
        repeat_check(site, now=demo.now, quiet=True)
    _notice_heads(ctx)
    open_count = sum(1 for i, _e in planned if i.status in Status.open_values())
    ctx.log(f"  {len(planned)} incidents, {open_count} open")


FLAPS = 36


def _save(ctx, demo, planned):
    incidents = Incident.objects.bulk_create([i for i, _e in planned], batch_size=500)
    through = Incident.symptoms.through
    through.objects.bulk_create([through(incident_id=i.pk, term_id=s.pk) for i in incidents for s in i.demo_symptoms],
                                batch_size=1000)
    rows = []
    for incident, events in planned:
        _fix_targets(demo, incident, events)
        for e in events:
            rows.append(IncidentEvent(incident=incident, kind=e.kind, at=e.at, user=e.user, holder_id=e.holder_id,
                                      note=e.note, data=e.data))
    IncidentEvent.objects.bulk_create(rows, batch_size=1000)
    by_incident = {}
    for row in rows:
        by_incident.setdefault(row.incident_id, []).append(row)
    for events in by_incident.values():
        events.sort(key=lambda e: e.at)
    holdings, clock_specs, escalations = [], [], []
    for incident in incidents:
        events = by_incident[incident.pk]
        derived = derive(events, policies=demo.policies, calendar=demo.calendar, now=demo.now)
        apply_derived(incident, derived, events)
        for spec in derived.holdings:
            holding = Holding(incident=incident, holder_id=spec.holder_id, period=spec.period,
                              started_at=spec.started_at, ended_at=spec.ended_at, reason=spec.reason)
            holdings.append(holding)
            clock_specs.append((holding, spec))
    Holding.objects.bulk_create(holdings, batch_size=1000)
    clocks = []
    for holding, spec in clock_specs:
        for target, c in spec.clocks.items():
            late = c.state in ("missed", "overdue") and c.due_at and c.due_at <= demo.now
            clocks.append(Clock(holding=holding, incident_id=holding.incident_id, holder_id=holding.holder_id,
                                target=target, target_seconds=c.target_seconds, around_the_clock=c.around_the_clock,
                                hours=c.hours, started_at=c.started_at, state=c.state, due_at=c.due_at,
                                warn_at=c.warn_at, second_escalation_at=c.second_escalation_at, met_at=c.met_at,
                                ended_at=c.ended_at, elapsed_seconds=c.elapsed_seconds,
                                carried_seconds=c.carried_seconds, counting_since=c.counting_since,
                                escalation_level=1 if late else 0,
                                warned_at=c.warn_at if c.warn_at and c.warn_at <= demo.now else None))
            if late:
                escalations.append(IncidentEvent(incident_id=holding.incident_id, kind=EventKind.ESCALATED,
                                                 at=c.due_at, holder_id=holding.holder_id,
                                                 data={"target": target, "level": 1}))
    Clock.objects.bulk_create(clocks, batch_size=1000)
    IncidentEvent.objects.bulk_create(escalations, batch_size=1000)
    update_rows(incidents, DENORMALISED)


def _fix_targets(demo, incident, events):
    """Write the targets that applied into the steps that fixed them, as the services do."""
    severity, important, holder_id = incident.severity, incident.important_meeting, None
    for e in events:
        severity = e.data.get("severity", severity)
        important = e.data.get("important_meeting", important)
        if e.kind in (EventKind.REPORTED, EventKind.REASSIGNED, EventKind.REOPENED):
            holder_id = e.holder_id or holder_id
        if e.kind in TARGET_EVENTS:
            e.data = {**e.data, "sla": demo.policies.effective(severity, holder_id, important).snapshot()}


def _notice_heads(ctx):
    head = ctx.users.get(str(Role.UNIT_HEAD))
    if head and not Notice.objects.filter(user=head, kind="incident.repeat").exists():
        from diemcau.incidents.models import RepeatFlag

        flag = RepeatFlag.objects.filter(Q(site__organization=head.organization_id), cleared_at__isnull=True).first()
        if flag:
            Notice.objects.create(user=head, kind="incident.repeat", url="/incidents/repeats/",
                                  title=f"{flag.site.name}: {flag.count} sự cố về âm thanh trong {flag.window_days} ngày")
