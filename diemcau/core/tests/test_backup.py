"""Backup and restore: a round trip gives back every table's rows and every uploaded file."""

import datetime as dt
import io
import os
import secrets
import sqlite3
import stat
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from diemcau.audit.choices import AuditAction
from diemcau.audit.services import record
from diemcau.core.backup import BackupError, create_backup, prune, restore_backup
from diemcau.core.history import record_change
from diemcau.core.models import ChangeAction, ChangeVia, Notice
from diemcau.testing import make_province

pytestmark = pytest.mark.django_db(transaction=True)


def _fill(media: Path):
    province = make_province()
    Notice.objects.create(user=province.admin, title="Sao lưu thử", body="Đường truyền xã Thông Nông")
    record_change(province.site_a, user=province.admin, action=ChangeAction.UPDATE, via=ChangeVia.WEB,
                  site=province.site_a)
    record(AuditAction.EXPORT, actor=province.admin, target="Điểm cầu", details={"rows": 3})
    files = {"reviews/2026/ảnh-phòng-họp.jpg": secrets.token_bytes(300_000), "imports/x.xlsx": b"PK\x03\x04",
             "empty.txt": b""}
    for name, body in files.items():
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(body)
    return files


def _plain(value):
    # The same instant read through two drivers may carry two spellings of UTC.
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).isoformat()
    return value


def _rows_by_table(cursor, tables):
    rows = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}"')
        rows[table] = sorted(repr(tuple(map(_plain, row))) for row in cursor.fetchall())
    return rows


def _target(tmp_path):
    source = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return {**source, "NAME": str(tmp_path / "restored.sqlite3")}, None
    name = f"deploytest_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    return {**source, "NAME": name}, name


def _open(target):
    if target["ENGINE"].endswith("sqlite3"):
        # The converters Django registered apply to both sides alike.
        return sqlite3.connect(target["NAME"], detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
    import psycopg

    return psycopg.connect(dbname=target["NAME"], host=target.get("HOST") or None, port=target.get("PORT") or None,
                           user=target.get("USER") or None, password=target.get("PASSWORD") or None)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_round_trip_gives_identical_rows_and_files(tmp_path):
    media = Path(settings.MEDIA_ROOT)
    files = _fill(media)
    config = tmp_path / "etc-diemcau"
    config.mkdir()
    (config / "diemcau.env").write_text("SECRET_KEY=x\n")
    result = create_backup(directory=tmp_path / "backups", include=[config])
    assert stat.S_IMODE(result.archive.stat().st_mode) == 0o600
    assert stat.S_IMODE(result.checksum.stat().st_mode) == 0o600
    assert stat.S_IMODE(result.archive.parent.stat().st_mode) == 0o700

    tables = connection.introspection.table_names()
    if connection.vendor == "sqlite":  # read through Django's own connection
        with connection.cursor() as cursor:
            before = _rows_by_table(cursor, tables)
    else:  # the same driver on both sides
        with _open(settings.DATABASES["default"]) as source:
            before = _rows_by_table(source.cursor(), tables)
    assert before["inventory_site"] and before["audit_auditevent"] and before["core_notice"]

    target, created = _target(tmp_path)
    try:
        report = restore_backup(result.archive, database=target, media_root=tmp_path / "restored-media",
                                config_to=tmp_path / "config")
        assert report["checksum_file"] and report["upgrades"] == []
        with _open(target) as restored:
            after = _rows_by_table(restored.cursor(), tables)
        assert after == before
        assert _files(tmp_path / "restored-media") == _files(media) == files
        assert (tmp_path / "config" / str(config).lstrip("/") / "diemcau.env").read_text() == "SECRET_KEY=x\n"
        with pytest.raises(BackupError, match="not empty"):
            restore_backup(result.archive, database=target, media_root=tmp_path / "other-media")
    finally:
        if created:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE "{created}" WITH (FORCE)')


def test_it_refuses_a_damaged_archive(tmp_path):
    _fill(Path(settings.MEDIA_ROOT))
    result = create_backup(directory=tmp_path / "b")
    data = bytearray(result.archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    result.archive.write_bytes(bytes(data))
    target = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "t.sqlite3")}
    with pytest.raises(BackupError, match="damaged"):
        restore_backup(result.archive, database=target, media_root=tmp_path / "m")
    result.checksum.unlink()  # without the checksum file the manifest still catches it
    with pytest.raises((BackupError, tarfile.TarError)):
        restore_backup(result.archive, database=target, media_root=tmp_path / "m")


def test_it_keeps_the_days_asked_for_and_never_the_newest(tmp_path):
    directory = tmp_path / "b"
    directory.mkdir()
    now = dt.datetime(2026, 12, 1, 19, 30, tzinfo=dt.UTC)
    for days in (1, 29, 31, 90):
        stamp = (now - dt.timedelta(days=days)).strftime("%Y%m%dT%H%M%SZ")
        (directory / f"diemcau-{stamp}.tar").write_bytes(b"x")
        (directory / f"diemcau-{stamp}.tar.sha256").write_bytes(b"x")
    (directory / "notes.txt").write_text("keep me")
    newest = directory / "diemcau-20261201T193000Z.tar"
    newest.write_bytes(b"x")
    removed = prune(directory, 30, keep=newest, now=now)
    assert sorted(p.name for p in removed) == ["diemcau-20260902T193000Z.tar", "diemcau-20261031T193000Z.tar"]
    assert sorted(p.name for p in directory.iterdir()) == [
        "diemcau-20261102T193000Z.tar", "diemcau-20261102T193000Z.tar.sha256",
        "diemcau-20261130T193000Z.tar", "diemcau-20261130T193000Z.tar.sha256",
        "diemcau-20261201T193000Z.tar", "notes.txt"]


def test_the_command_copies_off_the_server_and_fails_loudly_when_the_copy_fails(tmp_path, settings):
    make_province()
    copied = tmp_path / "remote"
    copied.mkdir()
    hook = tmp_path / "copy.sh"
    hook.write_text(f'#!/bin/sh\ncp "$1" "$2" {copied}/\n')
    hook.chmod(0o700)
    settings.BACKUP_COPY_COMMAND = str(hook)
    out = io.StringIO()
    call_command("backup", "--to", str(tmp_path / "b"), stdout=out)
    names = sorted(p.name for p in copied.iterdir())
    assert len(names) == 2 and names[0].endswith(".tar") and names[1].endswith(".tar.sha256")
    assert os.system(f"cd {copied} && sha256sum -c --quiet {names[1]}") == 0
    hook.write_text("#!/bin/sh\necho 'no route to backup host' >&2\nexit 3\n")
    with pytest.raises(CommandError, match="no route to backup host"):
        call_command("backup", "--to", str(tmp_path / "b2"), stdout=io.StringIO())
    assert list((tmp_path / "b2").glob("diemcau-*.tar"))  # the local archive is kept
