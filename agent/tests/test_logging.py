"""Logs go to a rotating file named in the INI."""

import logging

from diemcau_agent import cli, config


def test_log_file_rotates_at_its_size_limit(tmp_path):
    cfg = config.load(text="[agent]\ndata_dir = %s\n[log]\nmax_bytes = 10000\nbackups = 2\n" % tmp_path)
    root = logging.getLogger("diemcau_agent")
    before = list(root.handlers)
    try:
        cli.setup_logging(cfg)
        for i in range(2000):
            logging.getLogger("diemcau_agent.test").info("measurement round %d done", i)
    finally:
        for handler in root.handlers[len(before):]:
            handler.close()
        root.handlers = before
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["agent.log", "agent.log.1", "agent.log.2"]
    assert all(p.stat().st_size <= 10000 for p in tmp_path.iterdir())
