"""Send buffered results to the server in batches (contract: ``agent/schema/``).

``POST {server}/api/v1/agent/results`` with ``Authorization: Bearer <token>``.
A result leaves the buffer only when the server lists its id as accepted or
rejected; anything else (timeouts, 5xx, a lost response) means the batch is
sent again later, which is harmless because the server de-duplicates by id.
Failures back off exponentially up to five minutes so that a site that has
been offline for days does not hammer the server the moment it returns.
"""

import datetime
import json
import logging
import random
import re
import socket
import ssl
import time
import urllib.error
import urllib.request

from diemcau_agent import __version__, thresholds

log = logging.getLogger("diemcau_agent.uploader")

RESULTS_PATH = "/api/v1/agent/results"
MAX_BACKOFF_S = 300.0


def utc_now_iso(now=None):
    """``now`` (Unix seconds, default the present) as UTC ISO 8601 with Z."""
    stamp = datetime.datetime.fromtimestamp(time.time() if now is None else now, tz=datetime.timezone.utc)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value):
    """Parse an ISO 8601 timestamp (``Z`` allowed) to Unix seconds, or None."""
    if not isinstance(value, str) or not value:
        return None
    # Python < 3.11 accepts neither "Z" nor fractions other than 3 or 6 digits.
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    text = re.sub(r"\.(\d+)", lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    try:
        stamp = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=datetime.timezone.utc)
    return stamp.timestamp()


class Uploader:
    """Drains a :class:`~diemcau_agent.buffer.Buffer` to the server."""

    def __init__(self, buffer, server, token, ca_file=None, clock=time.time, batch_size=500, timeout=20.0):
        self.buffer = buffer
        self.url = server.rstrip("/") + RESULTS_PATH
        self.token = token
        self.clock = clock
        self.batch_size = batch_size
        self.timeout = timeout
        self.next_attempt = 0.0
        self.backoff = 0.0
        self.meeting_window = None  # (start, end) Unix seconds
        self.interval_s = None
        self.throughput_request = None
        self.rejected = {}  # id -> reason, for callers that must tell the user
        # The levels to judge by: the server's once heard (kept across restarts), built-in before.
        self.thresholds = thresholds.load(buffer)
        self._ssl = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
        if not self.url.startswith("https://"):
            log.warning("server URL is not HTTPS: the site token travels in clear text")

    def due(self):
        return self.clock() >= self.next_attempt

    def flush(self, force=False):
        """Send batches until the buffer is empty or the server fails.

        Returns the number of results the server confirmed in this call.
        """
        if not force and not self.due():
            return 0
        confirmed = 0
        while True:
            batch = self.buffer.oldest(self.batch_size)
            dropped = self.buffer.dropped()
            if not batch and not dropped:
                break
            ok, done = self._send(batch, dropped)
            if not ok:
                self._failed()
                return confirmed
            confirmed += done
            self.backoff = 0.0
            self.next_attempt = 0.0
            if done == 0 and batch:
                # The server answered but took none of them; stop rather
                # than spin, and try again next round.
                break
            if len(batch) < self.batch_size:
                break
        return confirmed

    def _failed(self):
        self.backoff = min(MAX_BACKOFF_S, max(5.0, self.backoff * 2.0))
        self.next_attempt = self.clock() + self.backoff * random.uniform(0.8, 1.0)

    def _send(self, batch, dropped):
        payload = {
            "agent_version": __version__,
            "hostname": socket.gethostname(),
            "sent_at": utc_now_iso(self.clock()),
            "results": batch,
        }
        if dropped:
            payload["dropped"] = dropped
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": "Bearer " + self.token,
            "User-Agent": "diemcau-agent/" + __version__,
        })
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._ssl) as response:
                answer = json.loads(response.read().decode("utf-8") or "{}")
        except urllib.error.HTTPError as exc:
            if exc.code == 413 and self.batch_size > 10:
                self.batch_size //= 2
            level = logging.ERROR if exc.code in (401, 403) else logging.WARNING
            log.log(level, "server refused the batch: HTTP %s", exc.code)
            return False, 0
        except (OSError, ValueError) as exc:
            log.warning("cannot reach the server: %s", exc)
            return False, 0
        self._apply_hints(answer)
        ids = {r["id"] for r in batch}
        accepted = [i for i in answer.get("accepted", []) if i in ids]
        rejected = [r for r in answer.get("rejected", []) if isinstance(r, dict) and r.get("id") in ids]
        for item in rejected:
            log.error("server rejected result %s: %s", item.get("id"), item.get("reason"))
            self.rejected[item["id"]] = item.get("reason")
        self.buffer.confirm(accepted + [r["id"] for r in rejected])
        if dropped:
            self.buffer.dropped_reported(dropped)
        return True, len(accepted) + len(rejected)

    def _apply_hints(self, answer):
        window = answer.get("meeting_window")
        if isinstance(window, dict):
            start, end = parse_iso(window.get("start")), parse_iso(window.get("end"))
            self.meeting_window = (start, end) if start is not None and end is not None else None
        elif "meeting_window" in answer:
            self.meeting_window = None
        interval = answer.get("interval_s")
        if isinstance(interval, (int, float)) and 1 <= interval <= 3600:
            self.interval_s = float(interval)
        elif "interval_s" in answer:
            self.interval_s = None
        request = answer.get("throughput")
        if isinstance(request, dict):
            self.throughput_request = request
        if "thresholds" in answer:
            self._apply_thresholds(answer["thresholds"])

    def _apply_thresholds(self, data):
        heard = thresholds.clean(data)
        if heard is None:
            log.warning("the server's thresholds are unusable; keeping the %s ones", self.thresholds.source)
            return
        if self.thresholds.source == "server" and heard == self.thresholds.data:
            return
        self.thresholds = thresholds.Thresholds(heard, "server")
        try:
            self.buffer.set_state(thresholds.STATE_KEY, json.dumps(heard, sort_keys=True))
        except Exception:
            # Judged by them now all the same; only a restart would forget them.
            log.warning("cannot keep the server's thresholds in the local state", exc_info=True)
        log.info("thresholds from the server (standard %s) in use", heard.get("version") or "?")

    def in_meeting(self, now=None):
        """True while the server's announced meeting window is open."""
        if not self.meeting_window:
            return False
        now = self.clock() if now is None else now
        return self.meeting_window[0] <= now <= self.meeting_window[1]
