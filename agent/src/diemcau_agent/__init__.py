"""Điểm Cầu site agent: link probe, reflector and pre-meeting check."""

__version__ = "0.1.0"
