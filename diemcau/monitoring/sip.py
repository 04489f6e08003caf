"""SIP OPTIONS ping over UDP (RFC 3261), asyncio, for thousands of terminals at once.

Each request has a fresh branch (``z9hG4bK`` magic cookie) and Call-ID and
its own connected socket, so an ICMP "port unreachable" comes back to it as
``error_received`` and ends the wait at once. Retransmission follows timer A:
first after T1 = 500 ms, doubling each time, until the answer or the overall
timeout (RFC timer B is 64·T1 = 32 s; a poll gives up sooner).

Any final response (2xx–6xx) proves the device's SIP stack is alive: many
terminals answer OPTIONS with 404, 405 or 401 rather than 200.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import time
import uuid
from dataclasses import dataclass, field

T1 = 0.5
USER_AGENT = "DiemCau-monitor/1.0"


@dataclass
class SipResult:
    host: str
    port: int
    ok: bool
    code: int | None = None
    reason: str = ""
    rtt_ms: float | None = None
    transmissions: int = 0
    error: str = ""
    server: str = ""
    extra: dict = field(default_factory=dict)


def build_options(host: str, port: int, local_ip: str, local_port: int, branch: str, call_id: str, tag: str) -> bytes:
    target = f"sip:{host}:{port}"
    lines = [
        f"OPTIONS {target} SIP/2.0",
        f"Via: SIP/2.0/UDP {local_ip}:{local_port};branch={branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:monitor@{local_ip}>;tag={tag}",
        f"To: <{target}>",
        f"Call-ID: {call_id}",
        "CSeq: 1 OPTIONS",
        f"Contact: <sip:monitor@{local_ip}:{local_port}>",
        "Accept: application/sdp",
        f"User-Agent: {USER_AGENT}",
        "Content-Length: 0",
        "", "",
    ]
    return "\r\n".join(lines).encode("ascii")


def parse_response(data: bytes) -> tuple[int, str, dict] | None:
    """Status code, reason and headers (lower-case names, compact forms expanded) or None."""
    try:
        text = data.decode("utf-8", errors="replace")
    except Exception:  # noqa: BLE001 - a packet is never worth a crash
        return None
    head = text.split("\r\n\r\n", 1)[0].replace("\r\n", "\n")
    lines = head.split("\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("SIP/2.0") or not parts[1].isdigit():
        return None
    compact = {"i": "call-id", "v": "via", "f": "from", "t": "to", "l": "content-length"}
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            name = name.strip().lower()
            headers.setdefault(compact.get(name, name), value.strip())
    return int(parts[1]), parts[2] if len(parts) > 2 else "", headers


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, call_id: str):
        self.call_id = call_id
        self.done = asyncio.get_running_loop().create_future()

    def datagram_received(self, data, addr):
        parsed = parse_response(data)
        if parsed is None or self.done.done():
            return
        code, reason, headers = parsed
        if headers.get("call-id") != self.call_id or "OPTIONS" not in headers.get("cseq", "").upper():
            return  # a stray or late answer to something else
        if code >= 200:
            self.done.set_result((code, reason, headers))

    def error_received(self, exc):
        if not self.done.done():
            self.done.set_exception(exc)

    def connection_lost(self, exc):
        if not self.done.done():
            self.done.cancel()


async def options_ping(host: str, port: int = 5060, timeout: float = 8.0) -> SipResult:
    """Send OPTIONS to ``host:port`` with timer-A retransmission; never raises."""
    loop = asyncio.get_running_loop()
    call_id = f"{uuid.uuid4().hex}@diemcau"
    try:
        transport, protocol = await loop.create_datagram_endpoint(lambda: _Protocol(call_id),
                                                                  remote_addr=(host, port), family=socket.AF_INET)
    except OSError as exc:
        return SipResult(host, port, False, error=f"socket: {exc}")
    try:
        local_ip, local_port = transport.get_extra_info("sockname")[:2]
        message = build_options(host, port, local_ip, local_port, "z9hG4bK" + secrets.token_hex(10), call_id,
                                secrets.token_hex(6))
        started = time.monotonic()
        deadline = started + timeout
        interval, sent = T1, 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return SipResult(host, port, False, transmissions=sent, error="timeout")
            transport.sendto(message)
            sent += 1
            wait = min(interval, left)
            try:
                code, reason, headers = await asyncio.wait_for(asyncio.shield(protocol.done), wait)
            except TimeoutError:
                interval *= 2
                continue
            except ConnectionRefusedError:
                return SipResult(host, port, False, transmissions=sent, error="port unreachable (ICMP)",
                                 rtt_ms=round((time.monotonic() - started) * 1000, 3))
            except OSError as exc:
                return SipResult(host, port, False, transmissions=sent, error=f"ICMP: {exc.strerror or exc}")
            return SipResult(host, port, True, code=code, reason=reason, transmissions=sent,
                             rtt_ms=round((time.monotonic() - started) * 1000, 3),
                             server=headers.get("server") or headers.get("user-agent", ""))
    finally:
        transport.close()
