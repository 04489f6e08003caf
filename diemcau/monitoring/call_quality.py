"""Call quality during meetings: the agents' 20-second grade windows, their strip, and the alert.

In a meeting window the agent grades every 20-second window by Pexip's rule
with the standard's thresholds (``agent/src/diemcau_agent/grading.py``) and
sends each as a ``grade`` result, stored as a ``Sample`` like every result.
The site page and the quality board draw them as a strip of coloured cells;
the grade people read "now" is Pexip's: the most frequent of the last three
windows (the worse one on a tie).

During an *important* meeting a run of bad or terrible windows raises the
"call quality" alert as soon as the batch carrying them arrives — three bad
windows of three, a minute of trouble — with no wait for roll-ups or the
hourly trend; it clears after two minutes of better windows, or when the
meeting ends. The flip goes through ``alerts._flip`` like every other alert,
so it reaches the incidents the same way.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from diemcau.monitoring.choices import GRADE_RANK, AlertState, Grade, Problem, SampleKind
from diemcau.monitoring.models import Sample

WINDOW_S = 20
BAD = {Grade.BAD, Grade.TERRIBLE}
# How much of a meeting the site page draws, and how much a row of the board.
SITE_SPAN = dt.timedelta(hours=2)
BOARD_SPAN = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    grade: str
    loss: float | None
    jitter: float | None


def call_pattern():
    from diemcau.monitoring.alerts import Pattern

    raise_k = int(getattr(settings, "MONITORING_CALL_RAISE_WINDOWS", 3))
    return Pattern(raise_k, raise_k, int(getattr(settings, "MONITORING_CALL_CLEAR_WINDOWS", 6)))


def pexip_grade(windows) -> str:
    """The grade shown "now": the most frequent of the last three windows, the worse on a tie."""
    last = [w.grade for w in windows[-3:]]
    if not last:
        return Grade.UNKNOWN
    counts = Counter(last)
    return min(counts, key=lambda g: (-counts[g], GRADE_RANK.get(g, 2)))


def windows_for(site_ids, since: dt.datetime, until: dt.datetime | None = None) -> dict[int, list[Window]]:
    """The grade windows of many sites since ``since``, oldest first, in one query."""
    out = defaultdict(list)
    rows = Sample.objects.filter(site_id__in=list(site_ids), kind=SampleKind.GRADE, measured_at__gte=since)
    if until is not None:
        rows = rows.filter(measured_at__lt=until)
    rows = rows.order_by("site_id", "measured_at").values_list("site_id", "measured_at", "data__grade", "loss_pct",
                                                              "jitter_ms")
    for site_id, start, grade, loss, jitter in rows:
        out[site_id].append(Window(start, grade, loss, jitter))
    return out


class Strip:
    """The windows of one site over a span, drawn as cells (a gap is a window without a grade)."""

    def __init__(self, windows: list[Window], start: dt.datetime, end: dt.datetime):
        self.windows = windows
        self.start = _floor(start)
        self.end = end
        self.slots = max(1, int((self.end - self.start).total_seconds() // WINDOW_S) + 1)

    @property
    def grade(self) -> str:
        return pexip_grade(self.windows)

    @property
    def get_grade_display(self) -> str:
        return Grade(self.grade).label

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        tally = Counter(w.grade for w in self.windows)
        return [(code, label, tally[code]) for code, label in Grade.choices if tally.get(code)]

    @property
    def bad_share(self) -> float | None:
        if not self.windows:
            return None
        return 100.0 * sum(1 for w in self.windows if w.grade in BAD) / len(self.windows)

    @property
    def summary(self) -> str:
        """What the strip shows, in words: for screen readers and as its tooltip."""
        minutes = round(self.slots * WINDOW_S / 60)
        parts = [f"{label}: {n}" for _code, label, n in self.counts]
        return ngettext("Call quality per 20-second window over the last %(m)s minute: %(parts)s",
                        "Call quality per 20-second window over the last %(m)s minutes: %(parts)s",
                        minutes) % {"m": minutes, "parts": "; ".join(parts) or _("no window graded")}

    def svg(self) -> str:
        """The whole span as one row of cells (the board's mini strip)."""
        if not self.windows:
            return ""
        return self._svg(self.windows, self.start, self.slots, self.summary)

    def rows(self, minutes: int = 10) -> list[tuple[dt.datetime, str]]:
        """The span as rows of ``minutes`` each, oldest first, from the first row with a window: on a
        phone a 20-second cell stays wide enough to see and to touch."""
        per_row = minutes * 60 // WINDOW_S
        span = dt.timedelta(minutes=minutes)
        out = []
        if not self.windows:
            return out
        first = _floor(self.windows[0].start, minutes * 60)
        row_start = max(_floor(self.start, minutes * 60), first)
        while row_start <= self.end:
            row_end = row_start + span
            inside = [w for w in self.windows if row_start <= w.start < row_end]
            label = _("%(start)s to %(end)s") % {"start": localtime(row_start).strftime("%H:%M"),
                                                 "end": localtime(row_end).strftime("%H:%M")}
            out.append((row_start, self._svg(inside, row_start, per_row, label)))
            row_start = row_end
        return out

    @staticmethod
    def _svg(windows, start, slots, label) -> str:
        """One cell per 20-second slot, coloured by grade; drawn here, a template loop per cell is slow."""
        width = 100.0 / slots
        cells = []
        for w in windows:
            slot = int((w.start - start).total_seconds() // WINDOW_S)
            if 0 <= slot < slots:
                title = _("%(time)s · %(grade)s · loss %(loss)s · jitter %(jitter)s") % {
                    "time": localtime(w.start).strftime("%H:%M:%S"), "grade": Grade(w.grade).label,
                    "loss": "–" if w.loss is None else f"{w.loss:.1f}".replace(".", ",") + " %",
                    "jitter": "–" if w.jitter is None else f"{w.jitter:.0f} ms"}
                cells.append((f"{slot * width:.3f}", f"{width * 0.86:.3f}", w.grade, title))
        body = format_html_join("", '<rect x="{}" y="0" width="{}" height="10" class="g-{}"><title>{}</title></rect>',
                                cells)
        return format_html('<svg class="grade-strip" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
                           'aria-label="{}"><rect class="gap" x="0" y="0" width="100" height="10"></rect>{}</svg>',
                           label, body)


def _floor(when: dt.datetime, seconds: int = WINDOW_S) -> dt.datetime:
    stamp = int(when.timestamp())
    return dt.datetime.fromtimestamp(stamp - stamp % seconds, tz=dt.UTC)


def strips(site_ids, span: dt.timedelta, now: dt.datetime | None = None) -> dict[int, Strip]:
    """A strip per site that has grade windows within ``span`` before ``now`` (others are absent)."""
    now = now or timezone.now()
    start = now - span
    return {site_id: Strip(windows, start, now) for site_id, windows in windows_for(site_ids, start).items()}


# The alert ----------------------------------------------------------------------------------------

def meeting_in_progress(site, at: dt.datetime):
    """The meeting in progress at ``site`` at ``at`` (an important one first), or None."""
    try:
        from diemcau.meetings.services import current_meeting_for_site
    except ImportError:
        return None
    return current_meeting_for_site(site, now=at)


def windows_received(site, windows: list[tuple[dt.datetime, str]], *, meeting=None) -> list[str]:
    """Feed newly received grade windows ``[(start, grade)]`` to the site's call-quality alert.

    Only windows of an important meeting count; ``meeting`` is looked up at the
    latest window when not given. Windows already judged (a batch sent again)
    are skipped. Returns the flips, in order.
    """
    from diemcau.monitoring.alerts import _alert, _flip, step
    from diemcau.monitoring.models import Alert

    if not windows:
        return []
    windows = sorted(windows)
    if meeting is None:
        meeting = meeting_in_progress(site, windows[-1][0])
    important = meeting is not None and getattr(meeting, "is_important", False)
    if not important and not Alert.objects.filter(site=site, problem=Problem.CALL, device__isnull=True,
                                                  state=AlertState.RAISED).exists():
        return []
    alert = _alert(site.pk, Problem.CALL)
    pattern = call_pattern()
    flips = []
    run = []
    for start, grade in windows:
        if alert.evaluated_until and start <= alert.evaluated_until:
            continue
        bad = important and grade in BAD
        run = run + [grade] if bad else []
        new_state = step(alert, bad, pattern)
        alert.evaluated_until = start
        if new_state == AlertState.RAISED:
            _flip(alert, new_state, start + dt.timedelta(seconds=WINDOW_S), None, _(
                "%(n)s bad 20-second windows in a row during the important meeting “%(meeting)s” (%(grades)s)")
                % {"n": len(run), "meeting": meeting, "grades": ", ".join(Grade(g).label.lower() for g in run)})
            flips.append(new_state)
        elif new_state == AlertState.OK:
            reason = (_("Call quality is back: %(n)s windows in a row no worse than acceptable")
                      % {"n": pattern.clear_after}) if important else _("The important meeting has ended")
            _flip(alert, new_state, start + dt.timedelta(seconds=WINDOW_S), None, reason)
            flips.append(new_state)
    if not flips:
        alert.save(update_fields=["recent", "clean_streak", "evaluated_until"])
    return flips


def clear_after_meetings(now: dt.datetime | None = None) -> int:
    """Clear raised call-quality alerts whose important meeting has ended (no more windows come)."""
    from django.db import transaction

    from diemcau.monitoring.alerts import _flip
    from diemcau.monitoring.models import Alert

    now = now or timezone.now()
    cleared = 0
    for alert in Alert.objects.filter(problem=Problem.CALL, state=AlertState.RAISED).select_related("site"):
        meeting = meeting_in_progress(alert.site, now)
        if meeting is not None and getattr(meeting, "is_important", False):
            continue
        with transaction.atomic():
            locked = Alert.objects.select_for_update().get(pk=alert.pk)
            if locked.state != AlertState.RAISED:
                continue
            locked.state, locked.recent, locked.clean_streak = AlertState.OK, [], 0
            _flip(locked, AlertState.OK, now, None, _("The important meeting has ended"))
            cleared += 1
    return cleared

