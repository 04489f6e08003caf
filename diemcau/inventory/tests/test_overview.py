"""The province overview: counts by kind, link and condition, and the gaps."""

from diemcau.testing import make_contact, make_link


def test_overview_counts_what_the_user_can_see(province, client_for):
    context = client_for(province.leader).get("/").context
    assert context["total"] == 4
    by_kind = {row["organization__kind__code"]: row["n"] for row in context["by_kind"]}
    assert by_kind == {"commune": 3, "department": 1}
    assert {s.code for s in context["no_contact"]} == {"X-14-02", "X-20-01", "SYT-01"}
    assert {s.code for s in context["no_backup"]} == {"X-14-02", "X-20-01", "SYT-01"}
    assert context["no_primary"] == 1  # X-14-02
    conditions = {row["term"].code: row["n"] for row in context["by_condition"]}
    assert conditions == {"good": 2, "degraded": 1}
    links = {(row["kind__name_en"], row["provider__name"]): row["n"] for row in context["by_link"]}
    assert links[("Government data network (TSLCD)", "VNPT Cao Bằng")] == 2


def test_overview_of_a_commune_technician_counts_only_their_commune(province, client_for):
    context = client_for(province.tech).get("/").context
    assert context["total"] == 2
    assert context["device_total"] == 2


def test_gaps_close_when_a_contact_and_a_backup_are_added(province, client_for):
    make_contact(province.site_b)
    make_link(province.site_b, province.vnpt, role="backup", kind="mobile", medium="mobile")
    context = client_for(province.leader).get("/").context
    assert "X-20-01" not in {s.code for s in context["no_contact"]}
    assert "X-20-01" not in {s.code for s in context["no_backup"]}


def test_overview_is_in_vietnamese_by_default_even_for_an_english_browser(province, client_for):
    client = client_for(province.leader)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Tổng quan" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Overview" in client.get("/").content.decode()
