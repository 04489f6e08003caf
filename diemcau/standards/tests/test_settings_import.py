"""Many sites' actual settings from one file: checked first, all or nothing, by the people who may change the sites."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from diemcau.standards.models import ConfigProfile, SiteSettings, SiteVerdict


def csv_file(text):
    return SimpleUploadedFile("settings.csv", text.encode("utf-8"), content_type="text/csv")


def test_a_good_file_records_every_site_and_rejudges_them(province, standard, client_for, django_capture_on_commit_callbacks):
    ConfigProfile.objects.create(name="Chuẩn", code="chuan", is_default=True, settings={"protocol": "SIP", "dscp_audio": 46})
    client = client_for(province.tech)
    text = "site_code,profile,protocol,dscp_audio,echo_cancellation\nX-14-01,,H.323,46,bật\nX-14-02,chuan,SIP,,\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/standards/settings/import/", {"file": csv_file(text)})
    assert response.status_code == 302
    a = SiteSettings.objects.get(site=province.site_a)
    assert a.values == {"protocol": "H.323", "dscp_audio": 46, "echo_cancellation": True} and a.source == "import"
    assert SiteSettings.objects.get(site=province.site_a2).profile.code == "chuan"
    assert SiteVerdict.objects.get(site=province.site_a, is_current=True).inputs["drift"]["fields"] == ["protocol"]


def test_one_error_saves_nothing_and_names_row_and_column(province, standard, client_for):
    client = client_for(province.tech)
    text = ("site_code,protocol,dscp_audio,echo_cancellation\n"
            "X-14-01,SIP,46,on\n"
            "X-14-02,SIP,EF,maybe\n"
            "X-20-01,SIP,46,on\n")
    response = client.post("/standards/settings/import/", {"file": csv_file(text)})
    assert response.status_code == 200
    errors = [(row, column) for row, column, _message in response.context["result"].errors]
    assert errors == [(3, "dscp_audio"), (3, "echo_cancellation"), (4, "site_code")]  # X-20-01 is commune B's
    assert not SiteSettings.objects.exists()


def test_unknown_columns_are_rejected(province, standard, client_for):
    response = client_for(province.admin).post("/standards/settings/import/", {"file": csv_file("site_code,volume\nX-14-01,11\n")})
    assert "volume" in response.content.decode()
    assert not SiteSettings.objects.exists()


def test_the_template_lists_the_sites_the_user_may_change(province, standard, client_for):
    SiteSettings.objects.create(site=province.site_a, values={"protocol": "SIP"})
    response = client_for(province.tech).get("/standards/settings/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("site_code", "profile", "call_bitrate_kbps")
    assert [r[0] for r in rows[1:]] == ["X-14-01", "X-14-02"]
    assert rows[1][rows[0].index("protocol")] == "SIP"
    # The filled template goes back in unchanged.
    out = io.BytesIO()
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(out)
    upload = SimpleUploadedFile("cau-hinh.xlsx", out.getvalue())
    assert client_for(province.tech).post("/standards/settings/import/", {"file": upload}).status_code == 302


def test_who_may_import(province, standard, client_for):
    for user, status in [(province.admin, 200), (province.staff, 200), (province.head, 200), (province.tech, 200),
                         (province.leader, 403), (province.auditor, 403), (province.vnpt_user, 403)]:
        assert client_for(user).get("/standards/settings/import/").status_code == status, user
        assert client_for(user).get("/standards/settings/template.xlsx").status_code == status, user


def test_a_formula_in_the_settings_file_is_refused_not_read_as_empty(province, standard, client_for):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["site_code", "protocol", "dscp_audio"])
    sheet.append(["X-14-01", "SIP", "=40+6"])
    out = io.BytesIO()
    workbook.save(out)
    upload = SimpleUploadedFile("settings.xlsx", out.getvalue())
    response = client_for(province.tech).post("/standards/settings/import/", {"file": upload})
    assert response.status_code == 200
    assert "công thức" in " ".join(response.context["form"].errors["file"])
    assert not SiteSettings.objects.exists()


def test_a_settings_workbook_above_the_limits_is_refused_before_reading(province, standard, client_for, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 5_000
    workbook = Workbook()
    for i in range(300):
        workbook.active.append(["X-14-01", "SIP", i])
    out = io.BytesIO()
    workbook.save(out)
    response = client_for(province.tech).post("/standards/settings/import/",
                                              {"file": SimpleUploadedFile("settings.xlsx", out.getvalue())})
    assert "giải nén" in " ".join(response.context["form"].errors["file"])


def test_each_settings_import_is_in_the_audit_log_saved_or_refused(province, standard, client_for):
    from diemcau.audit.models import AuditEvent

    client = client_for(province.tech)
    client.post("/standards/settings/import/", {"file": csv_file("site_code,protocol\nX-14-01,SIP\n")})
    client.post("/standards/settings/import/", {"file": csv_file("site_code,volume\nX-14-01,11\n")})
    client.post("/standards/settings/import/", {"file": SimpleUploadedFile("hong.xlsx", b"PK\x03\x04 not a zip")})
    saved, refused, unreadable = AuditEvent.objects.filter(action="import").order_by("pk")
    assert saved.actor == province.tech and saved.details == {
        "file": "settings.csv", "size": 31, "outcome": "saved", "changed": 1}
    assert refused.details["outcome"] == "refused" and refused.details["errors"] == 1
    assert unreadable.details["outcome"] == "refused" and unreadable.details["file"] == "hong.xlsx"


def test_an_imported_standard_is_in_the_audit_log_and_so_is_a_refused_one(province, standard, client_for):
    from diemcau.audit.models import AuditEvent

    client = client_for(province.admin)
    client.post("/standards/versions/import/", {"file": SimpleUploadedFile("sai.yaml", b"rules: [unclosed")})
    client.post("/standards/versions/import/", {"file": SimpleUploadedFile("latin.yaml", "é".encode("latin-1"))})
    refused, not_utf8 = AuditEvent.objects.filter(action="import").order_by("pk")
    assert refused.actor == province.admin and refused.target_repr == "Tiêu chuẩn"
    assert refused.details["outcome"] == "refused" and refused.details["file"] == "sai.yaml"
    assert not_utf8.details == {"file": "latin.yaml", "size": 1, "outcome": "refused", "errors": 1}
