import datetime as dt

from django.utils import timezone

from diemcau.monitoring import levels, stability
from diemcau.monitoring.choices import Grade, Period, Problem
from diemcau.monitoring.models import Rollup


def test_without_a_published_standard_the_shipped_file_gives_the_levels(db):
    found = levels.current_levels()
    assert (found[Problem.LOSS].warn, found[Problem.LOSS].fail) == (1.0, 3.0)
    assert found[Problem.RTT].fail == 300.0 and found[Problem.JITTER].fail == 50.0
    assert found[Problem.MOS].fails(3.0) and not found[Problem.MOS].fails(3.5)


def test_the_published_standard_overrides_the_file(province):
    from diemcau.standards.services import load_default_standard, standard_publish

    standard = load_default_standard(user=province.admin)
    requirement = standard.requirements.get(code="NET-LOSS")
    requirement.rule = {"loss_pct": {"warn_above": 0.5, "fail_above": 2.0}}
    requirement.save()
    if standard.is_draft:
        standard_publish(standard, user=province.admin, recompute=False)
    assert levels.current_levels()[Problem.LOSS].fail == 2.0


def test_grades_follow_qos_md():
    assert levels.grade(0.5, 10) == Grade.GOOD
    assert levels.grade(2.0, 10) == Grade.OK
    assert levels.grade(5.0, 10) == Grade.BAD
    assert levels.grade(12.0, 10) == Grade.TERRIBLE
    assert levels.grade(0.5, 45) == Grade.OK  # one grade lower above 40 ms jitter
    assert levels.grade(None, None) == Grade.UNKNOWN


def test_a_link_often_bad_makes_the_site_unstable_or_unfit(province):
    now = timezone.now()
    for site, bad in ((province.site_a, 10), (province.site_b, 60), (province.site_dept, 1)):
        Rollup.objects.bulk_create([Rollup(site=site, period=Period.HOUR, bucket=now - dt.timedelta(hours=h),
                                           rounds=120, bad_rounds=bad) for h in range(48)])
    found = stability.stability_inputs([province.site_a.pk, province.site_b.pk, province.site_dept.pk], now)
    assert found[province.site_a.pk][0]["level"] == "unstable"
    assert found[province.site_b.pk][0]["level"] == "unfit"
    assert province.site_dept.pk not in found
