"""A call-quality grade per 20-second window during a meeting (Pexip's rule)."""

from diemcau_agent import grading
from diemcau_agent.thresholds import Thresholds
from diemcau_agent.uploader import parse_iso, utc_now_iso

from conftest import make_agent

LIMITS = Thresholds()


def train(sent=50, received=50, jitter=3.0, rtt=40.0):
    return {"sent": sent, "received": received, "loss_pct": 100.0 * (sent - received) / sent, "jitter_ms": jitter,
            "jitter_back_ms": jitter / 2, "rtt_median_ms": rtt}


def test_the_grade_follows_loss_and_drops_one_step_for_jitter():
    # < 1 % good, < 3 % ok, < 10 % bad, else terrible; one lower when jitter > 40 ms.
    assert [LIMITS.grade(loss, 5.0) for loss in (0.0, 0.99, 1.0, 2.99, 3.0, 9.99, 10.0, 60.0)] == [
        "good", "good", "ok", "ok", "bad", "bad", "terrible", "terrible"]
    assert LIMITS.grade(0.5, 40.0) == "good" and LIMITS.grade(0.5, 40.1) == "ok"
    assert LIMITS.grade(5.0, 55.0) == "terrible" and LIMITS.grade(20.0, 55.0) == "terrible"


def test_trains_of_one_window_are_pooled_and_the_next_window_closes_it():
    grader = grading.Grader()
    start = 1_764_600_000.0  # a multiple of 20 s
    assert grader.add(start + 1, train(), LIMITS) == []
    assert grader.add(start + 6, train(received=46, jitter=9.0), LIMITS) == []
    assert grader.add(start + 11, train(), LIMITS) == []
    assert grader.add(start + 16, train(), LIMITS) == []
    done = grader.add(start + 21, train(), LIMITS)
    assert len(done) == 1
    measured_at, fields = grading.record_fields(done[0])
    assert parse_iso(measured_at) == start and fields["window_s"] == 20 and fields["trains"] == 4
    assert fields["sent"] == 200 and fields["received"] == 196 and fields["loss_pct"] == 2.0
    # packet-weighted: (3·50·3 + 9·46) / 196
    assert abs(fields["jitter_ms"] - (3 * 150 + 9 * 46) / 196) < 1e-3
    assert fields["grade"] == "ok" and fields["judged_by"] == {"source": "built-in", "version": ""}


def test_a_train_that_could_not_be_sent_counts_as_all_lost():
    window = grading.summarize(0, 20, [(train(), 50), ({"error": "no route"}, 50)], LIMITS)
    assert window["loss_pct"] == 50.0 and window["grade"] == "terrible" and window["jitter_ms"] == 3.0


def test_in_a_meeting_window_the_agent_sends_graded_windows(tmp_path, receiver, reflector, clock):
    agent = make_agent(tmp_path, receiver, reflector, clock)
    agent.round()
    assert agent.grader.start is None, "no meeting: nothing is graded"
    receiver.extra = {"meeting_window": {"start": utc_now_iso(clock.t - 60), "end": utc_now_iso(clock.t + 600)}}
    agent.uploader.flush()
    agent.round()
    agent.round()
    assert agent.grader.start is not None
    clock.advance(3600)  # the meeting window is over: the open window is finished and sent
    agent.round()
    agent.uploader.flush()
    windows = [r for r in receiver.received if r["kind"] == "grade"]
    assert len(windows) in (1, 2)  # two rounds may straddle a 20-second boundary
    assert sum(w["fields"]["trains"] for w in windows) == 2
    assert all(w["fields"]["grade"] == "good" and w["fields"]["sent"] > 0 for w in windows)
    assert agent.grader.start is None
