"""Errors answer with the application's own pages: its menu, Vietnamese words and a way back."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def test_it_answers_an_unknown_address_with_the_vietnamese_404_page_and_the_menu(province, client_for):
    response = client_for(province.tech).get("/khong-co-trang-nay/", HTTP_REFERER="http://testserver/sites/")
    page = _text(response)
    assert response.status_code == 404
    assert "Không tìm thấy trang" in page
    assert 'id="mainnav"' in page  # the signed-in user keeps the menu
    assert f'href="{reverse("inventory:overview")}"' in page
    assert 'href="http://testserver/sites/"' in page  # back to where they came from
    assert "Not Found" not in page and "Page not found" not in page


def test_it_shows_the_english_404_page_to_a_user_who_chose_english(province, client_for):
    client = client_for(province.tech)
    client.cookies["django_language"] = "en"
    page = _text(client.get("/no-such-page/"))
    assert "Page not found" in page and "Không tìm thấy" not in page


def test_it_answers_a_forbidden_change_with_the_vietnamese_403_page(province, client_for):
    response = client_for(province.leader).get(reverse("incidents:report"))
    page = _text(response)
    assert response.status_code == 403
    assert "Bạn không có quyền" in page and 'id="mainnav"' in page
    assert "403 Forbidden" not in page


def test_it_explains_an_expired_form_in_vietnamese(province):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "tech", "password": "x"})
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in _text(response)
    assert "CSRF verification failed" not in _text(response)


def test_it_answers_a_bad_request_with_the_vietnamese_400_page(province):
    response = Client().get("/", HTTP_HOST="not-our-host.example")
    assert response.status_code == 400
    assert "Không hiểu được yêu cầu" in _text(response)


def test_the_500_page_renders_without_a_request_context(province):
    response = server_error(RequestFactory().get("/"))
    page = _text(response)
    assert response.status_code == 500
    assert "Máy chủ gặp lỗi" in page
    assert f'href="{reverse("inventory:overview")}"' in page
