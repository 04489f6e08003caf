"""Reflector packets per second on one core.

The reflector runs in its own process pinned to CPU 0; a load generator
pinned to the other CPUs sends valid STAMP packets from many loopback source
addresses (127.x.y.z, one per simulated site, each under the per-source rate
limit) as fast as it can. The figure is what the reflector actually answered
per second, from its own counters.

    .venv/bin/python bench/agent_reflector_pps.py [--seconds 10] [--sites 2000]
"""

import argparse
import multiprocessing
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "agent", "src"))

import contextlib

from diemcau_agent import packet  # noqa: E402
from diemcau_agent.reflector import Reflector  # noqa: E402


def pin(cpus):
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cpus)


def reflector_proc(port_q, result_q, seconds, want_ttl, rate):
    pin({0})
    refl = Reflector(host="127.0.0.1", port=0, rate_pps=rate, burst=rate, want_ttl=want_ttl)
    port_q.put(refl.port)
    import threading
    start = [None]

    def stop_later():
        time.sleep(1.0)  # warm-up: let the sender reach full speed
        start[0] = dict(refl.counters), time.perf_counter(), time.process_time()
        time.sleep(seconds)
        refl.stop()

    threading.Thread(target=stop_later, daemon=True).start()
    refl.serve_forever(stats_every=1e9)
    before, t0, cpu0 = start[0]
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    after = refl.counters
    out = {k: (after[k] - before[k]) / elapsed for k in after}
    # The machine may be shared: CPU time actually used says what one
    # whole core would do, whatever else competed for it meanwhile.
    out["cpu_share"] = cpu / elapsed
    out["per_core_second"] = (after["received"] - before["received"]) / cpu if cpu else 0.0
    result_q.put(out)


def sender_proc(port, sites, stop):
    others = set(range(1, os.cpu_count() or 2)) or {0}
    pin(others)
    socks = []
    for i in range(sites):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((f"127.{1 + i // 62500}.{(i // 250) % 250}.{1 + i % 250}", 0))
        s.setblocking(False)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        socks.append(s)
    data = packet.pack_sender(1, packet.Clock().ntp_now())
    target = ("127.0.0.1", port)
    while not stop.is_set():
        for s in socks:
            with contextlib.suppress(OSError):
                s.sendto(data, target)
            # Replies are left unread: the kernel drops them once the small
            # buffer is full, which costs the reflector nothing.


def run(seconds, sites, want_ttl, rate):
    port_q, result_q = multiprocessing.Queue(), multiprocessing.Queue()
    refl = multiprocessing.Process(target=reflector_proc, args=(port_q, result_q, seconds, want_ttl, rate))
    refl.start()
    port = port_q.get()
    stop = multiprocessing.Event()
    senders = [multiprocessing.Process(target=sender_proc, args=(port, sites, stop))]
    for p in senders:
        p.start()
    result = result_q.get()
    stop.set()
    for p in senders:
        p.join()
    refl.join()
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=500.0, help="per-source limit (pps)")
    args = parser.parse_args()
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"reflector on 1 core (CPU 0), {args.sites} simulated sites on loopback, "
          f"per-source limit {args.rate:g} pps, {args.seconds:g} s")
    for want_ttl in (True, False):
        r = run(args.seconds, args.sites, want_ttl, args.rate)
        label = "with TTL (recvmsg):" if want_ttl else "without TTL (recvfrom):"
        print(f"{label:28s} received {r['received']:8.0f} pps, reflected {r['reflected']:8.0f} pps, "
              f"rate-limited {r['rate_limited']:5.0f} pps, reflector CPU {100 * r['cpu_share']:3.0f} % "
              f"-> {r['per_core_second']:6.0f} packets per CPU-second")
    print("per-site probing at the default interval is 50 packets every 30 s (1.7 pps average, 50 pps in the "
          "train); during the 20 s pre-meeting check 50 pps")


if __name__ == "__main__":
    main()
