"""Small typed readers for environment variables that fail loudly, and the
environment file read exactly the way systemd reads ``EnvironmentFile=``.

Every setting of the project comes through one of these, so a typo in a
deployment's environment stops the process at start-up with a clear message
instead of silently running with a default. ``diemcau checkenv`` runs the
settings with :func:`collecting` to list every bad variable at once.
"""

import contextlib
import os
import re
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

# Every variable the settings read, with its kind: checkenv flags names in the
# file that nothing reads (a misspelt name is otherwise silently ignored).
READ: dict[str, str] = {}
_collected: list[tuple[str, str]] | None = None


@contextlib.contextmanager
def collecting():
    """Collect ``(name, message)`` problems instead of raising at the first one."""
    global _collected
    _collected = []
    try:
        yield _collected
    finally:
        _collected = None


def _fail(name: str, message: str):
    if _collected is None:
        raise ImproperlyConfigured(message)
    _collected.append((name, message))


def env_str(name: str, default: str = "") -> str:
    READ.setdefault(name, "str")
    return os.environ.get(name, default)


def env_required(name: str, message: str) -> str:
    """A value that must be set (and not empty)."""
    READ[name] = "str"
    value = os.environ.get(name, "")
    if not value:
        _fail(name, message)
    return value


def env_bool(name: str, default: bool = False) -> bool:
    READ[name] = "bool"
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    _fail(name, f"{name} must be a boolean (1/0, true/false), got {raw!r}")
    return default


def env_int(name: str, default: int) -> int:
    READ[name] = "int"
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        _fail(name, f"{name} must be an integer, got {raw!r}")
        return default


def env_float(name: str, default: float) -> float:
    READ[name] = "float"
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        _fail(name, f"{name} must be a number, got {raw!r}")
        return default


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    READ[name] = "list"
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


# --- The environment file, as systemd reads it -------------------------------

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_WHITESPACE = " \t\n\r"
_NEWLINE = "\n\r"
_SHELL_NEED_ESCAPE = '"\\`$'


@dataclass
class EnvFile:
    """What systemd would set from a file, and what it would ignore (with the line)."""

    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    ignored: list[tuple[int, str]] = field(default_factory=list)


def parse_env_file(text: str) -> EnvFile:
    """Parse ``text`` with the rules of systemd 252 (Debian 12), ``src/basic/env-file.c``.

    Comments only at the start of a line (``#`` or ``;``); an unquoted value
    keeps everything up to the end of the line, inline ``# …`` included, with
    only the surrounding whitespace removed; ``'…'`` is verbatim, ``"…"``
    understands the shell's escapes; a backslash before a newline continues
    the line. Lines without ``=`` and invalid names are ignored. The last
    assignment of a name wins.
    """
    result = EnvFile()
    state, key, value, line = "pre_key", [], [], 1
    key_ws = value_ws = None
    start = 1

    def push(end_state):
        nonlocal key, value
        name = "".join(key[:key_ws] if key_ws is not None else key)
        text_value = "".join(value[:value_ws] if (end_state == "value" and value_ws is not None) else value)
        if not _NAME.match(name):
            result.ignored.append((start, f"invalid name {name!r}"))
        else:
            result.values[name] = text_value
            result.lines[name] = start
        key, value = [], []

    for c in text:
        if state == "pre_key":
            if c in "#;":
                state = "comment"
            elif c not in _WHITESPACE:
                state, key, key_ws, start = "key", [c], None, line
            elif c == "\n":
                line += 1
        elif state == "key":
            if c in _NEWLINE:
                result.ignored.append((start, f"no '=' in {''.join(key).strip()!r}"))
                state, key = "pre_key", []
                line += c == "\n"
            elif c == "=":
                state, value_ws = "pre_value", None
            else:
                if c not in _WHITESPACE:
                    key_ws = None
                elif key_ws is None:
                    key_ws = len(key)
                key.append(c)
        elif state == "pre_value":
            if c in _NEWLINE:
                push("pre_value")
                state = "pre_key"
                line += c == "\n"
            elif c == "'":
                state = "single"
            elif c == '"':
                state = "double"
            elif c == "\\":
                state = "value_escape"
            elif c not in _WHITESPACE:
                state = "value"
                value.append(c)
        elif state == "value":
            if c in _NEWLINE:
                push("value")
                state = "pre_key"
                line += c == "\n"
            elif c == "\\":
                state, value_ws = "value_escape", None
            else:
                if c not in _WHITESPACE:
                    value_ws = None
                elif value_ws is None:
                    value_ws = len(value)
                value.append(c)
        elif state == "value_escape":
            state = "value"
            if c not in _NEWLINE:
                value.append(c)
            else:
                line += c == "\n"
        elif state == "single":
            if c == "'":
                state = "pre_value"
            else:
                value.append(c)
                line += c == "\n"
        elif state == "double":
            if c == '"':
                state = "pre_value"
            elif c == "\\":
                state = "double_escape"
            else:
                value.append(c)
                line += c == "\n"
        elif state == "double_escape":
            state = "double"
            if c in _SHELL_NEED_ESCAPE:
                value.append(c)
            elif c != "\n":
                value.extend(("\\", c))
            else:
                line += 1
        elif state == "comment":
            if c == "\\":
                state = "comment_escape"  # systemd 252 continues a comment ending in a backslash
            elif c in _NEWLINE:
                state = "pre_key"
                line += c == "\n"
        elif state == "comment_escape":
            state = "comment"
            line += c == "\n"
    if state in {"pre_value", "value", "value_escape", "single", "double", "double_escape"}:
        push(state)
    return result


def load_env_file(path, *, required: bool = False) -> EnvFile | None:
    """Put the file's variables into ``os.environ``; variables already set win."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        if required:
            raise ImproperlyConfigured(f"environment file {path} not found")
        return None
    parsed = parse_env_file(text)
    for name, value in parsed.values.items():
        os.environ.setdefault(name, value)
    return parsed
