"""The agent's one INI file, read into a plain object with typed fields.

Every option has a default except the server's URL and the site token, which
``run`` needs and ``check`` does not. A missing or malformed value fails at
start-up with the option's name, not later in the measuring loop.
"""

import configparser
import os
import sys

EXAMPLE = """\
; Điểm Cầu agent — cấu hình (một tệp INI)
[agent]
; Địa chỉ máy chủ Điểm Cầu và mã (token) của điểm cầu này
server = https://diemcau.example.gov.vn
token = THAY-BANG-TOKEN-CUA-DIEM-CAU
; Thư mục lưu bộ đệm kết quả và nhật ký
; data_dir = /var/lib/diemcau-agent
; Chứng chỉ CA riêng của mạng TSLCD (nếu máy chủ dùng CA nội bộ)
; ca_file =
interval_s = 30
meeting_interval_s = 5
; g711, g711-noplc, g729a, g722, opus
codec = g711

[probe]
reflector = reflector.example.gov.vn:862
count = 50
spacing_ms = 20
grace_s = 2
; 46 = EF (thoại); 34 = AF41 (video hội nghị)
dscp = 34

[platform]
; Máy chủ nền tảng hội nghị: đo thời gian kết nối TCP và phân giải DNS
host = mcu.example.gov.vn
tcp_ports = 443, 5061
dns_names = mcu.example.gov.vn

[operator]
; Nhà cung cấp đường truyền, để báo khi có sự cố
name = VNPT
phone = 18001091

[buffer]
max_rows = 200000

[throughput]
max_kbps = 5000
seconds = 5

[log]
; file = /var/log/diemcau-agent/agent.log
level = INFO
max_bytes = 1000000
backups = 5
"""


class ConfigError(Exception):
    """A configuration value is missing or wrong."""


def default_data_dir():
    """Where the buffer lives when the INI does not say."""
    if sys.platform.startswith("win"):
        return os.path.join(os.environ.get("PROGRAMDATA", r"C:\ProgramData"), "diemcau-agent")
    if os.geteuid() == 0:
        return "/var/lib/diemcau-agent"
    return os.path.join(os.path.expanduser("~"), ".local", "share", "diemcau-agent")


def default_config_path():
    """The INI file looked for when ``--config`` is not given."""
    env = os.environ.get("DIEMCAU_AGENT_CONFIG")
    if env:
        return env
    if sys.platform.startswith("win"):
        return os.path.join(default_data_dir(), "agent.ini")
    return "/etc/diemcau-agent/agent.ini"


def parse_hostport(value, default_port=862):
    """``host:port``, ``[v6]:port`` or bare host → (host, port)."""
    value = value.strip()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest.lstrip(":") or default_port
    elif value.count(":") == 1:
        host, port = value.split(":")
    else:
        host, port = value, default_port
    try:
        port = int(port)
    except ValueError:
        raise ConfigError("cổng không hợp lệ trong %r" % value)
    if not host or not 0 < port < 65536:
        raise ConfigError("địa chỉ không hợp lệ: %r" % value)
    return host, port


class Config:
    """Typed view of the INI file."""

    def __init__(self, parser, path=None):
        self.path = path
        get = parser.get
        self.server = get("agent", "server", fallback="").rstrip("/")
        self.token = get("agent", "token", fallback="")
        self.data_dir = get("agent", "data_dir", fallback="") or default_data_dir()
        self.ca_file = get("agent", "ca_file", fallback="") or None
        self.interval_s = self._float(parser, "agent", "interval_s", 30.0, 1.0)
        self.meeting_interval_s = self._float(parser, "agent", "meeting_interval_s", 5.0, 1.0)
        self.codec = get("agent", "codec", fallback="g711").strip().lower()
        reflector = get("probe", "reflector", fallback="")
        self.reflector = parse_hostport(reflector) if reflector else None
        self.count = int(self._float(parser, "probe", "count", 50, 2))
        self.spacing_s = self._float(parser, "probe", "spacing_ms", 20.0, 1.0) / 1000.0
        self.grace_s = self._float(parser, "probe", "grace_s", 2.0, 0.1)
        self.dscp = int(self._float(parser, "probe", "dscp", 34, 0))
        self.platform_host = get("platform", "host", fallback="") or (self.reflector[0] if self.reflector else "")
        self.tcp_ports = [int(p) for p in get("platform", "tcp_ports", fallback="443").replace(",", " ").split()]
        self.dns_names = get("platform", "dns_names", fallback="").replace(",", " ").split()
        self.operator_name = get("operator", "name", fallback="nhà cung cấp đường truyền")
        self.operator_phone = get("operator", "phone", fallback="")
        self.max_rows = int(self._float(parser, "buffer", "max_rows", 200000, 100))
        self.throughput_max_kbps = self._float(parser, "throughput", "max_kbps", 5000.0, 8.0)
        self.throughput_seconds = self._float(parser, "throughput", "seconds", 5.0, 1.0)
        self.log_file = get("log", "file", fallback="") or os.path.join(self.data_dir, "agent.log")
        self.log_level = get("log", "level", fallback="INFO").upper()
        self.log_max_bytes = int(self._float(parser, "log", "max_bytes", 1000000, 10000))
        self.log_backups = int(self._float(parser, "log", "backups", 5, 0))
        if self.codec not in ("g711", "g711-noplc", "g729a", "g722", "opus"):
            raise ConfigError("[agent] codec không hỗ trợ: %r" % self.codec)

    @staticmethod
    def _float(parser, section, option, default, minimum):
        raw = parser.get(section, option, fallback=None)
        if raw is None or raw.strip() == "":
            return default
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError("[%s] %s phải là số, không phải %r" % (section, option, raw))
        if value < minimum:
            raise ConfigError("[%s] %s phải ≥ %s" % (section, option, minimum))
        return value

    @property
    def buffer_path(self):
        return os.path.join(self.data_dir, "buffer.sqlite3")

    def require_server(self):
        """Fail unless the server URL and token are set (``run`` needs them)."""
        if not self.server or not self.token:
            raise ConfigError("[agent] server và token là bắt buộc")
        if not self.reflector:
            raise ConfigError("[probe] reflector là bắt buộc")


def load(path=None, text=None):
    """Read the INI at ``path`` (or ``text``); a missing file gives defaults."""
    parser = configparser.ConfigParser(inline_comment_prefixes=(";", "#"))
    if text is not None:
        parser.read_string(text)
    elif path and os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            parser.read_file(fh)
    return Config(parser, path)
