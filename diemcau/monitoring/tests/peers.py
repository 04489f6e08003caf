"""Real peers for the device-check tests: sipp as a SIP responder, snmpd, a silent UDP port."""

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

DATA = Path(__file__).parent / "data"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def sipp_responder():
    """sipp answering OPTIONS with 200 OK on a free loopback port; yields the port."""
    port = free_udp_port()
    proc = subprocess.Popen(["sipp", "-sf", str(DATA / "sipp_options_uas.xml"), "-i", "127.0.0.1", "-p", str(port),
                             "-nostdin", "-m", "1000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    try:
        _wait_bound_udp(port, proc)
        yield port
    finally:
        proc.terminate()
        proc.wait(5)


def _wait_bound_udp(port: int, proc, timeout: float = 20.0):
    """Until the process has bound the UDP port (read from /proc/net/udp; a busy machine starts sipp slowly)."""
    wanted = f":{port:04X} "
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sipp exited with {proc.returncode} before binding port {port}")
        with open("/proc/net/udp") as table:
            if any(line.split()[1].endswith(wanted.strip()) for line in list(table)[1:]):
                return
        time.sleep(0.05)
    raise RuntimeError(f"sipp did not bind UDP port {port} within {timeout:.0f} s")


@contextmanager
def silent_udp():
    """A bound UDP port that reads everything and answers nothing (a host that drops SIP)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock
    finally:
        sock.close()


V3_USER, V3_AUTH, V3_PRIV, COMMUNITY = "diemcau", "authpass1234", "privpass1234", "testcomm"


@contextmanager
def snmpd(tmp_path):
    """Net-SNMP's snmpd on a free loopback port with a v2c community and a v3 (SHA/AES) user."""
    port = free_udp_port()
    conf = tmp_path / "snmpd.conf"
    conf.write_text(
        f"agentAddress udp:127.0.0.1:{port}\n"
        f"rocommunity {COMMUNITY} 127.0.0.1\n"
        f'createUser {V3_USER} SHA "{V3_AUTH}" AES "{V3_PRIV}"\n'
        f"rouser {V3_USER} priv\n"
        "sysDescr Test codec\n"
        "sysServices 72\n"
    )
    env = dict(os.environ, MIBS="", SNMP_PERSISTENT_DIR=str(tmp_path / "persist"))
    proc = subprocess.Popen([shutil.which("snmpd") or "/usr/sbin/snmpd", "-f", "-Lo", "-C", "-c", str(conf),
                             "-p", str(tmp_path / "snmpd.pid")], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            done = subprocess.run(["snmpget", "-On", "-v2c", "-c", COMMUNITY, "-t", "0.3", "-r", "0",
                                   f"127.0.0.1:{port}", "1.3.6.1.2.1.1.3.0"], capture_output=True, env=env)
            if done.returncode == 0:
                break
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(5)


def have(program: str) -> bool:
    return shutil.which(program) is not None or os.path.exists(f"/usr/sbin/{program}")
