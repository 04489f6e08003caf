"""The alert levels, read from the minimum standard in force.

The one place this app reads the standards app: the published requirements
NET-RTT, NET-JITTER and NET-LOSS give the WARN and FAIL levels; without a
published standard the shipped ``diemcau/data/standard.yaml`` does. MOS is no
requirement of the standard, so its levels are settings (ITU-T G.107: MOS
3.6 ≈ R 70 "some users dissatisfied", 3.1 ≈ R 60 "many dissatisfied").
"""

from dataclasses import dataclass

from django.conf import settings

from diemcau.monitoring.choices import Grade, Problem

REQUIREMENTS = {"NET-RTT": (Problem.RTT, "rtt_ms"), "NET-JITTER": (Problem.JITTER, "jitter_ms"),
                "NET-LOSS": (Problem.LOSS, "loss_pct")}


@dataclass(frozen=True)
class Level:
    """WARN and FAIL levels of one measure; ``higher_is_worse`` is False for MOS."""

    problem: str
    warn: float
    fail: float
    higher_is_worse: bool = True

    def fails(self, value) -> bool:
        if value is None:
            return False
        return value > self.fail if self.higher_is_worse else value < self.fail

    def warns(self, value) -> bool:
        if value is None:
            return False
        return value > self.warn if self.higher_is_worse else value < self.warn


def _from_rules(rules: dict) -> dict:
    out = {}
    for code, (problem, key) in REQUIREMENTS.items():
        rule = (rules.get(code) or {}).get(key) or {}
        if "fail_above" in rule:
            out[problem] = Level(problem, float(rule.get("warn_above", rule["fail_above"])), float(rule["fail_above"]))
    return out


def _published_rules() -> dict:
    try:
        from diemcau.standards.models import Standard
    except ImportError:
        return {}
    standard = Standard.objects.current()
    if standard is None:
        return {}
    return {r.code: r.rule for r in standard.requirements.filter(code__in=list(REQUIREMENTS))}


def _file_rules() -> dict:
    from diemcau.standards.reference import read_standard_file

    return {r["code"]: r.get("rule", {}) for r in read_standard_file().get("requirements", [])}


def current_levels() -> dict:
    """``{problem: Level}`` for RTT, jitter, loss (standard) and MOS (settings)."""
    levels = _from_rules(_file_rules())
    levels.update(_from_rules(_published_rules()))
    levels[Problem.MOS] = Level(Problem.MOS, float(getattr(settings, "MONITORING_MOS_WARN", 3.6)),
                                float(getattr(settings, "MONITORING_MOS_FAIL", 3.1)), higher_is_worse=False)
    return levels


def grade_thresholds() -> list:
    """``[(grade, loss_below or None), …]`` from ``quality_grades`` in standard.yaml."""
    from diemcau.standards.reference import read_standard_file

    rows = read_standard_file().get("quality_grades") or [
        {"code": "good", "loss_below": 1.0}, {"code": "ok", "loss_below": 3.0},
        {"code": "bad", "loss_below": 10.0}, {"code": "terrible"}]
    return [(r["code"], r.get("loss_below")) for r in rows]


GRADE_ORDER = [Grade.GOOD, Grade.OK, Grade.BAD, Grade.TERRIBLE]
JITTER_DOWNGRADE_MS = 40.0


def grade(loss_pct, jitter_ms, thresholds=None) -> str:
    """Pexip's grade: by loss, one grade lower when jitter exceeds 40 ms (QOS.md)."""
    if loss_pct is None:
        return Grade.UNKNOWN
    thresholds = thresholds or grade_thresholds()
    code = thresholds[-1][0]
    for name, below in thresholds:
        if below is not None and loss_pct < below:
            code = name
            break
    if jitter_ms is not None and jitter_ms > JITTER_DOWNGRADE_MS and code in GRADE_ORDER:
        code = GRADE_ORDER[min(len(GRADE_ORDER) - 1, GRADE_ORDER.index(code) + 1)]
    return code
