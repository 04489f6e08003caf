"""``diemcau checkenv [FILE]``: what is wrong with a server's environment file.

The file is read exactly as systemd reads ``EnvironmentFile=`` (see
:func:`diemcau.env.parse_env_file`), then every variable is checked: its
syntax, its type, names nothing reads, production settings, and whether the
data directory, the database and Redis answer for the user running the
command (run it as the service user: the ``diemcau`` wrapper does).
Exit status 0 when nothing is wrong, 1 otherwise.
"""

import importlib
import os
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

from diemcau import env

DEFAULT_FILE = "/etc/diemcau/diemcau.env"
# Read by commands rather than by the settings (the web server's by diemcau.cli).
OTHER_VARIABLES = {"DIEMCAU_ADMIN_PASSWORD", "DIEMCAU_ENV_FILE", "DJANGO_SETTINGS_MODULE", "TZ", "HOST"}
CLI_INTEGERS = {"PORT", "WEB_WORKERS", "WEB_THREADS"}
INLINE_COMMENT = re.compile(r"\s[#;]")
EXAMPLE_SECRETS = {"", "change-me"}


class Report:
    def __init__(self, out):
        self.out, self.errors, self.warnings = out, 0, 0

    def error(self, text):
        self.errors += 1
        print(f"  LỖI       {text}", file=self.out)

    def warning(self, text):
        self.warnings += 1
        print(f"  CẢNH BÁO  {text}", file=self.out)

    def ok(self, text):
        print(f"  OK        {text}", file=self.out)


def main(argv: list[str], out=sys.stdout) -> int:
    path = Path(argv[0] if argv else os.environ.get("DIEMCAU_ENV_FILE") or DEFAULT_FILE)
    report = Report(out)
    user = _user()
    print(f"Kiểm tra {path} (đọc như systemd đọc EnvironmentFile=), với quyền người dùng {user}:", file=out)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        report.error(f"không đọc được tệp: {error}")
        return 1
    parsed = env.parse_env_file(text)
    for line, reason in parsed.ignored:
        report.error(f"dòng {line}: systemd bỏ qua dòng này ({reason})")
    for name, value in parsed.values.items():
        if INLINE_COMMENT.search(value):
            report.error(f"dòng {parsed.lines[name]} {name}: systemd giữ cả phần chú thích trong giá trị "
                         f"({value!r}); hãy đặt chú thích trên một dòng riêng")
    for name, value in parsed.values.items():
        os.environ[name] = value
    os.environ["DIEMCAU_ENV_FILE"] = str(path)

    with env.collecting() as problems:
        try:
            settings = _import_settings()
        except Exception as error:  # the settings could not even be read: nothing else can be checked
            report.error(f"cấu hình không đọc được: {error}")
            return 1
    for name, message in problems:
        report.error(f"{name}: {message}")
    for name in sorted(CLI_INTEGERS & set(parsed.values)):
        if not parsed.values[name].strip().isdigit():
            report.error(f"dòng {parsed.lines[name]} {name}: cần một số nguyên, đang là {parsed.values[name]!r}")
    unknown = set(parsed.values) - set(env.READ) - OTHER_VARIABLES - CLI_INTEGERS
    for name in sorted(unknown, key=parsed.lines.get):
        report.warning(f"dòng {parsed.lines[name]} {name}: Điểm Cầu không dùng biến này (viết sai tên?)")
    _check_production(settings, parsed.values, report)
    _check_directories(settings, report)
    _check_services(settings, report)
    print(f"{len(parsed.values)} biến; {report.errors} lỗi, {report.warnings} cảnh báo.", file=out)
    return 1 if report.errors else 0


def _user() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


def _import_settings():
    if "diemcau.settings" in sys.modules:
        return importlib.reload(sys.modules["diemcau.settings"])
    return importlib.import_module("diemcau.settings")


def _check_production(settings, values, report):
    if settings.DEBUG:
        report.warning("DEBUG=1: chỉ dùng khi phát triển; trên máy chủ thật trang lỗi sẽ lộ thông tin nội bộ")
        return
    if len(settings.SECRET_KEY) < 50 or settings.SECRET_KEY in EXAMPLE_SECRETS:
        report.error("SECRET_KEY quá ngắn: tạo bằng python3 -c 'import secrets; print(secrets.token_urlsafe(48))'")
    if "*" in settings.ALLOWED_HOSTS:
        report.error("ALLOWED_HOSTS không được chứa *: ghi đúng tên miền của máy chủ")
    site = urlsplit(settings.SITE_URL)
    if site.hostname and site.hostname not in settings.ALLOWED_HOSTS:
        report.error(f"ALLOWED_HOSTS thiếu {site.hostname} (tên miền của SITE_URL)")
    if site.scheme == "https":
        origin = f"{site.scheme}://{site.netloc}"
        if origin not in settings.CSRF_TRUSTED_ORIGINS:
            report.error(f"CSRF_TRUSTED_ORIGINS thiếu {origin}: biểu mẫu đăng nhập sẽ bị từ chối")
        if not settings.SECURE_PROXY_SSL_HEADER:
            report.error("BEHIND_TLS_PROXY=1 cần khi nginx giữ HTTPS")
        if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
            report.error("SESSION_COOKIE_SECURE=1 và CSRF_COOKIE_SECURE=1 cần khi chạy qua HTTPS")
    if not values.get("DATABASE_URL"):
        report.warning("DATABASE_URL trống: dùng SQLite trong thư mục dữ liệu (được, cho một máy chủ nhỏ)")


def _check_directories(settings, report):
    for name, path in (("DIEMCAU_DATA_DIR", settings.DATA_DIR), ("MEDIA_ROOT", Path(settings.MEDIA_ROOT))):
        if not path.is_absolute():
            report.error(f"{name}={path}: cần đường dẫn tuyệt đối")
        elif not path.is_dir():
            report.error(f"{name}={path}: thư mục không có")
        elif not os.access(path, os.W_OK | os.X_OK):
            report.error(f"{name}={path}: người dùng {_user()} không ghi được")
        else:
            report.ok(f"{name}={path}")


def _check_services(settings, report):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
    try:
        django.setup()
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        connection.ensure_connection()
        pending = MigrationExecutor(connection).migration_plan(
            MigrationExecutor(connection).loader.graph.leaf_nodes())
        connection.close()
    except Exception as error:
        report.error(f"DATABASE_URL: không kết nối được cơ sở dữ liệu: {error}".strip())
    else:
        report.ok(f"cơ sở dữ liệu {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} trả lời")
        if pending:
            report.warning(f"còn {len(pending)} bước nâng cấp cơ sở dữ liệu: chạy diemcau migrate")
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=3, socket_connect_timeout=3).ping()
        except Exception as error:
            report.error(f"REDIS_URL: Redis không trả lời: {error}")
        else:
            report.ok("Redis trả lời")
