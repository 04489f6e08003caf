"""The agent contract in one place: the server validates with the agent's own schema, keeps what is good,
stores only what the schema knows, and a retired site's agent may not report."""

import threading
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from diemcau.monitoring import contract, services
from diemcau.monitoring.models import AgentToken, Sample
from diemcau.monitoring.tests.helpers import probe

REPOSITORY = Path(__file__).resolve().parents[3]


@pytest.fixture
def token(province):
    _row, raw = services.agent_token_issue(site=province.site_a, user=province.admin)
    return raw


def post(raw: str, payload: dict):
    import json

    return Client().post("/api/v1/agent/results", data=json.dumps(payload), content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {raw}")


def batch(*results):
    return {"agent_version": "0.1.0", "sent_at": results[0]["measured_at"], "results": list(results)}


def test_the_server_validates_with_the_schema_the_agent_ships():
    shipped = REPOSITORY / "agent" / "schema" / "results-request.schema.json"
    assert contract.SCHEMA_PATH.read_bytes() == shipped.read_bytes()


def test_a_wrongly_typed_field_rejects_that_result_only(province, token):
    good = probe()
    text_duplicates = probe(duplicates="x")
    list_duplicates = probe(duplicates=[1])
    bad_voice = probe(voice={"codec": "g711", "r": "high", "mos": 4.1})
    response = post(token, batch(good, text_duplicates, list_duplicates, bad_voice))
    assert response.status_code == 200
    answer = response.json()
    assert answer["accepted"] == [good["id"]]
    reasons = {r["id"]: r["reason"] for r in answer["rejected"]}
    assert "fields/duplicates" in reasons[text_duplicates["id"]] and "integer" in reasons[text_duplicates["id"]]
    assert "fields/duplicates" in reasons[list_duplicates["id"]]
    assert "fields/voice/r" in reasons[bad_voice["id"]]
    assert Sample.objects.filter(site=province.site_a).count() == 1


def test_only_the_fields_the_schema_knows_are_stored(province, token):
    padded = probe(junk="x" * 4_000_000, voice={"codec": "g711", "r": 90.0, "mos": 4.2, "extra": "y" * 100})
    response = post(token, batch(padded))
    assert response.json()["accepted"] == [padded["id"]]
    stored = Sample.objects.get(site=province.site_a).data
    assert "junk" not in stored and "extra" not in stored["voice"]
    assert stored["voice"] == {"codec": "g711", "r": 90.0, "mos": 4.2}


def test_known_fields_above_the_size_cap_are_refused(province, token, settings):
    settings.MONITORING_MAX_RESULT_BYTES = 1000
    long_error = probe(error="timeout " * 500)
    answer = post(token, batch(long_error)).json()
    assert answer["accepted"] == [] and "1000" in answer["rejected"][0]["reason"]


def test_retiring_a_site_revokes_its_agent_token_and_says_so(province, token, client_for):
    assert post(token, batch(probe())).status_code == 200
    response = client_for(province.admin).post(reverse("inventory:site_retire", args=[province.site_a.pk]),
                                               follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert any(token[:10] in m for m in shown), shown
    assert AgentToken.objects.get(site=province.site_a).revoked_at is not None
    assert post(token, batch(probe())).status_code == 401


def test_retiring_through_the_api_revokes_the_token_too(province, token):
    from diemcau.accounts.models import ApiToken

    _row, key = ApiToken.issue(user=province.admin, name="t")
    assert Client().delete(f"/api/v1/sites/{province.site_a.pk}", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 204
    assert post(token, batch(probe())).status_code == 401


def test_a_token_of_a_site_retired_some_other_way_is_refused(province, token):
    from django.utils import timezone

    type(province.site_a).objects.filter(pk=province.site_a.pk).update(retired_at=timezone.now())
    assert post(token, batch(probe())).status_code == 401


def test_the_agents_own_output_goes_through_the_real_endpoint(province, token, live_server, tmp_path):
    from diemcau_agent import config, measure, throughput
    from diemcau_agent import reflector as reflector_module
    from diemcau_agent.buffer import Buffer
    from diemcau_agent.uploader import Uploader

    reflector = reflector_module.serve_in_thread(host="127.0.0.1", port=0, rate_pps=2000, burst=2000)
    sink = throughput.ThroughputSink("127.0.0.1", 0)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    try:
        cfg = config.load(text=f"[probe]\nreflector = 127.0.0.1:{reflector.port}\ncount = 10\nspacing_ms = 2\n"
                               f"grace_s = 0.3\n[platform]\nhost = 127.0.0.1\ntcp_ports = 9\n"
                               f"dns_names = localhost\n[agent]\nserver = {live_server.url}\n")
        records = [measure.probe_record(cfg), measure.probe_record(cfg, reflector=("127.0.0.1", 9))]
        records += measure.reachability_records(cfg)
        records.append(measure.record("throughput", throughput.measure(
            "127.0.0.1", sink.server_address[1], "down", 0.5, 800)))
    finally:
        sink.shutdown()
        reflector.stop()
    buffer = Buffer(str(tmp_path / "buffer.sqlite3"), max_rows=100)
    for record in records:
        buffer.add(record)
    uploader = Uploader(buffer, live_server.url, token)
    assert uploader.flush(force=True) == len(records)
    assert uploader.rejected == {} and buffer.count() == 0
    kinds = set(Sample.objects.filter(site=province.site_a).values_list("kind", flat=True))
    assert kinds == {"probe", "tcp_connect", "dns", "https", "throughput"}
