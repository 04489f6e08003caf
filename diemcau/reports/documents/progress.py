"""The progress report (R17): plan against actual at a date, overdue work, sites that improved."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from diemcau.lib.nd30 import OfficialDocument, Table
from diemcau.reports.documents import Built, close, heading, texts_of, written
from diemcau.reports.text import VERDICT_VI, WORK_VI, nfc, number, percent, vnd


def build(doc, issued=None) -> Built:
    from datetime import datetime, time

    from diemcau.reports.evidence import improved_sites
    from diemcau.reports.models import Work, WorkUpdate

    texts = texts_of(doc, issued)
    as_of = doc.as_of or (issued.issued_on if issued else timezone.localdate())
    roadmap = doc.roadmap
    b = OfficialDocument(heading(doc, issued))
    written(b, texts.get("opening", ""))
    works = list(Work.objects.filter(item__roadmap=roadmap).select_related("item__proposal", "item__site", "owner")
                 .order_by("item__phase", "item__rank")) if roadmap else []
    # The state of each task on the date reported on: its last update up to that day.
    cutoff = timezone.make_aware(datetime.combine(as_of, time.max))
    state = {}
    for u in WorkUpdate.objects.filter(work__in=works, at__lte=cutoff).order_by("work_id", "at", "pk"):
        state[u.work_id] = u
    b.section("Kết quả thực hiện đến ngày " + as_of.strftime("%d/%m/%Y"))
    phases = defaultdict(lambda: {"n": 0, "done": 0, "planned": 0, "spent": 0, "overdue": 0})
    for w in works:
        u = state.get(w.pk)
        row = phases[w.item.phase]
        row["n"] += 1
        row["planned"] += w.item.cost
        row["spent"] += u.cost_spent if u else 0
        row["done"] += 1 if u and u.status == "done" else 0
        row["overdue"] += 1 if (not u or u.status in ("planned", "in_progress")) and w.due_on < as_of else 0
    rows = []
    for n in sorted(phases):
        r = phases[n]
        label = (roadmap.phases[n - 1].get("label") if roadmap and n - 1 < len(roadmap.phases) else "") or f"Giai đoạn {n}"
        rows.append([nfc(label), str(r["n"]), f"{r['done']} ({percent(r['done'], r['n'])})", str(r["overdue"]),
                     number(r["planned"]), number(r["spent"])])
    b.table(Table(headers=["Giai đoạn", "Hạng mục", "Đã hoàn thành", "Quá hạn", "Kế hoạch (đồng)",
                           "Đã chi (đồng)"], rows=rows, widths_mm=[35, 20, 30, 20, 30, 30], numeric={1, 2, 3, 4, 5}))
    total_n = sum(r["n"] for r in phases.values())
    total_done = sum(r["done"] for r in phases.values())
    b.paragraph(f"Tổng cộng {total_done}/{total_n} hạng mục đã hoàn thành ({percent(total_done, total_n)}); đã chi "
                f"{vnd(sum(r['spent'] for r in phases.values()))} trên kế hoạch "
                f"{vnd(sum(r['planned'] for r in phases.values()))}.")
    overdue = [w for w in works if (w.pk not in state or state[w.pk].status in ("planned", "in_progress"))
               and w.due_on < as_of]
    b.section("Các hạng mục quá hạn")
    if not overdue:
        b.paragraph("Không có hạng mục quá hạn.")
    else:
        b.table(Table(headers=["TT", "Điểm cầu", "Hạng mục", "Đơn vị thực hiện", "Hạn", "Tình trạng"],
                      rows=[[str(k), nfc(w.item.site.name), nfc(w.item.proposal.description), nfc(w.owner.name),
                             w.due_on.strftime("%d/%m/%Y"), WORK_VI.get(state[w.pk].status if w.pk in state else "planned")]
                            for k, w in enumerate(overdue, start=1)],
                      widths_mm=[10, 35, 45, 35, 20, 20]))
    done_at = {}
    for w in works:
        u = state.get(w.pk)
        if u and u.status == "done":
            when = timezone.make_aware(datetime.combine(u.done_on or as_of, time.max))
            done_at[w.item.site_id] = max(done_at.get(w.item.site_id, when), when)
    better = improved_sites(done_at, since_by_site=done_at)
    b.section("Các điểm cầu cải thiện sau khi thực hiện")
    names = {w.item.site_id: w.item.site.name for w in works}
    if not better:
        b.paragraph("Chưa ghi nhận điểm cầu nào cải thiện mức ổn định sau khi hoàn thành hạng mục.")
    for site_id, (was, now) in sorted(better.items(), key=lambda kv: names.get(kv[0], "")):
        b.bullet(f"{nfc(names.get(site_id, ''))}: từ {VERDICT_VI.get(was, was)} lên {VERDICT_VI.get(now, now)};")
    b.section("Đánh giá, kiến nghị")
    written(b, texts.get("assessment", ""), placeholder="(Đánh giá, kiến nghị của Sở.)")
    close(b, doc, texts, issued)
    return Built(docx=b.to_bytes(), facts={"as_of": as_of.isoformat(), "tasks": total_n, "done": total_done,
                                            "overdue": len(overdue), "improved": len(better)})
