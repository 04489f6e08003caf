"""List pages read a fixed number of queries, whatever the number of documents, tasks or guides."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diemcau.reports import services
from diemcau.reports.choices import DocKind
from diemcau.reports.models import Document


@pytest.fixture
def busy(accepted, province):
    report = services.document_for(kind=DocKind.UNIT_REPORT, organization=province.commune_a, campaign=accepted)
    for _ in range(3):
        services.document_issue(report, user=province.head, position="Chủ tịch")
    services.document_for(kind=DocKind.UNIT_REPORT, organization=province.commune_b, campaign=accepted)
    roadmap = services.roadmap_build(campaign=accepted, title="L", phases=[{"budget": 10**10}, {"budget": 5}])
    services.roadmap_adopt(roadmap, user=province.admin)
    for n in range(6):
        services.guide_publish(code=f"g{n}", title=f"Hướng dẫn {n}", topic="other", body="Nội dung", user=province.admin)
    return roadmap


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("name", "limit"), [("reports:index", 16), ("reports:works", 12), ("reports:guides", 10)])
def test_list_pages_read_a_fixed_number_of_queries(client_for, province, busy, name, limit):
    client = client_for(province.admin)
    before = count(client, reverse(name))
    # More of everything: the count does not move.
    services.document_issue(Document.objects.get(kind=DocKind.UNIT_REPORT, organization=province.commune_a),
                            user=province.head, position="Chủ tịch")
    for n in range(6, 12):
        services.guide_publish(code=f"g{n}", title=f"Hướng dẫn {n}", topic="other", body="x", user=province.admin)
    after = count(client, reverse(name))
    assert after == before <= limit


def test_the_roadmap_and_document_pages_too(client_for, province, busy):
    client = client_for(province.admin)
    assert count(client, reverse("reports:roadmap", args=[busy.pk])) <= 14
    doc = Document.objects.get(kind=DocKind.UNIT_REPORT, organization=province.commune_a)
    assert count(client, reverse("reports:document", args=[doc.pk])) <= 12
