"""Every process logs in one time zone, the province's, with the offset on each line."""

import os
import subprocess
import sys

import pytest


def test_a_command_logs_in_the_province_time_whatever_the_machine_says(tmp_path):
    env = {**os.environ, "TZ": "UTC", "DEBUG": "1", "DIEMCAU_DATA_DIR": str(tmp_path)}
    script = "import logging; logging.getLogger('diemcau.test').warning('tick')"
    done = subprocess.run([sys.executable, "-m", "diemcau.cli", "shell", "-c", script],
                          env=env, capture_output=True, text=True, timeout=60)
    line = next(line for line in done.stderr.splitlines() if "tick" in line)
    assert "+0700 WARNING diemcau.test: tick" in line


def test_the_web_server_is_started_in_the_province_time(monkeypatch):
    from diemcau import cli

    monkeypatch.setenv("TZ", "UTC")
    started = {}

    def execv(path, args):  # replaces the process: never returns
        started.update(tz=os.environ["TZ"], args=args)
        raise SystemExit(0)

    monkeypatch.setattr(os, "execv", execv)
    with pytest.raises(SystemExit):
        cli.main(["serve", "--port", "8165"])
    assert started["tz"] == "Asia/Ho_Chi_Minh"
    assert "127.0.0.1:8165" in started["args"]
