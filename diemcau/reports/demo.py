"""Demo data of the reports app: from this year's campaign, the units' reports (some issued), the
province assessment and plan drafts, an adopted roadmap with progress, and the guides library.

PDFs are not made here (the worker converts issued documents when it starts), so the demo loads in
seconds. Runs after the reviews demo.
"""

import datetime as dt

from django.utils import timezone

from diemcau.accounts.choices import Role
from diemcau.reports import services
from diemcau.reports.choices import DocKind, GuideTopic, PdfStatus, WorkStatus
from diemcau.reports.models import IssuedDocument, Work
from diemcau.reviews.models import Campaign, UnitTask

GUIDES = [
    ("kiem-tra-truoc-hop", "Quy trình kiểm tra trước cuộc họp trực tuyến", GuideTopic.PRECHECK,
     "precheck", """## Thời điểm

Cán bộ đầu mối kỹ thuật kiểm tra **trước giờ họp ít nhất 60 phút** (cuộc họp quan trọng: từ chiều hôm trước).

## Các bước

1. Bật nguồn, kiểm tra UPS còn lưu điện.
2. Kiểm tra đường truyền: đo tốc độ, độ trễ tới máy chủ hội nghị của tỉnh.
3. Gọi thử tới điểm cầu trung tâm; kiểm tra hình, tiếng hai chiều.
4. Kiểm tra micro từng vị trí, tắt micro không dùng; chỉnh âm lượng tránh hú.
5. Kiểm tra màn hình, camera (góc quay, ánh sáng).
6. Báo kết quả trên Điểm Cầu; có lỗi thì báo sự cố ngay.

| Hạng mục | Đạt khi |
|---|---|
| Độ trễ | dưới 150 ms |
| Mất gói | dưới 1% |
"""),
    ("tiep-nhan-su-co", "Quy trình tiếp nhận, xử lý sự cố", GuideTopic.INCIDENT, "incident", """## Báo sự cố

- Báo trên Điểm Cầu (điện thoại hoặc máy tính), chọn đúng triệu chứng, chụp ảnh nếu có.
- Cuộc họp quan trọng: gọi ngay đầu mối trực của Sở và doanh nghiệp viễn thông.

## Xử lý

1. Đơn vị được giao **tiếp nhận** trong thời hạn cam kết.
2. **Phản hồi** hướng xử lý cho điểm cầu.
3. **Khắc phục** và ghi rõ nguyên nhân, biện pháp.

Sự cố lặp lại tại cùng điểm cầu được báo cho thủ trưởng đơn vị.
"""),
    ("cau-hinh-chuan", "Cấu hình chuẩn thiết bị đầu cuối", GuideTopic.CONFIGURATION, "configuration", """## Nguyên tắc

- Dùng **hồ sơ cấu hình chuẩn** của tỉnh; không tự ý thay đổi.
- Băng thông cuộc gọi 2 Mbps; bật QoS (DSCP AF41 cho hình, EF cho tiếng).
- Chuẩn hình H.264, chuẩn tiếng G.722.
- Kết nối chính bằng cáp; Wi-Fi, 4G chỉ làm dự phòng.
"""),
]


def load(ctx):
    admin = ctx.users.get(str(Role.DOST_ADMIN))
    head = ctx.users.get(str(Role.UNIT_HEAD))
    department = services.department()
    campaign = Campaign.objects.filter(closed_at__isnull=True).order_by("-deadline").first()
    if admin is None or department is None or campaign is None:
        return
    today = timezone.localdate(ctx.now)
    # Guides first: the plan's part (4) names them.
    for code, title, topic, _anchor, body in GUIDES:
        services.guide_publish(code=code, title=title, topic=topic, body=body, user=admin,
                               note="Ban hành lần đầu")
    guide = services.guide_publish(guide=services.Guide.objects.get(code="kiem-tra-truoc-hop"),
                                   body=GUIDES[0][4].replace(
                                       "có lỗi thì báo sự cố ngay.\n",
                                       "có lỗi thì báo sự cố ngay.\n7. Ghi lại số điện thoại trực của doanh nghiệp "
                                       "viễn thông.\n"),
                                   note="Bổ sung bước 7", user=admin)
    if head is not None:
        services.guide_confirm(guide, user=head)
    from diemcau.inventory.models import Term

    services.Guide.objects.get(code="tiep-nhan-su-co").symptoms.set(
        Term.objects.filter(taxonomy="symptom", code__in=["disconnect", "cannot_connect", "unstable_signal"]))

    accepted = list(UnitTask.objects.filter(campaign=campaign, state="accepted").select_related(
        "organization__kind").order_by("organization__code"))
    issued = 0
    for n, task in enumerate(accepted):
        doc = services.document_for(kind=DocKind.UNIT_REPORT, organization=task.organization, campaign=campaign)
        if n % 3:
            continue
        signer = task.submitted_by or admin
        services.document_save_draft(doc, user=signer, texts={
            "assessment": "Các điểm cầu của đơn vị cơ bản đáp ứng yêu cầu họp trực tuyến; một số thiết bị âm thanh "
                          "xuống cấp cần thay phụ kiện, cấu hình lại theo hồ sơ chuẩn của tỉnh.",
            "proposals": "Đề nghị Sở Khoa học và Công nghệ hỗ trợ cấu hình lại thiết bị đầu cuối và phối hợp với "
                         "doanh nghiệp viễn thông củng cố đường truyền."})
        kind = task.organization.kind.code
        services.document_issue(doc, user=signer, position="Chủ tịch" if kind in ("commune", "ward") else "Giám đốc",
                                authority="TM. Ủy ban nhân dân" if kind in ("commune", "ward") else "",
                                today=today - dt.timedelta(days=1))
        issued += 1
    if head is not None:
        task = UnitTask.objects.filter(campaign=campaign, organization=head.organization).first()
        if task is not None:
            services.document_for(kind=DocKind.UNIT_REPORT, organization=head.organization, campaign=campaign)
    # The demo makes no PDFs: the worker converts them when it runs.
    IssuedDocument.objects.filter(pdf_status=PdfStatus.PENDING).update(pdf_claimed_at=None)

    services.document_for(kind=DocKind.ASSESSMENT, organization=department, campaign=campaign)
    year = today.year + 1
    # Budgets well below what was asked, as in a mountainous province: about a third, then a quarter.
    from diemcau.reports.evidence import accepted_proposals

    asked = sum(p.cost_vnd for p in accepted_proposals(campaign))
    first, second = (max(asked * share // 50_000_000 * 50_000_000, 50_000_000) for share in (0.35, 0.25))
    roadmap = services.roadmap_build(
        campaign=campaign, title=f"Lộ trình nâng cao chất lượng hệ thống họp trực tuyến {year}–{year + 1}",
        phases=[{"label": f"Giai đoạn 1 (năm {year})", "budget": int(first), "due": f"{year}-06-30"},
                {"label": f"Giai đoạn 2 (năm {year + 1})", "budget": int(second), "due": f"{year + 1}-06-30"}],
        user=admin, time_limit=20, now=ctx.now)
    plan = services.document_for(kind=DocKind.PLAN, organization=department, campaign=campaign, roadmap=roadmap)
    services.document_save_draft(plan, user=admin, texts={
        "support": "Sở Khoa học và Công nghệ bố trí cán bộ trực kỹ thuật trong các cuộc họp quan trọng của tỉnh; "
                   "VNPT Cao Bằng, Viettel Cao Bằng cử đầu mối kỹ thuật trực theo lịch."})
    services.roadmap_adopt(roadmap, user=admin, today=today)
    # Some work already started or done, one piece late.
    works = list(Work.objects.filter(item__roadmap=roadmap).order_by("item__rank")[:12])
    for n, work in enumerate(works):
        if n < 4:
            services.work_update(work, user=admin, status=WorkStatus.DONE, cost_spent=work.item.cost,
                                 done_on=today - dt.timedelta(days=3), note="Đã hoàn thành, nghiệm thu")
        elif n < 8:
            services.work_update(work, user=admin, status=WorkStatus.IN_PROGRESS, cost_spent=work.item.cost // 3)
    if len(works) > 9:
        Work.objects.filter(pk=works[9].pk).update(due_on=today - dt.timedelta(days=5))
    funded = roadmap.items.filter(phase__gt=0).count()
    ctx.log(f"  reports: {len(accepted)} unit reports ({issued} issued), assessment and plan drafts, roadmap "
            f"{funded}/{roadmap.items.count()} items funded (gap {100 * (roadmap.gap or 0):.1f}%), "
            f"{len(GUIDES)} guides")
