"""The ``diemcau`` command: one entry point for operators of a server.

    diemcau run [--port P] [--no-live-demo]
                               web server + worker (+ the live demo site when the demo
                               province is loaded), prints the address and demo logins
    diemcau serve [--port P]   the web server only (gunicorn)
    diemcau worker             the background worker only (huey)
    diemcau demo [--if-empty]  load the demo province
    diemcau import FILE        import a unit's inventory workbook
    diemcau checkenv [FILE]    check an environment file the way systemd reads it
    diemcau createadmin        the first DOST administrator
    diemcau loadprovince       the province's organisations and standard (no demo data)
    diemcau backup / restore   a verified backup of the database, uploads and configuration
    diemcau <django command>   anything manage.py does (migrate, createsuperuser …)
"""

import contextlib
import os
import signal
import subprocess
import sys
import time

from diemcau import TIME_ZONE

ALIASES = {"import": "import_inventory", "worker": "run_huey"}


def _django(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["diemcau", *argv])


def _port(argv: list[str]) -> str:
    if "--port" in argv:
        return argv[argv.index("--port") + 1]
    return os.environ.get("PORT", "8000")


def _gunicorn_command(port: str, *, access_log: bool = True) -> list[str]:
    host = os.environ.get("HOST", "127.0.0.1")
    return [
        sys.executable, "-m", "gunicorn", "diemcau.wsgi:application",
        "--bind", f"{host}:{port}",
        "--workers", os.environ.get("WEB_WORKERS", "2"),
        "--threads", os.environ.get("WEB_THREADS", "4"),
        *(["--access-logfile", "-"] if access_log else []), "--timeout", "120",
    ]


def _print_banner(port: str) -> bool:
    """Print where to go and the demo logins; True when the demo province is loaded."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
    import django

    django.setup()
    from django.conf import settings

    from diemcau.accounts.models import User
    from diemcau.core.demo import DEMO_PASSWORD

    host = os.environ.get("HOST", "127.0.0.1")
    print("\n  Điểm Cầu is starting.")
    print(f"  Open http://{host}:{port}/ in a browser.\n")
    demo_users = User.objects.filter(email__endswith="@demo.invalid").select_related("organization").order_by("role")
    if demo_users:
        from diemcau.accounts import mfa

        print(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
        for user in demo_users:
            print(f"    {user.username:<14} {user.get_role_display():<34} {user.organization.name}")
        second_step = [u.username for u in demo_users if mfa.mfa_required(u)]
        if second_step:
            from base64 import b32encode

            key = b32encode(bytes.fromhex(mfa.DEMO_KEY_HEX)).decode()
            command = os.path.join(os.path.dirname(sys.executable), "diemcau")
            print(f"\n  Two-step verification for {', '.join(second_step)}: add the key {key}")
            print(f"  to an authenticator app, or print the current code with: {command} demo_code {second_step[0]}")

    print(f"\n  {_mail_line()}")
    if settings.DEBUG:
        print("  DEBUG is on: errors show Django's technical page (for developers only).")
    print("\n  Stop with Ctrl+C.\n", flush=True)
    return bool(demo_users)


def _mail_line() -> str:
    """Where e-mail goes, so nobody waits for a message that only went to a file."""
    from django.conf import settings

    backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
    if backend == "filebased":
        return f"E-mail is not sent: each message is written to {settings.EMAIL_FILE_PATH}/"
    if backend == "console":
        return "E-mail is not sent: each message is printed here."
    if backend == "smtp":
        return f"E-mail is sent through SMTP at {settings.EMAIL_HOST}:{settings.EMAIL_PORT}."
    return f"E-mail goes to {settings.EMAIL_BACKEND}."


def _interrupt(signum, frame):
    raise KeyboardInterrupt


STOP_SECONDS = 10  # how long a child may take to stop before it and what it started are killed


def _start(command: list[str]) -> subprocess.Popen:
    """A child in its own process group, so stopping it reaches what it started too (the live
    demo's agent and reflector, gunicorn's workers)."""
    return subprocess.Popen(command, start_new_session=True)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def stop_children(processes: list[subprocess.Popen], timeout: float = STOP_SECONDS) -> None:
    """SIGTERM to each child's whole group, wait, then SIGKILL whatever of each group is left."""
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
    for process in processes:
        # Also after a clean exit: a grandchild that outlived its parent is still in the group.
        _signal_group(process, signal.SIGKILL)
        if process.poll() is None:
            process.wait()


def run(argv: list[str]) -> int:
    """Start the worker and the web server; with the demo loaded, one live site too.

    The live site is a real agent and reflector on loopback reporting to this
    server (see diemcau.monitoring.live), so the demo's link quality is current.
    Ctrl+C or SIGTERM stops every child and what they started (each runs in
    its own process group), then returns.
    """
    port = _port(argv)
    # A service manager stops us with SIGTERM: stop the children as Ctrl+C would.
    signal.signal(signal.SIGTERM, _interrupt)
    # Ctrl+C too, even when started in the background by a shell that ignores SIGINT for it (Python then
    # installs no KeyboardInterrupt of its own).
    signal.signal(signal.SIGINT, _interrupt)
    demo_loaded = _print_banner(port)
    # Children run through this same entry point, so an installed (non-editable) package works too.
    manage = [sys.executable, "-m", "diemcau.cli"]
    # A quiet console for `make run`: no line per request, no line per periodic job (set
    # RUN_ACCESS_LOG=1 / HUEY_LOG_LEVEL=INFO to see them); warnings and errors still show.
    os.environ.setdefault("HUEY_LOG_LEVEL", "WARNING")
    access_log = os.environ.get("RUN_ACCESS_LOG", "") in {"1", "true", "yes", "on"}
    processes = []
    try:
        processes.append(_start([*manage, "run_huey"]))
        web = _start(_gunicorn_command(port, access_log=access_log))
        processes.append(web)
        if demo_loaded and "--no-live-demo" not in argv:
            host = os.environ.get("HOST", "127.0.0.1")
            live = [*manage, "monitoring_live_demo", "--server", f"http://{host}:{port}"]
            if os.environ.get("LIVE_DEMO_REFLECTOR_PORT"):
                live += ["--port", os.environ["LIVE_DEMO_REFLECTOR_PORT"]]
            processes.append(_start(live))
        return web.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        # A second Ctrl+C (or SIGTERM) must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_children(processes)


def _one_time_zone() -> None:
    """Every process started from here logs in the province's time (gunicorn's
    master included, which never loads Django's settings), each line with its offset."""
    os.environ["TZ"] = TIME_ZONE
    time.tzset()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _one_time_zone()
    if os.environ.get("DIEMCAU_ENV_FILE") and argv[:1] != ["checkenv"]:
        # The administrator's commands read the services' file (as systemd does) before
        # anything else, so `serve` and `worker` see HOST, PORT, WEB_WORKERS … too.
        from diemcau.env import load_env_file

        load_env_file(os.environ["DIEMCAU_ENV_FILE"], required=True)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command = argv[0]
    if command == "run":
        return run(argv[1:])
    if command == "checkenv":
        from diemcau import checkenv

        return checkenv.main(argv[1:])
    if command == "serve":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
        os.execv(sys.executable, _gunicorn_command(_port(argv[1:])))
    _django([ALIASES.get(command, command), *argv[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
