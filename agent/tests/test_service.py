"""One round of ``diemcau-agent run`` against a local reflector and server."""

from diemcau_agent import throughput
from diemcau_agent.uploader import utc_now_iso

from conftest import make_agent


def test_a_round_measures_checks_and_uploads(tmp_path, receiver, reflector, clock):
    agent = make_agent(tmp_path, receiver, reflector, clock)
    agent.round(wait_checks=True)
    agent.uploader.flush()
    kinds = sorted(r["kind"] for r in receiver.received)
    assert kinds == ["dns", "https", "probe", "tcp_connect"]
    probe = [r for r in receiver.received if r["kind"] == "probe"][0]["fields"]
    assert probe["sent"] == 20 and probe["received"] == 20 and probe["loss_pct"] == 0.0
    # The MOS itself is checked in test_emodel; on a busy CI machine one
    # packet in 20 may straggle past the playout buffer and count as late.
    assert probe["voice"]["codec"] == "g711" and 1.0 <= probe["voice"]["mos"] <= 4.5
    tcp = [r for r in receiver.received if r["kind"] == "tcp_connect"][0]["fields"]
    assert tcp["ok"] and tcp["connect_ms"] < 100
    https = [r for r in receiver.received if r["kind"] == "https"][0]["fields"]
    assert https["ok"] and https["status"] == 501  # http.server has no GET here: reachable all the same
    assert agent.buffer.count() == 0
    # Next round within the interval: the train only.
    clock.advance(10)
    agent.round()
    agent.uploader.flush()
    assert sorted(r["kind"] for r in receiver.received).count("tcp_connect") == 1


def test_meeting_window_switches_to_the_short_interval(tmp_path, receiver, reflector, clock):
    agent = make_agent(tmp_path, receiver, reflector, clock)
    assert agent.interval() == 30
    receiver.extra = {"meeting_window": {"start": utc_now_iso(clock.t), "end": utc_now_iso(clock.t + 3600)}}
    agent.round()
    agent.uploader.flush()
    assert agent.interval() == 5
    clock.advance(4000)
    assert agent.interval() == 30


def test_throughput_on_demand_is_capped_locally(tmp_path, receiver, reflector, clock):
    sink = throughput.ThroughputSink("127.0.0.1", 0)
    import threading
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    agent = make_agent(tmp_path, receiver, reflector, clock, "[throughput]\nmax_kbps = 2000\nseconds = 1\n")
    agent.cfg.reflector = ("127.0.0.1", sink.server_address[1])
    agent.cfg.count = 2
    receiver.extra = {"throughput": {"seconds": 30, "max_kbps": 100000}}
    agent.round()
    agent.uploader.flush()  # the answer asks for a test
    receiver.extra = {}
    agent.round()           # which runs now
    agent.uploader.flush()
    sink.shutdown()
    result = [r for r in receiver.received if r["kind"] == "throughput"][0]["fields"]
    assert result["ok"] and result["seconds"] == 1.0 and result["requested_kbps"] == 2000
    assert 1500 < result["kbps"] < 2300
