"""The import pages, the template download and the command: who may do what, and the round trip."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from diemcau.core.models import ChangeRecord
from diemcau.inventory.models import Device, Site
from diemcau.inventory.template_xlsx import LISTS_TITLE
from diemcau.inventory.tests.import_helpers import counts, device_row, good_file, site_row, xlsx

IMPORT = reverse("inventory:import")
TEMPLATE = reverse("inventory:import_template")


def upload(client, data: bytes, name="kiem-ke.xlsx", **extra):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data), **extra})


@pytest.mark.parametrize(("role", "status"), [
    ("admin", 200), ("staff", 200), ("head", 200), ("tech", 200),
    ("leader", 403), ("auditor", 403), ("vnpt_user", 403),
])
def test_who_may_open_the_import_page_and_download_the_template(province, client_for, role, status):
    client = client_for(getattr(province, role))
    assert client.get(IMPORT).status_code == status
    assert client.get(TEMPLATE).status_code == status
    assert upload(client, good_file()).status_code == status


def test_anonymous_users_are_sent_to_sign_in(client, db):
    assert client.get(IMPORT).status_code == 302
    assert client.get(TEMPLATE).status_code == 302


def test_upload_shows_the_summary_and_confirm_applies_it(province, client_for):
    client = client_for(province.tech)
    before = counts()
    page = upload(client, good_file())
    assert page.status_code == 200 and counts() == before
    assert page.context["result"].total == {"created": 8}
    token = page.context["token"]
    assert token and 'id="import-confirm"' in page.content.decode()
    done = client.post(IMPORT, {"token": token})
    assert done.status_code == 200 and done.context["result"].applied
    assert Site.objects.filter(code="X-14-09", organization=province.commune_a).exists()
    assert ChangeRecord.objects.filter(site__code="X-14-09", via="import", user=province.tech).count() == 8
    # The kept file is used once.
    again = client.post(IMPORT, {"token": token}, follow=True)
    assert again.redirect_chain and Site.objects.filter(code="X-14-09").count() == 1


def test_a_bad_upload_lists_every_error_and_offers_no_confirm(province, client_for):
    client = client_for(province.tech)
    data = xlsx({"sites": [site_row(c6="ba mươi")], "devices": [device_row(serial="SN-B-1")]})
    before = counts()
    page = upload(client, data)
    assert counts() == before
    html = page.content.decode()
    assert page.context["token"] is None and 'id="import-confirm"' not in html
    rows = [(e.sheet, e.row, e.column) for e in page.context["result"].all_errors]
    assert rows == [("Điểm cầu", 2, "G"), ("Thiết bị", 2, "E")]
    assert "SN-B-1" in html and "X-20-01" in html


def test_a_token_of_another_session_is_refused(province, client_for):
    token = upload(client_for(province.tech), good_file()).context["token"]
    response = client_for(province.head).post(IMPORT, {"token": token}, follow=True)
    assert response.redirect_chain and not Site.objects.filter(code="X-14-09").exists()
    assert client_for(province.head).post(IMPORT, {"token": "../../etc/passwd"}, follow=True).redirect_chain


def test_files_above_the_size_limit_are_refused(province, client_for, settings):
    settings.IMPORT_MAX_BYTES = 1000
    page = upload(client_for(province.tech), good_file())
    assert page.status_code == 200 and "file" in page.context["form"].errors
    assert not Site.objects.filter(code="X-14-09").exists()


def test_a_unit_user_imports_only_for_their_own_organisation(province, client_for):
    data = xlsx({"sites": [site_row(), site_row(code="X-20-09", org="X-20")],
                 "devices": [device_row(site="X-20-01", serial="SN-OTHER")]})
    page = upload(client_for(province.tech), data)
    errors = [(e.sheet, e.row, e.column) for e in page.context["result"].all_errors]
    assert errors == [("Điểm cầu", 3, "A"), ("Thiết bị", 2, "A")]
    assert not Device.objects.filter(serial="SN-OTHER").exists()


def test_dost_may_restrict_an_upload_to_one_organisation(province, client_for):
    data = xlsx({"sites": [site_row(), site_row(code="X-20-09", org="X-20")]})
    page = upload(client_for(province.admin), data, organization=province.commune_b.pk)
    assert [(e.row, e.column) for e in page.context["result"].all_errors] == [(2, "A")]
    page = upload(client_for(province.admin), data)
    assert page.context["result"].ok


def test_the_template_round_trips_download_fill_import(province, client_for):
    client = client_for(province.tech)
    workbook = load_workbook(io.BytesIO(client.get(TEMPLATE).content))
    assert workbook.sheetnames[:5] == ["Hướng dẫn", "Điểm cầu", "Thiết bị", "Đường truyền", "Cán bộ kỹ thuật"]
    assert LISTS_TITLE in workbook.sheetnames
    sites = workbook["Điểm cầu"]
    assert sites["A2"].value == "X-14" and sites["B2"].value.startswith("VIDU-")
    assert any(dv.sqref and "B2" in str(dv.sqref) for dv in workbook["Thiết bị"].data_validations.dataValidation)
    orgs = [c.value for c in workbook[LISTS_TITLE]["A"][1:] if c.value]
    assert orgs == ["X-14"]  # a unit's staff are offered only their organisation
    sites.append(site_row(org="X-14"))
    workbook["Thiết bị"].append(device_row(group="Thiết bị đầu cuối (codec)"))
    workbook["Đường truyền"].append(["X-14-09", "Chính", "VNPT-CB", "Mạng truyền số liệu chuyên dùng",
                                     "Cáp quang", 20, 20])
    workbook["Cán bộ kỹ thuật"].append(["X-14-09", "Đầu mối chính", "Lê Văn D", "", "0912000222"])
    out = io.BytesIO()
    workbook.save(out)
    page = upload(client, out.getvalue())
    assert page.context["result"].ok, [str(e) for e in page.context["result"].all_errors]
    assert page.context["result"].total == {"created": 4}
    client.post(IMPORT, {"token": page.context["token"]})
    assert Device.objects.get(serial="SN-NEW-1").site.code == "X-14-09"


def test_the_filled_template_reimports_without_any_change(province, client_for):
    client = client_for(province.admin)
    data = client.get(TEMPLATE + "?filled=1").content
    workbook = load_workbook(io.BytesIO(data))
    assert workbook["Điểm cầu"].max_row == 1 + Site.objects.active().count()
    before = counts()
    page = upload(client, data)
    result = page.context["result"]
    assert result.ok, [str(e) for e in result.all_errors]
    assert set(result.total) == {"unchanged"} and result.total["unchanged"] == 4 + 3 + 4 + 1
    client.post(IMPORT, {"token": page.context["token"]})
    assert counts() == before


def test_the_import_page_works_on_a_phone_sized_layout(province, client_for):
    html = client_for(province.tech).get(IMPORT).content.decode()
    assert 'accept=".xlsx' in html and 'enctype="multipart/form-data"' in html
    assert "col-lg-7" in html  # stacks into one column on a phone


# The command -------------------------------------------------------------------

def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_inventory", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def good_path(tmp_path) -> Path:
    path = tmp_path / "kiem-ke.xlsx"
    path.write_bytes(good_file())
    return path


def test_the_command_dry_run_then_import(province, good_path):
    before = counts()
    out, _ = run(str(good_path), "--dry-run")
    assert "Điểm cầu: thêm mới 1" in out and counts() == before
    out, _ = run(str(good_path), "--organization", "X-14")
    assert Site.objects.filter(code="X-14-09").exists()
    assert ChangeRecord.objects.filter(site__code="X-14-09", via="import", user=None).count() == 8
    out, _ = run(str(good_path))
    assert counts()["ChangeRecord"] == before["ChangeRecord"] + 8


def test_the_command_prints_every_error_and_fails(province, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx({"sites": [site_row(org="X-99"), site_row(code="X-14-10", c6=-1)]}))
    before = counts()
    out = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="2 error"):
        call_command("import_inventory", str(path), stdout=out, stderr=io.StringIO())
    assert out.getvalue().splitlines() == [
        "Sheet 'Điểm cầu', row 2, column A (Mã đơn vị): Unknown organisation 'X-99'; use the organisation code "
        "from the list in the 'Danh mục' sheet.",
        "Sheet 'Điểm cầu', row 3, column G (Số chỗ ngồi): '-1' is negative; the number cannot be below zero.",
    ]
    assert counts() == before


@pytest.mark.parametrize(("role", "allowed"), [
    ("admin", True), ("tech", True), ("other_tech", False), ("leader", False), ("vnpt_user", False),
])
def test_the_command_applies_the_rights_of_user(province, good_path, role, allowed):
    user = getattr(province, role)
    if role in ("leader", "vnpt_user"):
        with pytest.raises(CommandError):
            run(str(good_path), "--user", user.username)
    elif allowed:
        run(str(good_path), "--user", user.username)
        assert ChangeRecord.objects.filter(site__code="X-14-09", user=user).count() == 8
    else:
        with pytest.raises(CommandError):
            run(str(good_path), "--user", user.username)
    assert Site.objects.filter(code="X-14-09").exists() == allowed


def test_the_command_refuses_a_missing_file_and_unknown_organisation(province, good_path):
    with pytest.raises(CommandError):
        run("/nonexistent.xlsx")
    with pytest.raises(CommandError):
        run(str(good_path), "--organization", "NOPE")
