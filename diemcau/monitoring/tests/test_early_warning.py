import datetime as dt
import random

from diemcau.monitoring import early, early_eval, flips, histories
from diemcau.monitoring.choices import AlertState, Period, Problem
from diemcau.monitoring.levels import Level
from diemcau.monitoring.models import Alert, Rollup, Warning

LOSS = Level(Problem.LOSS, 1.0, 3.0)
MOS = Level(Problem.MOS, 3.6, 3.1, higher_is_worse=False)


def test_a_steady_rise_towards_fail_is_warned_with_the_time_left():
    points = [(float(h), 0.3 + 0.05 * h) for h in range(36)]  # 2.05 % now, +0.05 %/h
    finding = early.detect(points, LOSS)
    assert finding is not None
    assert 15 <= finding.hours_to_fail <= 25
    assert abs(finding.slope_per_hour - 0.05) < 1e-6


def test_a_flat_noisy_link_is_not_warned():
    rng = random.Random(3)
    points = [(float(h), 0.4 * rng.lognormvariate(0, 0.5)) for h in range(36)]
    assert early.detect(points, LOSS) is None


def test_a_link_already_failing_is_left_to_the_alert_rules():
    assert early.detect([(float(h), 4.0 + 0.1 * h) for h in range(36)], LOSS) is None


def test_falling_mos_is_a_worsening_too():
    points = [(float(h), 4.3 - 0.03 * h) for h in range(36)]
    finding = early.detect(points, MOS)
    assert finding is not None and finding.slope_per_hour < 0


def test_evaluated_on_generated_histories_it_warns_early_and_rarely_wrongly():
    score = early_eval.evaluate(sites=24, seed=11, weeks=3)
    assert score.degrading > 5
    assert score.warned_in_time >= 0.6 * score.degrading
    assert score.median_lead_h >= 2
    assert score.false_per_site_week < 0.05


def test_the_generated_degradation_crosses_fail_after_its_onset():
    history = histories.generate(random.Random(5), hours=24 * 14, degrade=True)
    crossing = histories.first_crossing(history.loss, 3.0, history.onset)
    assert crossing is not None and crossing >= history.onset


def test_warnings_are_recorded_and_raise_the_trend_alert_once(province):
    site = province.site_a
    now = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    Rollup.objects.bulk_create([
        Rollup(site=site, period=Period.HOUR, bucket=now - dt.timedelta(hours=36 - h), rounds=120,
               loss_avg=0.3 + 0.06 * h, jitter_avg=5.0, rtt_avg=30.0, mos_avg=4.3) for h in range(36)])
    assert early.evaluate_all(now) == 1
    assert early.evaluate_all(now + dt.timedelta(minutes=5)) == 0  # cooldown: one warning
    assert Warning.objects.get().measure == Problem.LOSS
    flips.process_flips()
    alert = Alert.objects.get(site=site, problem=Problem.TREND)
    assert alert.state == AlertState.RAISED
    assert alert.incident is not None and alert.incident.severity == "low"
