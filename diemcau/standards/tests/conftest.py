"""Fixtures of the standards tests: jobs run inline, the default standard in force."""

import pytest


@pytest.fixture(autouse=True)
def _jobs_inline():
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


@pytest.fixture
def standard(db):
    from diemcau.standards.services import load_default_standard

    return load_default_standard()
