"""What the agent sends and expects matches ``agent/schema``."""

import json
import os
import threading

from diemcau_agent import grading, measure, thresholds, throughput
from diemcau_agent.buffer import Buffer
from diemcau_agent.thresholds import Thresholds
from diemcau_agent.uploader import Uploader

from minischema import errors

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "schema")


def load(name):
    with open(os.path.join(SCHEMA_DIR, name), encoding="utf-8") as fh:
        return json.load(fh)


def test_every_kind_of_result_the_agent_sends_conforms(tmp_path, receiver, reflector, clock):
    from diemcau_agent import config
    cfg = config.load(text="[probe]\nreflector = 127.0.0.1:%d\ncount = 10\nspacing_ms = 2\ngrace_s = 0.3\n"
                      "[platform]\nhost = 127.0.0.1\ntcp_ports = 9\ndns_names = localhost\n"
                      "[agent]\nserver = %s\n" % (reflector.port, receiver.url))
    sink = throughput.ThroughputSink("127.0.0.1", 0)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    records = [measure.probe_record(cfg), measure.probe_record(cfg, reflector=("127.0.0.1", 9))]
    records += measure.reachability_records(cfg)
    records.append(measure.record("throughput", throughput.measure("127.0.0.1", sink.server_address[1], "down",
                                                                   0.5, 800)))
    sink.shutdown()
    grader = grading.Grader()
    grader.add(1_764_600_001.0, records[0]["fields"], Thresholds(), planned=10)
    grader.add(1_764_600_006.0, records[1]["fields"], Thresholds(), planned=10)
    records.append(measure.record("grade", *reversed(grading.record_fields(grader.close(Thresholds())[0]))))
    records[0]["kind"] = "check"
    records[0]["fields"].update(status=0, verdict="Đường truyền tốt.", judged_by={"source": "built-in", "version": ""})
    buf = Buffer(str(tmp_path / "b.sqlite3"), max_rows=100)
    for r in records:
        buf.add(r)
    Uploader(buf, receiver.url, "t", clock=clock).flush()
    body = receiver.requests[0]["body"]
    assert {r["kind"] for r in body["results"]} == {"check", "probe", "tcp_connect", "dns", "https", "throughput",
                                                    "grade"}
    assert errors(body, load("results-request.schema.json")) == []


def test_examples_conform_and_a_broken_batch_does_not():
    request = load("results-request.schema.json")
    response = load("results-response.schema.json")
    example = load("example-request.json")
    assert errors(example, request) == []
    assert errors(load("example-response.json"), response) == []
    broken = json.loads(json.dumps(example))
    del broken["results"][0]["id"]
    broken["results"][0]["fields"]["loss_pct"] = 140
    found = errors(broken, request)
    assert any("missing id" in e for e in found) and any("140" in e for e in found)


def test_the_built_in_thresholds_are_a_valid_answer_and_the_shipped_standard():
    response = load("results-response.schema.json")
    assert errors({"accepted": [], "thresholds": thresholds.BUILT_IN}, response) == []
    assert thresholds.clean(thresholds.BUILT_IN) is not None
    assert thresholds.clean(load("example-response.json")["thresholds"]) is not None
