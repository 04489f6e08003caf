"""Every change is kept (who, when, what) and shown on the object's page."""

from diemcau.core.models import ChangeRecord


def _device_form(device, **overrides):
    data = {
        "group": device.group.pk, "manufacturer": device.manufacturer, "model": device.model,
        "serial": device.serial, "firmware": device.firmware, "software": "", "year": device.year or "",
        "condition": device.condition.pk, "quantity": device.quantity, "protocols": device.protocols,
        "video_codecs": device.video_codecs, "audio_codecs": device.audio_codecs,
        "max_resolution": device.max_resolution, "ip_address": "", "notes": "",
    }
    data.update(overrides)
    return data


def test_editing_a_device_records_who_changed_which_field(province, client_for):
    device = province.site_a.devices.get(serial="SN-A-1")
    client = client_for(province.tech)
    response = client.post(f"/devices/{device.pk}/edit/", _device_form(device, firmware="6.2.3"))
    assert response.status_code == 302
    record = ChangeRecord.objects.filter(object_id=device.pk, action="update").get()
    assert record.user == province.tech
    assert record.site == province.site_a
    assert record.changes == {"firmware": ["", "6.2.3"]}
    page = client.get(f"/devices/{device.pk}/").content.decode()
    assert "6.2.3" in page and "Tech" in page
    site_page = client.get(f"/sites/{province.site_a.pk}/").content.decode()
    assert "6.2.3" in site_page


def test_saving_without_changes_writes_no_history(province, client_for):
    device = province.site_a.devices.get(serial="SN-A-1")
    client_for(province.tech).post(f"/devices/{device.pk}/edit/", _device_form(device))
    assert not ChangeRecord.objects.filter(object_id=device.pk, action="update").exists()


def test_form_errors_are_shown_per_field_and_nothing_is_saved(province, client_for):
    device = province.site_a.devices.get(serial="SN-A-1")
    response = client_for(province.tech).post(
        f"/devices/{device.pk}/edit/", _device_form(device, serial="SN-B-1", year="1900", quantity="0")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"year", "quantity"}
    device.refresh_from_db()
    assert device.serial == "SN-A-1"
    assert not ChangeRecord.objects.filter(object_id=device.pk).exists()


def test_a_clash_found_on_save_lands_on_its_field(province, client_for):
    device = province.site_a.devices.get(serial="SN-A-1")
    response = client_for(province.tech).post(f"/devices/{device.pk}/edit/", _device_form(device, serial="SN-B-1"))
    assert response.status_code == 200
    assert "X-20-01" in str(response.context["form"].errors["serial"])


def test_retiring_a_site_retires_what_it_holds_and_keeps_history(province, client_for):
    site = province.site_a
    client = client_for(province.head)
    assert client.post(f"/sites/{site.pk}/retire/").status_code == 302
    site.refresh_from_db()
    assert site.is_retired
    assert not site.devices.active().exists() and not site.links.active().exists()
    assert ChangeRecord.objects.filter(site=site, action="retire").count() >= 1 + 2 + 2 + 1
    # Retired sites drop out of lists but their page stays readable.
    assert site not in client.get("/sites/").context["page"].object_list
    assert client.get(f"/sites/{site.pk}/").status_code == 200
    client.post(f"/sites/{site.pk}/retire/")
    site.refresh_from_db()
    assert not site.is_retired


def test_creating_a_site_through_the_form(province, client_for):
    client = client_for(province.tech)
    response = client.post("/sites/new/", {
        "organization": province.commune_a.pk, "code": "X-14-03", "name": "Nhà văn hóa thôn Nà Giàng",
        "has_ups": "unknown", "meetings_per_month": "2",
    })
    assert response.status_code == 302, response.context["form"].errors
    record = ChangeRecord.objects.get(action="create", object_repr__contains="X-14-03")
    assert record.user == province.tech


def test_a_unit_user_cannot_create_a_site_for_another_organisation(province, client_for):
    response = client_for(province.tech).post("/sites/new/", {
        "organization": province.commune_b.pk, "code": "X-20-09", "name": "Không được", "has_ups": "unknown",
    })
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
