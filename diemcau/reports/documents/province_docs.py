"""The province assessment (R11) and the overall plan (R12, its five parts), for the department."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.conf import settings
from django.utils import timezone, translation

from diemcau.lib import charts
from diemcau.lib.nd30 import OfficialDocument, Table
from diemcau.reports.documents import Built, close, heading, texts_of, written
from diemcau.reports.documents.facts import (
    incidents_of,
    period,
    proposals_annex,
    roadmap_annex,
    sla_by_holder,
)
from diemcau.reports.text import LIST_VI, VERDICT_VI, nfc, number, percent, vnd, vnd_short

KIND_VI = {"leadership": "Khối lãnh đạo tỉnh", "party": "Khối Đảng, đoàn thể", "department": "Sở, ban, ngành",
           "dost": "Sở, ban, ngành", "ward": "UBND phường", "commune": "UBND xã"}
VERDICTS = ("stable", "unstable", "unfit")


def _accepted(campaign):
    from diemcau.reviews.models import Assessment, Proposal

    assessments = list(Assessment.objects.filter(task__campaign=campaign, task__state="accepted")
                       .select_related("site", "site__organization__kind").defer("known", "summary"))
    # JSON columns the documents never print are not read: decoding them was most of the time at 10,000 sites.
    proposals = list(Proposal.objects.filter(assessment__task__campaign=campaign, assessment__task__state="accepted")
                     .select_related("action", "group", "cause", "assessment__site")
                     .defer("flags", "protocols", "video_codecs", "audio_codecs", "group__extra", "cause__extra",
                            "assessment__known", "assessment__summary", "assessment__site__search_text",
                            "assessment__site__notes", "assessment__site__backup_plan")
                     .order_by("assessment__site__code", "action__position", "pk"))
    return assessments, proposals


def _verdicts_by_kind(assessments):
    table = defaultdict(Counter)
    for a in assessments:
        table[KIND_VI.get(a.site.organization.kind.code, "Khác")][a.verdict or ""] += 1
    return table


def _verdict_chart(table) -> bytes:
    kinds = sorted(table)
    return charts.bar_chart(kinds, {VERDICT_VI[v].capitalize(): [table[k].get(v, 0) for k in kinds] for v in VERDICTS},
                            ylabel="Số điểm cầu", colours=["#1f4e79", "#bfbfbf", "#c00000"])


def _lists(proposals):
    rows = {code: {"items": 0, "cost": 0, "sites": set()} for code in ("continue", "fix", "invest")}
    for p in proposals:
        row = rows.setdefault(p.list_code, {"items": 0, "cost": 0, "sites": set()})
        row["items"] += 1
        row["cost"] += p.cost_vnd
        row["sites"].add(p.assessment.site_id)
    return rows


def _assessment_body(b, campaign, assessments, proposals, today):
    table = _verdicts_by_kind(assessments)
    counts = Counter(a.verdict or "" for a in assessments)
    total = len(assessments)
    b.section("Kết quả đánh giá tổng thể")
    b.paragraph(f"Tổng hợp báo cáo của các đơn vị đã được Sở tiếp nhận: {total} điểm cầu; "
                + "; ".join(f"{VERDICT_VI[v]}: {counts.get(v, 0)} điểm cầu ({percent(counts.get(v, 0), total)})"
                            for v in VERDICTS) + ".")
    rows = [[k, *[str(table[k].get(v, 0)) for v in VERDICTS], str(sum(table[k].values()))] for k in sorted(table)]
    rows.append(["Tổng cộng", *[str(counts.get(v, 0)) for v in VERDICTS], str(total)])
    b.table(Table(headers=["Khối đơn vị", "Ổn định", "Không ổn định", "Không phù hợp", "Tổng"], rows=rows,
                  widths_mm=[55, 27, 30, 30, 23], numeric={1, 2, 3, 4}))
    if assessments:
        b.image(_verdict_chart(table), width_mm=150, caption="Hình 1. Mức ổn định của điểm cầu theo khối đơn vị")
    unfit = [a for a in assessments if a.verdict == "unfit"]
    if unfit:
        b.subsection("Các điểm cầu không còn phù hợp")
        for a in sorted(unfit, key=lambda a: a.site.code):
            org = nfc(a.site.organization.name)
            b.bullet(f"{nfc(a.site.name)};" if org in nfc(a.site.name) else f"{nfc(a.site.name)} ({org});")
    start, end = period(campaign, today)
    incidents = incidents_of([a.site_id for a in assessments], start, end)
    sla = [r for r in sla_by_holder(start=start, end=end) if r["operator"]]
    b.section("Sự cố và chất lượng dịch vụ")
    b.paragraph(f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}: {incidents['total']} sự cố tại các điểm cầu "
                f"đã đánh giá, khắc phục {incidents['resolved']} ({percent(incidents['resolved'], incidents['total'])}), "
                f"{incidents['repeats']} sự cố lặp lại, {incidents['breached']} sự cố quá hạn cam kết.")
    if sla:
        b.table(Table(headers=["Doanh nghiệp", "Sự cố", "Đúng hạn khắc phục", "Khắc phục TB (giờ)"],
                      rows=[[r["holder"], str(r["incidents"]), f"{number(r['pct'])}%" if r["pct"] is not None else "—",
                             number(r["mttr_h"]) if r["mttr_h"] is not None else "—"] for r in sla],
                      widths_mm=[65, 25, 35, 40], numeric={1, 2, 3}))
        b.image(charts.bar_chart([r["holder"] for r in sla], {"Đúng hạn": [r["pct"] or 0 for r in sla]},
                                 ylabel="% sự cố khắc phục đúng hạn", percent=True, height_in=2.6),
                width_mm=120, caption="Hình 2. Tỷ lệ khắc phục sự cố đúng hạn theo doanh nghiệp viễn thông")
    return table, counts, incidents


def _three_lists(b, proposals, *, figure: int):
    lists = _lists(proposals)
    rows = [[LIST_VI[c], str(lists[c]["items"]), str(len(lists[c]["sites"])), number(lists[c]["cost"])]
            for c in ("continue", "fix", "invest")]
    rows.append(["Tổng cộng", str(sum(r["items"] for r in lists.values())),
                 str(len(set().union(*[r["sites"] for r in lists.values()]))),
                 number(sum(r["cost"] for r in lists.values()))])
    b.table(Table(headers=["Danh mục", "Số hạng mục", "Số điểm cầu", "Kinh phí (đồng)"], rows=rows,
                  widths_mm=[75, 25, 25, 40], numeric={1, 2, 3}))
    if any(lists[c]["cost"] for c in ("fix", "invest")):
        b.image(charts.bar_chart(["Sửa chữa, cấu hình, nâng cấp nhẹ", "Đầu tư mới"],
                                 {"Kinh phí (triệu đồng)": [lists["fix"]["cost"] / 1e6, lists["invest"]["cost"] / 1e6]},
                                 ylabel="Triệu đồng", height_in=2.4, width_in=5.0),
                width_mm=110, caption=f"Hình {figure}. Kinh phí theo danh mục")
    return lists


def build_assessment(doc, issued=None) -> Built:
    texts = texts_of(doc, issued)
    today = issued.issued_on if issued else timezone.localdate()
    assessments, proposals = _accepted(doc.campaign)
    b = OfficialDocument(heading(doc, issued))
    written(b, texts.get("opening", ""))
    table, counts, incidents = _assessment_body(b, doc.campaign, assessments, proposals, today)
    b.section("Ba danh mục thiết bị, hạ tầng")
    _three_lists(b, proposals, figure=3)
    b.section("Đánh giá chung")
    written(b, texts.get("conclusion", ""), placeholder="(Đánh giá chung của Sở.)")
    b.section("Kiến nghị")
    written(b, texts.get("proposals", ""), placeholder="(Kiến nghị với Ủy ban nhân dân tỉnh.)")
    close(b, doc, texts, issued)
    return Built(docx=b.to_bytes(), annex=proposals_annex(proposals) if proposals else None,
                 facts={"sites": len(assessments), "verdicts": dict(counts), "proposals": len(proposals),
                        "incidents": incidents["total"]})


def _architecture(b, texts, assessments):
    from diemcau.inventory.models import Site
    from diemcau.standards.models import Platform, SiteCompatibility, Standard

    b.section("Kiến trúc vận hành chung")
    platforms = list(Platform.objects.filter(is_active=True).order_by("-reference", "name"))
    hubs = list(Site.objects.active().filter(is_hub=True).order_by("code"))
    if hubs:
        b.paragraph("Điểm cầu trung tâm của tỉnh: " + "; ".join(nfc(h.name) for h in hubs) + ".")
    if platforms:
        b.table(Table(headers=["Nền tảng", "Giao thức", "Chuẩn hình", "Chuẩn tiếng", "Vai trò"],
                      rows=[[nfc(p.name), ", ".join(p.protocols), ", ".join(p.video_codecs), ", ".join(p.audio_codecs),
                             "Nền tảng chính" if p.reference else "Dùng kèm"] for p in platforms],
                      widths_mm=[45, 30, 30, 30, 30]))
    standard = Standard.objects.current()
    if standard:
        network = standard.requirements.filter(category="network").order_by("position")
        b.paragraph("Chuẩn kết nối: " + "; ".join(nfc(r.text) for r in network) + ".")
    site_ids = [a.site_id for a in assessments]
    rows = SiteCompatibility.objects.filter(site_id__in=site_ids).select_related("site")
    compatible, lacking = 0, []
    from diemcau.standards.reasons import render

    with translation.override("vi"):
        for row in rows:
            main = next((r for r in row.results if r.get("reference")), None)
            if main is None:
                continue
            if main["status"] == "compatible":
                compatible += 1
            else:
                why = "; ".join(str(render(w)) for w in main.get("why", [])[:2]) or "chưa đủ thông tin"
                lacking.append((row.site, why))
    b.paragraph(f"{compatible}/{len(site_ids)} điểm cầu tương thích với nền tảng chính của tỉnh; "
                f"{len(lacking)} điểm cầu còn thiếu (chi tiết dưới đây).")
    for site, why in sorted(lacking, key=lambda x: x[0].code)[:40]:
        b.bullet(f"{nfc(site.name)}: {nfc(why)};")
    if len(lacking) > 40:
        b.paragraph(f"(Còn {len(lacking) - 40} điểm cầu khác, xem Phụ lục.)", italic=True)
    written(b, texts.get("architecture", ""))


def _minimum(b):
    from diemcau.standards.models import Standard

    b.section("Yêu cầu tối thiểu đối với điểm cầu")
    standard = Standard.objects.current()
    if standard is None:
        b.paragraph("Chưa ban hành yêu cầu tối thiểu.")
        return
    b.paragraph(f"Theo {nfc(standard.name)} (phiên bản {standard.version}):")
    with translation.override("vi"):
        rows = [[str(n), str(r.get_category_display()), nfc(r.text)]
                for n, r in enumerate(standard.requirements.order_by("position", "code"), start=1)]
    b.table(Table(headers=["TT", "Nhóm", "Yêu cầu"], rows=rows, widths_mm=[10, 30, 125]))


def _shared(b, texts):
    from diemcau.incidents.models import SlaPolicy
    from diemcau.reports.models import Guide
    from diemcau.standards.models import ConfigProfile

    b.section("Giải pháp dùng chung toàn tỉnh")
    b.subsection("Cấu hình chuẩn")
    for p in ConfigProfile.objects.filter(is_active=True).order_by("-is_default", "name"):
        b.bullet(f"{nfc(p.name)}{' (mặc định)' if p.is_default else ''}: {nfc(p.description) or 'hồ sơ cấu hình chuẩn'};")
    guides = {g.topic: g for g in Guide.objects.prefetch_related("versions").order_by("title")}
    for topic, title in (("connection", "Chuẩn kết nối"), ("precheck", "Quy trình kiểm tra trước cuộc họp"),
                         ("support", "Cơ chế hỗ trợ kỹ thuật"), ("incident", "Quy trình tiếp nhận, xử lý sự cố")):
        b.subsection(title)
        guide = guides.get(topic)
        if guide is not None and guide.versions.all():
            version = max(guide.versions.all(), key=lambda v: v.number)
            url = settings.SITE_URL.rstrip("/") + guide.get_absolute_url()
            b.paragraph(f"Thực hiện theo hướng dẫn “{nfc(guide.title)}” (phiên bản {version.number}, "
                        f"thư viện hướng dẫn của Điểm Cầu: {url}).")
        elif topic == "connection":
            from diemcau.standards.models import Standard

            standard = Standard.objects.current()
            for r in standard.requirements.filter(category="network").order_by("position") if standard else []:
                b.bullet(f"{nfc(r.text)};")
        if topic == "support":
            written(b, texts.get("support", ""), placeholder="(Lịch trực, đầu mối liên hệ của Sở và doanh nghiệp.)")
        if topic == "incident":
            with translation.override("vi"):
                rows = [[str(p.get_severity_display()), nfc(p.operator.name) if p.operator_id else "Mặc định",
                         _minutes(p.acknowledge_minutes), _minutes(p.respond_minutes), _minutes(p.resolve_minutes),
                         "24/7" if p.around_the_clock else "Giờ hành chính"]
                        for p in SlaPolicy.objects.select_related("operator").order_by("operator__name", "severity")]
            if rows:
                b.table(Table(headers=["Mức độ", "Áp dụng", "Tiếp nhận", "Phản hồi", "Khắc phục", "Tính giờ"],
                              rows=rows, widths_mm=[25, 35, 25, 25, 25, 30]))


def _minutes(value: int) -> str:
    if value % 1440 == 0:
        return f"{value // 1440} ngày"
    if value % 60 == 0:
        return f"{value // 60} giờ"
    return f"{value} phút"


def _roadmap(b, roadmap):
    b.section("Lộ trình thực hiện theo thứ tự ưu tiên")
    if roadmap is None:
        b.paragraph("Chưa lập lộ trình.")
        return
    items = list(roadmap.items.select_related("proposal", "site").defer(
        "reasons", "proposal__flags", "proposal__protocols", "proposal__video_codecs", "proposal__audio_codecs",
        "site__search_text", "site__notes", "site__backup_plan").order_by("phase", "rank"))
    funded = [i for i in items if i.phase]
    b.paragraph(f"Lộ trình được lập từ {len(items)} đề xuất đã được Sở tiếp nhận, trong tổng ngân sách "
                f"{vnd_short(roadmap.total_budget)}; bố trí {len(funded)} hạng mục, "
                f"{vnd(sum(i.cost for i in funded))}. Ưu tiên trước các điểm cầu phục vụ nhiều cuộc họp cấp tỉnh, "
                f"điểm cầu có sự cố kéo dài, lặp lại; giải pháp chi phí thấp trước đầu tư mới.")
    if roadmap.gap is not None:
        b.paragraph(f"Phương pháp lợi ích/chi phí gia tăng đạt {percent(1 - roadmap.gap, 1)} giá trị tối ưu của bài "
                    f"toán quy hoạch nguyên ({'các hạng mục theo lời giải tối ưu' if roadmap.chosen == 'milp' else 'các hạng mục theo phương pháp lợi ích/chi phí'}).")
    for n, phase in enumerate(roadmap.phases, start=1):
        rows = [i for i in funded if i.phase == n]
        b.subsection(f"{nfc(phase.get('label') or f'Giai đoạn {n}')}: ngân sách {vnd_short(phase['budget'])}, "
                     f"bố trí {vnd_short(sum(i.cost for i in rows))}")
        free = [i for i in rows if not i.cost]
        paid = [i for i in rows if i.cost]
        if free:
            b.paragraph(f"{len(free)} hạng mục không tốn kinh phí (cấu hình lại, bố trí lại, hướng dẫn vận hành) tại "
                        f"{len({i.site_id for i in free})} điểm cầu, thực hiện ngay; danh sách tại Phụ lục.")
        if paid:
            b.table(Table(headers=["TT", "Điểm cầu", "Hạng mục", "Kinh phí (đồng)"],
                          rows=[[str(k), nfc(i.site.name), nfc(i.proposal.description), number(i.cost)]
                                for k, i in enumerate(paid[:60], start=1)],
                          widths_mm=[10, 55, 70, 30], numeric={3}))
            for i in paid[:3]:
                b.paragraph(f"{nfc(i.site.name)} — {nfc(i.proposal.description)}: {nfc(i.explanation)}")
            if len(paid) > 60:
                b.paragraph(f"(Còn {len(paid) - 60} hạng mục, xem Phụ lục.)", italic=True)
    waiting = [i for i in items if not i.phase]
    if waiting:
        b.subsection("Các hạng mục chờ bố trí kinh phí")
        b.paragraph(f"{len(waiting)} hạng mục, {vnd(sum(i.cost for i in waiting))}. Xếp đầu danh sách chờ:")
        for i in sorted(waiting, key=lambda i: i.rank)[:5]:
            b.bullet(f"{nfc(i.site.name)} — {nfc(i.proposal.description)}: {nfc(i.explanation)}")


def build_plan(doc, issued=None) -> Built:
    from diemcau.reports.models import Roadmap

    texts = texts_of(doc, issued)
    assessments, proposals = _accepted(doc.campaign)
    roadmap = doc.roadmap or Roadmap.objects.filter(campaign=doc.campaign).order_by(
        "adopted_at", "-created_at").exclude(adopted_at=None).first() or Roadmap.objects.filter(
        campaign=doc.campaign).order_by("-created_at").first()
    b = OfficialDocument(heading(doc, issued))
    b.section("Mục đích, yêu cầu")
    written(b, texts.get("opening", ""))
    _architecture(b, texts, assessments)
    b.section("Ba danh mục thiết bị, hạ tầng")
    lists = _three_lists(b, proposals, figure=1)
    _minimum(b)
    _shared(b, texts)
    _roadmap(b, roadmap)
    b.section("Tổ chức thực hiện")
    written(b, texts.get("implementation", ""), placeholder="(Phân công các sở, đơn vị, doanh nghiệp.)")
    close(b, doc, texts, issued)
    return Built(docx=b.to_bytes(), annex=roadmap_annex(roadmap, proposals) if proposals else None,
                 facts={"sites": len(assessments), "proposals": len(proposals),
                        "lists": {k: {"items": v["items"], "cost": v["cost"]} for k, v in lists.items()},
                        "roadmap": roadmap.pk if roadmap else None})
