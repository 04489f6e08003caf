"""/healthz tells the province's monitoring whether the database, Redis and the worker are alive."""

import datetime as dt

import pytest
from django.utils import timezone

from diemcau.core.heartbeat import beat, is_fresh
from diemcau.core.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db


def test_it_fails_until_the_worker_has_beaten(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "checks": {"database": {"ok": True},
                                                            "worker": {"ok": False, "last_beat": None}}}
    worker_heartbeat.call_local()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["checks"]["worker"]["ok"] and body["checks"]["worker"]["age_s"] < 5
    assert response["Cache-Control"] == "no-store"


def test_a_worker_silent_for_more_than_two_minutes_is_stale(client, settings):
    settings.REDIS_URL = ""
    beat("worker", now=timezone.now() - dt.timedelta(minutes=2, seconds=5))
    assert not is_fresh("worker")
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["checks"]["worker"]["ok"] is False
    beat("worker")
    assert client.get("/healthz").status_code == 200


def test_it_checks_redis_when_configured(client, settings):
    beat("worker")
    settings.REDIS_URL = "redis://127.0.0.1:6379/6"
    assert client.get("/healthz").json()["checks"]["redis"] == {"ok": True}
    settings.REDIS_URL = "redis://127.0.0.1:8169/6"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["checks"]["redis"] == {"ok": False}


def test_it_answers_without_signing_in_and_without_a_redirect(client, settings):
    settings.REDIS_URL = ""
    beat("worker")
    response = client.get("/healthz", follow=False)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"


def test_the_api_root_says_where_the_documentation_is(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert response.json()["docs"] == "/api/v1/docs"
