"""Builders for reports tests: a campaign over the test province whose units were accepted."""

import datetime as dt

import pytest
from django.utils import timezone

from diemcau.inventory.models import Term
from diemcau.reviews import services as reviews
from diemcau.reviews.models import Evidence, Proposal
from diemcau.reviews.tests.conftest import complete


def term(taxonomy, code):
    return Term.objects.get(taxonomy=taxonomy, code=code)


@pytest.fixture(autouse=True)
def _jobs_run_at_once():
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


def propose(assessment, *, group, action, cost, description, **fields):
    return Proposal.objects.create(assessment=assessment, group=term("device_group", group),
                                   action=term("action", action), description=description, cost_vnd=cost,
                                   justification="Thiết bị hỏng, đã kiểm tra", **fields)


@pytest.fixture
def accepted(province):
    """Commune A and commune B assessed, submitted and accepted; proposals of every kind at site A."""
    campaign = reviews.campaign_open(title="Rà soát 2026", deadline=timezone.now() + dt.timedelta(days=10),
                                     user=province.admin, organizations=[province.commune_a, province.commune_b])
    for org, _head, tech in ((province.commune_a, province.head, province.tech),
                            (province.commune_b, province.other_head, province.other_tech)):
        task = campaign.tasks.get(organization=org)
        complete(task, tech)
    a = campaign.tasks.get(organization=province.commune_a).assessments.get(site=province.site_a)
    propose(a, group="network", action="link", cost=6_000_000, description="Nâng băng thông TSLCD lên 20 Mbps")
    Evidence.objects.create(assessment=a, group=term("device_group", "terminal"), note="Biên bản kiểm tra")
    propose(a, group="terminal", action="replace", cost=120_000_000, description="Thay thiết bị đầu cuối Poly",
            cause=term("cause", "equipment"), manufacturer="Poly", model="Studio X50", protocols=["SIP", "H.323"],
            video_codecs=["H.264"], audio_codecs=["G.722"], flag_reason="Thiết bị cũ hỏng bo mạch, đã thay thế tạm")
    propose(a, group="microphone", action="accessory", cost=800_000, description="Thay dây micro", help_now=True)
    propose(a, group="terminal", action="reconfigure", cost=0, description="Chuẩn hóa cấu hình", province_wide=True)
    for org, head in ((province.commune_a, province.head), (province.commune_b, province.other_head)):
        task = campaign.tasks.get(organization=org)
        reviews.task_submit(task, user=head)
        reviews.task_accept(task, user=province.admin)
    return campaign
