"""Reporting: the phone form, photos, the knowledge base, operators logging calls, the API, routing."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diemcau.accounts.models import ApiToken
from diemcau.incidents.models import Incident, IncidentEvent, SymptomGuide
from diemcau.inventory.models import Term
from diemcau.testing import term

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def test_a_site_tech_lands_with_their_site_chosen_and_sees_first_checks(province, client_for):
    page = client_for(province.tech).get(reverse("incidents:report"))
    form = page.context["form"]
    assert form.initial["site"] == province.site_a.pk
    assert set(form.fields["site"].queryset) == {province.site_a, province.site_a2}
    html = page.content.decode()
    assert "Kiểm tra cáp âm thanh" in html     # first checks of "audio_loss", shown when the chip is ticked


def test_every_symptom_has_a_guide_in_vietnamese(province):
    symptoms = Term.objects.filter(taxonomy="symptom")
    assert symptoms.count() == SymptomGuide.objects.count() > 0
    for guide in SymptomGuide.objects.all():
        assert guide.check_list() and guide.cause_list()


def test_reporting_with_a_photo_routes_to_the_unit_and_starts_the_timeline(province, client_for, settings):
    client = client_for(province.tech)
    photo = SimpleUploadedFile("anh.png", PNG, content_type="image/png")
    response = client.post(reverse("incidents:report"), {
        "site": province.site_a.pk, "symptoms": [term("symptom", "audio_loss").pk, term("symptom", "audio_noise").pk],
        "description": "Micro bàn chủ tọa không lên tiếng", "photo": photo,
    })
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    assert incident.holder == province.commune_a and incident.family == "audio"
    assert incident.photo.name.startswith("incidents/") and incident.photo.name.endswith(".png")
    assert list(IncidentEvent.objects.filter(incident=incident).values_list("kind", flat=True)) == ["reported"]
    photo_url = reverse("incidents:photo", args=[incident.pk])
    assert b"".join(client.get(photo_url).streaming_content) == PNG
    assert client_for(province.other_tech).get(photo_url).status_code == 404


def test_a_photo_that_is_not_an_image_or_too_big_is_refused(province, client_for, settings):
    client = client_for(province.tech)
    data = {"site": province.site_a.pk, "symptoms": [term("symptom", "audio_loss").pk]}
    fake = SimpleUploadedFile("anh.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = client.post(reverse("incidents:report"), {**data, "photo": fake})
    assert response.status_code == 200 and not Incident.objects.exists()
    assert "JPEG, PNG" in response.content.decode()
    settings.UPLOAD_PHOTO_MAX_BYTES = 2 * 1024 * 1024   # the one limit of every app's photos
    big = SimpleUploadedFile("anh.png", PNG + b"\x00" * (2 * 1024 * 1024), content_type="image/png")
    response = client.post(reverse("incidents:report"), {**data, "photo": big})
    assert response.status_code == 200 and not Incident.objects.exists()
    assert "2 MB" in response.content.decode()


def test_a_site_tech_cannot_report_for_another_units_site(province, client_for):
    response = client_for(province.tech).post(reverse("incidents:report"), {
        "site": province.site_b.pk, "symptoms": [term("symptom", "audio_loss").pk]})
    assert response.status_code == 200 and not Incident.objects.exists()


def test_an_operator_logs_a_phone_call_with_the_caller(province, client_for):
    client = client_for(province.vnpt_user)
    page = client.get(reverse("incidents:report"))
    assert "caller" in page.context["form"].fields
    client.post(reverse("incidents:report"), {
        "site": province.site_a.pk, "symptoms": [term("symptom", "disconnect").pk],
        "caller": "Anh Nam, 0912 345 678"})
    incident = Incident.objects.get()
    assert incident.channel == "phone" and incident.caller == "Anh Nam, 0912 345 678"


def test_monitoring_reports_through_the_api_and_a_network_cause_goes_to_the_operator(province, client):
    _, key = ApiToken.issue(user=province.staff, name="giám sát")
    response = client.post("/api/v1/incidents/", {
        "site": province.site_a.code, "symptoms": ["disconnect"], "suspected_cause": "network",
        "severity": "high", "channel": "monitoring", "description": "Mất gói 35% trong 5 phút"},
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["holder"] == province.vnpt.code and body["severity"] == "high" and body["channel"] == "monitoring"
    response = client.post("/api/v1/incidents/", {"site": province.site_a.code, "symptoms": ["nonsense"]},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 422


def test_a_platform_cause_goes_to_the_department(province, client):
    _, key = ApiToken.issue(user=province.tech, name="t")
    response = client.post("/api/v1/incidents/", {
        "site": province.site_a.code, "symptoms": ["cannot_connect"], "suspected_cause": "platform"},
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.json()["holder"] == province.dost.code


def test_an_operator_works_an_incident_through_the_api(province, client):
    from diemcau.incidents import services

    incident = services.incident_report(site=province.site_a, user=province.tech,
                                        symptoms=[term("symptom", "disconnect")],
                                        suspected_cause=term("cause", "network"))
    _, key = ApiToken.issue(user=province.vnpt_user, name="noc")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}", "content_type": "application/json"}
    url = f"/api/v1/incidents/{incident.pk}"
    assert client.post(f"{url}/acknowledge", {}, **auth).json()["status"] == "acknowledged"
    assert client.post(f"{url}/resolve", {"cause_found": "network"}, **auth).status_code == 422
    body = client.post(f"{url}/resolve", {"cause_found": "network", "action_taken": "link",
                                          "resolution": "Thay converter quang"}, **auth).json()
    assert body["status"] == "resolved" and body["cause_found"] == "network"
    kinds = [e["kind"] for e in client.get(f"{url}/events", HTTP_AUTHORIZATION=f"Bearer {key}").json()]
    assert kinds == ["reported", "acknowledged", "resolved"]


def test_reassigning_needs_a_reason_and_shows_on_the_timeline(province, client_for):
    from diemcau.incidents import services

    incident = services.incident_report(site=province.site_a, user=province.tech,
                                        symptoms=[term("symptom", "disconnect")])
    client = client_for(province.head)
    url = reverse("incidents:action", args=[incident.pk, "triage"])
    data = {"triage-severity": "high", "triage-holder": province.vnpt.pk, "triage-suspected_cause": "",
            "triage-reason": ""}
    client.post(url, data)
    incident.refresh_from_db()
    assert incident.holder == province.commune_a
    client.post(url, {**data, "triage-reason": "Đèn LOS trên modem quang đỏ"})
    incident.refresh_from_db()
    assert incident.holder == province.vnpt and incident.severity == "high"
    page = client_for(province.vnpt_user).get(incident.get_absolute_url()).content.decode()
    assert "Đèn LOS trên modem quang đỏ" in page


def test_the_whole_life_of_an_incident_through_the_pages(province, client_for):
    from diemcau.incidents import services

    incident = services.incident_report(site=province.site_a, user=province.tech,
                                        symptoms=[term("symptom", "video_lag")])
    tech, head = client_for(province.tech), client_for(province.head)
    act = lambda client, action, data=None: client.post(  # noqa: E731
        reverse("incidents:action", args=[incident.pk, action]), data or {})
    act(tech, "acknowledge")
    act(tech, "respond", {"note": "Đang kiểm tra đường truyền"})
    act(tech, "pause", {"note": "Chờ mở phòng"})
    act(head, "resume", {"note": "Đã mở"})
    act(tech, "resolve", {"resolve-cause_found": term("cause", "configuration").pk,
                          "resolve-action_taken": term("action", "reconfigure").pk,
                          "resolve-resolution": "Giảm băng thông cuộc gọi xuống 2 Mbps"})
    act(head, "reopen", {"note": "Vẫn giật"})
    act(tech, "resolve", {"resolve-cause_found": term("cause", "network").pk,
                          "resolve-action_taken": term("action", "link").pk,
                          "resolve-resolution": "Chuyển sang cáp quang"})
    act(head, "close")
    incident.refresh_from_db()
    assert incident.status == "closed"
    kinds = list(incident.events.values_list("kind", flat=True))
    assert kinds == ["reported", "acknowledged", "responded", "paused", "resumed", "resolved", "reopened",
                     "resolved", "closed"]


def test_the_department_edits_the_knowledge_base_and_the_calendar(province, client_for):
    import datetime as dt

    from diemcau.incidents.models import CalendarDay
    from diemcau.incidents.sla import province_calendar

    client = client_for(province.admin)
    guide = SymptomGuide.objects.get(symptom__code="audio_loss")
    client.post(reverse("incidents:guide_edit", args=[guide.pk]), {
        "family": "audio", "usual_causes": "Micro tắt tiếng", "first_checks": "Bật lại micro\nKiểm tra dây"})
    guide.refresh_from_db()
    assert guide.check_list() == ["Bật lại micro", "Kiểm tra dây"] and guide.updated_by == province.admin
    client.post(reverse("incidents:calendar_add"), {"date": "2026-09-03", "kind": "holiday", "name": "Nghỉ bù"})
    assert CalendarDay.objects.filter(date=dt.date(2026, 9, 3)).exists()
    assert not province_calendar().is_working_day(dt.date(2026, 9, 3))
    page = client_for(province.tech).get(reverse("incidents:settings")).content.decode()
    assert "Nghỉ bù" in page


def test_the_list_finds_incidents_by_symptom_name_with_or_without_accents(province, client_for):
    from diemcau.incidents.services import incident_report

    audio = incident_report(site=province.site_a, user=province.tech, symptoms=[term("symptom", "audio_loss")])
    video = incident_report(site=province.site_a, user=province.tech, symptoms=[term("symptom", "video_broken")])
    client = client_for(province.tech)
    for query in ("mất tiếng", "mat tieng", "MẤT TIẾNG"):
        found = client.get(reverse("incidents:list"), {"q": query}).context["page"].object_list
        assert list(found) == [audio], query
    assert video not in client.get(reverse("incidents:list"), {"q": "mất tiếng"}).context["page"].object_list


def test_a_new_incident_reads_as_a_state_not_as_an_action():
    from django.utils import translation

    from diemcau.incidents.choices import Status

    with translation.override("vi"):
        assert str(Status.NEW.label) == "Mới"  # not "Thêm mới" (the import page's "New" has its own context)
