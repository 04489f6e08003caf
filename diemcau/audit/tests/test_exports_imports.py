"""Every export and every import is a row of the audit log: who, what, the filters or the file, the counts."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import reverse

from diemcau.audit.choices import AuditAction
from diemcau.audit.models import AuditEvent
from diemcau.core.exports import export_response
from diemcau.core.listing import Column
from diemcau.inventory.choices import ImportStatus
from diemcau.inventory.models import Device, ImportRun
from diemcau.inventory.services import import_run_execute
from diemcau.inventory.tests.import_helpers import device_row, good_file, site_row, xlsx

PACKAGE = Path(__file__).resolve().parents[2]  # diemcau/


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def exports():
    return list(AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("pk"))


def imports():
    return list(AuditEvent.objects.filter(action=AuditAction.IMPORT).order_by("pk"))


# Exports ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_records_who_which_list_its_filters_the_format_and_the_rows(fmt, province):
    request = RequestFactory().get("/x/", {"status": "open", "site": ["1", "2"], "page": "3", "export": fmt},
                                   REMOTE_ADDR="10.0.0.7")
    request.user = province.staff
    columns = [Column("n", "N", lambda r: r)]
    response = export_response(fmt, "danh-sach", columns, iter(range(7)), sheet_title="Danh sách", request=request,
                               what="Danh sách thử")
    body(response)
    (event,) = exports()
    assert event.actor == province.staff and event.ip == "10.0.0.7" and event.target_repr == "Danh sách thử"
    assert event.details == {"list": "danh-sach", "format": fmt, "rows": 7,
                             "filters": {"status": "open", "site": ["1", "2"]}}


def test_a_csv_download_stopped_midway_is_recorded_as_incomplete(province):
    request = RequestFactory().get("/x/")
    request.user = province.staff
    response = export_response("csv", "dai", [Column("n", "N", lambda r: r)], iter(range(2000)), request=request)
    stream = iter(response.streaming_content)
    next(stream)
    next(stream)
    assert not exports()  # recorded when the stream ends, with what went out
    # As Django's test client does: the end of the request must not close the test's connection.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    (event,) = exports()
    assert event.details["complete"] is False and 0 < event.details["rows"] < 2000


@pytest.mark.parametrize(("url", "fmt", "what"), [
    ("/incidents/?export=csv&status=open", "csv", "Sự cố"),
    ("/incidents/?export=xlsx", "xlsx", "Sự cố"),
    ("/sites/?export=xlsx&q=Trà", "xlsx", "Điểm cầu"),
    ("/sites/?export=csv", "csv", "Điểm cầu"),
    ("/meetings/?export=xlsx", "xlsx", None),
    ("/audit/?export=csv", "csv", None),
    ("/incidents/sla/?export=xlsx", "xlsx", None),
    ("/import/template.xlsx?filled=1", "xlsx", None),
    ("/standards/settings/template.xlsx", "xlsx", None),
])
def test_each_export_of_the_application_is_recorded(url, fmt, what, province, client_for):
    response = client_for(province.admin).get(url, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    content = body(response)
    (event,) = exports()
    assert event.actor == province.admin and event.details["format"] == fmt and event.via == "web"
    if what:
        assert event.target_repr == what
    if "rows" in event.details and fmt == "csv":
        assert event.details["rows"] == content.decode("utf-8-sig").count("\n") - 1
    if "q=" in url:
        assert event.details["filters"] == {"q": "Trà"}


def test_the_empty_import_template_is_no_export(province, client_for):
    assert client_for(province.admin).get("/import/template.xlsx").status_code == 200
    assert not exports()


def test_every_export_call_of_the_application_names_the_request():
    """A new export that forgets ``request=`` would go unrecorded."""
    calls = []
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.parts or path.name == "exports.py":
            continue
        text = path.read_text()
        for match in re.finditer(r"(?:export_response|workbook_response)\(", text):
            start = match.start()
            if text[start - 4:start] == "def ":
                continue
            depth, end = 0, match.end() - 1
            for end in range(match.end() - 1, len(text)):
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                if depth == 0:
                    break
            calls.append((path.name, text[start:end + 1]))
    assert len(calls) >= 10
    assert [name for name, call in calls if "request=" not in call] == []


# Imports of the inventory -----------------------------------------------------------------------------------

def _upload(client, data: bytes, name="kiem-ke.xlsx"):
    return client.post(reverse("inventory:import"), {"file": SimpleUploadedFile(name, data)})


def test_an_inventory_import_checked_then_saved_is_recorded_twice(province, client_for):
    client = client_for(province.tech)
    data = good_file()
    page = _upload(client, data, "don-vi.xlsx")
    client.post(reverse("inventory:import"), {"token": page.context["token"]})
    checked, saved = imports()
    for event in (checked, saved):
        assert event.actor == province.tech and event.details["file"] == "don-vi.xlsx"
        assert event.details["size"] == len(data) and event.via == "web"
    assert checked.details["outcome"] == "checked" and "changed" not in checked.details
    assert saved.details["outcome"] == "saved" and saved.details["changed"] > 0


def test_a_file_with_errors_is_recorded_as_refused_with_its_error_count(province, client_for):
    data = xlsx({"devices": [device_row(site="KHONG-CO"), device_row(site="KHONG-CO-2", serial="B")]})
    _upload(client_for(province.tech), data, "loi.xlsx")
    (event,) = imports()
    assert event.details["outcome"] == "refused" and event.details["errors"] >= 2
    assert event.details["file"] == "loi.xlsx"


def test_a_file_over_the_size_limit_is_recorded_as_refused(province, client_for, settings):
    settings.IMPORT_MAX_BYTES = 100
    data = good_file()  # made once: the workbook carries the second it was written, compressed
    _upload(client_for(province.tech), data, "to.xlsx")
    (event,) = imports()
    assert event.details["outcome"] == "refused" and event.details["errors"] == 1
    assert event.details["size"] == len(data)


def test_an_unexpected_failure_is_recorded_then_raised(province, monkeypatch):
    from diemcau.inventory import importer

    def broken(ctx, data):
        raise RuntimeError("disk")

    monkeypatch.setattr(importer, "read_workbook", broken)
    with pytest.raises(RuntimeError):
        importer.import_inventory(b"x", user=province.admin, filename="a.xlsx")
    (event,) = imports()
    assert event.details == {"file": "a.xlsx", "size": 1, "outcome": "failed"} and event.via == "system"


def test_a_command_line_import_is_recorded_via_the_command_line(province, tmp_path):
    good, bad = tmp_path / "tot.xlsx", tmp_path / "xau.xlsx"
    good.write_bytes(xlsx({"sites": [site_row()]}))
    bad.write_bytes(xlsx({"devices": [device_row(site="KHONG-CO")]}))
    call_command("import_inventory", str(good), "--user", "admin")
    with pytest.raises(CommandError):
        call_command("import_inventory", str(bad))
    saved, refused = imports()
    assert saved.via == "cli" and saved.actor == province.admin and saved.details["outcome"] == "saved"
    assert saved.details["changed"] == 1 and saved.details["file"] == "tot.xlsx"
    assert refused.via == "cli" and refused.actor is None and refused.details["outcome"] == "refused"


def test_the_workers_imports_name_the_user_who_sent_the_file(province):
    data = xlsx({"devices": [device_row(serial=f"W-{i}") for i in range(3)], "sites": [site_row()]})
    run = ImportRun.objects.create(key="k1", user=province.tech, file_token="t" * 32, filename="lon.xlsx", dry_run=False)
    assert import_run_execute(run.pk, lambda run: data)
    gone = ImportRun.objects.create(key="k2", user=province.tech, file_token="u" * 32, filename="mat.xlsx", dry_run=False)
    import_run_execute(gone.pk, lambda run: None)
    saved, failed = imports()
    assert Device.objects.filter(serial__startswith="W-").count() == 3
    assert saved.actor == province.tech and saved.via == "system" and saved.details["changed"] == 4
    assert ImportRun.objects.get(pk=gone.pk).status == ImportStatus.FAILED
    assert failed.actor == province.tech and failed.details["outcome"] == "failed" and failed.details["file"] == "mat.xlsx"


# The log page ------------------------------------------------------------------------------------------------

def test_the_log_shows_exports_and_imports_in_vietnamese(province, client_for):
    client = client_for(province.tech)
    _upload(client, xlsx({"devices": [device_row(site="KHONG-CO")]}), "loi.xlsx")
    client_for(province.staff).get("/incidents/?export=xlsx&status=open")
    page = client_for(province.auditor).get("/audit/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Nhập dữ liệu" in page or "nhập dữ liệu" in page
    assert "xuất dữ liệu" in page.lower()
    for words in ("tệp: loi.xlsx", "kết quả: bị từ chối, không lưu gì", "số lỗi: 1", "định dạng: Excel (.xlsx)",
                  "số dòng: 0", "bộ lọc: status=open"):
        assert words in page, words
    for english in ("outcome", "format:", "rows:", "refused", "file:"):
        assert english not in page, english
