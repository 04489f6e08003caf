"""A fresh throwaway database for a benchmark: never the development database.

    from throwaway import configure
    db = configure("incidents", postgres=args.postgres)

SQLite: a new file in a temporary folder (WAL, like the default settings).
PostgreSQL (``postgres=True``): the database ``diemcau_bench_<name>`` on the
server of ``BENCH_PG`` (default postgres://postgres@127.0.0.1:5432), dropped
and created again. Django is set up on return; the settings dict of the
database is returned.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def configure(name: str, *, postgres: bool, sqlite_synchronous: str = "NORMAL") -> dict:
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix="diemcau-bench-")
    if postgres:
        database = f"diemcau_bench_{name}"
        base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", database], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database], check=True)
        os.environ["DATABASE_URL"] = f"{base}/{database}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/{name}.sqlite3"
    os.environ["DIEMCAU_DATA_DIR"] = tmp
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "diemcau.settings"
    import django

    django.setup()
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        # dj-database-url gives SQLite no pragmas: set WAL as the default configuration does.
        db.setdefault("OPTIONS", {})["init_command"] = (
            f"PRAGMA journal_mode=WAL; PRAGMA synchronous={sqlite_synchronous};"
        )
    assert "var/diemcau.sqlite3" not in str(db.get("NAME")), "refusing to touch the development database"
    return db


def signed_in(user):
    """A test client signed in as ``user``, past the second step for the roles that need it (dost_admin)."""
    from diemcau.testing import signed_in_client

    return signed_in_client(user)
