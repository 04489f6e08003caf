"""Import of an inventory workbook: good files, re-imports, partial updates."""

from decimal import Decimal

import pytest
from django.utils import translation

from diemcau.core.models import ChangeRecord, ChangeVia
from diemcau.inventory.importer import import_inventory
from diemcau.inventory.models import Contact, Device, Link, Site
from diemcau.inventory.tests.import_helpers import (
    contact_row,
    counts,
    device_row,
    good_file,
    link_row,
    site_row,
    xlsx,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_good_file_creates_sites_devices_links_contacts_with_history(province):
    before = counts()
    result = import_inventory(good_file(), user=province.tech)
    assert result.ok, [str(e) for e in result.all_errors]
    assert result.applied
    assert {title: dict(c) for title, c in result.counts.items()} == {
        "Điểm cầu": {"created": 1}, "Thiết bị": {"created": 3},
        "Đường truyền": {"created": 2}, "Cán bộ kỹ thuật": {"created": 2},
    }
    after = counts()
    assert after["Site"] - before["Site"] == 1
    assert after["Device"] - before["Device"] == 3
    assert after["ChangeRecord"] - before["ChangeRecord"] == 8
    site = Site.objects.get(code="X-14-09")
    assert site.organization == province.commune_a
    assert (site.seats, site.meetings_per_month, site.has_ups, site.ups_runtime_min) == (30, 2, True, 20)
    terminal = Device.objects.get(serial="SN-NEW-1")
    assert terminal.group.code == "terminal" and terminal.condition.code == "good"
    assert terminal.audio_codecs == ["G.722", "Opus"] and terminal.max_resolution == "1080p"
    assert terminal.ip_address == "10.0.0.5"
    mics = Device.objects.filter(site=site, group__code="microphone").order_by("pk")
    assert [m.quantity for m in mics] == [6, 2]
    primary = Link.objects.get(site=site, role="primary")
    assert primary.provider == province.vnpt and primary.kind.code == "tslcd"
    assert primary.up_mbps == Decimal("20.50") and primary.medium == "fibre"
    backup = Link.objects.get(site=site, role="backup")
    assert backup.medium == "mobile" and backup.provider == province.viettel
    assert Contact.objects.get(site=site, role="deputy").phone == "0211 3855 123"
    records = ChangeRecord.objects.filter(site=site)
    assert {r.via for r in records} == {ChangeVia.IMPORT}
    assert {r.user for r in records} == {province.tech}


def test_reimporting_the_same_file_changes_nothing_and_writes_no_history(province):
    import_inventory(good_file(), user=province.tech)
    before = counts()
    result = import_inventory(good_file(), user=province.tech)
    assert result.ok and result.applied
    assert result.total == {"unchanged": 8}
    assert counts() == before


def test_a_changed_cell_updates_only_that_field_and_records_it(province):
    import_inventory(good_file(), user=province.tech)
    device = Device.objects.get(serial="SN-NEW-1")
    changed = xlsx({"devices": [device_row(c5="2.0", c8="Xuống cấp, hoạt động không ổn định")]})
    before = counts()
    result = import_inventory(changed, user=province.tech)
    assert result.ok and result.total == {"updated": 1}
    device.refresh_from_db()
    assert device.firmware == "2.0" and device.condition.code == "degraded"
    assert counts()["ChangeRecord"] == before["ChangeRecord"] + 1
    record = ChangeRecord.objects.filter(object_id=device.pk, action="update").get()
    assert set(record.changes) == {"firmware", "condition"}
    assert record.changes["firmware"] == ["1.2", "2.0"]
    assert result.changes[0].row == 2 and set(result.changes[0].fields) == {
        "firmware / software version", "condition"}


def test_a_column_left_out_of_the_sheet_leaves_that_field_alone(province):
    province.site_a.backup_plan = "Gọi VNPT"
    province.site_a.save()
    headers = ["Mã đơn vị", "Mã điểm cầu", "Tên điểm cầu"]
    result = import_inventory(xlsx({"Điểm cầu": [headers, ["X-14", "X-14-01", "Hội trường mới"]]}),
                              user=province.head)
    assert result.ok and result.total == {"updated": 1}
    province.site_a.refresh_from_db()
    assert province.site_a.name == "Hội trường mới"
    assert province.site_a.backup_plan == "Gọi VNPT" and province.site_a.ups_runtime_min == 30


def test_devices_without_serial_are_matched_by_site_group_model_and_order(province):
    rows = [device_row(site="X-14-01", serial="", group="camera", c2="Logitech", c3="PTZ Pro 2", c9=1),
            device_row(site="X-14-01", serial="", group="camera", c2="Logitech", c3="PTZ Pro 2", c9=1)]
    import_inventory(xlsx({"devices": rows}), user=province.tech)
    assert Device.objects.filter(site=province.site_a, group__code="camera").count() == 2
    rows[1][9] = 3
    result = import_inventory(xlsx({"devices": rows}), user=province.tech)
    assert result.total == {"unchanged": 1, "updated": 1}
    cameras = Device.objects.filter(site=province.site_a, group__code="camera").order_by("pk")
    assert [c.quantity for c in cameras] == [1, 3]


def test_existing_objects_are_updated_in_place_by_their_keys(province):
    """The fixture's site, serial, link and contact are found again, not duplicated."""
    before = counts()
    result = import_inventory(xlsx({
        "sites": [site_row(code="X-14-01", name="Hội trường UBND xã Thông Nông")],
        "devices": [device_row(site="X-14-01", serial="SN-A-1", c2="Poly", c3="Group 500")],
        "links": [link_row(site="X-14-01", c7="")],
        "contacts": [contact_row(site="X-14-01", role="Đầu mối chính", name="Nguyễn Văn A", phone="0912 345 678")],
    }), user=province.tech)
    assert result.ok, [str(e) for e in result.all_errors]
    assert result.counts["Điểm cầu"] == {"updated": 1}
    assert result.counts["Thiết bị"] == {"updated": 1}
    assert result.counts["Đường truyền"] == {"updated": 1}
    assert result.counts["Cán bộ kỹ thuật"] == {"updated": 1}
    after = counts()
    assert {k: after[k] - before[k] for k in after} == {
        "Organization": 0, "Site": 0, "Device": 0, "Link": 0, "Contact": 0, "ChangeRecord": 4}


def test_a_file_may_swap_the_primary_and_backup_links(province):
    result = import_inventory(xlsx({"links": [
        link_row(site="X-14-01", role="Dự phòng", provider="VNPT-CB", kind="tslcd", c7=""),
        link_row(site="X-14-01", role="Chính", provider="VIETTEL-CB", kind="mobile", c4="Di động 4G/5G", c7=""),
    ]}), user=province.tech)
    assert result.ok, [str(e) for e in result.all_errors]
    assert result.total == {"updated": 2}
    roles = dict(Link.objects.filter(site=province.site_a).values_list("provider__code", "role"))
    assert roles == {"VNPT-CB": "backup", "VIETTEL-CB": "primary"}
    result = import_inventory(xlsx({"links": [
        link_row(site="X-14-01", role="Chính", provider="VNPT-CB", kind="tslcd", c7="CIRCUIT-1"),
    ]}), user=province.tech)
    assert not result.ok
    assert [str(e) for e in result.errors] == [
        "Sheet 'Đường truyền', row 2, column B (Vai trò): This site already has an active primary link; "
        "retire it or make this one a backup."]


def test_labels_codes_and_english_aliases_are_all_accepted(province):
    headers = ["site", "group", "manufacturer", "model", "serial", "condition", "protocols", "max resolution"]
    result = import_inventory(xlsx({"Devices": [
        headers,
        ["x-14-01", "Thiet bi dau cuoi (codec)", "Cisco", "Room Kit", "SN-EN-1", "broken", "sip; h323", "4K"],
        ["X-14-01", "Camera", "Logitech", "Rally", 123456, "Good", "", "fullhd"],
    ]}), user=province.admin)
    assert result.ok, [str(e) for e in result.all_errors]
    kit = Device.objects.get(serial="SN-EN-1")
    assert (kit.group.code, kit.condition.code, kit.protocols, kit.max_resolution) == (
        "terminal", "broken", ["SIP", "H.323"], "2160p")
    assert Device.objects.get(serial="123456").max_resolution == "1080p"


def test_a_phone_stored_as_a_number_gets_its_leading_zero_back(province):
    result = import_inventory(xlsx({"contacts": [contact_row(site="X-14-02", phone=912000111)]}),
                              user=province.tech)
    assert result.ok
    assert Contact.objects.get(site=province.site_a2).phone == "0912000111"


def test_dry_run_reports_what_would_change_and_saves_nothing(province):
    before = counts()
    result = import_inventory(good_file(), user=province.admin, dry_run=True)
    assert result.ok and not result.applied
    assert result.total == {"created": 8}
    assert counts() == before


def test_dost_may_move_a_site_to_another_organisation(province):
    result = import_inventory(xlsx({"sites": [site_row(code="X-14-02", org="X-20", name="Phòng họp nhỏ Thông Nông")]}),
                              user=province.staff)
    assert result.ok and result.total == {"updated": 1}
    province.site_a2.refresh_from_db()
    assert province.site_a2.organization == province.commune_b


def test_progress_is_reported_up_to_the_last_row(province):
    calls = []
    import_inventory(good_file(), user=province.admin, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (8, 8)


def test_site_codes_match_whatever_their_case(province):
    province.site_a2.code = "x-14-02"
    province.site_a2.save()
    result = import_inventory(xlsx({"devices": [device_row(site="X-14-02", serial="SN-CASE")]}), user=province.tech)
    assert result.ok, [str(e) for e in result.all_errors]
    assert Device.objects.get(serial="SN-CASE").site == province.site_a2
