"""Batches to the server: an hour of refusals, lost answers, hints."""


from diemcau_agent import measure
from diemcau_agent.buffer import Buffer
from diemcau_agent.uploader import Uploader, parse_iso, utc_now_iso


def test_an_hour_of_refusals_then_every_result_arrives_exactly_once_in_order(tmp_path, receiver, clock):
    start = clock.t
    receiver.refuse = lambda: clock.t < start + 3600
    buf = Buffer(str(tmp_path / "b.sqlite3"))
    up = Uploader(buf, receiver.url, "tok", clock=clock, batch_size=50)
    made = []
    # Two hours of the service's rounds, 30 s apart, with an upload attempt each.
    while clock.t < start + 7200:
        r = measure.record("probe", {"n": len(made)}, utc_now_iso(clock.t))
        made.append(r["id"])
        buf.add(r)
        up.flush()
        clock.advance(30)
    while buf.count():
        clock.advance(300)
        up.flush()
    got = [r["id"] for r in receiver.received]
    assert got == made, "every result exactly once, oldest first"
    stamps = [r["measured_at"] for r in receiver.received]
    assert stamps == sorted(stamps)
    refused = [q for q in receiver.requests if q["body"]["sent_at"] < utc_now_iso(start + 3600)]
    # Exponential backoff up to 5 minutes: not one attempt per round.
    assert 5 <= len(refused) <= 25
    assert all(q["auth"] == "Bearer tok" and q["path"] == "/api/v1/agent/results" for q in receiver.requests)


def test_a_lost_answer_means_a_harmless_resend(tmp_path, receiver, clock):
    receiver.lose_response = 1
    buf = Buffer(str(tmp_path / "b.sqlite3"))
    up = Uploader(buf, receiver.url, "tok", clock=clock, timeout=2)
    records = [measure.record("probe", {"n": i}) for i in range(3)]
    for r in records:
        buf.add(r)
    assert up.flush() == 0
    assert buf.count() == 3, "not confirmed, so still buffered"
    clock.advance(600)
    assert up.flush() == 3
    ids = [r["id"] for r in receiver.received]
    assert len(ids) == 6 and set(ids) == {r["id"] for r in records}, "same ids twice: the server dedups"


def test_rejected_results_leave_the_buffer_and_are_not_resent(tmp_path, receiver, clock):
    buf = Buffer(str(tmp_path / "b.sqlite3"))
    bad = measure.record("probe", {"n": 1})
    receiver.reject = {bad["id"]}
    buf.add(bad)
    buf.add(measure.record("probe", {"n": 2}))
    Uploader(buf, receiver.url, "tok", clock=clock).flush()
    assert buf.count() == 0
    assert len(receiver.received) == 1


def test_dropped_counts_ride_with_the_next_batch_until_acknowledged(tmp_path, receiver, clock):
    buf = Buffer(str(tmp_path / "b.sqlite3"), max_rows=100)
    for i in range(120):
        buf.add(measure.record("probe", {"n": i}, utc_now_iso(clock.t + i)))
    receiver.refuse = lambda: True
    up = Uploader(buf, receiver.url, "tok", clock=clock)
    up.flush()
    assert receiver.requests[-1]["body"]["dropped"]["count"] == 20
    receiver.refuse = lambda: False
    clock.advance(600)
    up.flush()
    assert receiver.requests[-1]["body"].get("dropped") is None or receiver.requests[0]["body"]["dropped"]
    assert [q["body"].get("dropped", {}).get("count") for q in receiver.requests[1:]] == [20]
    assert buf.dropped() is None


def test_meeting_window_and_interval_from_the_server(tmp_path, receiver, clock):
    receiver.extra = {"meeting_window": {"start": utc_now_iso(clock.t - 60), "end": utc_now_iso(clock.t + 600)},
                      "interval_s": 20}
    buf = Buffer(str(tmp_path / "b.sqlite3"))
    buf.add(measure.record("probe", {}))
    up = Uploader(buf, receiver.url, "tok", clock=clock)
    up.flush()
    assert up.in_meeting()
    assert up.interval_s == 20
    clock.advance(700)
    assert not up.in_meeting()


def test_unreachable_server_backs_off(tmp_path, clock):
    buf = Buffer(str(tmp_path / "b.sqlite3"))
    buf.add(measure.record("probe", {}))
    up = Uploader(buf, "http://127.0.0.1:9", "tok", clock=clock, timeout=1)
    up.flush()
    assert not up.due() and buf.count() == 1
    clock.advance(5)
    assert up.due()


def test_iso_round_trip():
    assert abs(parse_iso(utc_now_iso(1_700_000_000.25)) - 1_700_000_000.25) < 1e-6
    assert utc_now_iso(0).endswith("Z")
    assert parse_iso("garbage") is None


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_two_days_offline_then_everything_in_order_and_the_overflow_reported(tmp_path, clock):
    from conftest import start_receiver
    port = free_port()
    buf = Buffer(str(tmp_path / "b.sqlite3"), max_rows=4000)
    up = Uploader(buf, "http://127.0.0.1:%d" % port, "tok", clock=clock, timeout=2, batch_size=100)
    made = []
    start = clock.t
    while clock.t < start + 2 * 86400:   # nothing listens: connection refused
        r = measure.record("probe", {"n": len(made)}, utc_now_iso(clock.t))
        made.append(r["id"])
        buf.add(r)
        up.flush()
        clock.advance(30)
    assert len(made) == 5760 and buf.count() == 4000
    server = start_receiver(port)
    try:
        clock.advance(300)
        up.flush()
    finally:
        server.shutdown()
        server.server_close()
    got = [r["id"] for r in server.received]
    assert got == made[-4000:], "the newest 4000, each once, oldest first"
    reports = [q["body"].get("dropped") for q in server.requests if q["body"].get("dropped")]
    assert reports[0]["count"] == 1760
    assert reports[0]["first_measured_at"] == utc_now_iso(start)
    assert buf.count() == 0 and buf.dropped() is None
