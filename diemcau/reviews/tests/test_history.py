"""Campaigns repeat: history compares two campaigns site by site."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from diemcau.reviews import services
from diemcau.reviews.aggregate import compare
from diemcau.reviews.tests.conftest import complete, term


def test_a_second_campaign_shows_what_improved_and_what_got_worse(province, client_for):
    first = services.campaign_open(title="Rà soát 2025", deadline=timezone.now() + dt.timedelta(days=5),
                                   user=province.admin, organizations=[province.commune_a, province.commune_b])
    for task, user in ((first.tasks.get(organization=province.commune_a), province.tech),
                       (first.tasks.get(organization=province.commune_b), province.other_tech)):
        complete(task, user, meets="partly")
    second = services.campaign_open(title="Rà soát 2026", deadline=timezone.now() + dt.timedelta(days=30),
                                    user=province.admin, organizations=[province.commune_a, province.commune_b],
                                    previous=first)
    complete(second.tasks.get(organization=province.commune_a), province.tech, meets="fully")
    task_b = second.tasks.get(organization=province.commune_b)
    complete(task_b, province.other_tech, meets="partly")
    worse = task_b.assessments.get().groups.get(group__code="terminal")
    worse.condition = term("device_condition", "broken")
    worse.save(update_fields=["condition"])

    result = compare(second, first)
    changes = {r["site"].code: r["change"] for r in result["rows"]}
    assert changes == {"X-14-01": "improved", "X-14-02": "improved", "X-20-01": "worse"}
    assert result["rows"][0]["site"].code == "X-20-01"  # worse first
    group, was, now = result["rows"][0]["groups"][0]
    # Shown by name in the reader's language, never by code.
    before = first.tasks.get(organization=province.commune_b).assessments.get().groups.get(group__code="terminal")
    assert (group, was, now) == (str(term("device_group", "terminal")), str(before.condition),
                                 str(term("device_condition", "broken")))
    assert "terminal" not in (group, was, now)

    page = client_for(province.leader).get(reverse("reviews:compare", args=[second.pk])).content.decode()
    assert "Rà soát 2025" in page and "X-20-01" in page


def test_a_site_new_in_the_second_campaign_is_marked_new(province):
    first = services.campaign_open(title="A", deadline=timezone.now() + dt.timedelta(days=5), user=province.admin,
                                   organizations=[province.commune_b])
    second = services.campaign_open(title="B", deadline=timezone.now() + dt.timedelta(days=5), user=province.admin,
                                    organizations=[province.commune_a])
    complete(second.tasks.get(), province.tech)
    assert {r["change"] for r in compare(second, first)["rows"]} == {"new"}
