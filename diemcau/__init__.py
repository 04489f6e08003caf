"""Điểm Cầu: operations platform for a province's online-conference system."""

__version__ = "0.1.0"

# The province's time zone: shown on every page and used by every log line of
# every process (web server, worker, commands), each with its offset.
TIME_ZONE = "Asia/Ho_Chi_Minh"
