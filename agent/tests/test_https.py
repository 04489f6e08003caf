"""Results travel over HTTPS, verified against the site's own CA file."""

import shutil
import ssl
import subprocess

import pytest

from diemcau_agent import measure
from diemcau_agent.buffer import Buffer
from diemcau_agent.uploader import Uploader

from conftest import start_receiver

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")


@pytest.fixture
def tls_receiver(tmp_path):
    """A receiver behind TLS with a certificate for 127.0.0.1 from a private CA."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=diemcau-test", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    server = start_receiver()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    yield server, str(cert)
    server.shutdown()
    server.server_close()


def test_a_private_ca_file_is_trusted(tmp_path, tls_receiver, clock):
    server, cert = tls_receiver
    buf = Buffer(str(tmp_path / "b.sqlite3"))
    buf.add(measure.record("probe", {"loss_pct": 0.0}))
    url = "https://127.0.0.1:%d" % server.server_address[1]
    assert Uploader(buf, url, "tok", ca_file=cert, clock=clock).flush() == 1
    assert server.requests[0]["auth"] == "Bearer tok"


def test_an_unknown_certificate_is_refused_and_the_result_kept(tmp_path, tls_receiver, clock):
    server, _cert = tls_receiver
    buf = Buffer(str(tmp_path / "b.sqlite3"))
    buf.add(measure.record("probe", {"loss_pct": 0.0}))
    url = "https://127.0.0.1:%d" % server.server_address[1]
    assert Uploader(buf, url, "tok", clock=clock, timeout=3).flush() == 0
    assert buf.count() == 1 and server.received == []
