"""Small reachability checks: TCP connect time, DNS resolution, HTTPS."""

import socket
import ssl
import time
import urllib.error
import urllib.request


def tcp_connect(host, port, timeout=3.0):
    """Time to complete a TCP handshake with ``host:port``.

    Returns ``{"host", "port", "ok", "connect_ms", "error"}``. The address is
    resolved first and not timed, so DNS trouble does not look like a slow link.
    """
    result = {"host": host, "port": port, "ok": False, "connect_ms": None, "error": None}
    try:
        family, _t, _p, _n, address = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        result["error"] = "dns: %s" % exc
        return result
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    start = time.perf_counter()
    try:
        sock.connect(address)
        result["connect_ms"] = round((time.perf_counter() - start) * 1000.0, 3)
        result["ok"] = True
    except socket.timeout:
        result["error"] = "timeout"
    except OSError as exc:
        result["error"] = exc.strerror or str(exc)
    finally:
        sock.close()
    return result


def dns_resolve(name):
    """Time the system resolver takes for ``name`` (as applications see it).

    The OS resolver may answer from its cache; that is what a conference
    client gets too, so it is the figure that matters.
    """
    start = time.perf_counter()
    try:
        infos = socket.getaddrinfo(name, None)
    except (socket.gaierror, UnicodeError) as exc:
        return {"name": name, "ok": False, "resolve_ms": None, "addresses": [], "error": str(exc)}
    elapsed = (time.perf_counter() - start) * 1000.0
    addresses = sorted({info[4][0] for info in infos})
    return {"name": name, "ok": True, "resolve_ms": round(elapsed, 3), "addresses": addresses, "error": None}


def https_reachable(url, ca_file=None, timeout=5.0):
    """GET ``url`` and report status and time to the response headers.

    Any HTTP status counts as reachable: the question is whether TLS and the
    server answer at all, not whether this URL exists.
    """
    context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    start = time.perf_counter()
    result = {"url": url, "ok": False, "status": None, "response_ms": None, "error": None}
    request = urllib.request.Request(url, method="GET", headers={"User-Agent": "diemcau-agent"})
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            result["status"] = response.status
    except urllib.error.HTTPError as exc:
        result["status"] = exc.code
    except (OSError, ValueError) as exc:
        result["error"] = str(getattr(exc, "reason", exc))
        return result
    result["ok"] = True
    result["response_ms"] = round((time.perf_counter() - start) * 1000.0, 3)
    return result
