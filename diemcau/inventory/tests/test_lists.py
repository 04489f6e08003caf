"""Lists: search with or without diacritics, filters, sorting, pagination, exports, query counts."""

import io

import pytest
from openpyxl import load_workbook

from diemcau.testing import make_contact, make_device, make_link, make_org, make_site


def _codes(response):
    return [s.code for s in response.context["page"].object_list]


@pytest.mark.parametrize("query", ["Thông Nông", "thong nong", "THONG NONG", "Thông nong"])
def test_search_finds_sites_with_or_without_diacritics(province, client_for, query):
    response = client_for(province.admin).get("/sites/", {"q": query})
    assert set(_codes(response)) == {"X-14-01", "X-14-02"}


def test_search_matches_the_organisation_name_too(province, client_for):
    response = client_for(province.admin).get("/sites/", {"q": "ha quang"})
    assert _codes(response) == ["X-20-01"]


def test_site_filters_by_provider_link_kind_and_gaps(province, client_for):
    client = client_for(province.admin)
    assert set(_codes(client.get("/sites/", {"provider": "VNPT-CB"}))) == {"X-14-01", "SYT-01"}
    assert _codes(client.get("/sites/", {"link_kind": "internet_ftth"})) == ["X-20-01"]
    assert set(_codes(client.get("/sites/", {"kind": "commune"}))) == {"X-14-01", "X-14-02", "X-20-01"}
    assert "X-14-01" not in _codes(client.get("/sites/", {"gap": "no_contact"}))
    assert set(_codes(client.get("/sites/", {"gap": "no_backup"}))) == {"X-14-02", "X-20-01", "SYT-01"}


def test_device_filters_by_group_condition_and_text(province, client_for):
    client = client_for(province.admin)
    assert [d.serial for d in client.get("/devices/", {"condition": "degraded"}).context["page"].object_list] == ["SN-B-1"]
    assert [d.serial for d in client.get("/devices/", {"group": "microphone"}).context["page"].object_list] == ["SN-A-2"]
    assert [d.serial for d in client.get("/devices/", {"q": "poly group"}).context["page"].object_list] == ["SN-A-1"]


def test_link_filters_by_wired_and_provider(province, client_for):
    client = client_for(province.admin)
    unwired = client.get("/links/", {"wired": "no"}).context["page"].object_list
    assert [link.medium for link in unwired] == ["mobile"]
    viettel = client.get("/links/", {"provider": "VIETTEL-CB"}).context["page"].object_list
    assert {link.site.code for link in viettel} == {"X-14-01", "X-20-01"}


def test_sorting_by_a_column_both_ways(province, client_for):
    client = client_for(province.admin)
    ascending = _codes(client.get("/sites/", {"sort": "code"}))
    assert ascending == sorted(ascending)
    assert _codes(client.get("/sites/", {"sort": "-code"})) == list(reversed(ascending))
    # An unknown sort key falls back to the default order instead of failing.
    assert client.get("/sites/", {"sort": "password"}).status_code == 200


def test_pagination(province, client_for, settings):
    settings.PAGE_SIZE = 2
    client = client_for(province.admin)
    first = client.get("/sites/", {"sort": "code"})
    second = client.get("/sites/", {"sort": "code", "page": 2})
    assert len(_codes(first)) == 2 and len(_codes(second)) == 2
    assert not set(_codes(first)) & set(_codes(second))


def test_excel_export_has_the_filtered_rows_and_vietnamese_headers(province, client_for):
    response = client_for(province.admin).get("/sites/", {"kind": "commune", "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Mã" and rows[0][1] == "Điểm cầu"
    assert {r[0] for r in rows[1:]} == {"X-14-01", "X-14-02", "X-20-01"}


def test_csv_export_is_utf8_with_bom_for_excel(province, client_for):
    response = client_for(province.admin).get("/devices/", {"export": "csv"})
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    assert "Poly" in raw.decode("utf-8-sig")


def _grow(province, n):
    for i in range(n):
        org = make_org(f"X-9{i:02d}", f"UBND xã Thử {i}", "commune")
        site = make_site(org, f"X-9{i:02d}-01")
        make_device(site, "terminal", serial=f"GROW-{i}")
        make_device(site, "camera")
        make_link(site, province.vnpt)
        make_link(site, province.viettel, role="backup", kind="mobile", medium="mobile")
        make_contact(site, phone=f"09120{i:05d}")


@pytest.mark.parametrize("url", ["/sites/", "/devices/", "/links/", "/organizations/", "/"])
def test_list_pages_use_a_fixed_number_of_queries(province, client_for, django_assert_max_num_queries, url):
    client = client_for(province.admin)
    client.get(url)  # warm caches (content types, sessions)
    # The overview also draws the other apps' panels; what matters is that no count grows.
    with django_assert_max_num_queries(40 if url == "/" else 15) as small:
        client.get(url)
    _grow(province, 25)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(url)
    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_site_page_query_count_does_not_grow_with_devices(province, client_for, django_assert_max_num_queries):
    client = client_for(province.tech)
    url = f"/sites/{province.site_a.pk}/"
    client.get(url)
    with django_assert_max_num_queries(40) as before:
        client.get(url)
    for i in range(20):
        make_device(province.site_a, "microphone", serial=f"MIC-{i}")
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)
