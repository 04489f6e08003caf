"""``diemcau-agent check``: verdict words, exit status, JSON, sending."""

import json
import subprocess
import sys

from diemcau_agent import cli, verdict

CONFIG = """
[agent]
server = {server}
token = site-token
data_dir = {data}
[operator]
name = VNPT
phone = 18001091
"""


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "diemcau_agent"] + list(args), capture_output=True, text=True,
                          timeout=60)


def test_good_link_says_so_and_exits_0(reflector, tmp_path):
    done = run_cli("--config", str(tmp_path / "none.ini"), "check", "--reflector", "127.0.0.1:%d" % reflector.port,
                   "--seconds", "1")
    assert done.returncode == 0
    assert done.stdout.startswith("Đường truyền tốt.")


def test_json_has_the_figures(reflector, tmp_path):
    done = run_cli("--config", str(tmp_path / "none.ini"), "check", "--reflector", "127.0.0.1:%d" % reflector.port,
                   "--seconds", "1", "--json")
    out = json.loads(done.stdout)
    for key in ("rtt_median_ms", "rtt_p95_ms", "jitter_ms", "loss_pct", "reordered_pct", "mos"):
        assert key in out
    assert out["loss_pct"] == 0.0 and out["sent"] == 50 and 1.0 <= out["mos"] <= 4.5


def test_no_reflector_answering_exits_3(tmp_path):
    done = run_cli("--config", str(tmp_path / "none.ini"), "check", "--reflector", "127.0.0.1:9", "--seconds", "0.5")
    assert done.returncode == 3
    assert "Không đo được" in done.stdout


def test_loss_verdict_names_the_operator_and_number():
    fields = {"received": 96, "loss_pct": 4.0, "rtt_median_ms": 30, "jitter_ms": 2, "jitter_back_ms": 2}
    status, lines = verdict.judge(fields, "VNPT", "18001091")
    assert status == verdict.BAD
    assert lines[0] == "Mất gói 4 %: báo ngay cho VNPT, số 18001091."


def test_warning_band():
    status, lines = verdict.judge({"received": 99, "loss_pct": 1.5, "rtt_median_ms": 30, "jitter_ms": 2}, "Viettel")
    assert status == verdict.WARN and "Mất gói 1,5 %" in lines[0] and "Viettel" in lines[0]


def test_check_result_is_sent_to_the_configured_server(reflector, receiver, tmp_path):
    ini = tmp_path / "agent.ini"
    ini.write_text(CONFIG.format(server=receiver.url, data=tmp_path / "data"), encoding="utf-8")
    done = run_cli("--config", str(ini), "check", "--reflector", "127.0.0.1:%d" % reflector.port, "--seconds", "1",
                   "--json")
    out = json.loads(done.stdout)
    assert out["sent_to_server"] is True
    assert [r["kind"] for r in receiver.received] == ["check"]
    assert receiver.received[0]["id"] == out["id"]
    assert receiver.requests[0]["auth"] == "Bearer site-token"


def test_config_example_parses():
    from diemcau_agent import config
    cfg = config.load(text=config.EXAMPLE)
    assert cfg.reflector == ("reflector.example.gov.vn", 862)
    assert cfg.tcp_ports == [443, 5061] and cfg.codec == "g711"


def test_bad_config_value_is_named(tmp_path):
    from diemcau_agent import config
    try:
        config.load(text="[agent]\ninterval_s = soon\n")
    except config.ConfigError as exc:
        assert "interval_s" in str(exc)
    else:
        raise AssertionError("expected ConfigError")


def test_run_without_token_is_a_config_error(tmp_path):
    assert cli.main(["--config", str(tmp_path / "none.ini"), "run"]) == 2


def test_a_refused_check_result_is_reported_not_claimed_sent(reflector, receiver, tmp_path):
    ini = tmp_path / "agent.ini"
    ini.write_text(CONFIG.format(server=receiver.url, data=tmp_path / "data"), encoding="utf-8")
    receiver.reject_all = True
    done = run_cli("--config", str(ini), "check", "--reflector", "127.0.0.1:%d" % reflector.port, "--seconds", "1",
                   "--json")
    out = json.loads(done.stdout)
    assert out["sent_to_server"] is False and out["send_error"] == "invalid"
