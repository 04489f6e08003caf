"""The alert levels, read from the minimum standard in force.

The one place this app reads the standards app: the published requirements
NET-RTT, NET-JITTER and NET-LOSS give the WARN and FAIL levels; without a
published standard the shipped ``diemcau/data/standard.yaml`` does. MOS is no
requirement of the standard, so its levels are settings (ITU-T G.107: MOS
3.6 ≈ R 70 "some users dissatisfied", 3.1 ≈ R 60 "many dissatisfied").

One set of numbers: the server's alerts, the roll-ups' grades and the agents'
own checks all judge by these; the agents hear them in every answer to an
upload (``agent_thresholds``).
"""

from dataclasses import dataclass

from django.conf import settings

from diemcau.monitoring.choices import Grade, Problem
from diemcau.standards.models import Standard
from diemcau.standards.reference import read_standard_file

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
    standard = Standard.objects.current()
    if standard is None:
        return {}
    return {r.code: r.rule for r in standard.requirements.filter(code__in=list(REQUIREMENTS))}


def _file_rules() -> dict:
    return {r["code"]: r.get("rule", {}) for r in read_standard_file().get("requirements", [])}


def current_levels() -> dict:
    """``{problem: Level}`` for RTT, jitter, loss (standard) and MOS (settings)."""
    levels = _from_rules(_file_rules())
    levels.update(_from_rules(_published_rules()))
    levels[Problem.MOS] = Level(Problem.MOS, float(getattr(settings, "MONITORING_MOS_WARN", 3.6)),
                                float(getattr(settings, "MONITORING_MOS_FAIL", 3.1)), higher_is_worse=False)
    return levels


@dataclass(frozen=True)
class GradeRule:
    """Pexip's grading from ``quality_grades`` in the standard: ``rows`` = ``[(grade, loss_below or None)]``,
    one grade lower when jitter is above ``jitter_above_ms``."""

    rows: tuple
    jitter_above_ms: float

    @property
    def legend(self) -> list[tuple[str, str, float | None]]:
        """``[(grade, label, loss_below)]`` for a legend, best first."""
        return [(code, Grade(code).label, below) for code, below in self.rows]


DEFAULT_GRADES = [{"code": "good", "loss_below": 1.0}, {"code": "ok", "loss_below": 3.0},
                  {"code": "bad", "loss_below": 10.0}, {"code": "terrible"}]


def grade_thresholds() -> GradeRule:
    """The grading rule of the shipped standard (``quality_grades`` in standard.yaml)."""
    from diemcau.standards.reference import read_standard_file

    data = read_standard_file()
    rows = data.get("quality_grades") or DEFAULT_GRADES
    return GradeRule(tuple((r["code"], r.get("loss_below")) for r in rows),
                     float(data.get("quality_grades_jitter_above_ms", 40.0)))


GRADE_ORDER = [Grade.GOOD, Grade.OK, Grade.BAD, Grade.TERRIBLE]


def grade(loss_pct, jitter_ms, thresholds: GradeRule | None = None) -> str:
    """Pexip's grade: by loss, one grade lower when jitter exceeds the standard's limit (40 ms)."""
    if loss_pct is None:
        return Grade.UNKNOWN
    thresholds = thresholds or grade_thresholds()
    code = thresholds.rows[-1][0]
    for name, below in thresholds.rows:
        if below is not None and loss_pct < below:
            code = name
            break
    if jitter_ms is not None and jitter_ms > thresholds.jitter_above_ms and code in GRADE_ORDER:
        code = GRADE_ORDER[min(len(GRADE_ORDER) - 1, GRADE_ORDER.index(code) + 1)]
    return code


AGENT_MEASURES = {Problem.LOSS: "loss_pct", Problem.JITTER: "jitter_ms", Problem.RTT: "rtt_ms"}
AGENT_CACHE_KEY = "monitoring:agent-thresholds"


def _standard_version() -> str:
    try:
        from diemcau.standards.models import Standard
    except ImportError:
        return ""
    standard = Standard.objects.current()
    if standard is not None:
        return standard.version
    from diemcau.standards.reference import read_standard_file

    return str(read_standard_file().get("version") or "")


def agent_thresholds() -> dict:
    """The levels the agents judge by, sent in every answer to an upload (``thresholds`` in
    ``agent/schema/results-response.schema.json``): the same WARN and FAIL levels the alerts use,
    and the grading rule. Cached for a minute: ten thousand agents upload every half minute."""
    from django.core.cache import cache

    cached = cache.get(AGENT_CACHE_KEY)
    if cached is not None:
        return cached
    levels = current_levels()
    rule = grade_thresholds()
    out = {"version": _standard_version()}
    for problem, key in AGENT_MEASURES.items():
        level = levels[problem]
        out[key] = {"warn_above": level.warn, "fail_above": level.fail}
    out["grades"] = [{"code": code, "loss_below": below} if below is not None else {"code": code}
                     for code, below in rule.rows]
    out["grade_jitter_above_ms"] = rule.jitter_above_ms
    cache.set(AGENT_CACHE_KEY, out, 60)
    return out
