"""Checks before submission: each a clear message on the item it concerns."""

from diemcau.inventory.models import Device
from diemcau.reviews import services
from diemcau.reviews.models import Evidence, Proposal
from diemcau.reviews.tests.conftest import complete, term
from diemcau.testing import make_device


def messages(task):
    return [(p.anchor, p.text) for p in services.task_problems(task)]


def test_a_complete_unit_has_no_problems(task_a, province):
    complete(task_a, province.tech)
    assert messages(task_a) == []


def test_every_device_group_needs_a_state(task_a, province):
    complete(task_a, province.tech)
    group = task_a.assessments.get(site=province.site_a).groups.get(group__code="microphone")
    group.condition = None
    group.save(update_fields=["condition"])
    assert messages(task_a) == [(f"group-{group.pk}", "Micro: chọn tình trạng (đang để trống).")]


def test_a_group_added_to_the_inventory_after_prefill_must_be_assessed(task_a, province):
    complete(task_a, province.tech)
    make_device(province.site_a, "speaker")
    assert messages(task_a) == [("groups", "Loa có trong danh mục thiết bị của điểm cầu nhưng chưa được đánh giá: hãy bổ sung.")]


def test_a_new_site_without_assessment_blocks_submission(task_a, province):
    from diemcau.testing import make_site

    complete(task_a, province.tech)
    make_site(province.commune_a, "X-14-09", "Nhà văn hóa xã")
    assert [a for a, _t in messages(task_a)] == ["site"]


def test_faults_without_a_cause_are_a_problem(task_a, province):
    complete(task_a, province.tech)
    group = task_a.assessments.get(site=province.site_a).groups.get(group__code="terminal")
    group.faults.create(symptom=term("symptom", "video_lag"), frequency="weekly")
    assert messages(task_a) == [(f"group-{group.pk}", "Thiết bị đầu cuối (codec): có lỗi được ghi nhận; hãy nêu nguyên nhân chính.")]


def test_a_replacement_needs_a_justification_evidence_a_cause_and_a_cost(task_a, province):
    complete(task_a, province.tech)
    assessment = task_a.assessments.get(site=province.site_a2)
    proposal = Proposal.objects.create(assessment=assessment, group=term("device_group", "camera"),
                                       action=term("action", "replace"), description="Thay camera")
    anchors = [a for a, _t in messages(task_a)]
    assert anchors == [f"proposal-{proposal.pk}"] * 4
    proposal.justification = "Camera mờ, không lấy nét"
    proposal.cause = term("cause", "equipment")
    proposal.cost_vnd = 25_000_000
    proposal.save()
    assert len(messages(task_a)) == 1  # evidence still missing
    Evidence.objects.create(assessment=assessment, group=term("device_group", "camera"), note="Ảnh camera mờ")
    assert messages(task_a) == []


def test_evidence_of_another_group_does_not_back_a_purchase(task_a, province):
    complete(task_a, province.tech)
    assessment = task_a.assessments.get(site=province.site_a2)
    Proposal.objects.create(assessment=assessment, group=term("device_group", "camera"),
                            action=term("action", "invest"), description="Camera mới", cause=term("cause", "equipment"),
                            justification="Chưa có camera", cost_vnd=20_000_000)
    Evidence.objects.create(assessment=assessment, group=term("device_group", "display"), note="Màn hình")
    assert len(messages(task_a)) == 1


def test_a_degraded_group_needs_an_action(task_a, province):
    Device.objects.filter(serial="SN-A-2").update(condition=term("device_condition", "degraded"))
    services.task_start(task_a, user=province.tech)
    complete(task_a, province.tech)  # proposes a reconfiguration for degraded groups
    assert messages(task_a) == []
    Proposal.objects.filter(assessment__site=province.site_a).delete()
    assert len(messages(task_a)) == 1


def test_the_site_as_a_whole_needs_an_answer(task_a, province):
    complete(task_a, province.tech)
    assessment = task_a.assessments.get(site=province.site_a2)
    assessment.meets_needs = ""
    assessment.save(update_fields=["meets_needs"])
    assert messages(task_a) == [("site", "Cho biết điểm cầu nói chung đáp ứng yêu cầu hội họp đến đâu.")]


def test_a_terminal_purchase_must_name_its_model_and_protocols(task_a, province):
    complete(task_a, province.tech)
    assessment = task_a.assessments.get(site=province.site_a2)
    Evidence.objects.create(assessment=assessment, note="Biên bản kiểm tra")
    proposal = Proposal.objects.create(assessment=assessment, group=term("device_group", "terminal"),
                                       action=term("action", "invest"), description="Thiết bị đầu cuối mới",
                                       cause=term("cause", "equipment"), justification="Chưa có", cost_vnd=95_000_000)
    assert [a for a, _t in messages(task_a)] == [f"proposal-{proposal.pk}"]
    proposal.model, proposal.protocols = "Studio X50", ["SIP"]
    proposal.save()
    assert messages(task_a) == []
