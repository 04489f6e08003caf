"""Building a roadmap from a campaign, the budget slider's answer, and each choice put in words."""

from __future__ import annotations

import time
from dataclasses import dataclass

from diemcau.reports import evidence, roadmap
from diemcau.reports.text import FREQUENCY_VI, VERDICT_VI, number, vnd_short

NEXT_TRANCHE = 100_000_000


@dataclass
class Solved:
    items: list
    details: dict
    ranking: roadmap.Ranking
    greedy: roadmap.Plan
    exact: roadmap.Plan | None
    seconds: dict

    @property
    def gap(self):
        return roadmap.gap(self.greedy, self.exact) if self.exact else None


def needs_exact(phases: list, items: list, min_per_area: bool) -> bool:
    """Side constraints apply: several phases, prerequisites, or a minimum per unit."""
    return len(phases) > 1 or min_per_area or any(i.requires for i in items)


def solve(campaign, phases: list[int], *, min_per_area: bool = False, time_limit: float = 60.0,
          exact: bool = True, now=None) -> Solved:
    """Read the evidence and rank it; with ``exact`` also solve the MILP (the slider never does)."""
    started = time.perf_counter()
    items, details = evidence.roadmap_items(campaign, now=now)
    read = time.perf_counter()
    ranking = roadmap.Ranking(items)
    greedy = ranking.plan(phases)
    ranked = time.perf_counter()
    best = None
    if exact:
        best = roadmap.exact(items, phases, min_per_area=min_per_area, time_limit=time_limit, ranking=ranking)
    done = time.perf_counter()
    return Solved(items=items, details=details, ranking=ranking, greedy=greedy, exact=best,
                  seconds={"read": round(read - started, 3), "greedy": round(ranked - read, 3),
                           "exact": round(done - ranked, 3)})


def slider(ranking: roadmap.Ranking, details: dict, budget: int) -> dict:
    """The live answer for one budget: what is funded, at what cost and benefit, and what 100 million more adds."""
    plan = ranking.plan([budget])
    funded = [k for k in ranking.order if plan.phase[k]]
    sites = set()
    for key in funded:
        for item in ranking.packages[key].items:
            sites.add(details[item]["site"].site_id)
    extra = roadmap.next_increment(ranking, [budget], NEXT_TRANCHE, before=plan)
    return {
        "budget": budget, "spent": plan.spent[0], "packages": len(funded),
        "items": sum(len(ranking.packages[k].items) for k in funded), "sites": len(sites),
        "benefit": round(sum(ranking.packages[k].benefit for k in funded), 1),
        "total_benefit": round(sum(p.benefit for p in ranking.packages.values()), 1),
        "next": [describe_package(ranking, details, k) for k in extra[:5]],
        "next_cost": sum(ranking.packages[k].cost for k in extra),
    }


def describe_package(ranking, details, key) -> dict:
    package = ranking.packages[key]
    first = details[package.items[0]]
    proposal, site = first["proposal"], first["site"]
    label = proposal.description if len(package.items) == 1 else \
        f"{proposal.action.name_vi} — {proposal.group.name_vi if proposal.group_id else ''} ({len(package.items)} điểm cầu)"
    return {"key": key, "label": label, "site": site.name if len(package.items) == 1 else "",
            "cost": package.cost, "benefit": round(package.benefit, 1)}


def reason_words(reasons: dict) -> list[str]:
    """The evidence behind a benefit score, each as a short Vietnamese phrase."""
    words = []
    meetings = reasons.get("meetings") or 0
    source = reasons.get("meetings_source")
    if source == "meetings":
        words.append(f"phục vụ khoảng {number(meetings)} cuộc họp cấp tỉnh mỗi tháng (theo lịch họp đã ghi nhận)")
    elif source == "declared":
        words.append(f"phục vụ khoảng {number(meetings)} cuộc họp cấp tỉnh mỗi tháng (theo đơn vị kê khai)")
    else:
        words.append(f"theo cấp của điểm cầu, ước phục vụ {number(meetings)} cuộc họp cấp tỉnh mỗi tháng")
    verdict = reasons.get("verdict") or ""
    words.append(f"điểm cầu đang được đánh giá {VERDICT_VI.get(verdict, verdict)}")
    if reasons.get("frequency"):
        words.append(f"lỗi xảy ra {FREQUENCY_VI.get(reasons['frequency'], reasons['frequency'])}")
    if reasons.get("incidents"):
        words.append(f"{reasons['incidents']} sự cố trong 12 tháng qua")
    if reasons.get("repeat"):
        words.append("sự cố lặp lại chưa được khắc phục dứt điểm")
    if reasons.get("help_now"):
        words.append("cần hỗ trợ kỹ thuật ngay")
    if reasons.get("fix"):
        words.append("là giải pháp sửa chữa, cấu hình, chi phí thấp (ưu tiên trước đầu tư mới)")
    if reasons.get("province_wide"):
        words.append("thực hiện đồng bộ toàn tỉnh cùng các điểm cầu khác")
    return words


def explain(*, phase: int, rank: int, cost: int, reasons: dict, phases: list[dict], total: int,
            blocked_by: str = "") -> str:
    """Why this item is where it is, in one or two Vietnamese sentences."""
    why = "; ".join(reason_words(reasons))
    if cost == 0:
        return f"Không tốn kinh phí, thực hiện ngay trong giai đoạn 1: {why}."
    if phase:
        name = phases[phase - 1].get("label") or f"giai đoạn {phase}"
        text = f"Xếp thứ {rank}/{total} theo lợi ích trên chi phí, bố trí trong {name} ({vnd_short(cost)}): {why}."
        if reasons.get("requires"):
            text += " Cần làm sau (hoặc cùng lúc với) việc củng cố đường truyền của điểm cầu."
        return text
    if blocked_by:
        return (f"Chưa bố trí được: phải củng cố đường truyền trước ({blocked_by}) mà tổng kinh phí vượt phần ngân "
                f"sách còn lại. Lý do cần làm: {why}.")
    return (f"Chờ bố trí kinh phí: xếp thứ {rank}/{total} theo lợi ích trên chi phí, cần {vnd_short(cost)}, vượt "
            f"phần ngân sách còn lại sau các hạng mục xếp trước. Lý do cần làm: {why}.")
