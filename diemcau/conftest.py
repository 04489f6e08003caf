"""Fixtures shared by every app's tests."""

import pytest
from django.test import Client

from diemcau.testing import make_province


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings, tmp_path):
    # Argon2 is the production hasher; tests use MD5 so that they stay fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def province(db):
    return make_province()


@pytest.fixture
def client_for():
    """``client_for(user)`` gives a test client signed in as that user."""

    def build(user):
        client = Client()
        client.force_login(user)
        return client

    return build
