"""The one access scope: the role ladder once, the rules as declarations, objects in memory and by query."""

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404

from diemcau.core.models import Notice
from diemcau.core.scope import allowed, get_for_user, permits, require, scope
from diemcau.incidents.models import SlaTally
from diemcau.inventory.models import Device, Link, Site

ROLES = ["admin", "staff", "leader", "auditor", "head", "tech", "other_tech", "vnpt_user", "viettel_user"]


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


@pytest.mark.parametrize("role", ROLES)
def test_sites_in_scope_match_the_access_rules_of_each_role(province, role):
    user = getattr(province, role)
    everything = codes(Site.objects.active())
    served = codes(Site.objects.filter(pk__in=Link.objects.active().filter(
        provider_id=user.organization_id).values("site_id")))
    expected = {
        "admin": everything, "staff": everything, "leader": everything, "auditor": everything,
        "head": codes(Site.objects.filter(organization=province.commune_a)),
        "tech": codes(Site.objects.filter(organization=province.commune_a)),
        "other_tech": codes(Site.objects.filter(organization=province.commune_b)),
        "vnpt_user": served, "viettel_user": served,
    }[role]
    assert codes(scope(Site.objects.active(), user)) == expected


@pytest.mark.parametrize("role", ROLES)
def test_an_object_in_memory_gets_the_same_answer_as_the_query(province, role):
    user = getattr(province, role)
    for obj in [*Site.objects.all(), *Device.objects.select_related("site"), *Link.objects.select_related("site")]:
        for action in ("view", "change"):
            in_database = scope(type(obj).objects.filter(pk=obj.pk), user, action).exists()
            assert allowed(user, obj, action) == in_database, (obj, action)


def test_a_user_who_is_not_active_gets_nothing(province):
    province.admin.is_active = False
    assert not scope(Site.objects.all(), province.admin).exists()
    assert not allowed(province.admin, province.site_a, "view")


def test_an_invisible_object_is_404_and_a_visible_unchangeable_one_403(province):
    with pytest.raises(Http404):
        get_for_user(Site.objects.all(), province.tech, province.site_b.pk, "change")
    with pytest.raises(PermissionDenied):
        get_for_user(Site.objects.all(), province.leader, province.site_b.pk, "change")
    assert get_for_user(Site.objects.all(), province.tech, province.site_a.pk, "change") == province.site_a
    with pytest.raises(PermissionDenied):
        require(province.vnpt_user, province.site_a, "change")


def test_rules_of_another_app_are_found_from_its_access_module(province):
    assert not scope(SlaTally.objects.all(), province.tech).exists()  # declared in incidents/access.py


def test_a_model_without_a_rule_is_refused_loudly(province):
    with pytest.raises(ImproperlyConfigured):
        scope(Notice.objects.all(), province.admin)


def test_permits_answers_without_an_object_or_a_query(province, django_assert_num_queries):
    from diemcau.reports.models import Roadmap

    with django_assert_num_queries(0):
        assert [permits(getattr(province, r), Roadmap, "plan") for r in ROLES] == [
            True, True, False, False, False, False, False, False, False]
        assert [permits(getattr(province, r), Site, "report") for r in ROLES] == [
            True, True, False, False, True, True, True, True, True]
    province.admin.is_active = False
    assert not permits(province.admin, Roadmap, "plan")


def test_a_rule_naming_several_organisation_paths_matches_any_of_them(province):
    from diemcau.meetings.models import Meeting

    meeting = Meeting(organizer=province.commune_b, host_site=province.site_a, title="x")
    # The board: the organiser's people and the host site's people, in memory.
    assert allowed(province.head, meeting, "board")        # commune A hosts
    assert allowed(province.other_head, meeting, "board")  # commune B organises
    assert not allowed(province.vnpt_user, meeting, "board")
    assert not allowed(province.head, Meeting(organizer=province.commune_b, host_site=province.site_b), "board")
