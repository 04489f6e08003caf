"""Train statistics on synthetic samples with a known answer."""

import random

from diemcau_agent import stats


def make(seqs_delays, gap=0.02, back=0.0):
    """Samples for (seq, forward delay) pairs, arrival order = list order."""
    out = []
    for seq, d in seqs_delays:
        t1 = seq * gap
        t2 = t1 + d + 1000.0  # the reflector's clock is 1000 s off: must cancel
        t3 = t2 + 0.0001
        t4 = t3 - 1000.0 + back
        out.append(stats.Sample(seq, t1, t2, t3, t4))
    return out


def test_rtt_subtracts_the_reflector_hold_time():
    s = stats.Sample(0, 0.0, 5.010, 5.012, 0.030)
    assert abs(s.rtt - 0.028) < 1e-12


def test_uniform_delay_variation_gives_two_thirds_of_a():
    rng = random.Random(1)
    a = 0.015
    samples = make([(i, 0.050 + rng.uniform(-a, a)) for i in range(20000)])
    out = stats.summarize(samples, 20000)
    assert abs(out["jitter_ms"] - 2 * a / 3 * 1000) < 0.02 * (2 * a / 3 * 1000)


def test_constant_delay_has_no_jitter_and_exact_rtt():
    out = stats.summarize(make([(i, 0.040) for i in range(100)], back=0.040), 100)
    assert out["jitter_ms"] == 0.0
    assert abs(out["rtt_median_ms"] - 80.0) < 0.01


def test_loss_duplicates_and_reordering_are_counted():
    arrivals = [(0, .01), (2, .01), (1, .01), (3, .01), (3, .01), (5, .01), (4, .01)]
    out = stats.summarize(make(arrivals), sent=8)
    assert out["received"] == 6
    assert out["duplicates"] == 1
    assert out["loss_pct"] == 25.0
    assert out["reordered"] == 2  # 1 after 2, 4 after 5


def test_percentiles_interpolate():
    assert stats.percentile([1, 2, 3, 4], 50) == 2.5
    assert stats.percentile([1, 2, 3, 4, 5], 95) == 4.8
    assert stats.percentile([], 50) is None


def test_forward_and_backward_loss_from_the_reflector_sequence():
    samples = []
    rseq = 0
    for seq in range(100, 200):
        if seq % 10 == 3:      # lost on the way out: the reflector never saw it
            continue
        if seq % 10 == 7:      # lost on the way back: it did
            rseq += 1
            continue
        samples.append(stats.Sample(seq, seq * .02, seq * .02 + .01, seq * .02 + .01, seq * .02 + .02, rseq))
        rseq += 1
    out = stats.summarize(samples, 100)
    assert out["loss_pct"] == 20.0
    assert abs(out["loss_fwd_pct"] - 10.0) < 1.5
    assert abs(out["loss_back_pct"] - 10.0) < 1.5


def test_no_split_with_a_stateless_reflector():
    samples = [stats.Sample(i, 0, .01, .01, .02, i) for i in range(10)]
    assert stats.summarize(samples, 12)["loss_fwd_pct"] is None


def test_empty_train_reports_total_loss():
    out = stats.summarize([], 50)
    assert out["loss_pct"] == 100.0 and out["rtt_median_ms"] is None and out["jitter_ms"] is None
