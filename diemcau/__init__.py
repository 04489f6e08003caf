"""Điểm Cầu: operations platform for a province's online-conference system."""

__version__ = "0.1.0"
