"""The environment file is read the way systemd reads EnvironmentFile=, and
``diemcau checkenv`` says what is wrong with each variable."""

import io
import os
import re
import secrets
from pathlib import Path

import pytest

from diemcau import checkenv
from diemcau.env import parse_env_file

EXAMPLE = Path(__file__).resolve().parents[3] / ".env.example"


@pytest.mark.parametrize("text, expected", [
    ("A=1\n", {"A": "1"}),
    ("A = 1 \n", {"A": "1"}),
    ("DIR=/var/lib/diemcau   # SQLite file\n", {"DIR": "/var/lib/diemcau   # SQLite file"}),
    ('A="x y" \n', {"A": "x y"}),
    ('A="a\\"b\\\\c\\d"\n', {"A": 'a"b\\c\\d'}),
    ("A='$HOME \\n'\n", {"A": "$HOME \\n"}),
    ("A=one\\\ntwo\n", {"A": "onetwo"}),
    ("A=a\\ b\n", {"A": "a b"}),
    ("  # comment\n; also\nB=2", {"B": "2"}),
    ("A=\n", {"A": ""}),
    ("A=1\nA=2\n", {"A": "2"}),
    ('A="x" # c\n', {"A": "x# c"}),
])
def test_it_reads_values_as_systemd_does(text, expected):
    assert parse_env_file(text).values == expected


def test_it_reports_the_lines_systemd_ignores():
    parsed = parse_env_file("GOOD=1\njust words\nexport BAD=2\n1X=3\n")
    assert parsed.values == {"GOOD": "1"}
    assert [line for line, _reason in parsed.ignored] == [2, 3, 4]


def test_the_example_has_no_inline_comment():
    parsed = parse_env_file(EXAMPLE.read_text(encoding="utf-8"))
    assert not parsed.ignored
    assert not [name for name, value in parsed.values.items() if checkenv.INLINE_COMMENT.search(value)]
    assert "SECRET_KEY" in parsed.values and "DATABASE_URL" in parsed.values


@pytest.fixture
def environ():
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def _check(tmp_path, text):
    path = tmp_path / "diemcau.env"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    status = checkenv.main([str(path)], out=out)
    return status, out.getvalue()


@pytest.mark.django_db
def test_checkenv_names_each_bad_variable(tmp_path, environ):
    data = tmp_path / "data"
    data.mkdir()
    status, output = _check(tmp_path, (
        "DEBUG=0\n"
        f"SECRET_KEY={secrets.token_urlsafe(48)}\n"
        f"DIEMCAU_DATA_DIR={data}   # SQLite file, uploads\n"
        "PAGE_SIZE=fifty\n"
        "EMAIL_USE_TLS=maybe\n"
        "ALLOWED_HOST=diemcau.caobang.gov.vn\n"
        "SITE_URL=https://diemcau.caobang.gov.vn\n"
        "just a note\n"
    ))
    assert status == 1
    assert "dòng 3 DIEMCAU_DATA_DIR" in output and "chú thích" in output
    assert "PAGE_SIZE" in output and "EMAIL_USE_TLS" in output
    assert "dòng 6 ALLOWED_HOST: Điểm Cầu không dùng biến này" in output
    assert "dòng 8: systemd bỏ qua" in output
    assert "không kết nối được" not in output
    assert re.search(r"OK +cơ sở dữ liệu (sqlite3|postgresql) trả lời", output)
    assert "CSRF_TRUSTED_ORIGINS thiếu https://diemcau.caobang.gov.vn" in output


@pytest.mark.django_db
def test_checkenv_accepts_a_good_file(tmp_path, environ):
    data = tmp_path / "data"
    (data / "media").mkdir(parents=True)
    status, output = _check(tmp_path, (
        "DEBUG=0\n"
        f"SECRET_KEY={secrets.token_urlsafe(48)}\n"
        f"DIEMCAU_DATA_DIR={data}\n"
        f"MEDIA_ROOT={data / 'media'}\n"
        "ALLOWED_HOSTS=diemcau.caobang.gov.vn\n"
        "CSRF_TRUSTED_ORIGINS=https://diemcau.caobang.gov.vn\n"
        "SITE_URL=https://diemcau.caobang.gov.vn\n"
        "BEHIND_TLS_PROXY=1\nSESSION_COOKIE_SECURE=1\nCSRF_COOKIE_SECURE=1\n"
    ))
    assert status == 0, output
    assert "0 lỗi" in output


@pytest.mark.django_db
def test_checkenv_checks_the_web_server_variables_too(tmp_path, environ):
    status, output = _check(tmp_path, "DEBUG=1\nHOST=127.0.0.1\nPORT=80OO\nWEB_WORKERS=3\n")
    assert status == 1
    assert "dòng 3 PORT: cần một số nguyên" in output
    assert "HOST" not in output and "WEB_WORKERS" not in output
