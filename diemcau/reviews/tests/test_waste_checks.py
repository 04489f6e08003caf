"""R16: each waste check has a case that trips it and a close case that does not."""

import pytest
from django.core.exceptions import ValidationError

from diemcau.reviews import services
from diemcau.reviews.checks import flag_text
from diemcau.reviews.models import Proposal
from diemcau.reviews.tests.conftest import complete, purchase, term
from diemcau.standards.models import Platform, Standard
from diemcau.standards.services import load_default_standard
from diemcau.testing import make_device, make_site


def codes(proposal):
    return [f["code"] for f in proposal.flags]


@pytest.fixture
def started(task_a, province):
    services.task_start(task_a, user=province.tech)
    return task_a.assessments.get(site=province.site_a)


@pytest.fixture
def started_a2(task_a, province):
    services.task_start(task_a, user=province.tech)
    return task_a.assessments.get(site=province.site_a2)


# Buying a device of a group the site already has in good condition -----------------------

def test_buying_a_microphone_when_a_good_one_exists_is_flagged(started, province):
    proposal = purchase(started, province.tech, group="microphone")
    assert "owned_good" in codes(proposal)
    assert "SN-A-2" not in flag_text(proposal.flags[0])  # labels, not serials


def test_buying_a_microphone_when_the_only_one_is_broken_is_not_flagged(started, province):
    mic = province.site_a.devices.get(serial="SN-A-2")
    mic.condition = term("device_condition", "broken")
    mic.save(update_fields=["condition"])
    proposal = purchase(started, province.tech, group="microphone")
    assert "owned_good" not in codes(proposal)


# The same purchase proposed twice ------------------------------------------------------

def test_the_same_purchase_twice_for_one_site_is_flagged_on_both(started_a2, province):
    first = purchase(started_a2, province.tech, group="camera")
    second = purchase(started_a2, province.tech, group="camera")
    first.refresh_from_db()
    assert "duplicate_site" in codes(first) and "duplicate_site" in codes(second)


def test_purchases_of_different_groups_at_one_site_are_not_duplicates(started_a2, province):
    purchase(started_a2, province.tech, group="camera")
    other = purchase(started_a2, province.tech, group="display")
    assert "duplicate_site" not in codes(other)


def _shared_building(province, address_b):
    province.site_a2.address = "Số 1 Hoàng Đình Giong, TP Cao Bằng"
    province.site_a2.save(update_fields=["address"])
    province.site_b.address = address_b
    province.site_b.save(update_fields=["address"])


def test_two_units_buying_the_shared_network_of_one_building_overlap(campaign, task_a, task_b, province):
    _shared_building(province, "số 1  Hoàng Đình Giong, TP Cao Bằng")
    services.task_start(task_a, user=province.tech)
    services.task_start(task_b, user=province.other_tech)
    mine = purchase(task_a.assessments.get(site=province.site_a2), province.tech, group="network")
    theirs = purchase(task_b.assessments.get(site=province.site_b), province.other_tech, group="network")
    mine.refresh_from_db()
    assert "duplicate_shared" in codes(theirs) and "duplicate_shared" in codes(mine)
    assert "UBND xã Thông Nông" in flag_text(next(f for f in theirs.flags if f["code"] == "duplicate_shared"))


def test_network_purchases_in_different_buildings_do_not_overlap(campaign, task_a, task_b, province):
    _shared_building(province, "Xã Hà Quảng")
    services.task_start(task_a, user=province.tech)
    services.task_start(task_b, user=province.other_tech)
    purchase(task_a.assessments.get(site=province.site_a2), province.tech, group="network")
    theirs = purchase(task_b.assessments.get(site=province.site_b), province.other_tech, group="network")
    assert "duplicate_shared" not in codes(theirs)


# A purchase for a cause a cheaper action fixes --------------------------------------------

@pytest.mark.parametrize("cause", ["configuration", "operation", "coordination"])
def test_a_purchase_for_a_configuration_operation_or_coordination_cause_is_flagged(started_a2, province, cause):
    proposal = purchase(started_a2, province.tech, group="camera", cause=cause)
    assert codes(proposal) == ["cheap_cause"]


def test_a_purchase_for_an_equipment_cause_is_not_flagged(started_a2, province):
    assert codes(purchase(started_a2, province.tech, group="camera", cause="equipment")) == []


def test_a_reconfiguration_for_a_configuration_cause_is_not_flagged(started, province):
    proposal = services.proposal_save(Proposal(
        assessment=started, group=term("device_group", "terminal"), action=term("action", "reconfigure"),
        cause=term("cause", "configuration"), description="Chuẩn hóa cấu hình"), user=province.tech)
    assert proposal.flags == []


# A model that fails the compatibility check or the minimum standard ----------------------

@pytest.fixture
def platform(db):
    return Platform.objects.create(code="mcu", name="MCU tỉnh", reference=True, protocols=["SIP", "H.323"],
                                   video_codecs=["H.264"], audio_codecs=["G.711", "G.722"])


def test_a_terminal_that_cannot_join_the_province_platform_is_flagged(started_a2, province, platform):
    proposal = purchase(started_a2, province.tech, group="terminal", manufacturer="NoName", model="X1",
                        protocols=["WebRTC"], video_codecs=["VP8"], audio_codecs=["Opus"])
    assert codes(proposal) == ["model_fails"]
    assert "MCU tỉnh" in flag_text(proposal.flags[0])


def test_a_terminal_that_joins_the_province_platform_is_not_flagged(started_a2, province, platform):
    proposal = purchase(started_a2, province.tech, group="terminal", manufacturer="Poly", model="Studio X50",
                        protocols=["SIP"], video_codecs=["H.264"], audio_codecs=["G.722"])
    assert codes(proposal) == []


def test_a_camera_below_the_standard_resolution_is_flagged_and_one_at_it_is_not(started_a2, province):
    load_default_standard()
    assert Standard.objects.current() is not None
    low = purchase(started_a2, province.tech, group="camera", model="Webcam", max_resolution="480p")
    assert "model_fails" in codes(low)
    services.proposal_delete(low, user=province.tech)
    ok = purchase(started_a2, province.tech, group="camera", model="Webcam HD", max_resolution="720p")
    assert "model_fails" not in codes(ok)


# A flagged proposal is submitted with a written reason, and the flag stays -------------

def test_a_flagged_proposal_blocks_submission_until_a_reason_is_written(task_a, province):
    complete(task_a, province.tech)
    assessment = task_a.assessments.get(site=province.site_a)
    proposal = purchase(assessment, province.tech, group="microphone")
    assert proposal.flags
    with pytest.raises(ValidationError) as error:
        services.task_submit(task_a, user=province.head)
    assert any("Write why it is still needed" in m or "Viết lý do" in m for m in error.value.messages)
    proposal.flag_reason = "Hội trường 200 chỗ cần thêm micro cho hàng ghế sau"
    services.proposal_save(proposal, user=province.tech)
    services.task_submit(task_a, user=province.head)
    proposal.refresh_from_db()
    assert codes(proposal) == ["owned_good"]
    assert proposal.flag_reason


def test_waste_flags_are_refreshed_when_another_unit_proposes_later(campaign, task_a, task_b, province):
    _shared_building(province, "Số 1 Hoàng Đình Giong, TP Cao Bằng")
    services.task_start(task_a, user=province.tech)
    services.task_start(task_b, user=province.other_tech)
    mine = purchase(task_a.assessments.get(site=province.site_a2), province.tech, group="network")
    assert codes(mine) == []
    purchase(task_b.assessments.get(site=province.site_b), province.other_tech, group="network")
    mine.refresh_from_db()
    assert codes(mine) == ["duplicate_shared"]


def test_proposals_of_a_new_site_need_no_purchase_flags(province, task_a):
    site = make_site(province.commune_a, "X-14-03", address="Thôn Nà Giàng")
    make_device(site, "display", condition="degraded")
    services.task_start(task_a, user=province.tech)
    assessment = task_a.assessments.get(site=site)
    proposal = purchase(assessment, province.tech, group="display", action="replace")
    assert proposal.flags == []
