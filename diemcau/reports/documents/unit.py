"""The unit's report (R7): each site and device group, fit for meetings, what to standardise, what
needs help now, what needs investment with cost and reasons, incidents and SLA of the period."""

from __future__ import annotations

from collections import Counter

from django.utils import timezone

from diemcau.lib.nd30 import OfficialDocument, Table
from diemcau.reports.documents import Built, close, heading, texts_of, written
from diemcau.reports.documents.facts import (
    group_summary,
    incidents_of,
    meets_label,
    period,
    proposals_annex,
    sla_by_holder,
    unit_facts,
    verdict_label,
)
from diemcau.reports.text import LIST_VI, nfc, number, percent, vnd


def build(doc, issued=None) -> Built:
    campaign, org = doc.campaign, doc.organization
    texts = texts_of(doc, issued)
    facts = unit_facts(campaign, org)
    assessments, groups, proposals = facts["assessments"], facts["groups"], facts["proposals"]
    today = issued.issued_on if issued else timezone.localdate()
    start, end = period(campaign, today)
    incidents = incidents_of([a.site_id for a in assessments], start, end)
    b = OfficialDocument(heading(doc, issued))
    written(b, texts.get("opening", ""))

    verdicts = Counter(a.verdict or "" for a in assessments)
    needs = Counter(a.meets_needs or "" for a in assessments)
    devices = sum(g.device_count for gs in groups.values() for g in gs)
    b.section("Tình hình chung")
    b.paragraph(f"Đơn vị có {len(assessments)} điểm cầu với {number(devices)} thiết bị được rà soát trong đợt "
                f"“{nfc(campaign.title)}”. Về mức ổn định: {verdicts.get('stable', 0)} điểm cầu hoạt động ổn định, "
                f"{verdicts.get('unstable', 0)} điểm cầu hoạt động được nhưng không ổn định, "
                f"{verdicts.get('unfit', 0)} điểm cầu không còn phù hợp"
                + (f", {verdicts['']} điểm cầu chưa kết luận" if verdicts.get("") else "") + ".")

    b.section("Hiện trạng từng điểm cầu")
    b.table(Table(headers=["TT", "Điểm cầu", "Mức ổn định", "Đáp ứng nhu cầu họp", "Sự cố 12 tháng"],
                  rows=[[str(n), f"{nfc(a.site.name)} ({a.site.code})", verdict_label(a.verdict),
                         meets_label(a.meets_needs), str(incidents["by_site"].get(a.site_id, 0))]
                        for n, a in enumerate(assessments, start=1)],
                  widths_mm=[10, 62, 35, 35, 23], numeric={4}))
    for a in assessments:
        if a.summary.strip():
            b.rich([("b", f"{nfc(a.site.name)}: "), ("", nfc(a.summary.strip()))])

    b.section("Hiện trạng từng nhóm thiết bị")
    rows = []
    for n, g in enumerate(group_summary(groups), start=1):
        c = g["conditions"]
        rows.append([str(n), g["label"], str(g["devices"]), str(c.get("good", 0)), str(c.get("degraded", 0)),
                     str(c.get("broken", 0)), f"{g['needs'].get('fully', 0)}/{g['sites']}"])
    b.table(Table(headers=["TT", "Nhóm thiết bị", "Số thiết bị", "Tốt", "Xuống cấp", "Hỏng",
                           "Đáp ứng đầy đủ (điểm cầu)"], rows=rows, widths_mm=[10, 55, 20, 15, 20, 15, 30],
                  numeric={2, 3, 4, 5}))

    b.section("Mức độ đáp ứng yêu cầu hội nghị")
    b.paragraph(f"{needs.get('fully', 0)} điểm cầu đáp ứng đầy đủ, {needs.get('partly', 0)} điểm cầu đáp ứng một "
                f"phần, {needs.get('not', 0)} điểm cầu không đáp ứng yêu cầu của các cuộc họp trực tuyến.")
    short = [a for a in assessments if a.meets_needs in ("partly", "not")]
    for a in short:
        missing = [nfc(g.group.name_vi).lower() for g in groups.get(a.pk, []) if g.meets_needs in ("partly", "not")]
        b.bullet(f"{nfc(a.site.name)}: {meets_label(a.meets_needs)}"
                 + (f" (chưa đạt: {', '.join(missing)})" if missing else "") + ";")

    def proposal_line(p):
        where = nfc(p.group.name_vi).lower() if p.group_id else "toàn điểm cầu"
        cost = f", kinh phí dự kiến {vnd(p.cost_vnd)}" if p.cost_vnd else ", không phát sinh kinh phí"
        return f"{nfc(p.assessment.site.name)} — {where}: {nfc(p.description)}{cost};"

    b.section("Nội dung cần chuẩn hóa toàn tỉnh")
    wide = [p for p in proposals if p.province_wide]
    if not wide:
        b.paragraph("Đơn vị không đề xuất nội dung cần chuẩn hóa toàn tỉnh.")
    for p in wide:
        b.bullet(proposal_line(p))

    b.section("Nội dung cần hỗ trợ kỹ thuật ngay")
    urgent = [p for p in proposals if p.help_now]
    if not urgent:
        b.paragraph("Không có nội dung cần hỗ trợ kỹ thuật ngay.")
    for p in urgent:
        b.bullet(proposal_line(p))

    b.section("Nội dung cần đầu tư tập trung")
    invest = [p for p in proposals if p.list_code == "invest"]
    if not invest:
        b.paragraph("Đơn vị không đề xuất đầu tư mới; các vấn đề được xử lý bằng sửa chữa, cấu hình lại, bổ sung "
                    "phụ kiện hoặc nâng cấp nhẹ.")
    else:
        b.table(Table(headers=["TT", "Điểm cầu", "Nội dung đầu tư", "Kinh phí (đồng)", "Thuyết minh"],
                      rows=[[str(n), nfc(p.assessment.site.name), nfc(p.description), number(p.cost_vnd),
                             nfc(p.justification) or "—"] for n, p in enumerate(invest, start=1)],
                      widths_mm=[10, 35, 45, 28, 47], numeric={3}))
        b.paragraph(f"Tổng kinh phí đề xuất đầu tư mới: {vnd(sum(p.cost_vnd for p in invest))}.")
    by_list = Counter()
    for p in proposals:
        by_list[p.list_code] += p.cost_vnd
    b.paragraph("Tổng hợp kinh phí theo danh mục: " + "; ".join(
        f"{LIST_VI[code].lower()}: {vnd(by_list.get(code, 0))}" for code in ("fix", "invest")) + ".")

    b.section("Sự cố và chất lượng dịch vụ trong kỳ")
    b.paragraph(f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}, các điểm cầu của đơn vị ghi nhận "
                f"{incidents['total']} sự cố, đã khắc phục {incidents['resolved']} "
                f"({percent(incidents['resolved'], incidents['total'])}); {incidents['repeats']} sự cố lặp lại tại "
                f"cùng điểm cầu; {incidents['breached']} sự cố quá thời hạn xử lý cam kết.")
    if incidents["families"]:
        b.paragraph("Theo loại lỗi: " + "; ".join(f"{nfc(str(label))}: {n}" for label, n in
                                                   sorted(incidents["families"].items(), key=lambda kv: -kv[1])) + ".")
    sla = sla_by_holder(site_org=org, start=start, end=end)
    if sla:
        b.table(Table(headers=["Đơn vị xử lý", "Sự cố", "Đúng hạn khắc phục", "Thời gian khắc phục TB (giờ)"],
                      rows=[[r["holder"], str(r["incidents"]),
                             f"{number(r['pct'])}%" if r["pct"] is not None else "—",
                             number(r["mttr_h"]) if r["mttr_h"] is not None else "—"] for r in sla],
                      widths_mm=[65, 25, 35, 40], numeric={1, 2, 3}))

    b.section("Đánh giá chung")
    written(b, texts.get("assessment", ""), placeholder="(Thủ trưởng đơn vị nhận xét chung trước khi ban hành.)")
    b.section("Kiến nghị, đề xuất")
    written(b, texts.get("proposals", ""), placeholder="(Kiến nghị của đơn vị.)")
    if proposals:
        b.paragraph("Danh mục đầy đủ các đề xuất kèm theo báo cáo này (Phụ lục, tệp Excel).", italic=True)
    close(b, doc, texts, issued)
    return Built(docx=b.to_bytes(), annex=proposals_annex(proposals) if proposals else None, facts={
        "sites": len(assessments), "devices": devices, "verdicts": dict(verdicts), "meets_needs": dict(needs),
        "proposals": len(proposals), "cost": sum(p.cost_vnd for p in proposals),
        "incidents": incidents["total"], "period": [start.isoformat(), end.isoformat()]})
