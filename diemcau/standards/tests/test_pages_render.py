def test_every_page_renders_for_the_dost_admin(province, standard, client_for):
    c = client_for(province.admin)
    for url in ["/standards/", "/standards/matrix/", "/standards/matrix/?export=xlsx", "/standards/versions/", f"/standards/versions/{standard.pk}/", "/standards/platforms/", "/standards/profiles/", "/standards/platforms/new/", "/standards/profiles/new/", f"/standards/sites/{province.site_a.pk}/", f"/standards/sites/{province.site_a.pk}/settings/", province.site_a.get_absolute_url(), "/", f"/standards/versions/{standard.pk}/export.yaml", "/standards/versions/import/"]:
        r = c.get(url)
        assert r.status_code == 200, (url, r.content[:3000])
