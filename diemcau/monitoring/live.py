"""One live site on loopback for ``make run``: a reflector, an agent, and the monitoring jobs.

``start_live_site(server_url)`` issues a fresh token for the chosen site,
writes the agent's INI file under ``DATA_DIR/live-agent/`` and starts the
reflector and the agent as child processes; the caller keeps them running
and calls ``process()`` now and then so the site page moves without a worker.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from diemcau.monitoring import agent_config, alerts, flips, services, tasks

REFLECTOR_PORT = 18862


@dataclass
class LiveSite:
    site: object
    ini_path: Path
    processes: list = field(default_factory=list)

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def pick_site(code: str | None = None):
    from diemcau.inventory.models import Site

    sites = Site.objects.active()
    if code:
        return sites.get(code=code)
    return sites.filter(is_hub=True).order_by("pk").first() or sites.order_by("pk").first()


def write_config(site, server_url: str, port: int = REFLECTOR_PORT, interval_s: int = 10) -> Path:
    _token, raw = services.agent_token_issue(site=site, user=None)
    folder = Path(getattr(settings, "DATA_DIR", Path("var"))) / "live-agent"
    folder.mkdir(parents=True, exist_ok=True)
    ini = agent_config.agent_ini(site, raw, server_url, reflector=f"127.0.0.1:{port}", data_dir=str(folder),
                                 interval_s=interval_s)
    path = folder / "agent.ini"
    path.write_text(ini, encoding="utf-8")
    path.chmod(0o600)
    return path


def start_live_site(server_url: str, *, code: str | None = None, port: int = REFLECTOR_PORT) -> LiveSite:
    site = pick_site(code)
    if site is None:
        raise RuntimeError("no site: load the demo first (diemcau demo)")
    path = write_config(site, server_url, port)
    _answer_for_demo_codecs()
    python = sys.executable
    running = LiveSite(site=site, ini_path=path)
    try:
        running.processes.append(subprocess.Popen(
            [python, "-m", "diemcau_agent", "reflect", "--host", "127.0.0.1", "--port", str(port)]))
        running.processes.append(subprocess.Popen([python, "-m", "diemcau_agent", "--config", str(path), "run"]))
    except BaseException:  # interrupted (SIGTERM, Ctrl+C) between the two: stop the one already started
        running.stop()
        raise
    return running


def _answer_for_demo_codecs() -> None:
    """The demo's SIP checks point at loopback ports: answer there as the codecs would."""
    from diemcau.monitoring import terminals
    from diemcau.monitoring.demo import DEMO_SIP_PORT, DEMO_UNPLUGGED
    from diemcau.monitoring.models import DeviceCheck

    ports = sorted(DeviceCheck.objects.filter(host="127.0.0.1", port__gte=DEMO_SIP_PORT, port__lt=DEMO_SIP_PORT + 100)
                   .values_list("port", flat=True))
    endpoints = [("127.0.0.1", p) for p in ports if p != DEMO_SIP_PORT + DEMO_UNPLUGGED]
    if endpoints:
        terminals.run_in_thread(endpoints)


class DemoAgents:
    """The demo province's agents keep reporting while the live demo runs.

    Each demo site (not the silent ones) sends two rounds a minute around the
    level of its last hours, through the real ingest, roll-ups and alert
    rules: a degrading link stays degraded, a failing one keeps its alert.
    Only for the demo: nothing else creates results.
    """

    def __init__(self, rng=None, now=None):
        import random
        import statistics

        from django.utils import timezone

        from diemcau.monitoring.choices import Period
        from diemcau.monitoring.demo import DEMO_HINT
        from diemcau.monitoring.models import AgentToken, Rollup

        self.rng = rng or random.Random()
        now = now or timezone.now()
        self.tokens = list(AgentToken.objects.filter(hint=DEMO_HINT, revoked_at__isnull=True).select_related("site"))
        levels = {}
        for site_id, loss, jitter, rtt in Rollup.objects.filter(
                site_id__in=[t.site_id for t in self.tokens], period=Period.HOUR,
                bucket__gte=now - dt.timedelta(days=40)).order_by("-bucket").values_list(
                "site_id", "loss_avg", "jitter_avg", "rtt_avg"):
            rows = levels.setdefault(site_id, [])
            if len(rows) < 3 and loss is not None:
                rows.append((loss, jitter or 5.0, rtt or 30.0))
        self.levels = {site_id: tuple(statistics.median(col) for col in zip(*rows, strict=True))
                       for site_id, rows in levels.items()}

    def _round(self, site_id, at):
        import uuid

        from diemcau.monitoring.synthetic import agent_round

        loss, jitter, rtt = self.levels.get(site_id, (0.3, 5.0, 30.0))
        return agent_round(str(uuid.uuid4()), at, loss * self.rng.lognormvariate(0, 0.5),
                           jitter * self.rng.lognormvariate(0, 0.2), rtt * self.rng.uniform(0.95, 1.1))

    def tick(self, now=None, minutes: float = 1.0) -> int:
        """Send the rounds of the last ``minutes`` for every demo agent; returns how many."""
        from django.utils import timezone

        from diemcau.monitoring import ingest

        now = now or timezone.now()
        count = int(minutes * 2)
        sent = 0
        for token in self.tokens:
            rounds = [self._round(token.site_id, now - dt.timedelta(seconds=30 * i)) for i in range(count)]
            ingest.store_batch(token, {"agent_version": "demo", "hostname": f"PC-HNTT-{token.site.code}",
                                       "results": rounds}, now=now)
            sent += len(rounds)
        return sent


def process() -> int:
    """Roll up and judge what arrived (a worker does the same each minute; the claim keeps them apart)."""
    done = tasks.process_new_samples(settle=dt.timedelta(seconds=3))
    alerts.evaluate_silence()
    flips.process_flips()
    return done
