#!/usr/bin/env python3
"""The deployment test: docs/deploy.md followed on this machine, as literally as a shell can.

Run as root: ``python3 deploy/deploytest.py`` (CI runs it from .ci/run).
Standard library only: it tests an installation, it is not part of one.

1. Reads docs/deploy.md and runs every ``sh`` block in order with ``bash -e``,
   except blocks marked ``<!-- deploytest: skip (reason) -->`` (printed).
2. There is no running systemd in a container: ``systemctl`` and
   ``journalctl`` on the blocks' PATH are this file again (``--systemctl``),
   which reads the unit files and runs ``ExecStart`` as systemd would: as
   ``User``/``Group`` (setpriv, with ``AmbientCapabilities``), in
   ``WorkingDirectory``, with ``EnvironmentFile`` read by systemd's rules,
   ``Environment``, ``UMask``, ``Type=simple|oneshot|forking``. The real
   ``systemd-analyze verify`` and ``calendar`` check the installed units.
3. Ports move into the test's range and PostgreSQL is a cluster of its own
   (Debian's default pg_hba: the application's password is really checked);
   the substitutions are printed and applied to the blocks and to the
   cloned source's deploy files only.
4. Checks through nginx, then runs the guide's uninstall section, checks
   nothing is left, and removes what the test itself added.
"""

import contextlib
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
GUIDE = CHECKOUT / "docs" / "deploy.md"
STATE = Path("/run/diemcau-deploytest")
ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
UNIT_DIRS = [Path("/etc/systemd/system"), Path("/lib/systemd/system")]
PG_VERSION = "15"
PG_CLUSTER = "deploytest"
HOST = "diemcau.caobang.gov.vn"
PORTS = {"web": 8160, "http": 8161, "https": 8162, "reflector": 8163, "postgres": 8164, "drill": 8165}
REDIS_DB = os.environ.get("DEPLOYTEST_REDIS_DB", "6")
ADMIN = ("quantri", "quantri@skhcn.caobang.gov.vn", "Nguyễn Văn An", "Cao-Bằng-điểm-cầu-2026!")

# Literal replacements: (what the guide says, what this machine uses). Applied to
# the blocks and to the files of the cloned source that the guide copies.
SUBSTITUTIONS = [
    ("https://git.caobang.gov.vn/diemcau/diemcau.git", "__CLONE_SOURCE__"),
    ("127.0.0.1:8000", f"127.0.0.1:{PORTS['web']}"),
    ("PORT=8000", f"PORT={PORTS['web']}"),
    ("127.0.0.1:8001", f"127.0.0.1:{PORTS['drill']}"),
    ("--port 8001", f"--port {PORTS['drill']}"),
    ("listen 80;", f"listen {PORTS['http']};"),
    ("listen [::]:80;", f"listen [::]:{PORTS['http']};"),
    ("listen 443 ssl", f"listen {PORTS['https']} ssl"),
    ("listen [::]:443 ssl", f"listen [::]:{PORTS['https']} ssl"),
    (f"{HOST}:443:127.0.0.1", f"{HOST}:{PORTS['https']}:127.0.0.1"),
    (f"https://{HOST}/healthz", f"https://{HOST}:{PORTS['https']}/healthz"),
    (f"https://{HOST}\n", f"https://{HOST}:{PORTS['https']}\n"),
    ("--port 862", f"--port {PORTS['reflector']}"),
    ("127.0.0.1:5432", f"127.0.0.1:{PORTS['postgres']}"),
    ("sudo -u postgres ", f"sudo -u postgres PGPORT={PORTS['postgres']} "),
    ("redis://127.0.0.1:6379/0", f"redis://127.0.0.1:6379/{REDIS_DB}"),
    ("HUEY_NAME=diemcau", "HUEY_NAME=deploytest"),
]


def log(text):
    print(f"[deploytest {time.strftime('%H:%M:%S')}] {text}", flush=True)


def run(command, **kwargs):
    kwargs.setdefault("check", True)
    return subprocess.run(command, shell=isinstance(command, str), **kwargs)


# --- The guide's blocks -----------------------------------------------------------

def guide_blocks(text):
    """``(heading, body, skip_reason)`` for every ``sh`` block, in order."""
    blocks, heading, skip = [], "", None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("# ")
        marker = re.match(r"<!-- deploytest: skip \((.*)\) -->", line)
        if marker:
            skip = marker.group(1)
        elif line.strip() == "```sh":
            body = []
            i += 1
            while lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            blocks.append((heading, "\n".join(body) + "\n", skip))
            skip = None
        i += 1
    return blocks


def substitute(text, clone_source):
    for old, new in SUBSTITUTIONS:
        text = text.replace(old, new.replace("__CLONE_SOURCE__", str(clone_source)))
    return text


# --- systemd, emulated ------------------------------------------------------------

def unit_file(name):
    if "." not in name:
        name += ".service"
    for directory in UNIT_DIRS:
        if (directory / name).exists():
            return directory / name
    raise SystemExit(f"Unit {name} not found.")


def parse_unit(path):
    sections, section = {}, None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        section.setdefault(key.strip(), []).append(value.strip())
    return sections


def parse_env_file(text):
    """EnvironmentFile= as systemd.exec(5) describes it, written here again (not imported) so
    that the test does not trust the code it tests: comments only at the start of a line,
    whitespace around the value dropped, inline '#' kept, quotes removed, backslash continues."""
    values, lines = {}, text.replace("\\\n", "").splitlines()
    for line in lines:
        line = line.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
            values[key.strip()] = value
    return values


def service_environment(service, user):
    env = {"PATH": ROOT_PATH, "LANG": "C.UTF-8"}
    if user:
        entry = pwd.getpwnam(user)
        env.update(HOME=entry.pw_dir, USER=user, LOGNAME=user, SHELL=entry.pw_shell)
    for assignment in service.get("Environment", []):
        for word in shlex.split(assignment):
            key, _, value = word.partition("=")
            env[key] = value
    for name in service.get("EnvironmentFile", []):
        optional = name.startswith("-")
        path = Path(name.lstrip("-"))
        if not path.exists():
            if optional:
                continue
            raise RuntimeError(f"EnvironmentFile {path} missing")
        env.update(parse_env_file(path.read_text(encoding="utf-8")))
    return env


def exec_command(line, env):
    prefix = ""
    while line and line[0] in "-+!@:":
        prefix += line[0]
        line = line[1:]
    words = []
    for word in shlex.split(line):
        if re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", word):
            words.extend(env.get(word[1:], "").split())
        else:
            words.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m.group(1), ""), word))
    return prefix, words


def launcher(service, prefix, words):
    user = (service.get("User") or [None])[-1]
    if not user or "+" in prefix:
        return words
    group = (service.get("Group") or [user])[-1]
    wrap = ["setpriv", "--reuid", user, "--regid", group, "--init-groups"]
    caps = " ".join(service.get("AmbientCapabilities", [])).lower().replace("cap_", "")
    if caps:
        wrap += ["--inh-caps", f"+{caps}", "--ambient-caps", f"+{caps}"]
    if service.get("NoNewPrivileges", ["false"])[-1] in {"true", "yes"}:
        wrap.append("--no-new-privs")
    return [*wrap, "--", *words]


def start(name):
    path = unit_file(name)
    unit = parse_unit(path)
    if path.suffix == ".timer":
        run(["systemd-analyze", "calendar", *unit["Timer"]["OnCalendar"]], stdout=subprocess.DEVNULL)
        (STATE / f"{path.name}.active").write_text("active")
        return 0
    service = unit["Service"]
    user = (service.get("User") or [None])[-1]
    env = service_environment(service, user)
    cwd = (service.get("WorkingDirectory") or ["/"])[-1]
    umask = int((service.get("UMask") or ["0022"])[-1], 8)
    journal = open(STATE / f"{path.name}.log", "ab")
    kind = (service.get("Type") or ["simple"])[-1]

    def spawn(line, wait):
        prefix, words = exec_command(line, env)
        process = subprocess.Popen(launcher(service, prefix, words), cwd=cwd, env=env, stdout=journal,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                   preexec_fn=lambda: os.umask(umask))
        if wait:
            status = process.wait()
            if status != 0 and "-" not in prefix:
                raise RuntimeError(f"{path.name}: {' '.join(words)} exited {status}")
        return process

    for line in service.get("ExecStartPre", []):
        spawn(line, True)
    if kind == "simple":
        process = spawn(service["ExecStart"][-1], False)
        (STATE / f"{path.name}.pid").write_text(str(process.pid))
    else:
        for line in service["ExecStart"]:
            try:
                spawn(line, True)
            except RuntimeError as error:
                print(error, file=sys.stderr)
                print(Path(journal.name).read_text(errors="replace")[-3000:], file=sys.stderr)
                return 1
        if kind == "forking" and service.get("PIDFile"):
            (STATE / f"{path.name}.pid").write_text(Path(service["PIDFile"][-1]).read_text().strip())
    for line in service.get("ExecStartPost", []):
        spawn(line, True)
    return 0


def stop(name):
    path = unit_file(name)
    (STATE / f"{path.name}.active").unlink(missing_ok=True)
    pidfile = STATE / f"{path.name}.pid"
    if not pidfile.exists():
        return 0
    pid = int(pidfile.read_text())
    pidfile.unlink()
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            if path.name == "nginx.service":
                os.kill(pid, signal.SIGQUIT if sig == signal.SIGTERM else sig)
            else:
                os.killpg(pid, sig)
        except ProcessLookupError:
            return 0
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
                os.waitpid(pid, os.WNOHANG)
            except (ProcessLookupError, ChildProcessError):
                if not Path(f"/proc/{pid}").exists():
                    return 0
            time.sleep(0.2)
    return 0


def is_active(name):
    path = unit_file(name)
    if path.suffix == ".timer":
        return (STATE / f"{path.name}.active").exists()
    pidfile = STATE / f"{path.name}.pid"
    return pidfile.exists() and Path(f"/proc/{pidfile.read_text().strip()}").exists()


def systemctl(argv):
    args = [a for a in argv if not a.startswith("--") or a == "--now"]
    now = "--now" in args
    args = [a for a in args if a != "--now"]
    verb, names = args[0], args[1:]
    if verb == "daemon-reload":
        return 0
    status = 0
    for name in names:
        if verb in {"enable", "disable"}:
            path = unit_file(name)
            wanted = parse_unit(path).get("Install", {}).get("WantedBy", ["multi-user.target"])[-1]
            link = Path("/etc/systemd/system") / f"{wanted}.wants" / path.name
            if verb == "enable":
                link.parent.mkdir(parents=True, exist_ok=True)
                link.unlink(missing_ok=True)
                link.symlink_to(path)
                status |= start(name) if now and not is_active(name) else 0
            else:
                link.unlink(missing_ok=True)
                status |= stop(name) if now else 0
        elif verb == "start":
            status |= 0 if is_active(name) else start(name)
        elif verb == "stop":
            status |= stop(name)
        elif verb == "restart":
            stop(name)
            status |= start(name)
        elif verb == "reload":
            if not is_active(name):
                print(f"{name} is not active, cannot reload.", file=sys.stderr)
                return 1
            service = parse_unit(unit_file(name))["Service"]
            for line in service.get("ExecReload", []):
                _, words = exec_command(line, service_environment(service, None))
                status |= run(words, check=False).returncode
        elif verb in {"status", "is-active"}:
            active = is_active(name)
            print(f"{name}: {'active (running)' if active else 'inactive (dead)'}")
            status |= 0 if active else 3
        elif verb == "list-timers":
            for line in parse_unit(unit_file(name))["Timer"]["OnCalendar"]:
                run(["systemd-analyze", "calendar", line])
        else:
            print(f"deploytest systemctl: {verb} is not emulated", file=sys.stderr)
            return 1
    return status


def journalctl(argv):
    for i, arg in enumerate(argv):
        if arg == "-u":
            name = argv[i + 1] if "." in argv[i + 1] else argv[i + 1] + ".service"
            journal = STATE / f"{name}.log"
            sys.stdout.write(journal.read_text(errors="replace") if journal.exists() else "-- No entries --\n")
    return 0


def apt_get(argv):
    """Nothing is downloaded here: .ci/run installs the packages; say which are missing."""
    if argv[:1] == ["update"]:
        print("deploytest apt-get: update skipped (the packages come from .ci/run)")
        return 0
    packages = [a for a in argv[1:] if not a.startswith("-")]
    missing = [p for p in packages if run(["dpkg", "-s", p], check=False, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL).returncode != 0]
    if missing:
        print(f"deploytest apt-get: not installed: {' '.join(missing)} (add them to .ci/run)", file=sys.stderr)
        return 100
    print(f"deploytest apt-get: all {len(packages)} packages are installed")
    return 0


def totp(base32_key, at=None):
    """The current 6-digit code of an authenticator app (RFC 6238: SHA-1, 30 s)."""
    import base64
    import hashlib
    import hmac
    import struct

    key = base64.b32decode(base32_key + "=" * (-len(base32_key) % 8))
    digest = hmac.new(key, struct.pack(">Q", int((at or time.time()) // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


# --- The test ---------------------------------------------------------------------

class Deployment:
    def __init__(self):
        self.work = Path(tempfile.mkdtemp(prefix="diemcau-deploytest-"))
        self.shims = self.work / "bin"
        self.saved_nginx = STATE / "nginx-etc"  # found again by the next run if this one is killed
        self.clone_source = self.work / "source.git"
        self.timings = []

    # Set-up and tear-down of what the machine would have before the officer starts.
    def prepare(self):
        if os.geteuid() != 0:
            raise SystemExit("deploytest: run as root")
        if STATE.exists():
            log(f"{STATE} exists: a previous run was stopped half-way; removing what it left")
            self.cleanup()
            self.__init__()
        for path in ("/opt/diemcau", "/etc/diemcau", "/var/lib/diemcau"):
            if Path(path).exists():
                raise SystemExit(f"deploytest: {path} exists; remove the previous installation first")
        STATE.mkdir(parents=True, exist_ok=True)
        self.shims.mkdir()
        for name, verb in (("systemctl", "--systemctl"), ("journalctl", "--journalctl"), ("apt-get", "--apt-get")):
            shim = self.shims / name
            shim.write_text(f"#!/bin/sh\nexec {sys.executable} {Path(__file__).resolve()} {verb} \"$@\"\n")
            shim.chmod(0o755)
        shutil.copytree("/etc/nginx", self.saved_nginx, symlinks=True)
        # The source the guide clones: this checkout's committed tree.
        run(["git", "clone", "--quiet", "--bare", str(CHECKOUT), str(self.clone_source)])
        self.redirect_source_ports()
        log(f"PostgreSQL cluster {PG_VERSION}/{PG_CLUSTER} on port {PORTS['postgres']}")
        run(["pg_createcluster", PG_VERSION, PG_CLUSTER, "--port", str(PORTS["postgres"]), "--",
             "--auth-local=peer", "--auth-host=scram-sha-256"], stdout=subprocess.DEVNULL)
        run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, PG_CLUSTER, "start"])

    def redirect_source_ports(self):
        """The test's ports in the files the guide copies (a commit in the bare clone only)."""
        tree = self.work / "tree"
        run(["git", "clone", "--quiet", str(self.clone_source), str(tree)])
        changed = []
        for relative in [".env.example", *[str(p.relative_to(tree)) for p in (tree / "deploy").rglob("*")
                                            if p.is_file() and p.name != "deploytest.py"]]:
            path = tree / relative
            text = path.read_text(encoding="utf-8", errors="surrogateescape")
            new = substitute(text, self.clone_source)
            if new != text:
                path.write_text(new, encoding="utf-8", errors="surrogateescape")
                changed.append(relative)
        run(["git", "-C", str(tree), "-c", "user.name=deploytest", "-c", "user.email=deploytest@invalid",
             "commit", "--quiet", "-am", "deploytest: the test machine's ports"])
        run(["git", "-C", str(tree), "push", "--quiet", "origin", "HEAD"])
        log(f"ports moved in the clone: {', '.join(changed)}")

    def block_env(self):
        """A root login shell's environment (Debian's PATH: python3 is Debian's), plus the
        machine's package-index settings (PIP_*, proxies) and the emulated systemctl first."""
        passed = {k: v for k, v in os.environ.items()
                  if k.startswith("PIP_") or k.lower() in {"http_proxy", "https_proxy", "no_proxy"}}
        return {**passed, "PATH": f"{self.shims}:{ROOT_PATH}", "HOME": "/root", "USER": "root",
                "LOGNAME": "root", "SHELL": "/bin/bash", "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive"}

    def run_block(self, heading, body):
        body = substitute(body, self.clone_source)
        log(f"§ {heading}\n" + "".join(f"    $ {line}\n" for line in body.splitlines()))
        started = time.monotonic()
        if body.strip() == "diemcau createadmin":
            self.createadmin_interactively()
        else:
            done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", body], cwd="/", env=self.block_env(), text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            sys.stdout.write("".join(f"      {line}\n" for line in done.stdout.splitlines()[-25:]))
            if done.returncode != 0:
                raise AssertionError(f"block under '{heading}' exited {done.returncode}")
        self.timings.append((heading, time.monotonic() - started))
        if "pull --ff-only" in body:
            stale = list(Path("/opt/diemcau/venv/lib").glob("python3*/site-packages/diemcau/planted_by_deploytest.py"))
            assert not stale, f"a file left in build/ was packaged: {stale}"
            log("a file planted in the checkout's build/ was not packaged by the upgrade")
        if "openssl req -new" in body:
            self.sign_with_throwaway_ca()

    def createadmin_interactively(self):
        """The interactive command answered at its (Vietnamese) prompts, through a terminal."""
        import pty

        username, email, full_name, password = ADMIN
        answers = [("Tên đăng nhập", username), ("Thư điện tử", email), ("Họ và tên", full_name),
                   ("Mật khẩu:", password), ("Nhập lại mật khẩu", password)]
        pid, fd = pty.fork()
        if pid == 0:
            os.execvpe("bash", ["bash", "-c", "diemcau createadmin"], self.block_env())
        output = b""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            text = output.decode(errors="replace")
            if answers and answers[0][0] in text.rsplit("\n", 1)[-1]:
                os.write(fd, (answers.pop(0)[1] + "\n").encode())
                output = b""
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(f"      {output.decode(errors='replace').strip()}\n")
        if status != 0 or answers:
            raise AssertionError(f"createadmin: status {status}, unanswered prompts {answers}")

    def sign_with_throwaway_ca(self):
        """What the province's CA does with the CSR, and the two files the guide then writes."""
        tls, ca = Path("/etc/diemcau/tls"), self.work / "ca"
        ca.mkdir()
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=CA thu nghiem",
             "-keyout", str(ca / "ca.key"), "-out", str(ca / "ca.crt")], stderr=subprocess.DEVNULL)
        (ca / "ext").write_text(f"subjectAltName=DNS:{HOST}\n")
        run(["openssl", "x509", "-req", "-in", str(tls / "diemcau.csr"), "-CA", str(ca / "ca.crt"), "-CAkey",
             str(ca / "ca.key"), "-CAcreateserial", "-days", "2", "-extfile", str(ca / "ext"),
             "-out", str(ca / "diemcau.crt")], stderr=subprocess.DEVNULL)
        (tls / "fullchain.pem").write_bytes((ca / "diemcau.crt").read_bytes() + (ca / "ca.crt").read_bytes())
        shutil.copy(ca / "ca.crt", tls / "ca.pem")
        log("CSR signed by a throwaway CA: /etc/diemcau/tls/fullchain.pem and ca.pem written")

    def before_block(self, heading, body):
        if "pull --ff-only" in body:
            # What an earlier build leaves in the checkout must never reach the new package.
            planted = Path("/opt/diemcau/src/build/lib/diemcau/planted_by_deploytest.py")
            planted.parent.mkdir(parents=True, exist_ok=True)
            planted.write_text("raise SystemExit('a stale build/ was packaged')\n")
        if "systemctl start diemcau-backup.service" in body and not Path("/etc/diemcau/backup-copy.offsite").exists():
            # The off-server copy: the guide's rsync target does not exist here; the same hook
            # path copies into a directory standing for the backup server.
            offsite = Path("/var/backups/diemcau-offsite")
            offsite.mkdir(mode=0o700, exist_ok=True)
            shutil.chown(offsite, "diemcau", "diemcau")
            Path("/etc/diemcau/backup-copy").write_text(f'#!/bin/sh\nset -e\ncp "$1" "$2" {offsite}/\n')
            Path("/etc/diemcau/backup-copy.offsite").write_text(str(offsite))
            log("backup-copy replaced by a local copy to /var/backups/diemcau-offsite (no backup server here)")

    # Checks, through nginx, of what the officer would now see.
    def https(self, path, *, data=None, opener=None, headers=None):
        import ssl

        context = ssl.create_default_context(cafile="/etc/diemcau/tls/ca.pem")
        context.check_hostname = False  # the name is checked below, by the certificate's SAN
        request = urllib.request.Request(f"https://127.0.0.1:{PORTS['https']}{path}", data=data,
                                         headers={"Host": HOST, **(headers or {})})
        opener = opener or urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))
        return opener.open(request, timeout=30)

    def check_site(self):
        import ssl

        cert = ssl.get_server_certificate(("127.0.0.1", PORTS["https"]))
        assert "BEGIN CERTIFICATE" in cert
        health = self.https("/healthz")
        body = json.load(health)
        assert body["status"] == "ok" and set(body["checks"]) == {"database", "redis", "worker"}, body
        hsts = health.headers.get_all("Strict-Transport-Security") or []
        assert len(hsts) == 1 and hsts[0].startswith("max-age=31536000"), health.headers
        assert "nginx/" not in (health.headers.get("Server") or ""), health.headers["Server"]
        log(f"/healthz through nginx: {body}")

        jar = CookieJar()
        context = ssl.create_default_context(cafile="/etc/diemcau/tls/ca.pem")
        context.check_hostname = False
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context),
                                             urllib.request.HTTPCookieProcessor(jar))
        page = self.https("/accounts/login/", opener=opener).read().decode()
        assert 'lang="vi"' in page and "Đăng nhập" in page, page[:500]
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page).group(1)
        static = self.https(stylesheet, headers={"Accept-Encoding": "gzip"})
        assert static.status == 200 and static.headers["Content-Encoding"] in {"gzip", "br"}, static.headers
        cache = static.headers.get("Cache-Control", "")
        log(f"{stylesheet}: {static.headers['Content-Encoding']}, Cache-Control {cache!r}")
        hashed = re.search(r"\.[0-9a-f]{12}\.css$", stylesheet)
        if hashed:
            assert "immutable" in cache and int(re.search(r"max-age=(\d+)", cache).group(1)) >= 31536000, cache
        else:
            log("the stylesheet's name is not hashed: the manifest storage has not landed (long caching not checked)")

        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        username, _, full_name, password = ADMIN
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username,
                                       "password": password}).encode()
        answer = self.https("/accounts/login/", data=form, opener=opener,
                            headers={"Referer": f"https://{HOST}:{PORTS['https']}/accounts/login/",
                                     "Origin": f"https://{HOST}:{PORTS['https']}"})
        landed = answer.geturl()
        assert "/accounts/login/" not in landed, f"the administrator was not signed in: {landed}"
        assert any(c.name == "sessionid" and c.secure for c in jar), list(jar)
        if "/accounts/mfa/setup/" in landed:
            # Administrators must turn on two-step verification first: as the officer would,
            # with the key shown as text, typed into an authenticator (RFC 6238, here in stdlib).
            page = answer.read().decode()
            key = re.search(r'class="mfa-key[^"]*">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "code": totp(key)}).encode()
            codes = self.https(landed.replace(f"https://127.0.0.1:{PORTS['https']}", ""), data=form,
                               opener=opener, headers={"Referer": f"https://{HOST}:{PORTS['https']}{landed}",
                                                       "Origin": f"https://{HOST}:{PORTS['https']}"})
            assert codes.status == 200 and "/accounts/mfa/setup/" in codes.geturl(), codes.geturl()
            log("the administrator turned on two-step verification with the key shown on the page")
        overview = self.https("/", opener=opener)
        body = overview.read().decode()
        assert overview.geturl().endswith(f":{PORTS['https']}/") and full_name in body, overview.geturl()
        log(f"the first administrator signed in over HTTPS and sees the overview as {full_name}")

    def check_services(self):
        run(["systemd-analyze", "verify", *map(str, sorted(Path("/etc/systemd/system").glob("diemcau-*")))],
            stdout=subprocess.DEVNULL)
        for unit in ("diemcau-web", "diemcau-worker", "diemcau-reflector"):
            pid = (STATE / f"{unit}.service.pid").read_text().strip()
            children = [pid, *run(["pgrep", "-g", pid], capture_output=True, text=True, check=False).stdout.split()]
            users = {Path(f"/proc/{p}").stat().st_uid for p in children if Path(f"/proc/{p}").exists()}
            assert users == {pwd.getpwnam("diemcau").pw_uid}, (unit, users)
            cwd = os.readlink(f"/proc/{pid}/cwd")
            assert cwd == "/", (unit, cwd)
        package = next(Path("/opt/diemcau/venv/lib").glob("python3*/site-packages/diemcau"))
        catalogues = sorted(str(p.relative_to(package)) for p in package.rglob("django.mo"))
        assert "locale/vi/LC_MESSAGES/django.mo" in catalogues and len(catalogues) >= 5, catalogues
        static = {p.relative_to("/var/lib/diemcau/static").as_posix() for p in Path("/var/lib/diemcau/static").rglob("*")}
        assert {"vendor/bootstrap-5.3.9/bootstrap.min.css", "diemcau/app.css"} <= static, sorted(static)[:20]
        demo = run(["/usr/local/sbin/diemcau", "demo"], check=False, capture_output=True, text=True)
        assert demo.returncode == 2 and "--i-know" in demo.stderr, (demo.returncode, demo.stderr)
        log(f"the package carries {len(catalogues)} compiled catalogues and its static files; "
            "'diemcau demo' refuses on this server")
        reflector = run(["ss", "-lunp"], capture_output=True, text=True).stdout
        assert f":{PORTS['reflector']} " in reflector, reflector
        for unit in ("diemcau-web", "diemcau-worker"):
            lines = (STATE / f"{unit}.service.log").read_text(errors="replace").splitlines()
            stamped = [line for line in lines if re.search(r"\d\d:\d\d:\d\d ?[+-]\d{4}\b", line[:60])]
            assert stamped and all("+0700" in line[:60] for line in stamped), (unit, stamped[:3])
        log("units verified by systemd-analyze; services run as diemcau from /, logs in +0700")

    def check_backups(self):
        archives = sorted(Path("/var/backups/diemcau").glob("diemcau-*.tar"))
        assert archives, "no backup archive"
        for path in [*archives, *Path("/var/backups/diemcau").glob("*.sha256")]:
            mode, owner = path.stat().st_mode & 0o777, pwd.getpwuid(path.stat().st_uid).pw_name
            assert (mode, owner) == (0o600, "diemcau"), (path, oct(mode), owner)
        offsite = sorted(p.name for p in Path("/var/backups/diemcau-offsite").iterdir())
        assert {p.name for p in archives} <= set(offsite), (archives, offsite)
        run("cd /var/backups/diemcau-offsite && sha256sum --quiet -c *.sha256")
        members = run(["tar", "-tf", str(archives[-1])], capture_output=True, text=True).stdout.split()
        assert {"database.pgdump", "manifest.json", "config/etc/diemcau/diemcau.env",
                "config/etc/diemcau/tls/privkey.pem"} <= set(members), members
        log(f"{len(archives)} backups 0600 diemcau, copied off the server, checksums good, env file and key inside")

    def check_removed(self):
        left = [p for p in ("/opt/diemcau", "/etc/diemcau", "/var/lib/diemcau", "/usr/local/sbin/diemcau",
                            "/etc/nginx/sites-enabled/diemcau", "/etc/systemd/system/diemcau-web.service")
                if os.path.lexists(p)]
        assert not left, left
        try:
            pwd.getpwnam("diemcau")
            raise AssertionError("the diemcau user is still there")
        except KeyError:
            pass
        roles = run(["sudo", "-u", "postgres", "psql", "-p", str(PORTS["postgres"]), "-tAc",
                     "SELECT count(*) FROM pg_roles WHERE rolname = 'diemcau'"], capture_output=True, text=True)
        assert roles.stdout.strip() == "0", roles.stdout
        log("the guide's uninstall left nothing behind")

    def cleanup(self):
        for unit in ("diemcau-web", "diemcau-worker", "diemcau-reflector", "nginx"):
            with contextlib.suppress(SystemExit):
                stop(unit)
        if Path("/run/nginx.pid").exists():
            run(["nginx", "-s", "stop"], check=False, stderr=subprocess.DEVNULL)
        run(["pg_dropcluster", "--stop", PG_VERSION, PG_CLUSTER], check=False, stderr=subprocess.DEVNULL)
        if self.saved_nginx.exists():
            shutil.rmtree("/etc/nginx")
            shutil.copytree(self.saved_nginx, "/etc/nginx", symlinks=True)
        for path in ("/opt/diemcau", "/etc/diemcau", "/var/lib/diemcau", "/var/backups/diemcau",
                     "/var/backups/diemcau-offsite", "/usr/local/sbin/diemcau"):
            shutil.rmtree(path, ignore_errors=True) if Path(path).is_dir() else Path(path).unlink(missing_ok=True)
        for path in Path("/etc/systemd/system").rglob("diemcau-*"):
            path.unlink(missing_ok=True)
        if run(["id", "diemcau"], check=False, capture_output=True).returncode == 0:
            run(["deluser", "--system", "--quiet", "diemcau"], check=False)
        shutil.rmtree(STATE, ignore_errors=True)
        shutil.rmtree(self.work, ignore_errors=True)
        for stale in Path(tempfile.gettempdir()).glob("diemcau-deploytest-*"):
            shutil.rmtree(stale, ignore_errors=True)

    def main(self):
        started = time.monotonic()
        blocks = guide_blocks(GUIDE.read_text(encoding="utf-8"))
        log(f"{len(blocks)} sh blocks in {GUIDE.relative_to(CHECKOUT)}; substitutions:")
        for old, new in SUBSTITUTIONS:
            log(f"    {old!r} -> {new.replace('__CLONE_SOURCE__', str(self.clone_source))!r}")
        ran = skipped = 0
        try:
            self.prepare()
            for heading, body, skip in blocks:
                if skip:
                    log(f"§ {heading}: skipped ({skip})")
                    skipped += 1
                    continue
                if heading.startswith("13."):
                    self.check_site()
                    self.check_services()
                    self.check_backups()
                self.before_block(heading, body)
                self.run_block(heading, body)
                ran += 1
            self.check_removed()
        finally:
            self.cleanup()
        elapsed = time.monotonic() - started
        for heading, seconds in self.timings:
            log(f"    {seconds:6.1f} s  {heading}")
        log(f"guide followed: {ran} blocks run, {skipped} skipped, in {elapsed:.0f} s")
        print(f"deploytest: {ran} passed, 0 failed")


def dispatch():
    if len(sys.argv) > 1 and sys.argv[1] == "--systemctl":
        return systemctl(sys.argv[2:])
    if len(sys.argv) > 1 and sys.argv[1] == "--journalctl":
        return journalctl(sys.argv[2:])
    if len(sys.argv) > 1 and sys.argv[1] == "--apt-get":
        return apt_get(sys.argv[2:])
    import fcntl

    lock = open("/run/lock/diemcau-deploytest.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    Deployment().main()
    return 0


if __name__ == "__main__":
    sys.exit(dispatch())
