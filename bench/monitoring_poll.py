"""Poll cycle time for 10,000 SIP terminals (OPTIONS, RFC 3261 timer A) against local responders.

A responder process binds 10,000 UDP sockets on loopback (127.0.1.1–127.0.1.100,
100 ports each) and answers each OPTIONS with 200 OK built from the request, as
a terminal does; with ``--silent`` a share of the targets never answer (their
sockets read and drop), which is what an unplugged codec looks like. The
poller is the application's own (``poll.run_checks`` → ``sip.options_ping``).
Loopback only; nothing leaves the machine.

    DEBUG=1 .venv/bin/python bench/monitoring_poll.py [--targets 10000] [--silent 0.02]
"""

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADDRESSES = 100
BASE_PORT = 25060


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def targets(n):
    per_address = (n + ADDRESSES - 1) // ADDRESSES
    return [(f"127.0.1.{1 + i % ADDRESSES}", BASE_PORT + i // ADDRESSES) for i in range(n)][:n] if per_address else []


async def serve(n, silent_share):
    from diemcau.monitoring.terminals import open_terminals

    every = int(1 / silent_share) if silent_share else 0
    endpoints = targets(n)
    silent = {e for i, e in enumerate(endpoints) if every and i % every == 0}
    await open_terminals(endpoints, silent)
    print("ready", flush=True)
    await asyncio.Event().wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--silent", type=float, default=0.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=8.0)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    limit = raise_fd_limit()
    if args.serve:
        asyncio.run(serve(args.targets, args.silent))
        return
    if limit < min(args.targets, args.concurrency) + 100:
        sys.exit(f"open-file limit {limit} is below the concurrency")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.test import override_settings

    from diemcau.monitoring import poll

    responder = subprocess.Popen([sys.executable, __file__, "--serve", "--targets", str(args.targets), "--silent",
                                  str(args.silent)], stdout=subprocess.PIPE, text=True)
    try:
        assert responder.stdout.readline().strip() == "ready"
        checks = [SimpleNamespace(method="sip", target_host=host, target_port=port,
                                  device=SimpleNamespace(ip_address=host, manufacturer="", model=""))
                  for host, port in targets(args.targets)]
        times = []
        for _ in range(args.runs):
            with override_settings(MONITORING_SIP_TIMEOUT_S=args.timeout):
                started = time.perf_counter()
                outcomes = asyncio.run(poll.run_checks(checks, [], limit=args.concurrency))
                times.append(time.perf_counter() - started)
            up = sum(1 for status, _rtt, _d in outcomes if status == "up")
            rtts = sorted(r for _s, r, _d in outcomes if r is not None)
        print(f"{args.targets} SIP targets, {args.silent:.0%} silent, concurrency {args.concurrency}, "
              f"timeout {args.timeout} s: cycle median {statistics.median(times):.2f} s "
              f"(runs {', '.join(f'{t:.2f}' for t in times)}); answered {up}; "
              f"answer time median {statistics.median(rtts):.1f} ms, p95 {rtts[int(0.95 * len(rtts))]:.1f} ms")
    finally:
        responder.terminate()
        responder.wait(10)


if __name__ == "__main__":
    main()
