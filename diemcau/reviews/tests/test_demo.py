"""The demo campaign: a realistic mix of states, late units, flagged proposals, and an aggregate that adds up."""

import random

import pytest
from django.utils import timezone

from diemcau.accounts.choices import Role
from diemcau.core.demo import DemoContext
from diemcau.core.models import Notice
from diemcau.reviews import demo
from diemcau.reviews.aggregate import progress, proposals_in, three_lists
from diemcau.reviews.choices import TaskState
from diemcau.reviews.models import Campaign, Proposal
from diemcau.testing import make_device, make_org, make_site


@pytest.fixture
def loaded(province):
    # A few more units, so every state of the mix has somebody in it.
    for n in range(12):
        org = make_org(f"X-{30 + n}", f"UBND xã Demo {n}", "commune")
        site = make_site(org, f"X-{30 + n}-01", address=f"Xã Demo {n}")
        make_device(site, "terminal", condition=["good", "degraded", "broken"][n % 3], manufacturer="Poly", model="HDX")
        make_device(site, "microphone", condition=["good", "broken"][n % 2])
        make_device(site, "network", condition="degraded" if n % 4 == 0 else "good")
    ctx = DemoContext(rng=random.Random(7), now=timezone.now(), log=lambda _m: None)
    ctx.users = {str(r): u for r, u in province.users_by_role().items()}
    demo.load(ctx)
    return Campaign.objects.get(previous__isnull=False)


def check_every_state_and_late_units(loaded, province):
    states = set(loaded.tasks.values_list("state", flat=True))
    assert states == set(TaskState.values)
    assert progress(loaded)["late"]
    # The demo head's unit was returned with comments to answer.
    assert loaded.tasks.get(organization=province.commune_a).state == TaskState.RETURNED
    assert Campaign.objects.get(previous__isnull=True).tasks.exclude(state=TaskState.ACCEPTED).count() == 0


def check_proposals_of_every_list_and_flags(loaded):
    proposals = Proposal.objects.filter(assessment__task__campaign=loaded)
    assert {p.list_code for p in proposals.select_related("action")} == {"continue", "fix", "invest"}
    flagged = proposals.exclude(flags=[])
    assert flagged.exclude(flag_reason="").exists()
    handed_in = flagged.filter(assessment__task__state__in=TaskState.handed_in())
    assert handed_in.exists() and not handed_in.filter(flag_reason="").exists()


def check_the_three_lists_add_up(loaded):
    rows = three_lists(proposals_in(loaded, states=TaskState.handed_in()))
    items = Proposal.objects.filter(assessment__task__campaign=loaded,
                                    assessment__task__state__in=TaskState.handed_in()).select_related("action")
    for row in rows:
        mine = [p for p in items if p.list_code == row["code"]]
        assert row["items"] == len(mine)
        assert row["cost"] == sum(p.cost_vnd for p in mine)


def check_no_email_but_notices(loaded, mailoutbox):
    assert mailoutbox == []
    assert Notice.objects.filter(kind="review.returned").exists()


def check_signatures_are_by_unit_heads(loaded):
    for task in loaded.tasks.filter(state__in=TaskState.handed_in()).select_related("submitted_by"):
        assert task.submitted_by.role == Role.UNIT_HEAD
        assert task.submitted_by.organization_id == task.organization_id


def test_the_demo_campaign_is_a_realistic_mix_whose_aggregate_adds_up(loaded, province, mailoutbox):
    """One load (it takes seconds), every property of it."""
    check_every_state_and_late_units(loaded, province)
    check_proposals_of_every_list_and_flags(loaded)
    check_the_three_lists_add_up(loaded)
    check_no_email_but_notices(loaded, mailoutbox)
    check_signatures_are_by_unit_heads(loaded)
