"""The read-replica router without a replica: every read stays on the primary unless a block says otherwise.

The same rules against a real streaming replica: test_cluster.py (marker ``cluster``).
"""

import datetime as dt
import uuid
import warnings

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpResponse
from django.test import RequestFactory
from huey import crontab

from diemcau.core import replica
from diemcau.core.hueys import PriorityRedisHuey
from diemcau.core.tasks import worker_reads_from_the_primary
from diemcau.inventory.models import Site

ROUTER = replica.ReplicaRouter()


def name_a_replica(settings, **database):
    """Settings name a replica, as DATABASE_REPLICA_URL does (the alias has no connection in these tests)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Overriding setting DATABASES can lead to unexpected behavior"
        settings.DATABASES = {**settings.DATABASES, "replica": database}


@pytest.fixture(autouse=True)
def _fresh():
    replica.forget()
    cache.clear()
    yield
    replica.forget()


@pytest.fixture
def replica_named(settings):
    name_a_replica(settings, ENGINE="django.db.backends.postgresql", NAME="nowhere", HOST="127.0.0.1", PORT=1)


def test_without_a_replica_reads_and_writes_use_the_primary():
    request = RequestFactory().get("/api/v1/sites")
    assert not replica.configured()
    assert replica.read_alias(request) == DEFAULT_DB_ALIAS
    assert ROUTER.db_for_read(Site) == DEFAULT_DB_ALIAS
    assert ROUTER.db_for_write(Site) == DEFAULT_DB_ALIAS
    assert ROUTER.allow_migrate(DEFAULT_DB_ALIAS, "inventory") and not ROUTER.allow_migrate("replica", "inventory")


def test_reads_follow_the_block_and_writes_never_do():
    site = Site(code="X")
    site._state.db = "replica"  # an object read from the replica …
    with replica.reading_from("replica"):
        assert ROUTER.db_for_read(Site) == "replica"
        assert ROUTER.db_for_write(Site, instance=site) == DEFAULT_DB_ALIAS  # … is saved to the primary
        with replica.reading_from(DEFAULT_DB_ALIAS):
            assert ROUTER.db_for_read(Site) == DEFAULT_DB_ALIAS
        assert ROUTER.db_for_read(Site) == "replica"
    assert ROUTER.db_for_read(Site, instance=site) == DEFAULT_DB_ALIAS


def test_a_streamed_export_reads_from_the_alias_only_while_it_steps():
    seen = []

    def rows():
        for index in range(3):
            seen.append(replica.current())
            yield index

    stepped = replica.iterate_reading_from("replica", rows())
    assert next(stepped) == 0 and replica.current() == DEFAULT_DB_ALIAS
    assert list(stepped) == [1, 2] and seen == ["replica"] * 3
    assert replica.current() == DEFAULT_DB_ALIAS


def test_a_download_stopped_half_way_closes_the_rows_at_once():
    closed = []

    def rows():
        try:
            yield from range(10)
        finally:
            closed.append(replica.current())

    stepped = replica.iterate_reading_from("replica", rows())
    assert next(stepped) == 0
    stepped.close()  # what the server does when the client goes away
    assert closed == [DEFAULT_DB_ALIAS]


@pytest.mark.django_db
def test_a_write_marks_the_client_for_the_primary_only_when_a_replica_is_named(client, settings, province):
    settings.READ_YOUR_WRITES_SECONDS = 7
    signed_in = client
    signed_in.force_login(province.staff)
    response = signed_in.post("/columns/", {"table": "sites", "next": "/"})
    assert replica.COOKIE not in response.cookies  # no replica: nothing changes for anybody
    name_a_replica(settings)
    response = signed_in.post("/columns/", {"table": "sites", "next": "/"})
    cookie = response.cookies[replica.COOKIE]
    assert cookie["max-age"] == 7 and cookie["httponly"]
    request = RequestFactory().get("/", HTTP_COOKIE=f"{replica.COOKIE}={cookie.value}")
    request.user = province.head
    assert replica.wrote_recently(request)
    assert not signed_in.get("/healthz").cookies.get(replica.COOKIE)  # a read sets nothing


@pytest.mark.django_db
def test_a_signed_in_api_user_who_wrote_reads_from_the_primary_on_every_node(settings, province):
    name_a_replica(settings)
    factory = RequestFactory()
    request = factory.get("/api/v1/sites")
    request.user = province.staff
    assert not replica.wrote_recently(request)
    post = factory.post("/api/v1/sites")
    post.user = province.staff
    replica.ReadYourWritesMiddleware(lambda r: HttpResponse())(post)
    assert replica.wrote_recently(request)  # the shared cache, not the (absent) cookie
    other = factory.get("/api/v1/sites")
    other.user = province.head
    assert not replica.wrote_recently(other)


def test_a_forged_cookie_does_not_count(settings):
    name_a_replica(settings)
    request = RequestFactory().get("/", HTTP_COOKIE=f"{replica.COOKIE}=1")
    request.user = AnonymousUser()
    assert not replica.wrote_recently(request)


@pytest.mark.django_db
def test_an_unreachable_replica_means_reads_from_the_primary(replica_named, client):
    request = RequestFactory().get("/api/v1/sites")
    request.user = AnonymousUser()
    assert replica.read_alias(request) == DEFAULT_DB_ALIAS
    assert replica.health() == {"ok": False, "reading_from": "primary", "reason": "down"}
    body = client.get("/healthz").json()
    assert body["checks"]["replica"] == {"ok": False, "reading_from": "primary", "reason": "down"}


def test_the_opt_out_header_and_a_write_keep_the_primary(settings, monkeypatch):
    name_a_replica(settings)
    monkeypatch.setattr(replica, "state", lambda **kwargs: {"ok": True, "lag_s": 0.0})
    factory = RequestFactory()
    anonymous = AnonymousUser()
    plain, opted_out, writing = (factory.get("/"), factory.get("/", HTTP_X_DIEMCAU_READ="primary"),
                                 factory.post("/"))
    for request in (plain, opted_out, writing):
        request.user = anonymous
    assert replica.read_alias(plain) == "replica"
    assert replica.read_alias(opted_out) == DEFAULT_DB_ALIAS
    assert replica.read_alias(writing) == DEFAULT_DB_ALIAS
    worker_reads_from_the_primary()  # what the worker runs at start
    try:
        assert replica.read_alias(plain) == DEFAULT_DB_ALIAS and replica.read_alias() == DEFAULT_DB_ALIAS
    finally:
        replica.enable()


def test_each_periodic_job_is_queued_by_one_scheduler_per_minute():
    """Two workers' schedulers on one Redis: the claim per job and minute lets one of them queue it."""
    name = f"claims-{uuid.uuid4().hex[:8]}"
    nodes = [PriorityRedisHuey(name, url="redis://127.0.0.1:6379/3") for _ in range(2)]
    for node in nodes:
        node.periodic_task(crontab(minute="*"), name="every_minute")(lambda: None)
        node.periodic_task(crontab(minute="*/5"), name="every_five")(lambda: None)
    try:
        at = dt.datetime(2030, 1, 1, 8, 0)
        due = [sorted(t.name for t in node.read_periodic(at)) for node in nodes]
        assert sorted(due[0] + due[1]) == ["every_five", "every_minute"] and due[1] == []
        assert nodes[0].read_periodic(at) == []  # the same minute again (a restarted scheduler)
        later = at + dt.timedelta(minutes=1)
        assert [t.name for t in nodes[1].read_periodic(later)] == ["every_minute"]
        assert nodes[0].read_periodic(later) == []
    finally:
        conn = nodes[0].storage.conn
        for key in conn.scan_iter(f"huey.{name}.*"):
            conn.delete(key)
