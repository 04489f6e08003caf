"""Shared fixtures for the agent tests: no Django, no network beyond loopback
and the test's own namespaces."""

import http.server
import json
import os
import socket
import sys
import threading

import pytest

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)
# Subprocesses (`python -m diemcau_agent` inside namespaces) need it too,
# whether or not the package was pip-installed.
os.environ["PYTHONPATH"] = SRC + os.pathsep + os.environ.get("PYTHONPATH", "")


class FakeClock:
    """A settable clock for the buffer/uploader tests."""

    def __init__(self, t=1_700_000_000.0):
        self.t = t

    def __call__(self):
        return self.t

    def advance(self, seconds):
        self.t += seconds


class Receiver(http.server.ThreadingHTTPServer):
    """A stand-in for the server's results endpoint.

    ``refuse`` (a callable) decides per request whether to answer 503;
    every accepted result is recorded, in arrival order, with repeats.
    """

    daemon_threads = True

    def __init__(self, port=0):
        super().__init__(("127.0.0.1", port), _Handler)
        self.refuse = lambda: False
        self.received = []
        self.requests = []
        self.extra = {}
        self.reject = set()
        self.reject_all = False
        self.lose_response = 0

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        server = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
        server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        if server.refuse():
            self.send_response(503)
            self.end_headers()
            return
        accepted, rejected = [], []
        for result in body["results"]:
            if server.reject_all or result["id"] in server.reject:
                rejected.append({"id": result["id"], "reason": "invalid"})
            else:
                accepted.append(result["id"])
                server.received.append(result)
        if server.lose_response:
            # The server stored the batch but the answer never arrives.
            server.lose_response -= 1
            self.close_connection = True
            return
        answer = dict(server.extra, accepted=accepted, rejected=rejected)
        data = json.dumps(answer).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def start_receiver(port=0):
    """A Receiver on ``port``, serving on a daemon thread."""
    server = Receiver(port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def reflector():
    from diemcau_agent import reflector as refl
    r = refl.serve_in_thread(host="127.0.0.1", port=0, rate_pps=2000, burst=2000)
    yield r
    r.stop()
    r.thread.join(2)


def make_agent(tmp_path, receiver, reflector, clock, extra=""):
    """An ``Agent`` measuring against ``reflector`` and reporting to ``receiver``."""
    from diemcau_agent import config
    from diemcau_agent.service import Agent

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    text = """
[agent]
server = {server}
token = t0k
data_dir = {data}
interval_s = 30
meeting_interval_s = 5
[probe]
reflector = 127.0.0.1:{port}
count = 20
spacing_ms = 5
grace_s = 0.5
[platform]
host = 127.0.0.1
tcp_ports = {tcp}
dns_names = localhost
{extra}
""".format(server=receiver.url, data=tmp_path, port=reflector.port, tcp=listener.getsockname()[1], extra=extra)
    agent = Agent(config.load(text=text), clock=clock)
    agent._listener = listener
    return agent
