"""The minute-resolution early warning: fast ramps warned before FAIL, noise and flapping not."""

import datetime as dt

import numpy as np
from django.urls import reverse
from django.utils import timezone

from diemcau.monitoring import early, flips, tasks
from diemcau.monitoring.choices import AlertState, Period, Problem
from diemcau.monitoring.levels import Level
from diemcau.monitoring.models import Alert, AlertFlip, Rollup, Warning

LOSS = Level(Problem.LOSS, 1.0, 3.0)
USUAL = early.Baseline(usual=0.3, high=0.55)


def measured(rates, seed=1, packets=100):
    """Minute loss as an agent measures it: ``packets`` probes a minute, each lost with the rate."""
    rng = np.random.default_rng(seed)
    return [float(x) for x in rng.binomial(packets, np.clip(np.asarray(rates) / 100.0, 0, 1)) * (100.0 / packets)]


def ramp(minutes_flat, ramp_minutes, usual=0.3, fail=3.0):
    """Rates: flat at ``usual``, then rising to ``fail`` in ``ramp_minutes`` and on at the same pace."""
    pace = (fail - usual) / ramp_minutes
    return [usual + max(0, m - minutes_flat) * pace for m in range(minutes_flat + 2 * ramp_minutes)]


def first_warning(values, baseline=USUAL, level=LOSS, every=5, opts=None, first_hour=None):
    """The first minute at which the detector warns; ``first_hour``: the local hour of the day of minute 0."""
    opts = opts or early.FastSettings()
    for end in range(early.FAST_MIN_POINTS, len(values) + 1, every):
        minutes = range(max(0, end - opts.window_min), end)
        window = [(float(m), values[m]) for m in minutes]
        hours = None if first_hour is None else [(first_hour + m // 60) % 24 for m in minutes]
        if early.detect_fast(window, baseline, level, opts, hours=hours):
            return end
    return None


def leads(flat, ramp_minutes, seeds=12, packets=100):
    """Minutes between the first warning and the moment the rate reaches FAIL, one per seed (None: never)."""
    out = []
    for seed in range(seeds):
        at = first_warning(measured(ramp(flat, ramp_minutes), seed=seed, packets=packets))
        out.append(None if at is None else flat + ramp_minutes - at)
    return out


def test_three_hour_ramps_are_warned_well_before_fail():
    got = leads(240, 180)
    assert sum(1 for lead in got if lead is not None and lead >= 10) >= 9, got


def test_one_hour_ramps_measured_at_the_meeting_interval_are_warned_before_fail_with_their_story():
    # During a meeting the agent measures every 5 s: 600 probe packets a minute.
    got = leads(240, 60, packets=600)
    assert sum(1 for lead in got if lead is not None and lead >= 0) >= 9, got
    values = measured(ramp(240, 60), seed=1, packets=600)
    at = first_warning(values)
    finding = early.detect_fast([(float(m), values[m]) for m in range(max(0, at - 360), at)], USUAL, LOSS)
    assert finding.from_value == 0.3 and 2.0 <= finding.value < 3.0
    assert 15 <= finding.minutes <= 60 and finding.slope_per_hour > 0 and finding.hours_to_fail < 2


def test_noise_and_short_bursts_are_not_warned():
    # Twelve hours at the usual level (binomial noise of a hundred packets a minute), with bursts of
    # one to four minutes at 20–40 % loss every hour or so: the alert rules' business, not a trend.
    rates = [0.3] * 720
    for start in range(20, 720, 67):
        for m in range(start, start + 1 + start % 4):
            rates[m] = 20.0 + start % 20
    assert first_warning(measured(rates, seed=5)) is None


def test_the_levels_come_from_the_standard():
    values = measured(ramp(240, 180), seed=1)
    assert first_warning(values) is not None
    # A standard whose FAIL level is 10 %: the same rise to 2–3 % is far from FAIL, and below its WARN.
    assert first_warning(values, level=Level(Problem.LOSS, 5.0, 10.0)) is None


def week_of_hours(night=0.3, office=0.3, seed=3):
    """A week of hourly loss, ``(local hour, value)``: ``night`` outside 8:00–17:00, ``office`` within, ±30 %."""
    rng = np.random.default_rng(seed)
    return [(h % 24, (office if 8 <= h % 24 < 17 else night) * float(np.exp(rng.normal(0, 0.3))))
            for h in range(7 * 24)]


def test_the_usual_level_follows_the_hour_of_the_day():
    baseline = early.Baseline.of_days(week_of_hours(night=0.3, office=1.2))
    assert 1.0 < baseline.at(10)[0] < 1.4 and 0.25 < baseline.at(2)[0] < 0.35
    assert baseline.at(10)[1] > baseline.at(10)[0] * 1.1  # "the highest it usually reaches", at that hour
    flat = early.Baseline.of([v for _, v in week_of_hours(night=0.3, office=1.2)])
    assert baseline.at(None) == (flat.usual, flat.high)
    # Two days do not make an hour's usual level, nor does a measure that falls as it worsens: flat.
    assert early.Baseline.of_days(week_of_hours()[:48]).by_hour is None
    assert early.Baseline.of_days([(h, 4.3) for h, _ in week_of_hours()], higher_is_worse=False).by_hour is None


def test_a_rise_into_office_hours_is_judged_against_the_office_hours():
    # Minute 0 is 04:00: the three-hour ramp starts at 08:00 and reaches FAIL at 11:00.
    values = measured(ramp(240, 180), seed=1)
    quiet_days = early.Baseline.of_days(week_of_hours(night=0.3, office=0.3))
    at_night_level = first_warning(values, baseline=quiet_days, first_hour=4)
    assert at_night_level is not None and at_night_level <= 240 + 180 - 10
    # A link usually at 2 % in office hours: the same rise is mostly its working day; warned late or not at all.
    busy_days = early.Baseline.of_days(week_of_hours(night=0.3, office=2.0))
    later = first_warning(values, baseline=busy_days, first_hour=4)
    assert later is None or later >= at_night_level + 30
    # Its nights are judged against its nights, not against a level its office hours lift: the ramp from
    # 22:00 to 01:00 is warned half an hour before FAIL, as on the quiet link (a flat baseline of the
    # same week, its 90th percentile an office hour, warns it only at FAIL).
    at_night = first_warning(values, baseline=busy_days, first_hour=18)
    assert at_night is not None and at_night <= 240 + 180 - 30


def test_falling_mos_is_watched_the_other_way():
    mos = Level(Problem.MOS, 3.6, 3.1, higher_is_worse=False)
    rng = np.random.default_rng(7)
    # MOS 4.3 → 3.1 in three hours.
    values = [4.3 + rng.normal(0, 0.03) for _ in range(240)] + [4.3 - 0.0067 * m + rng.normal(0, 0.03)
                                                                for m in range(200)]
    at = first_warning(values, baseline=early.Baseline(usual=4.3, high=4.2), level=mos)
    assert at is not None and at <= 240 + 180 - 10


def minute_rows(site, values, end):
    return [Rollup(site=site, period=Period.MINUTE, bucket=end - dt.timedelta(minutes=len(values) - i), rounds=2,
                   loss_avg=v, jitter_avg=5.0, rtt_avg=30.0, mos_avg=4.3) for i, v in enumerate(values)]


def hour_rows(site, end, hours=36, loss=0.3):
    start = end.replace(minute=0) - dt.timedelta(hours=hours + 7)
    return [Rollup(site=site, period=Period.HOUR, bucket=start + dt.timedelta(hours=h), rounds=120,
                   loss_avg=loss * (1.6 if h % 4 == 0 else 1.0), jitter_avg=5.0, rtt_avg=30.0, mos_avg=4.3)
            for h in range(hours)]


def test_the_job_warns_raises_the_trend_alert_and_the_site_page_says_it(province, client_for):
    site = province.site_a
    end = timezone.now().replace(second=0, microsecond=0)
    values = measured(ramp(240, 180), seed=1)  # a three-hour ramp, up to the minute it is first seen
    at = first_warning(values)
    # A week of hourly roll-ups: the job judges each minute against the usual level of its hour of the day.
    Rollup.objects.bulk_create(minute_rows(site, values[at - 360:at], end) + hour_rows(site, end, hours=7 * 24))
    Rollup.objects.bulk_create(minute_rows(province.site_b, [0.3] * 360, end)
                               + hour_rows(province.site_b, end, hours=7 * 24))
    assert tasks.fast_warning_job.call_local() == 1
    warning = Warning.objects.get()
    assert (warning.site_id, warning.measure, warning.resolution) == (site.pk, Problem.LOSS, Period.MINUTE)
    assert warning.over_minutes >= 10 and warning.from_value < 0.6
    flips.process_flips()
    alert = Alert.objects.get(site=site, problem=Problem.TREND)
    assert alert.state == AlertState.RAISED and alert.incident is not None
    page = client_for(province.staff).get(reverse("monitoring:site", args=[site.pk]))
    assert warning.summary in page.content.decode()


def test_a_flapping_link_warns_once_and_raises_the_alert_once(province):
    site = province.site_a
    start = dt.datetime(2026, 11, 20, 1, tzinfo=dt.UTC)
    # Twelve hours of two and a half hours worsening to 2,9 % then half an hour back at the usual level.
    rates = [0.3] * 360 + [0.3 + 2.6 * (m % 180) / 150 if m % 180 < 150 else 0.3 for m in range(720)]
    values = measured(rates, seed=8)
    seen = [end for end in range(360, len(values) + 1, 5)
            if early.detect_fast([(float(m), values[m]) for m in range(end - 360, end)], USUAL, LOSS)]
    assert len(seen) >= 5 and seen[-1] - seen[0] > 4 * 60  # the detector sees it again and again, for hours
    Rollup.objects.bulk_create(hour_rows(site, start + dt.timedelta(minutes=360))
                               + minute_rows(site, values, start + dt.timedelta(minutes=len(values))))
    for m in range(360, len(values) + 1, 5):
        now = start + dt.timedelta(minutes=m, seconds=20)
        early.evaluate_fast(now)
        if m % 60 == 5:
            early.evaluate_all(now)  # the hourly job feeds its clean hours to the same alert
    assert Warning.objects.count() == 1  # one per cooldown (24 h), however often it is seen
    # The alert clears only after six clean hours (MONITORING_TREND_CLEAR_HOURS): in twelve hours of
    # flapping it is raised at most twice, never twice within those six hours.
    raised = list(AlertFlip.objects.filter(alert__problem=Problem.TREND, new_state=AlertState.RAISED)
                  .order_by("at").values_list("at", flat=True))
    assert 1 <= len(raised) <= 2
    assert all(b - a >= dt.timedelta(hours=6) for a, b in zip(raised, raised[1:], strict=False))
