def test_site_page_renders(province, client_for):
    r = client_for(province.tech).get(province.site_a.get_absolute_url())
    assert r.status_code == 200, r.content[:2000]
    r = client_for(province.leader).get("/")
    assert r.status_code == 200
    for url in ["/sites/", "/devices/", "/links/", "/organizations/", "/sites/?export=xlsx", "/devices/?export=csv", f"/devices/{province.site_a.devices.first().pk}/", f"/sites/{province.site_a.pk}/edit/", "/accounts/profile/", f"/sites/{province.site_a.pk}/devices/new/", f"/sites/{province.site_a.pk}/links/new/", f"/sites/{province.site_a.pk}/contacts/new/", f"/organizations/{province.commune_a.pk}/"]:
        r = client_for(province.admin).get(url)
        assert r.status_code == 200, (url, r.content[:3000])
