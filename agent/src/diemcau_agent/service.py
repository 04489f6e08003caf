"""The measuring loop behind ``diemcau-agent run``.

Each round: one packet train (every interval), the reachability checks (at
most once per normal interval, also during meetings) and a throughput test
if the server asked for one; results go straight into the buffer. In a
meeting window the trains are also pooled into 20-second windows, each
graded by the standard's levels (``grading``) and sent as a ``grade`` result. Uploads
run on their own thread: a server that times out must not delay the next
measurement, least of all during an outage, which is when the measurements
matter most.
"""

import logging
import queue
import random
import threading
import time

from diemcau_agent import grading, measure, throughput
from diemcau_agent.buffer import Buffer
from diemcau_agent.uploader import Uploader, parse_iso

log = logging.getLogger("diemcau_agent.service")


class Agent:
    """Owns the buffer and the uploader; ``round()`` does one cycle."""

    def __init__(self, cfg, clock=time.time):
        self.cfg = cfg
        self.clock = clock
        self.buffer = Buffer(cfg.buffer_path, cfg.max_rows)
        self.upload_buffer = Buffer(cfg.buffer_path, cfg.max_rows)
        self.uploader = Uploader(self.upload_buffer, cfg.server, cfg.token, cfg.ca_file, clock=clock)
        self.next_reachability = 0.0
        self.grader = grading.Grader()
        self.stop_event = threading.Event()
        self._reach_results = queue.Queue()
        self._reach_thread = None

    def interval(self):
        """Seconds to the next round: short in a meeting window, else the
        server's choice if it made one, else the configured interval."""
        if self.uploader.in_meeting():
            return self.cfg.meeting_interval_s
        return self.uploader.interval_s or self.cfg.interval_s

    def round(self, wait_checks=False):
        """Measure once and store; checks finished meanwhile are stored too."""
        now = self.clock()
        if now >= self.next_reachability and not (self._reach_thread and self._reach_thread.is_alive()):
            # TCP, DNS and HTTPS checks wait out their timeouts when the link
            # is down; on their own thread they cannot hold up the train.
            self._reach_thread = threading.Thread(target=self._reachability, name="reachability", daemon=True)
            self._reach_thread.start()
            self.next_reachability = now + self.cfg.interval_s
        rec = measure.probe_record(self.cfg)
        self.buffer.add(rec)
        self._grade(rec)
        if wait_checks and self._reach_thread is not None:
            self._reach_thread.join()
        self._store_checks()
        request = self.uploader.throughput_request
        if request:
            self.uploader.throughput_request = None
            self.buffer.add(self.throughput_record(request))
        return rec

    def _grade(self, rec):
        """Pool the train into its 20-second window while a meeting window is open."""
        limits = self.uploader.thresholds
        stamp = parse_iso(rec["measured_at"])
        if stamp is not None and self.uploader.in_meeting():
            windows = self.grader.add(stamp, rec["fields"], limits, planned=self.cfg.count)
        else:
            windows = self.grader.close(limits)
        self._store_windows(windows)

    def _store_windows(self, windows):
        for window in windows:
            measured_at, fields = grading.record_fields(window)
            self.buffer.add(measure.record("grade", fields, measured_at))

    def _store_checks(self):
        while not self._reach_results.empty():
            self.buffer.add(self._reach_results.get())

    def _reachability(self):
        for item in measure.reachability_records(self.cfg):
            self._reach_results.put(item)

    def _grade_last_window(self):
        self._store_windows(self.grader.close(self.uploader.thresholds))

    def upload_loop(self):
        """Upload whenever the backoff allows, until stopped."""
        while not self.stop_event.is_set():
            try:
                self.uploader.flush()
            except Exception:
                log.exception("upload failed")
            self.stop_event.wait(1.0)

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
        uploads = threading.Thread(target=self.upload_loop, name="upload", daemon=True)
        uploads.start()
        # Sites whose PCs boot at 7:30 together would otherwise probe in
        # lock-step forever; a random phase spreads them over the interval.
        self.stop_event.wait(random.uniform(0.0, min(self.interval(), 30.0)))
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
        if self._reach_thread is not None:
            self._reach_thread.join(15)
        self._store_checks()
        self._grade_last_window()
        uploads.join(30)
        self.buffer.close()
