"""Validation rules of sites, devices, links and contacts, shared by forms, API and import."""

import pytest
from django.core.exceptions import ValidationError

from diemcau.inventory.models import Contact, Device, Link
from diemcau.testing import make_device, make_link, term


def _errors(obj) -> dict:
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    return info.value.message_dict


def test_a_serial_is_unique_across_the_province_and_names_the_site_holding_it(province):
    device = Device(site=province.site_b, group=term("device_group", "camera"),
                    condition=term("device_condition", "good"), serial="SN-A-1")
    errors = _errors(device)
    assert errors["serial"] == ["Số serial SN-A-1 đã có ở điểm cầu X-14-01."] or "X-14-01" in errors["serial"][0]


def test_devices_without_serial_do_not_clash(province):
    make_device(province.site_a, "speaker")
    second = Device(site=province.site_b, group=term("device_group", "speaker"), condition=term("device_condition", "good"))
    second.full_clean()


def test_unknown_codec_and_protocol_names_are_refused(province):
    device = Device(site=province.site_a, group=term("device_group", "terminal"), condition=term("device_condition", "good"),
                    protocols=["SIP", "Skype"], audio_codecs=["G.711", "MP3"])
    errors = _errors(device)
    assert "Skype" in errors["protocols"][0]
    assert "MP3" in errors["audio_codecs"][0]


def test_a_year_in_the_future_is_refused(province):
    device = Device(site=province.site_a, group=term("device_group", "camera"), condition=term("device_condition", "good"), year=2099)
    assert "year" in _errors(device)


def test_a_site_has_at_most_one_active_primary_link(province):
    second = Link(site=province.site_a, provider=province.viettel, kind=term("link_kind", "tslcd"),
                  role="primary", medium="fibre")
    assert "role" in _errors(second)
    # Once the first primary is retired, a new one is accepted.
    from django.utils import timezone

    province.site_a.links.filter(role="primary").update(retired_at=timezone.now())
    second.full_clean()


def test_a_link_provider_must_be_an_operator(province):
    link = Link(site=province.site_a2, provider=province.department, kind=term("link_kind", "tslcd"), role="primary", medium="fibre")
    assert "provider" in _errors(link)


def test_wired_is_derived_from_the_medium(province):
    assert make_link(province.site_a2, province.vnpt, medium="fibre").is_wired
    assert not make_link(province.site_a2, province.vnpt, role="backup", medium="wifi").is_wired


def test_a_phone_number_needs_eight_to_fifteen_digits(province):
    contact = Contact(site=province.site_a2, full_name="Bế Văn B", phone="12-34")
    assert "phone" in _errors(contact)
    Contact(site=province.site_a2, full_name="Bế Văn B", phone="0206 3852 123").full_clean()


def test_a_site_has_one_primary_contact(province):
    contact = Contact(site=province.site_a, full_name="Bế Văn B", phone="0912000111", role="primary")
    assert "role" in _errors(contact)


def test_ups_runtime_without_ups_is_contradictory(province):
    site = province.site_a2
    site.has_ups, site.ups_runtime_min = False, 20
    assert "ups_runtime_min" in _errors(site)


def test_search_text_ignores_diacritics(province):
    from diemcau.lib.text import fold

    assert fold("Thông Nông") == fold("Thong Nong") == "thong nong"
    assert fold("Đàm Thủy") == "dam thuy"
    assert "thong nong" in province.site_a.search_text
