"""Heavy reads on a PostgreSQL streaming replica; everything else on the primary.

With ``DATABASE_REPLICA_URL`` set, settings add a second database alias,
``replica``, and ``ReplicaRouter`` is always installed. The router sends a
read to the replica only inside an explicit block — nothing else moves:

    @using_replica                      # a heavy page or API list (GET/HEAD only)
    def sla_report(request): ...

    with reading_from(read_alias(request)):
        build_the_workbook()

``read_alias(request)`` answers ``"default"`` (the primary) when

- no replica is configured, or this process is the worker (``disable()``);
- the request writes (anything but GET/HEAD);
- the client wrote within ``READ_YOUR_WRITES_SECONDS``: the middleware below
  sets a signed cookie after every non-safe request (and, for a signed-in
  user, a cache key shared by every web node, for API clients that keep no
  cookies);
- the client asks for it: header ``X-Diemcau-Read: primary``;
- the replica is down or lags more than ``REPLICA_MAX_LAG_SECONDS`` (checked at
  most every ``REPLICA_CHECK_SECONDS`` per process; ``/healthz`` shows it).

Writes always go to the primary, whatever instance they started from.
"""

import functools
import logging
import time
from contextlib import contextmanager, suppress
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

log = logging.getLogger(__name__)

REPLICA = "replica"
COOKIE = "diemcau_wrote"
OPT_OUT_HEADER = "X-Diemcau-Read"
SAFE_METHODS = ("GET", "HEAD")

_reading: ContextVar[str | None] = ContextVar("diemcau_read_alias", default=None)
_disabled = False
_state: dict = {"checked_at": None, "value": None}


class ReplicaRouter:
    """Reads go where the current block says (the primary outside one); writes and migrations to the primary."""

    def db_for_read(self, model, **hints):
        return _reading.get() or DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        # Explicit: an object read from the replica is saved to the primary, never to its own alias.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def configured() -> bool:
    return REPLICA in settings.DATABASES


def disable() -> None:
    """This process never reads from the replica (the worker calls it at start: jobs read their own writes)."""
    global _disabled
    _disabled = True


def enable() -> None:
    global _disabled
    _disabled = False


def current() -> str:
    """The alias reads go to right now."""
    return _reading.get() or DEFAULT_DB_ALIAS


@contextmanager
def reading_from(alias: str | None):
    """Reads inside the block go to ``alias`` (``None`` or "default": the primary)."""
    token = _reading.set(None if alias == DEFAULT_DB_ALIAS else alias)
    try:
        yield
    finally:
        _reading.reset(token)


def iterate_reading_from(alias: str, iterable):
    """Iterate ``iterable`` (a queryset, a generator over one) with reads on ``alias``, one step at a time.

    For a streamed response, consumed after the view has returned: the alias is
    set only around each step, so nothing leaks into what runs between steps.
    """
    iterator = None
    try:
        while True:
            with reading_from(alias):
                try:
                    if iterator is None:
                        iterator = iter(iterable)
                    item = next(iterator)
                except StopIteration:
                    return
            yield item
    finally:
        # A download stopped half-way closes this generator: close the one inside too, now.
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def _check() -> dict:
    """Ask the replica whether it answers and how far behind the primary it is."""
    max_lag = settings.REPLICA_MAX_LAG_SECONDS
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            primary_lsn = cursor.fetchone()[0]
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()),"
                " EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())",
                [primary_lsn],
            )
            in_recovery, behind_bytes, since_replay = cursor.fetchone()
    except Exception as error:  # any failure to ask (refused, timeout, not PostgreSQL) means: not usable
        log.warning("read replica not usable: %s", str(error).strip().splitlines()[0] if str(error) else error)
        with suppress(Exception):  # closing a dead connection may fail as well
            connections[REPLICA].close()
        return {"ok": False, "reason": "down"}
    if not in_recovery:
        return {"ok": False, "reason": "not-a-replica"}
    lag = 0.0 if behind_bytes is None or behind_bytes <= 0 else float(since_replay or 0)
    if lag > max_lag:
        return {"ok": False, "reason": "lag", "lag_s": round(lag, 1)}
    return {"ok": True, "lag_s": round(lag, 1)}


def state(*, force: bool = False) -> dict:
    """The replica's usability, remembered for REPLICA_CHECK_SECONDS in this process."""
    if not configured():
        return {"ok": False, "reason": "not-configured"}
    now = time.monotonic()
    checked_at = _state["checked_at"]
    if force or checked_at is None or now - checked_at >= settings.REPLICA_CHECK_SECONDS:
        _state["value"] = _check()
        _state["checked_at"] = time.monotonic()
    return _state["value"]


def mark_down(reason: str = "down") -> None:
    _state["value"] = {"ok": False, "reason": reason}
    _state["checked_at"] = time.monotonic()


def forget() -> None:
    """Check again at the next read (tests, and after the operator fixed the replica)."""
    _state["checked_at"] = None
    _state["value"] = None


def _user_key(user_pk) -> str:
    return f"diemcau:wrote:{user_pk}"


def wrote_recently(request) -> bool:
    seconds = settings.READ_YOUR_WRITES_SECONDS
    if request.get_signed_cookie(COOKIE, default=None, salt=COOKIE, max_age=seconds) is not None:
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return bool(cache.get(_user_key(user.pk)))
    return False


def read_alias(request=None) -> str:
    """Where this request's heavy reads may go: "replica" or "default"."""
    if _disabled or not configured():
        return DEFAULT_DB_ALIAS
    if request is not None:
        if request.method not in SAFE_METHODS:
            return DEFAULT_DB_ALIAS
        if request.headers.get(OPT_OUT_HEADER, "").lower() == "primary":
            return DEFAULT_DB_ALIAS
        if wrote_recently(request):
            return DEFAULT_DB_ALIAS
    return REPLICA if state()["ok"] else DEFAULT_DB_ALIAS


def using_replica(view):
    """A view (or a django-ninja operation) whose reads may go to the replica.

    If a query fails on the replica during the view (it went down since the
    last check, or recovery cancelled it), the view runs again on the primary:
    only GET/HEAD read from the replica, so that is safe.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        alias = read_alias(request)
        if alias == DEFAULT_DB_ALIAS:
            return view(request, *args, **kwargs)
        try:
            with reading_from(alias):
                return view(request, *args, **kwargs)
        except DatabaseError as error:
            # Down since the last check, or a query cancelled by the replica's recovery: mark it down
            # if it is, and read again from the primary (a genuine bug fails there the same way).
            state(force=True)
            log.warning("read replica failed during %s (%s); read again from the primary", request.path,
                        type(error).__name__)
            return view(request, *args, **kwargs)

    return wrapper


class ReadYourWritesMiddleware:
    """After a request that may write, the same client reads from the primary for a few seconds.

    Also starts every request reading from the primary, whatever a thread's
    previous request left behind.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _reading.set(None)
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and configured():
            seconds = settings.READ_YOUR_WRITES_SECONDS
            response.set_signed_cookie(COOKIE, "1", salt=COOKIE, max_age=seconds, httponly=True,
                                       samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                cache.set(_user_key(user.pk), 1, seconds)
        return response


def health() -> dict:
    """For /healthz: whether heavy reads go to the replica now, and why not."""
    current_state = state(force=True)
    answer = {"ok": current_state["ok"], "reading_from": REPLICA if current_state["ok"] else "primary"}
    if "lag_s" in current_state:
        answer["lag_s"] = current_state["lag_s"]
    if not current_state["ok"]:
        answer["reason"] = current_state["reason"]
    return answer
