"""Simulated SIP terminals answering OPTIONS, for the live demo and the poll benchmark (loopback only)."""

from __future__ import annotations

import asyncio
import threading


class Terminal(asyncio.DatagramProtocol):
    """Answers each OPTIONS with 200 OK built from the request, as a codec does; a silent one drops it."""

    def __init__(self, silent: bool = False, server: str = "Demo-Codec/1.0"):
        self.silent = silent
        self.server = server
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        if self.silent:
            return
        head = data.decode("utf-8", "replace").split("\r\n\r\n", 1)[0].split("\r\n")
        if not head or not head[0].startswith("OPTIONS "):
            return
        keep = [h for h in head[1:] if h.split(":", 1)[0].lower() in ("via", "from", "call-id", "cseq")]
        to = next((h for h in head[1:] if h.lower().startswith("to:")), "To: <sip:terminal>")
        reply = "\r\n".join(["SIP/2.0 200 OK", *keep, to + ";tag=term", f"Server: {self.server}",
                             "Content-Length: 0", "", ""])
        self.transport.sendto(reply.encode(), addr)


async def open_terminals(endpoints, silent=frozenset()):
    """Bind one terminal per ``(host, port)``; those in ``silent`` never answer."""
    loop = asyncio.get_running_loop()
    transports = []
    for host, port in endpoints:
        transport, _ = await loop.create_datagram_endpoint(
            lambda h=host, p=port: Terminal((h, p) in silent), local_addr=(host, port))
        transports.append(transport)
    return transports


def run_in_thread(endpoints, silent=frozenset()) -> threading.Thread:
    """Serve the terminals from a daemon thread (the live demo's codecs)."""
    ready = threading.Event()

    def main():
        loop = asyncio.new_event_loop()
        loop.run_until_complete(open_terminals(endpoints, silent))
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=main, name="demo-terminals", daemon=True)
    thread.start()
    ready.wait(10)
    return thread
