"""Schemathesis over every operation of the API, as two roles: no server error, no schema violation.

Every check schemathesis has runs (``checks=all``): server errors, status
codes and content types the OpenAPI document does not list, responses that
break their schema, invalid data accepted, valid data refused, and so on.
Each schema-valid case is sent twice, with the token of a commune's technician
(who changes their own sites) and of a provincial leader (who sees
everything and changes nothing), through the real WSGI application; a case
that does not fit the schema (refused before any view looks at the role) is
sent once, as the two roles in turn.

It runs in ``.ci/run`` (once, on PostgreSQL) with ``SCHEMATHESIS=1``; the
examples per operation are ``SCHEMATHESIS_EXAMPLES`` (default 25; CI uses 10). In the
ordinary suite it is skipped: its thousands of requests would add minutes
to every ``make test``.
"""

import os

import pytest

if os.environ.get("SCHEMATHESIS") != "1":
    pytest.skip("run by .ci/run with SCHEMATHESIS=1", allow_module_level=True)

import schemathesis  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402

from diemcau.accounts.models import ApiToken  # noqa: E402
from diemcau.testing import make_contact, make_device, make_link  # noqa: E402

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
ROLES = ["tech", "leader"]

# Valid data may still break a rule the schema cannot know (an organisation code that does not exist, a
# second primary link): that answers 422, as documented, so 422 counts as a proper answer to valid data.
CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]}}})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(), config=CONFIG)


@pytest.fixture(autouse=True)
def _one_connection():
    """As Django's test client does: the requests run inside the test's transaction, so the end of a
    request must not close the database connection (schemathesis calls the WSGI application directly)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_token_throttle(settings):
    """The run sends many invalid tokens on purpose (its ``ignored_auth`` check); the per-address throttle
    of bad tokens would then answer 429 to everything (documented, but the rest would go untested)."""
    settings.API_TOKEN_IP_LIMIT = 10**9


@pytest.fixture
def bearers(province):
    """A little data of every kind (so ids in paths sometimes name something real) and one token per role."""
    make_device(province.site_a, serial="ST-1")
    make_link(province.site_a, province.viettel, role="backup", kind="mobile", medium="mobile")
    make_contact(province.site_a, phone="0911000222", role="deputy")
    headers = {}
    for role in ROLES:
        _token, key = ApiToken.issue(user=getattr(province, role), name="schemathesis")
        headers[role] = {"Authorization": f"Bearer {key}"}
    return headers


# How many cases and requests ran: printed at the end of the run (conftest.py), kept in the CI log.
CALLS = {"cases": 0, "requests": 0, "phases": {}}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, bearers):
    CALLS["cases"] += 1
    info = getattr(getattr(case, "meta", None), "phase", None)
    phase = getattr(getattr(info, "name", None), "value", None) or "?"
    scenario = getattr(getattr(getattr(info, "data", None), "scenario", None), "value", None)
    for key in (phase, f"{phase}/{scenario}" if scenario else None):
        if key:
            CALLS["phases"][key] = CALLS["phases"].get(key, 0) + 1
    # Input that does not fit the schema is refused (422/400/404/405) before any view looks at the role,
    # so sending it as both roles tried the same thing twice: each such case goes as one role, in turn,
    # so both roles still get half of them. Schema-valid cases, where the roles differ, go as both.
    mode = getattr(getattr(getattr(case, "meta", None), "generation", None), "mode", None)
    roles = list(bearers.values())
    if getattr(mode, "value", mode) == "negative":
        CALLS["negative"] = CALLS.get("negative", 0) + 1
        roles = [roles[CALLS["negative"] % len(roles)]]
    for headers in roles:
        CALLS["requests"] += 1
        case.call_and_validate(headers=headers)
