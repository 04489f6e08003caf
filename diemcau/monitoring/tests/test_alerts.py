import datetime as dt

import pytest
from django.utils import timezone

from diemcau.incidents.choices import Channel, Status
from diemcau.incidents.services import incident_acknowledge
from diemcau.monitoring import alerts, flips, services
from diemcau.monitoring.choices import AlertState, Problem
from diemcau.monitoring.models import AgentToken, Alert, AlertFlip

T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def rounds(losses, start=T0):
    return [(start + dt.timedelta(seconds=30 * i), {"loss_pct": loss, "jitter_ms": 3.0, "rtt_ms": 30.0, "mos": 4.3})
            for i, loss in enumerate(losses)]


def judged(site_id, series):
    """Judge the rounds, then carry the flips to the incidents as the flips job does."""
    result = alerts.evaluate_site_rounds(site_id, series)
    flips.process_flips()
    return result


def loss_alert(site):
    return Alert.objects.get(site=site, problem=Problem.LOSS)


def test_a_clean_series_never_raises(province):
    judged(province.site_a.pk, rounds([0.0, 0.4, 0.9, 2.5, 0.0] * 40))
    assert not AlertFlip.objects.exists()
    assert loss_alert(province.site_a).state == AlertState.OK


def test_a_flapping_series_raises_once(province):
    # bad, good, bad, good …: 3 of 5 bad raises, and never 5 clean rounds in a row to clear.
    judged(province.site_a.pk, rounds([12.0, 0.0] * 60))
    flips = AlertFlip.objects.filter(alert__problem=Problem.LOSS)
    assert list(flips.values_list("new_state", flat=True)) == [AlertState.RAISED]


def test_it_clears_only_after_enough_clean_rounds(province):
    site = province.site_a
    judged(site.pk, rounds([8.0, 8.0, 8.0]))
    assert loss_alert(site).state == AlertState.RAISED
    judged(site.pk, rounds([0.0] * 4, start=T0 + dt.timedelta(minutes=5)))
    assert loss_alert(site).state == AlertState.RAISED
    judged(site.pk, rounds([0.0], start=T0 + dt.timedelta(minutes=10)))
    assert loss_alert(site).state == AlertState.OK


def test_two_bad_rounds_of_five_do_not_raise(province):
    judged(province.site_a.pk, rounds([9.0, 0.0, 0.0, 9.0, 0.0, 0.0, 0.0, 9.0, 0.0, 0.0]))
    assert loss_alert(province.site_a).state == AlertState.OK


def test_rounds_that_arrive_late_are_not_judged_again(province):
    site = province.site_a
    judged(site.pk, rounds([0.0] * 10, start=T0 + dt.timedelta(hours=1)))
    judged(site.pk, rounds([50.0] * 10))
    assert loss_alert(site).state == AlertState.OK


def test_the_levels_come_from_the_standard(province):
    # NET-RTT fails above 300 ms in the shipped standard.
    site = province.site_a
    series = [(T0 + dt.timedelta(seconds=30 * i), {"loss_pct": 0.0, "jitter_ms": 2.0, "rtt_ms": 320.0, "mos": 4.0})
              for i in range(5)]
    judged(site.pk, series)
    assert Alert.objects.get(site=site, problem=Problem.RTT).state == AlertState.RAISED
    assert Alert.objects.get(site=site, problem=Problem.JITTER).state == AlertState.OK


def test_a_raised_link_alert_opens_one_incident_routed_to_the_operator(province):
    site = province.site_a
    series = [(T0 + dt.timedelta(seconds=30 * i), {"loss_pct": 15.0, "jitter_ms": 80.0, "rtt_ms": 30.0, "mos": 2.5})
              for i in range(6)]
    judged(site.pk, series)
    raised = Alert.objects.filter(site=site, state=AlertState.RAISED)
    assert {a.problem for a in raised} == {Problem.LOSS, Problem.JITTER, Problem.MOS}
    incidents = {a.incident_id for a in raised}
    assert len(incidents) == 1
    incident = raised[0].incident
    assert incident.holder == province.vnpt
    assert incident.channel == Channel.MONITORING
    assert incident.suspected_cause.code == "network"


def test_the_incident_resolves_when_every_alert_behind_it_clears(province):
    site = province.site_a
    judged(site.pk, rounds([15.0] * 5))
    incident = loss_alert(site).incident
    judged(site.pk, rounds([0.0] * 5, start=T0 + dt.timedelta(minutes=10)))
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert incident.cause_found.code == "network"


def test_an_incident_a_person_took_over_is_not_resolved_automatically(province):
    site = province.site_a
    judged(site.pk, rounds([15.0] * 5))
    incident = loss_alert(site).incident
    incident_acknowledge(incident, user=province.vnpt_user)
    judged(site.pk, rounds([0.0] * 5, start=T0 + dt.timedelta(minutes=10)))
    incident.refresh_from_db()
    assert incident.status != Status.RESOLVED
    assert incident.events.filter(note__icontains="Monitoring").exists() or incident.events.count() > 2


def test_a_new_raise_after_resolution_opens_a_new_incident(province):
    site = province.site_a
    judged(site.pk, rounds([15.0] * 5))
    first = loss_alert(site).incident
    judged(site.pk, rounds([0.0] * 5, start=T0 + dt.timedelta(minutes=10)))
    judged(site.pk, rounds([15.0] * 5, start=T0 + dt.timedelta(minutes=20)))
    assert loss_alert(site).incident != first


def test_a_silent_agent_raises_no_data_after_the_threshold(province, settings):
    settings.MONITORING_SILENCE_MINUTES = 10
    site = province.site_a
    token, _raw = services.agent_token_issue(site=site, user=province.tech)
    now = timezone.now()
    AgentToken.objects.filter(pk=token.pk).update(last_seen_at=now - dt.timedelta(minutes=9))
    assert alerts.evaluate_silence(now) == 0
    AgentToken.objects.filter(pk=token.pk).update(last_seen_at=now - dt.timedelta(minutes=11))
    assert alerts.evaluate_silence(now) == 1
    assert alerts.evaluate_silence(now) == 0  # raised once
    flips.process_flips()
    alert = Alert.objects.get(site=site, problem=Problem.NO_DATA)
    assert alert.state == AlertState.RAISED and alert.incident is not None
    assert alert.incident.holder == site.organization
    AgentToken.objects.filter(pk=token.pk).update(last_seen_at=now)
    assert alerts.evaluate_silence(now) == 1
    assert Alert.objects.get(site=site, problem=Problem.NO_DATA).state == AlertState.OK


def test_a_site_whose_agent_was_never_installed_raises_nothing(province):
    services.agent_token_issue(site=province.site_a, user=province.tech)
    assert alerts.evaluate_silence(timezone.now()) == 0


@pytest.mark.parametrize("revoked", [True])
def test_a_revoked_agent_is_not_reported_silent(province, revoked):
    token, _raw = services.agent_token_issue(site=province.site_a, user=province.tech)
    AgentToken.objects.filter(pk=token.pk).update(last_seen_at=timezone.now() - dt.timedelta(days=1))
    services.agent_token_revoke(token=token, user=province.tech)
    assert alerts.evaluate_silence(timezone.now()) == 0
