"""One set of thresholds: the server's standard, heard in its answers, kept across restarts."""

import copy
import json
import subprocess
import sys

from diemcau_agent import thresholds, verdict
from diemcau_agent.buffer import Buffer
from diemcau_agent.uploader import Uploader

SERVER = copy.deepcopy(thresholds.BUILT_IN)
SERVER.update({"version": "2027.1", "jitter_ms": {"warn_above": 20.0, "fail_above": 35.0},
               "grade_jitter_above_ms": 30.0})


def fields(loss=0.0, rtt=30.0, jitter=2.0):
    return {"received": 50, "sent": 50, "loss_pct": loss, "rtt_median_ms": rtt, "jitter_ms": jitter,
            "jitter_back_ms": jitter / 2}


def test_it_judges_by_the_published_standards_levels_with_its_words():
    # NET-LOSS warn above 1 %, fail above 3 %; NET-RTT 150 / 300 ms; NET-JITTER 30 / 50 ms.
    assert verdict.judge(fields(loss=3.0))[0] == verdict.WARN  # "above 3 %" fails: 3.0 does not
    assert verdict.judge(fields(loss=3.2))[0] == verdict.BAD
    assert verdict.judge(fields(rtt=200.0))[0] == verdict.WARN
    assert verdict.judge(fields(rtt=350.0))[0] == verdict.BAD
    assert verdict.judge(fields(jitter=20.0))[0] == verdict.GOOD  # the old agent said "watch it" above 15 ms
    status, lines = verdict.judge(fields(jitter=45.0))
    assert status == verdict.WARN and "jitter) 45 ms" in lines[0]


def test_it_uses_its_built_in_levels_only_until_the_server_answers(tmp_path, receiver, clock):
    buf = Buffer(str(tmp_path / "b.sqlite3"))
    uploader = Uploader(buf, receiver.url, "t", clock=clock)
    assert uploader.thresholds.source == "built-in"
    assert verdict.judge(fields(jitter=40.0), limits=uploader.thresholds)[0] == verdict.WARN
    receiver.extra = {"thresholds": SERVER}
    buf.add({"id": "a", "kind": "probe", "measured_at": "2026-11-29T14:00:00.000Z", "fields": {}})
    uploader.flush()
    assert uploader.thresholds.source == "server" and uploader.thresholds.version == "2027.1"
    assert verdict.judge(fields(jitter=40.0), limits=uploader.thresholds)[0] == verdict.BAD
    assert uploader.thresholds.grade(0.5, 32.0) == "ok"  # one grade lower above the server's 30 ms


def test_the_levels_heard_last_survive_a_restart_without_a_network(tmp_path, receiver, clock):
    path = str(tmp_path / "b.sqlite3")
    buf = Buffer(path)
    receiver.extra = {"thresholds": SERVER}
    buf.add({"id": "a", "kind": "probe", "measured_at": "2026-11-29T14:00:00.000Z", "fields": {}})
    Uploader(buf, receiver.url, "t", clock=clock).flush()
    buf.close()
    again = Uploader(Buffer(path), "http://127.0.0.1:9", "t", clock=clock)
    assert again.thresholds.source == "server" and again.thresholds.data["jitter_ms"]["fail_above"] == 35.0


def test_an_answer_it_cannot_use_whole_keeps_the_levels_in_force(tmp_path, receiver, clock):
    buf = Buffer(str(tmp_path / "b.sqlite3"))
    uploader = Uploader(buf, receiver.url, "t", clock=clock)
    broken = copy.deepcopy(SERVER)
    broken["grades"] = [{"code": "good", "loss_below": 1.0}]  # no grade for the rest
    receiver.extra = {"thresholds": broken}
    buf.add({"id": "a", "kind": "probe", "measured_at": "2026-11-29T14:00:00.000Z", "fields": {}})
    uploader.flush()
    assert uploader.thresholds.source == "built-in"
    for bad in ({"loss_pct": {"warn_above": 5, "fail_above": 3}}, {"rtt_ms": {"fail_above": "300"}},
                {"grade_jitter_above_ms": None}, {"grades": [{"code": "excellent"}]}):
        assert thresholds.clean(dict(copy.deepcopy(SERVER), **bad)) is None, bad


def test_check_judges_by_the_levels_the_service_kept(reflector, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    strict = copy.deepcopy(SERVER)
    strict["rtt_ms"] = {"warn_above": 0.0, "fail_above": 0.0}  # any delay fails: loopback shows it
    buf = Buffer(str(data / "buffer.sqlite3"))
    buf.set_state(thresholds.STATE_KEY, json.dumps(strict))
    buf.close()
    ini = tmp_path / "agent.ini"
    ini.write_text("[agent]\ndata_dir = %s\n" % data, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "diemcau_agent", "--config", str(ini), "check", "--reflector",
                           "127.0.0.1:%d" % reflector.port, "--seconds", "0.5", "--json", "--no-send"],
                          capture_output=True, text=True, timeout=60)
    out = json.loads(done.stdout)
    assert out["thresholds"] == "server" and out["thresholds_version"] == "2027.1"
    assert done.returncode == verdict.BAD and "Độ trễ khứ hồi" in out["verdict"]


def test_check_without_a_service_buffer_creates_nothing(reflector, tmp_path):
    ini = tmp_path / "agent.ini"
    ini.write_text("[agent]\ndata_dir = %s\n" % (tmp_path / "absent"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "diemcau_agent", "--config", str(ini), "check", "--reflector",
                           "127.0.0.1:%d" % reflector.port, "--seconds", "0.5", "--json", "--no-send"],
                          capture_output=True, text=True, timeout=60)
    assert json.loads(done.stdout)["thresholds"] == "built-in"
    assert not (tmp_path / "absent").exists()
