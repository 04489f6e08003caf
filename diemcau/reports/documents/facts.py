"""Facts the documents print, read in a fixed number of queries: a unit's campaign, incidents, SLA."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Count, Q, Sum
from django.utils import timezone

from diemcau.reports.text import LIST_VI, MEETS_VI, VERDICT_VI, nfc


def period(campaign, today=None) -> tuple[dt.date, dt.date]:
    """The twelve months up to the day the document is written."""
    end = today or timezone.localdate()
    return end - dt.timedelta(days=365), end


def unit_facts(campaign, organization, *, states=None) -> dict:
    from diemcau.reviews.models import Assessment, GroupAssessment, Proposal

    assessments = list(Assessment.objects.filter(task__campaign=campaign, task__organization=organization)
                       .select_related("site").defer("known").order_by("site__code"))
    ids = [a.pk for a in assessments]
    groups = defaultdict(list)
    for g in GroupAssessment.objects.filter(assessment_id__in=ids).select_related("group", "condition") \
            .order_by("group__position"):
        groups[g.assessment_id].append(g)
    proposals = list(Proposal.objects.filter(assessment_id__in=ids).select_related(
        "action", "group", "cause", "assessment__site").order_by("assessment__site__code", "action__position", "pk"))
    return {"assessments": assessments, "groups": groups, "proposals": proposals}


def group_summary(groups_by_assessment) -> list[dict]:
    """Per device group over the unit's sites: devices, good / degraded / broken, meets needs."""
    rows: dict = {}
    for groups in groups_by_assessment.values():
        for g in groups:
            row = rows.setdefault(g.group.code, {"label": nfc(g.group.name_vi), "position": g.group.position,
                                                 "sites": 0, "devices": 0, "conditions": Counter(),
                                                 "needs": Counter()})
            row["sites"] += 1
            row["devices"] += g.device_count
            row["conditions"][g.condition.code if g.condition_id else "unknown"] += 1
            row["needs"][g.meets_needs or ""] += 1
    return sorted(rows.values(), key=lambda r: r["position"])


def incidents_of(site_ids, start: dt.date, end: dt.date) -> dict:
    """Incidents reported at these sites in the period: by site, by symptom family, resolved, repeats."""
    from diemcau.incidents.choices import Family
    from diemcau.incidents.models import Incident

    qs = Incident.objects.filter(site_id__in=list(site_ids), reported_at__date__gte=start, reported_at__date__lte=end)
    by_site = dict(qs.values("site_id").annotate(n=Count("pk")).order_by().values_list("site_id", "n"))
    families = {Family(f).label: n for f, n in qs.values("family").annotate(n=Count("pk")).order_by()
                .values_list("family", "n")}
    totals = qs.aggregate(total=Count("pk"), resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
                          breached=Count("pk", filter=Q(breached=True)), repeats=Count("pk", filter=Q(is_repeat=True)))
    return {"by_site": by_site, "families": families, **totals}


def sla_by_holder(*, site_org=None, start: dt.date, end: dt.date) -> list[dict]:
    """Resolve-target compliance and mean time to resolve per holder (from the monthly tallies)."""
    from diemcau.incidents.models import SlaTally
    from diemcau.inventory.models import Organization

    qs = SlaTally.objects.filter(month__gte=start.replace(day=1), month__lte=end, target="resolve")
    if site_org is not None:
        qs = qs.filter(site_org=site_org)
    rows = qs.values("holder_id").annotate(met=Sum("met"), missed=Sum("missed"), answered=Sum("answered"),
                                           seconds=Sum("answered_seconds"), started=Sum("started")).order_by()
    names = dict(Organization.objects.filter(pk__in=[r["holder_id"] for r in rows]).values_list("pk", "name"))
    kinds = dict(Organization.objects.filter(pk__in=[r["holder_id"] for r in rows]).values_list("pk", "kind__code"))
    out = []
    for r in rows:
        decided = (r["met"] or 0) + (r["missed"] or 0)
        out.append({"holder": names.get(r["holder_id"], ""), "operator": kinds.get(r["holder_id"]) == "operator",
                    "incidents": r["started"] or 0, "met": r["met"] or 0, "decided": decided,
                    "pct": round(100 * (r["met"] or 0) / decided, 1) if decided else None,
                    "mttr_h": round((r["seconds"] or 0) / r["answered"] / 3600, 1) if r["answered"] else None})
    return sorted(out, key=lambda r: (-r["incidents"], r["holder"]))


def proposals_annex(proposals, book=None) -> bytes:
    """The full list of proposals as an .xlsx annex, through the shared export helper."""
    from diemcau.core.exports import VND, ExportColumn, Workbook

    book = book or Workbook()
    book.table("Đề xuất", [
        ExportColumn("Mã điểm cầu"), ExportColumn("Điểm cầu"), ExportColumn("Nhóm thiết bị"), ExportColumn("Phương án"),
        ExportColumn("Danh mục"), ExportColumn("Nguyên nhân khắc phục"), ExportColumn("Nội dung"),
        ExportColumn("Số lượng"), ExportColumn("Kinh phí dự kiến (đồng)", VND), ExportColumn("Thuyết minh"),
        ExportColumn("Chuẩn hóa toàn tỉnh"), ExportColumn("Cần hỗ trợ ngay"),
    ], ([p.assessment.site.code, nfc(p.assessment.site.name),
         nfc(p.group.name_vi) if p.group_id else "Toàn điểm cầu", nfc(p.action.name_vi),
         LIST_VI.get(p.list_code, p.list_code), nfc(p.cause.name_vi) if p.cause_id else "", nfc(p.description),
         p.quantity, p.cost_vnd, nfc(p.justification), "có" if p.province_wide else "không",
         "có" if p.help_now else "không"] for p in proposals), caption="Phụ lục: danh mục đề xuất")
    return book.to_bytes()


def roadmap_annex(roadmap, proposals) -> bytes:
    """The plan's annex: the roadmap (every item, its phase, rank, cost and why), then every proposal."""
    from diemcau.core.exports import VND, ExportColumn, Workbook

    book = Workbook()
    if roadmap is not None:
        labels = {n: p.get("label") or f"Giai đoạn {n}" for n, p in enumerate(roadmap.phases, start=1)}
        items = roadmap.items.select_related("site", "proposal").defer(
            "reasons", "proposal__flags", "proposal__protocols", "proposal__video_codecs", "proposal__audio_codecs",
            "site__search_text", "site__notes", "site__backup_plan").order_by("phase", "rank", "pk")
        book.table("Lộ trình", [ExportColumn("Giai đoạn"), ExportColumn("Thứ tự ưu tiên"), ExportColumn("Mã điểm cầu"),
                                ExportColumn("Điểm cầu"), ExportColumn("Hạng mục"), ExportColumn("Kinh phí (đồng)", VND),
                                ExportColumn("Điểm lợi ích"), ExportColumn("Lý do")],
                   ([labels.get(i.phase, "Chờ bố trí kinh phí"), i.rank, i.site.code, nfc(i.site.name),
                     nfc(i.proposal.description), i.cost, round(i.benefit, 1), nfc(i.explanation)] for i in items),
                   caption=nfc(roadmap.title))
    return proposals_annex(proposals, book)


def verdict_label(code: str) -> str:
    return VERDICT_VI.get(code or "", code)


def meets_label(code: str) -> str:
    return MEETS_VI.get(code or "", code)
