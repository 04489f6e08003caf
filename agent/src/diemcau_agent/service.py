"""The measuring loop behind ``diemcau-agent run``.

Each round: one packet train (every interval), the reachability checks (at
most once per normal interval, also during meetings), a throughput test if
the server asked for one, then an upload attempt. The buffer is written
before any upload, so a crash or a power cut loses at most the round in
progress.
"""

import logging
import threading
import time

from diemcau_agent import measure, throughput
from diemcau_agent.buffer import Buffer
from diemcau_agent.uploader import Uploader

log = logging.getLogger("diemcau_agent.service")


class Agent:
    """Owns the buffer and the uploader; ``round()`` does one cycle."""

    def __init__(self, cfg, clock=time.time):
        self.cfg = cfg
        self.clock = clock
        self.buffer = Buffer(cfg.buffer_path, cfg.max_rows)
        self.uploader = Uploader(self.buffer, cfg.server, cfg.token, cfg.ca_file, clock=clock)
        self.next_reachability = 0.0
        self.stop_event = threading.Event()

    def interval(self):
        """Seconds to the next round: short in a meeting window, else the
        server's choice if it made one, else the configured interval."""
        if self.uploader.in_meeting():
            return self.cfg.meeting_interval_s
        return self.uploader.interval_s or self.cfg.interval_s

    def round(self):
        """Measure once, store, and try to upload."""
        rec = measure.probe_record(self.cfg)
        self.buffer.add(rec)
        now = self.clock()
        if now >= self.next_reachability:
            for item in measure.reachability_records(self.cfg):
                self.buffer.add(item)
            self.next_reachability = now + self.cfg.interval_s
        request = self.uploader.throughput_request
        if request:
            self.uploader.throughput_request = None
            self.buffer.add(self.throughput_record(request))
        self.uploader.flush()
        return rec

    def throughput_record(self, request):
        """Run the on-demand throughput test, never above the local cap."""
        seconds = min(float(request.get("seconds", self.cfg.throughput_seconds)), self.cfg.throughput_seconds)
        kbps = min(float(request.get("max_kbps", self.cfg.throughput_max_kbps)), self.cfg.throughput_max_kbps)
        host, port = self.cfg.reflector
        direction = request.get("direction", "up")
        if direction not in ("up", "down"):
            direction = "up"
        return measure.record("throughput", throughput.measure(host, port, direction, seconds, kbps))

    def run_forever(self):
        """Rounds at the current interval until ``stop_event`` is set."""
        log.info("agent started: reflector %s:%s, server %s", self.cfg.reflector[0], self.cfg.reflector[1],
                 self.cfg.server)
        while not self.stop_event.is_set():
            start = self.clock()
            try:
                rec = self.round()
                fields = rec["fields"]
                log.info("probe loss %s%% rtt %s ms jitter %s ms; %d waiting in buffer",
                         fields.get("loss_pct"), fields.get("rtt_median_ms"), fields.get("jitter_ms"),
                         self.buffer.count())
            except Exception:
                # One bad round (a full disk, a bug on an odd network) must
                # not stop a service nobody at the site watches.
                log.exception("measurement round failed")
            delay = max(0.0, start + self.interval() - self.clock())
            self.stop_event.wait(delay)
        self.buffer.close()
