"""The guides library: versions never edited, sanitised HTML, ND 30 .docx, who has read what."""

import io

import pytest
from django.urls import reverse
from docx import Document as Docx

from diemcau.accounts.choices import Role
from diemcau.reports import services
from diemcau.reports.documents.guide import to_html
from diemcau.reports.models import GuideRead

BODY = "## Các bước\n\n1. Bật nguồn\n2. Gọi thử\n\n- Micro\n\n| A | B |\n|---|---|\n| 1 | 2 |\n"


@pytest.fixture
def guide(province):
    services.guide_publish(code="kiem-tra", title="Kiểm tra trước họp", topic="precheck", body=BODY,
                           user=province.admin)
    return services.guide_publish(guide=services.Guide.objects.get(code="kiem-tra"), body=BODY + "\n3. Báo cáo\n",
                                  note="Thêm bước 3", user=province.admin).guide


def test_a_new_text_is_a_new_version(guide):
    assert list(guide.versions.values_list("number", flat=True)) == [2, 1]


def test_the_html_is_sanitised():
    html = to_html("Xin chào <script>alert(1)</script> [x](javascript:alert(1)) **đậm** [ok](https://a.vn)\n\n"
                   "<img src=x onerror=alert(1)>")
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "<strong>đậm</strong>" in html and '<a href="https://a.vn" rel="noopener noreferrer">ok</a>' in html


def test_the_docx_is_in_the_decree_layout(client_for, province, guide):
    response = client_for(province.tech).get(reverse("reports:guide_docx", args=[guide.code, 2]))
    doc = Docx(io.BytesIO(response.content))
    texts = [p.text for p in doc.paragraphs]
    assert "HƯỚNG DẪN" in texts and "I. CÁC BƯỚC" in texts and "1. Bật nguồn" in texts and "- Micro" in texts
    assert doc.tables[0].cell(0, 1).paragraphs[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert [c.text for c in doc.tables[1].rows[1].cells] == ["1", "2"]


@pytest.mark.parametrize("role", [Role.DOST_ADMIN, Role.LEADER, Role.UNIT_HEAD, Role.SITE_TECH, Role.OPERATOR])
def test_everyone_reads_and_confirms_and_only_the_province_sees_who_has_not(client_for, province, guide, role):
    client = client_for(province.users_by_role()[role])
    assert client.get(reverse("reports:guide", args=[guide.code])).status_code == 200
    assert client.post(reverse("reports:guide_confirm", args=[guide.code, 2])).status_code == 302
    assert client.post(reverse("reports:guide_confirm", args=[guide.code, 2])).status_code == 302
    assert GuideRead.objects.filter(user=province.users_by_role()[role]).count() == 1
    readers = client.get(reverse("reports:guide_readers", args=[guide.code])).status_code
    assert readers == (200 if role in (Role.DOST_ADMIN, Role.LEADER) else 404)
    write = client.get(reverse("reports:guide_edit", args=[guide.code])).status_code
    assert write == (200 if role == Role.DOST_ADMIN else 403)


def test_the_department_sees_who_has_not_read_the_latest_version(client_for, province, guide):
    services.guide_confirm(guide.versions.get(number=1), user=province.tech)  # the old version does not count
    services.guide_confirm(guide.versions.get(number=2), user=province.head)
    page = client_for(province.staff).get(reverse("reports:guide_readers", args=[guide.code])).content.decode()
    assert "Tech" in page and "Other_Tech" in page and ">Head<" not in page


def test_the_incident_knowledge_base_links_to_the_guides(client_for, province, guide):
    from diemcau.incidents.reference import load_reference
    from diemcau.inventory.models import Term

    load_reference()
    incident_guide = services.guide_publish(code="su-co", title="Xử lý sự cố", topic="incident", body="Các bước",
                                            user=province.admin).guide
    page = client_for(province.tech).get(reverse("incidents:guides")).content.decode()
    assert reverse("reports:guide", args=["su-co"]) in page  # every symptom falls back to the incident guides
    incident_guide.symptoms.set(Term.objects.filter(taxonomy="symptom", code="disconnect"))
    guide.symptoms.set(Term.objects.filter(taxonomy="symptom", code="audio_loss"))
    page = client_for(province.tech).get(reverse("incidents:guides")).content.decode()
    assert reverse("reports:guide", args=[guide.code]) in page


def test_the_pre_meeting_check_links_to_its_guide(province, guide):
    from django.template import Context, Template

    html = Template('{% load reports_links %}{% topic_guides "precheck" %}').render(Context({}))
    assert reverse("reports:guide", args=[guide.code]) in html and "Kiểm tra trước họp" in html
