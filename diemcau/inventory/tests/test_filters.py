"""One FilterSet per model: the page, its export and the API agree on every filter."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from diemcau.accounts.models import ApiToken
from diemcau.testing import make_site


def api(client, user, path):
    _token, key = ApiToken.issue(user=user, name="test")
    return client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {key}")


def page_codes(client, url):
    sheet = load_workbook(io.BytesIO(client.get(url + "&export=xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    column = list(rows[0]).index(next(h for h in rows[0] if h in ("Mã", "Code", "Mã điểm cầu")))
    return sorted(r[column] for r in rows[1:])


@pytest.mark.parametrize("query", ["ha quang", "Hà Quảng", "Phòng họp số 3"])
def test_the_site_search_matches_the_organisation_in_the_api_as_on_the_page(province, client_for, client, query):
    make_site(province.commune_b, "X-20-09", "Phòng họp số 3")   # its name does not say whose it is
    page = page_codes(client_for(province.admin), f"{reverse('inventory:sites')}?q={query}")
    answer = api(client, province.admin, f"/sites?q={query}").json()
    assert sorted(item["code"] for item in answer["items"]) == page
    assert "X-20-09" in page


def test_the_device_list_filters_alike_on_the_page_and_in_the_api(province, client_for, client):
    page = client_for(province.admin).get(f"{reverse('inventory:devices')}?site={province.site_a.code}")
    assert page.status_code == 200
    answer = api(client, province.admin, f"/devices?site={province.site_a.code}&group=terminal").json()
    assert [d["serial"] for d in answer["items"]] == ["SN-A-1"]


def test_an_unknown_filter_value_in_the_api_is_a_clear_error(province, client):
    response = api(client, province.admin, "/sites?organization=NOPE")
    assert response.status_code == 422 and "organization" in response.json()["detail"]


def test_retired_sites_are_listed_only_when_asked(province, client_for, client):
    from diemcau.inventory.services import inventory_object_retire

    inventory_object_retire(province.site_b, user=province.admin)
    assert province.site_b.code not in page_codes(client_for(province.admin), f"{reverse('inventory:sites')}?q=")
    assert province.site_b.code in page_codes(client_for(province.admin), f"{reverse('inventory:sites')}?retired=on")
    codes = [s["code"] for s in api(client, province.admin, "/sites?include_retired=true").json()["items"]]
    assert province.site_b.code in codes
