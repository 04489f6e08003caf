"""Demo data of review campaigns: last year's accepted review and this year's, past its deadline,
with a realistic mix of accepted, submitted, returned, draft and late units, proposals of every
kind (cheapest first, some purchases flagged by the waste checks and answered) — so the aggregate,
the three lists and the history have something true to show.

Runs after the inventory, standards and incidents demos, on whatever sites they created.
"""

import datetime as dt

from django.db.models import Count

from diemcau.accounts.choices import Role
from diemcau.accounts.models import User
from diemcau.core import outbox
from diemcau.core.models import Notice
from diemcau.inventory.choices import ORG_KIND_DOST, ORG_KIND_OPERATOR
from diemcau.inventory.models import Organization, Term
from diemcau.reviews import services
from diemcau.reviews.checks import refresh_flags, refresh_flags_near
from diemcau.reviews.models import Evidence, Proposal, TaskEvent, UnitTask

# What a careful unit proposes for a worn device group: (action, cause, description, cost range in VND).
FIXES = {
    "terminal": [("reconfigure", "configuration", "Cấu hình lại băng thông cuộc gọi 2 Mbps, bật QoS theo hồ sơ chuẩn", (0, 0)),
                 ("software", "equipment", "Nâng cấp firmware thiết bị đầu cuối lên bản tương thích MCU tỉnh", (0, 3_000_000))],
    "computer": [("software", "configuration", "Cài lại phần mềm họp, cập nhật trình duyệt", (0, 1_500_000)),
                 ("accessory", "equipment", "Thay ổ cứng SSD cho máy tính họp", (1_200_000, 2_500_000))],
    "camera": [("rearrange", "configuration", "Bố trí lại vị trí camera, tránh ngược sáng cửa sổ", (0, 500_000)),
               ("accessory", "equipment", "Thay cáp HDMI/USB kéo dài cho camera", (300_000, 1_200_000))],
    "microphone": [("accessory", "equipment", "Thay dây và giắc micro cổ ngỗng", (200_000, 900_000)),
                   ("training", "operation", "Hướng dẫn cán bộ bật/tắt micro, tránh hú", (0, 1_000_000))],
    "speaker": [("rearrange", "configuration", "Đặt lại loa xa micro, chỉnh âm lượng bộ trộn", (0, 300_000))],
    "audio_processor": [("reconfigure", "configuration", "Bật khử vọng (AEC) và chống hú trên bộ xử lý âm thanh", (0, 0))],
    "display": [("accessory", "equipment", "Thay cáp tín hiệu màn hình", (250_000, 800_000))],
    "controller": [("software", "equipment", "Cập nhật phần mềm bộ điều khiển", (0, 500_000))],
    "network": [("link", "network", "Nâng băng thông đường truyền TSLCD lên 20 Mbps", (2_400_000, 9_600_000)),
                ("reconnect", "network", "Chuyển thiết bị đầu cuối từ Wi-Fi sang cáp mạng", (300_000, 1_500_000))],
    "power": [("accessory", "power", "Thay ắc quy UPS", (1_500_000, 4_000_000))],
    "accessory": [("accessory", "equipment", "Thay cáp, đầu nối hỏng", (200_000, 1_000_000))],
    "software": [("software", "configuration", "Gia hạn bản quyền phần mềm họp", (2_000_000, 6_000_000))],
}
# Replacing a broken device: (description, cost range, proposed model facts).
PURCHASES = {
    "terminal": ("Thay thiết bị đầu cuối hỏng", (85_000_000, 180_000_000),
                 {"manufacturer": "Poly", "model": "Studio X50", "protocols": ["SIP", "H.323"],
                  "video_codecs": ["H.264", "H.265"], "audio_codecs": ["G.711", "G.722", "Opus"], "max_resolution": "1080p"}),
    "camera": ("Thay camera PTZ hỏng", (18_000_000, 42_000_000), {"manufacturer": "Logitech", "model": "Rally Camera",
                                                                  "max_resolution": "1080p"}),
    "microphone": ("Thay bộ micro hội nghị hỏng", (4_000_000, 15_000_000), {}),
    "speaker": ("Thay loa hội trường hỏng", (3_000_000, 9_000_000), {}),
    "display": ("Thay màn hình hiển thị hỏng", (16_000_000, 38_000_000), {}),
    "power": ("Thay UPS 2 kVA", (6_000_000, 14_000_000), {}),
    "network": ("Thay switch PoE hỏng", (3_500_000, 8_000_000), {}),
    "computer": ("Thay máy tính họp", (14_000_000, 22_000_000), {
        "manufacturer": "Dell", "model": "OptiPlex 7010", "protocols": ["WebRTC"], "video_codecs": ["H.264", "VP8"],
        "audio_codecs": ["Opus"]}),
}
RETURN_NOTES = [
    "Đề xuất thay thiết bị chưa có ảnh hiện trạng; bổ sung minh chứng.",
    "Đề nghị làm rõ nguyên nhân lỗi mất tiếng trước khi đề xuất mua mới.",
    "Chi phí dự kiến cao so với mặt bằng giá; đề nghị rà soát lại.",
]


class _Demo:
    def __init__(self, ctx):
        self.ctx = ctx
        self.rng = ctx.rng
        self.terms = {(t.taxonomy, t.code): t for t in Term.objects.filter(
            taxonomy__in=["action", "cause", "device_group", "device_condition"])}
        self.heads = {}

    def term(self, taxonomy, code):
        return self.terms[(taxonomy, code)]

    def head_of(self, org):
        """The unit head who signs: the demo one, or a named head who cannot sign in."""
        if org.pk in self.heads:
            return self.heads[org.pk]
        head = User.objects.filter(organization=org, role=Role.UNIT_HEAD, is_active=True).first()
        if head is None:
            head = User(username=f"thutruong-{org.code.lower()}", role=Role.UNIT_HEAD, organization=org,
                        first_name="Thủ trưởng", last_name=org.name)
            head.set_unusable_password()
            head.save()
        self.heads[org.pk] = head
        return head

    def tech_of(self, org):
        return User.objects.filter(organization=org, role=Role.SITE_TECH, is_active=True).first() or self.head_of(org)

    def cost(self, low_high):
        low, high = low_high
        return 0 if high == 0 else int(self.rng.randint(low, high) // 100_000 * 100_000)

    def proposal(self, assessment, user, *, group, action, cause, description, cost, quantity=1, evidence=False,
                 **fields):
        if evidence:
            Evidence.objects.create(assessment=assessment, group=self.term("device_group", group), uploaded_by=user,
                                    note=self.rng.choice(["Ảnh hiện trạng và biên bản kiểm tra của cán bộ kỹ thuật",
                                                          "Biên bản kiểm tra: thiết bị không khởi động, đã thử thay nguồn",
                                                          "Ghi nhận của VNPT khi kiểm tra tại chỗ"]))
        return Proposal.objects.create(
            assessment=assessment, group=self.term("device_group", group), action=self.term("action", action),
            cause=self.term("cause", cause) if cause else None, description=description, cost_vnd=cost,
            quantity=quantity, created_by=user, **fields)

    def fill(self, task, *, now, careful=True):
        """Answer every assessment of a task as a unit would; a careless unit leaves gaps (drafts)."""
        user = self.tech_of(task.organization)
        services.task_start(task, user=user, now=now)
        for assessment in task.assessments.select_related("site").prefetch_related("groups__group",
                                                                                  "groups__condition", "groups__faults"):
            worst = "fully" if assessment.groups.all() else "not"
            for g in assessment.groups.all():
                if g.condition is None:
                    if not careful and self.rng.random() < 0.6:
                        continue  # a blank the checks will catch
                    g.condition = self.term("device_condition", self.rng.choice(["good", "good", "degraded"]))
                state = g.condition.code
                g.meets_needs = {"good": "fully", "degraded": "partly", "broken": "not"}.get(state, "partly")
                g.save(update_fields=["condition", "meets_needs"])
                if g.faults.all() and not g.causes.exists():
                    g.causes.add(self.term("cause", "configuration" if state == "good" else "equipment"))
                if state == "good":
                    if self.rng.random() < 0.25:
                        self.proposal(assessment, user, group=g.group.code, action="keep", cause=None,
                                      description="Tiếp tục sử dụng, bảo dưỡng định kỳ", cost=0)
                    continue
                worst = "not" if state == "broken" else ("partly" if worst == "fully" else worst)
                if state == "broken" and g.group.code in PURCHASES:
                    description, costs, model = PURCHASES[g.group.code]
                    self.proposal(assessment, user, group=g.group.code, action="replace", cause="equipment",
                                  description=description, cost=self.cost(costs), evidence=careful,
                                  justification="Thiết bị hỏng, hãng đã ngừng hỗ trợ linh kiện; sửa chữa không hiệu quả",
                                  **model)
                else:
                    action, cause, description, costs = self.rng.choice(FIXES.get(g.group.code, FIXES["accessory"]))
                    self.proposal(assessment, user, group=g.group.code, action=action, cause=cause,
                                  description=description, cost=self.cost(costs),
                                  province_wide=action in ("reconfigure", "software") and self.rng.random() < 0.6,
                                  help_now=state == "degraded" and self.rng.random() < 0.2)
            assessment.meets_needs = worst
            assessment.summary = {"fully": "Điểm cầu đáp ứng tốt các cuộc họp của tỉnh.",
                                  "partly": "Điểm cầu họp được nhưng còn lỗi âm thanh/hình ảnh cần khắc phục.",
                                  "not": "Điểm cầu chưa đáp ứng yêu cầu họp trực tuyến của tỉnh."}[worst]
            assessment.updated_by = user
            assessment.save(update_fields=["meets_needs", "summary", "updated_by"])
        return user

    def wasteful(self, task, *, answered=True):
        """A purchase the waste checks catch: a second good device, or money for a configuration fault."""
        user = self.tech_of(task.organization)
        assessment = task.assessments.annotate(n=Count("groups")).filter(n__gt=0).order_by("?").first()
        if assessment is None:
            return None
        good = assessment.groups.filter(condition__code="good").select_related("group").first()
        if good is not None and self.rng.random() < 0.6:
            proposal = self.proposal(assessment, user, group=good.group.code, action="invest", cause="equipment",
                                     description=f"Mua mới {good.group.name_vi.lower()} đồng bộ",
                                     cost=self.cost((8_000_000, 60_000_000)), evidence=True,
                                     justification="Đề nghị đầu tư đồng bộ theo kế hoạch của đơn vị",
                                     **PURCHASES.get(good.group.code, ("", (0, 0), {}))[2])
        else:
            proposal = self.proposal(assessment, user, group="terminal", action="replace", cause="configuration",
                                     description="Thay thiết bị đầu cuối do hay mất tiếng",
                                     cost=self.cost((90_000_000, 160_000_000)), evidence=True,
                                     justification="Thiết bị hay mất tiếng khi họp",
                                     manufacturer="NoName", model="Cloud Box 1", protocols=["WebRTC"],
                                     video_codecs=["VP8"], audio_codecs=["Opus"])
        if answered:
            proposal.flag_reason = self.rng.choice([
                "Hội trường trên 150 chỗ, một bộ không đủ phủ âm cho hàng ghế sau",
                "Thiết bị hiện có mượn của đơn vị khác, phải trả lại trong năm",
                "Đã cấu hình lại nhiều lần không hết lỗi; VNPT xác nhận cần thay",
            ])
            proposal.save(update_fields=["flag_reason"])
        return proposal


def _submit(demo, task, *, now, late=False):
    head = demo.head_of(task.organization)
    # The flags this unit's proposals can have (as task_submit computes them), not the whole campaign's
    # again for every unit: that made the demo quadratic in the number of units.
    refresh_flags_near(task.campaign_id, task.assessments.values_list("site_id", flat=True))
    for proposal in Proposal.objects.filter(assessment__task=task).exclude(flags=[]).filter(flag_reason=""):
        proposal.flag_reason = "Đơn vị đã cân nhắc, đề nghị Sở xem xét"
        proposal.save(update_fields=["flag_reason"])
    services.task_submit(task, user=head, now=now, note="Đơn vị cam kết số liệu đúng thực tế" if not late else
                         "Nộp muộn do cán bộ kỹ thuật đi tập huấn")


def load(ctx):
    with outbox.notices_only():
        _load(ctx)


def _load(ctx):
    demo = _Demo(ctx)
    rng, now = ctx.rng, ctx.now
    admin, staff = ctx.users.get(str(Role.DOST_ADMIN)), ctx.users.get(str(Role.DOST_STAFF))
    units = list(Organization.objects.filter(is_active=True, sites__retired_at__isnull=True)
                 .exclude(kind__code__in=[ORG_KIND_OPERATOR, ORG_KIND_DOST]).distinct().order_by("code"))
    if not units or admin is None:
        return
    demo_unit = ctx.users.get(str(Role.UNIT_HEAD)).organization if ctx.users.get(str(Role.UNIT_HEAD)) else None

    # Last year: everyone assessed, accepted, campaign closed.
    opened = now - dt.timedelta(days=365)
    last = services.campaign_open(
        title="Rà soát, đánh giá hiện trạng hệ thống họp trực tuyến năm 2025", organizations=units, user=admin,
        deadline=opened + dt.timedelta(days=30), now=opened, reminder_days=[7, 3, 1],
        instructions="Các đơn vị rà soát toàn bộ điểm cầu, gửi báo cáo về Sở KH&CN.",
    )
    for task in last.tasks.select_related("organization", "campaign"):
        demo.fill(task, now=opened + dt.timedelta(days=3))
        _submit(demo, task, now=opened + dt.timedelta(days=rng.randint(10, 29)))
        services.task_accept(task, user=staff or admin, now=opened + dt.timedelta(days=rng.randint(31, 40)))
    services.campaign_close(last, now=opened + dt.timedelta(days=60))
    # Last year's notices were read long ago.
    urls = [last.get_absolute_url()] + [t.get_absolute_url() for t in last.tasks.all()]
    Notice.objects.filter(kind__startswith="review.", url__in=urls).update(read_at=opened + dt.timedelta(days=61))

    # This year: deadline two days ago, a realistic mix of states.
    opened = now - dt.timedelta(days=25)
    current = services.campaign_open(
        title="Rà soát, đánh giá hiện trạng hệ thống họp trực tuyến năm 2026 (theo chỉ đạo của UBND tỉnh)",
        organizations=units, user=admin, deadline=now - dt.timedelta(days=2), now=opened, reminder_days=[7, 3, 1],
        previous=last,
        instructions=("Thực hiện theo chỉ đạo của UBND tỉnh về vận hành ổn định hệ thống họp trực tuyến:\n"
                      "1. Đánh giá từng điểm cầu, từng nhóm thiết bị; nêu rõ lỗi thường gặp và nguyên nhân chính.\n"
                      "2. Ưu tiên giải pháp chi phí thấp: sắp xếp, cấu hình, thay phụ kiện, nâng cấp phần mềm.\n"
                      "3. Chỉ đề xuất đầu tư khi có minh chứng; không đề xuất mua sắm dàn trải."),
    )
    tasks = list(current.tasks.select_related("organization", "campaign").order_by("organization__code"))
    rng.shuffle(tasks)
    counts = {}
    for index, task in enumerate(tasks):
        share = index / len(tasks)
        if task.organization_id == (demo_unit.pk if demo_unit else None):
            fate = "returned"
        elif share < 0.40:
            fate = "accepted"
        elif share < 0.58:
            fate = "submitted"
        elif share < 0.66:
            fate = "returned"
        elif share < 0.76:
            fate = "late_submitted"
        elif share < 0.90:
            fate = "draft"
        else:
            fate = "not_started"
        counts[fate] = counts.get(fate, 0) + 1
        if fate == "not_started":
            continue
        started = opened + dt.timedelta(days=rng.randint(1, 12))
        demo.fill(task, now=started, careful=fate != "draft")
        if rng.random() < 0.45 or fate in ("returned", "draft"):
            demo.wasteful(task, answered=fate != "draft")
        if fate == "draft":
            continue
        submitted_at = (current.deadline + dt.timedelta(hours=rng.randint(5, 40)) if fate == "late_submitted"
                        else current.deadline - dt.timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 8)))
        _submit(demo, task, now=submitted_at, late=fate == "late_submitted")
        if fate == "accepted":
            services.task_accept(task, user=staff or admin, now=min(submitted_at + dt.timedelta(days=2), now))
        elif fate == "returned":
            purchase = Proposal.objects.filter(assessment__task=task, action__code__in=["replace", "invest"]).first()
            comments = {("proposal", purchase.pk): rng.choice(RETURN_NOTES)} if purchase else {}
            first = task.assessments.first()
            if first is not None and not comments:
                comments[("assessment", first.pk)] = "Đề nghị mô tả cụ thể tần suất lỗi và nguyên nhân."
            services.task_return(task, user=staff or admin, now=min(submitted_at + dt.timedelta(days=1), now),
                                 note="Đơn vị hoàn thiện theo ý kiến của Sở và gửi lại.", comments=comments)
    refresh_flags(current.pk)
    flagged = Proposal.objects.filter(assessment__task__campaign=current).exclude(flags=[]).count()
    events = TaskEvent.objects.filter(task__campaign=current).count()
    late = sum(1 for t in UnitTask.objects.filter(campaign=current).select_related("campaign") if t.is_late(now))
    ctx.log(f"  campaigns: 2025 closed ({len(units)} units accepted); 2026 {counts}, {late} late, "
            f"{flagged} proposals flagged by the waste checks, {events} task events")
