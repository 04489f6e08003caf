import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from diemcau.monitoring import services
from diemcau.monitoring.models import AgentToken, Sample
from diemcau.monitoring.tests.helpers import batch, probe

URL = "/api/v1/agent/results"


@pytest.fixture
def agent(province):
    token, raw = services.agent_token_issue(site=province.site_a, user=province.tech)
    return token, raw


def post(raw, body, client=None):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return (client or Client()).post(URL, data=data, content_type="application/json",
                                     HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_it_stores_a_batch_and_records_when_the_agent_reported(agent, province):
    token, raw = agent
    results = [probe(loss=0.5), probe(loss=2.0)]
    response = post(raw, batch(*results, dropped={"count": 3}))
    assert response.status_code == 200
    answer = response.json()
    assert sorted(answer["accepted"]) == sorted(r["id"] for r in results)
    assert answer["rejected"] == []
    assert "meeting_window" in answer and "interval_s" in answer
    assert Sample.objects.filter(site=province.site_a).count() == 2
    token.refresh_from_db()
    assert token.last_seen_at is not None and token.hostname == "PC-TEST" and token.dropped_total == 3


def test_a_duplicate_batch_stores_nothing_twice_and_is_accepted_again(agent):
    _, raw = agent
    body = batch(probe(), probe())
    first = post(raw, body).json()
    second = post(raw, body).json()
    assert sorted(first["accepted"]) == sorted(second["accepted"])
    assert Sample.objects.count() == 2


def test_a_partly_bad_batch_keeps_the_good_results_and_says_why_for_the_bad(agent):
    _, raw = agent
    good = probe(loss=1.0)
    impossible_loss = probe(loss=140.0)
    negative_rtt = probe(rtt=-5.0)
    bad_mos = probe(mos=7.0)
    unknown = dict(probe(), kind="teleport")
    no_id = dict(probe(), id="not-a-uuid")
    future = probe(at=timezone.now() + dt.timedelta(days=2))
    answer = post(raw, batch(good, impossible_loss, negative_rtt, bad_mos, unknown, no_id, future)).json()
    assert answer["accepted"] == [good["id"]]
    reasons = {r["id"]: r["reason"] for r in answer["rejected"]}
    assert len(reasons) == 6
    assert "loss_pct" in reasons[impossible_loss["id"]]
    assert "rtt_median_ms" in reasons[negative_rtt["id"]]
    assert "mos" in reasons[bad_mos["id"]]
    assert Sample.objects.count() == 1


def test_a_probe_that_got_no_reply_counts_as_total_loss(agent):
    _, raw = agent
    item = {"id": str(uuid.uuid4()), "kind": "probe", "measured_at": probe()["measured_at"],
            "fields": {"reflector": "r:862", "error": "timeout"}}
    assert post(raw, batch(item)).json()["accepted"] == [item["id"]]
    assert Sample.objects.get().loss_pct == 100.0


@pytest.mark.parametrize("header", ["Bearer dca_wrong", "Bearer ", "Token x", None])
def test_a_wrong_token_is_refused(agent, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = Client().post(URL, data=json.dumps(batch(probe())), content_type="application/json", **extra)
    assert response.status_code == 401
    assert Sample.objects.count() == 0


def test_a_revoked_or_rotated_token_is_refused(agent, province):
    token, raw = agent
    _, new_raw = services.agent_token_issue(site=province.site_a, user=province.tech)
    assert post(raw, batch(probe())).status_code == 401
    assert post(new_raw, batch(probe())).status_code == 200
    services.agent_token_revoke(token=AgentToken.objects.get(revoked_at__isnull=True), user=province.tech)
    assert post(new_raw, batch(probe())).status_code == 401


def test_a_user_api_session_is_no_agent(province, client_for):
    response = client_for(province.admin).post(URL, data=json.dumps(batch(probe())), content_type="application/json")
    assert response.status_code == 401


def test_a_10_mb_body_is_refused_cleanly(agent):
    _, raw = agent
    body = json.dumps(batch(*[probe(note="x" * 1000) for _ in range(10_000)]))
    assert len(body) > 10_000_000
    response = post(raw, body)
    assert response.status_code == 413
    assert "detail" in response.json()
    assert Sample.objects.count() == 0


def test_a_body_that_is_not_json_is_a_400(agent):
    _, raw = agent
    assert post(raw, b"{not json").status_code == 400
    assert post(raw, {"results": "nope"}).status_code == 400


def test_the_token_is_stored_hashed(agent):
    token, raw = agent
    assert raw not in token.digest and token.hint == raw[:10]
    assert AgentToken.authenticate(raw) == token


def test_too_many_results_in_one_batch_asks_the_agent_to_send_smaller_ones(agent, monkeypatch):
    from diemcau.monitoring import ingest

    monkeypatch.setattr(ingest, "MAX_RESULTS", 3)
    _, raw = agent
    assert post(raw, batch(*[probe() for _ in range(4)])).status_code == 413
    assert Sample.objects.count() == 0


def test_a_pre_meeting_self_check_is_stored_and_shown(agent, province, client_for):
    from diemcau.monitoring.tests.helpers import probe as train

    _, raw = agent
    item = dict(train(loss=4.0), kind="check")
    item["fields"].update({"status": 2, "verdict": "Mất gói 4 %: báo ngay cho VNPT"})
    assert post(raw, batch(item)).json()["accepted"] == [item["id"]]
    page = client_for(province.tech).get(f"/monitoring/site/{province.site_a.pk}/").content.decode()
    assert "Mất gói 4 %: báo ngay cho VNPT" in page


def test_results_from_a_long_outage_are_accepted_up_to_the_age_limit(agent, settings):
    settings.MONITORING_MAX_AGE_DAYS = 30
    _, raw = agent
    late = probe(at=timezone.now() - dt.timedelta(days=12))
    too_late = probe(at=timezone.now() - dt.timedelta(days=31))
    answer = post(raw, batch(late, too_late)).json()
    assert answer["accepted"] == [late["id"]]
    assert "30" in answer["rejected"][0]["reason"]


def test_a_throughput_test_asked_on_the_site_page_reaches_the_agent_once(agent, province, client_for):
    _, raw = agent
    response = client_for(province.tech).post(f"/monitoring/site/{province.site_a.pk}/throughput/")
    assert response.status_code == 302
    first = post(raw, batch(probe())).json()
    assert first["throughput"]["direction"] == "up" and first["throughput"]["max_kbps"] <= 5000
    assert "throughput" not in post(raw, batch(probe())).json()
    result = {"id": "5d2f2b7e-9c1e-4c55-9f0e-0c4b7d9a1a11", "kind": "throughput", "measured_at": probe()["measured_at"],
              "fields": {"direction": "up", "ok": True, "requested_kbps": 5000, "seconds": 5, "kbps": 4890.5,
                         "bytes": 3056562, "error": None}}
    assert post(raw, batch(result)).json()["accepted"] == [result["id"]]
    page = client_for(province.tech).get(f"/monitoring/site/{province.site_a.pk}/").content.decode()
    assert "4890" in page or "4891" in page
