"""Backups a province can restore: ``diemcau backup`` and ``diemcau restore``.

One archive per run, ``diemcau-YYYYMMDDTHHMMSSZ.tar`` (mode 0600), holding

- ``database.pgdump`` (``pg_dump`` custom format) or ``database.sqlite3``
  (SQLite's online backup API: consistent while the server keeps writing);
- ``media/…``: every uploaded file;
- ``config/…``: the extra paths asked for (the environment file, the
  certificate), under their absolute path;
- ``manifest.json``: version, time, database engine, the applied migrations,
  and the size and SHA-256 of every other member;

plus ``<archive>.sha256`` beside it (``sha256sum -c`` reads it). The archive is
written under a temporary name and renamed when complete, so pruning and the
off-server copy never see half an archive. Restoring goes only into an empty
database and an empty media directory: nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

import diemcau

FORMAT = 1
NAME = re.compile(r"^diemcau-(\d{8}T\d{6}Z)\.tar$")
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in the operator's words."""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _private_file(path: Path):
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def _pg_environment(database: dict) -> dict:
    """libpq variables for ``pg_dump``/``pg_restore`` (the password never appears in ``ps``)."""
    env = {**os.environ, "PGDATABASE": str(database["NAME"])}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if database.get(key):
            env[variable] = str(database[key])
    return env


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} exited {done.returncode}: {done.stderr.strip()[-2000:]}")


def dump_database(target_dir: Path) -> Path:
    database = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        path = target_dir / "database.pgdump"
        _run(["pg_dump", "--format=custom", "--file", str(path)], _pg_environment(database))
        os.chmod(path, 0o600)
        return path
    if connection.vendor == "sqlite":
        path = target_dir / "database.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        os.chmod(path, 0o600)
        return path
    raise BackupError(f"no backup method for the {connection.vendor} database")


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


class _Hashing(io.RawIOBase):
    def __init__(self, fh):
        self.fh, self.digest = fh, hashlib.sha256()

    def read(self, size=-1):
        data = self.fh.read(size)
        self.digest.update(data)
        return data


def _add(tar: tarfile.TarFile, path: Path, arcname: str, files: list[dict]) -> None:
    info = tar.gettarinfo(str(path), arcname)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with open(path, "rb") as fh:
        reader = _Hashing(fh)
        tar.addfile(info, reader)
    files.append({"path": arcname, "size": info.size, "sha256": reader.digest.hexdigest()})


def _walk(root: Path):
    for directory, subdirs, names in os.walk(root):
        subdirs.sort()
        for name in sorted(names):
            path = Path(directory, name)
            if path.is_file() and not path.is_symlink():
                yield path


@dataclass
class BackupResult:
    archive: Path
    checksum: Path
    size: int
    files: int
    pruned: list[Path]


def create_backup(*, directory: Path, include: list[Path] = (), keep_days: int | None = None,
                  now: dt.datetime | None = None) -> BackupResult:
    """Write one verified archive into ``directory`` and prune archives older than ``keep_days``."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"diemcau-{now:%Y%m%dT%H%M%SZ}.tar"
    final, partial = directory / name, directory / f".{name}.partial"
    media = Path(settings.MEDIA_ROOT)
    files: list[dict] = []
    with tempfile.TemporaryDirectory(prefix=".diemcau-backup-", dir=directory) as work:
        dump = dump_database(Path(work))
        manifest = {
            "format": FORMAT, "application": "diemcau", "version": diemcau.__version__,
            "created_at": now.isoformat(), "host": socket.gethostname(),
            "database": {"vendor": connection.vendor, "member": dump.name},
            "migrations": applied_migrations(), "media_root": str(media),
            "include": [str(p) for p in include], "files": files,
        }
        try:
            with _private_file(partial) as out, tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
                _add(tar, dump, dump.name, files)
                if media.is_dir():
                    for path in _walk(media):
                        _add(tar, path, "media/" + path.relative_to(media).as_posix(), files)
                for extra in include:
                    extra = Path(extra).absolute()
                    if not extra.exists():
                        raise BackupError(f"{extra} does not exist")
                    for path in ([extra] if extra.is_file() else _walk(extra)):
                        _add(tar, path, "config" + path.as_posix(), files)
                body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size, info.mtime, info.mode = len(body), int(now.timestamp()), 0o600
                tar.addfile(info, io.BytesIO(body))
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
    checksum = directory / f"{name}.sha256"
    with _private_file(checksum) as out:
        out.write(f"{_sha256_file(final)}  {name}\n".encode())
    pruned = prune(directory, keep_days, keep=final, now=now) if keep_days else []
    return BackupResult(final, checksum, final.stat().st_size, len(files), pruned)


def prune(directory: Path, keep_days: int, *, keep: Path, now: dt.datetime) -> list[Path]:
    """Remove archives older than ``keep_days`` by the time in their name (never ``keep``)."""
    removed = []
    for path in sorted(directory.iterdir()):
        match = NAME.match(path.name)
        if not match or path == keep:
            continue
        made = dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        if now - made > dt.timedelta(days=keep_days):
            path.unlink()
            Path(f"{path}.sha256").unlink(missing_ok=True)
            removed.append(path)
    return removed


def copy_off_server(command: str, result: BackupResult) -> None:
    """Run the province's copy command with the archive and its checksum file as arguments."""
    done = subprocess.run([command, str(result.archive), str(result.checksum)], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command} exited {done.returncode}: {(done.stderr or done.stdout).strip()[-2000:]}")


# --- Restore ------------------------------------------------------------------

def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile("manifest.json"))
    except (KeyError, ValueError):
        raise BackupError("the archive has no readable manifest.json: not a Điểm Cầu backup")
    if manifest.get("application") != "diemcau" or manifest.get("format") != FORMAT:
        raise BackupError("not a Điểm Cầu backup of a known format")
    return manifest


def verify_checksum_file(archive: Path) -> bool:
    """True when ``<archive>.sha256`` exists and matches; raises when it does not match."""
    checksum = Path(f"{archive}.sha256")
    if not checksum.exists():
        return False
    expected = checksum.read_text().split()[0]
    if _sha256_file(archive) != expected:
        raise BackupError(f"{archive.name} does not match {checksum.name}: the archive is damaged")
    return True


def _extract(tar: tarfile.TarFile, manifest: dict, work: Path) -> None:
    expected = {entry["path"]: entry for entry in manifest["files"]}
    for member in tar.getmembers():
        if member.name == "manifest.json":
            continue
        entry = expected.pop(member.name, None)
        if entry is None or not member.isfile() or not _safe_member(member.name):
            raise BackupError(f"unexpected member {member.name!r} in the archive")
        target = work / member.name
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with tar.extractfile(member) as source, _private_file(target) as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(f"{member.name} does not match its checksum in the manifest")
    if expected:
        raise BackupError(f"missing from the archive: {', '.join(sorted(expected))}")


def check_migrations(manifest: dict) -> list[str]:
    """Refuse a backup made by a newer version; return the migrations this version will add."""
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    in_backup = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    unknown = sorted(f"{app}.{name}" for app, name in in_backup - set(known)
                     if app in {a for a, _ in known})
    if unknown:
        raise BackupError("the backup was made by a newer version of Điểm Cầu (it has "
                          f"{', '.join(unknown[:5])}): install that version, restore, then upgrade")
    return sorted(f"{app}.{name}" for app, name in set(known) - in_backup)


def _tables(database: dict) -> list[str]:
    if database["ENGINE"].endswith("postgresql"):
        import psycopg

        env = _pg_environment(database)
        with psycopg.connect(dbname=env["PGDATABASE"], host=env.get("PGHOST"), port=env.get("PGPORT"),
                             user=env.get("PGUSER"), password=env.get("PGPASSWORD")) as conn:
            return [row[0] for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")]
    path = Path(database["NAME"])
    if not path.exists() or path.stat().st_size == 0:
        return []
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


def restore_backup(archive: Path, *, database: dict, media_root: Path, config_to: Path | None = None,
                   work_dir: Path | None = None) -> dict:
    """Restore ``archive`` into an empty ``database`` (Django settings dict) and media directory."""
    archive = Path(archive)
    checked = verify_checksum_file(archive)
    if _tables(database):
        raise BackupError(f"the database {database['NAME']} is not empty: restore only into a new, empty database")
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"{media_root} is not empty: restore only into an empty media directory")
    with tarfile.open(archive, "r:") as tar, tempfile.TemporaryDirectory(prefix=".diemcau-restore-",
                                                                         dir=work_dir) as work:
        work = Path(work)
        manifest = read_manifest(tar)
        upgrades = check_migrations(manifest)
        vendor = manifest["database"]["vendor"]
        if vendor == "postgresql" and not database["ENGINE"].endswith("postgresql") or \
                vendor == "sqlite" and not database["ENGINE"].endswith("sqlite3"):
            raise BackupError(f"a {vendor} backup cannot be restored into {database['ENGINE']}")
        _extract(tar, manifest, work)
        dump = work / manifest["database"]["member"]
        if vendor == "postgresql":
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                  "--dbname", database["NAME"], str(dump)], _pg_environment(database))
        else:
            target = Path(database["NAME"])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            shutil.copyfile(dump, target)
            os.chmod(target, 0o600)
        media_root.mkdir(mode=0o700, parents=True, exist_ok=True)
        if (work / "media").is_dir():
            shutil.copytree(work / "media", media_root, dirs_exist_ok=True)
        if config_to is not None and (work / "config").is_dir():
            shutil.copytree(work / "config", config_to, dirs_exist_ok=True)
    return {"manifest": manifest, "checksum_file": checked, "upgrades": upgrades,
            "config": [e["path"] for e in manifest["files"] if e["path"].startswith("config/")]}
