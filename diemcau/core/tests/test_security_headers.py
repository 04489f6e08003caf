"""Headers every page sends: a Content-Security-Policy without inline script, HSTS over TLS only,
no inline script or event handler in any template, and a clean ``check --deploy``."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p for p in ROOT.glob("**/templates/**/*.html") if ".venv" not in p.parts)

# The production environment docs/security.md and docs/deploy.md document.
PRODUCTION_ENV = {
    "DEBUG": "0", "SECRET_KEY": "k" * 10 + "-production-key-of-fifty-characters-or-more-xyz", "ALLOWED_HOSTS": "hntt.example.gov.vn",
    "BEHIND_TLS_PROXY": "1", "SECURE_HSTS_PRELOAD": "1",
}


def test_every_page_sends_a_policy_without_inline_script(province, client_for):
    response = client_for(province.tech).get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and "unsafe" not in directives["script-src"]
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'" and directives["style-src"] == "'self'"
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Content-Security-Policy" in client_for(province.tech).get("/accounts/login/")


@pytest.mark.parametrize("path", TEMPLATES, ids=[str(p.relative_to(ROOT)) for p in TEMPLATES])
def test_no_template_has_inline_script_or_event_handlers(path):
    text = path.read_text(encoding="utf-8")
    inline = [m.group(0) for m in re.finditer(r"<script\b[^>]*>", text) if "src=" not in m.group(0)
              and 'type="application/json"' not in m.group(0)]
    assert not inline, inline
    assert not re.findall(r"\son[a-z]+\s*=", text), "event handler attribute"
    assert "javascript:" not in text.lower()


def test_hsts_is_sent_over_tls_only(province, client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    assert "Strict-Transport-Security" not in client.get("/healthz")
    response = client.get("/healthz", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000; includeSubDomains")


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    # The browser fixture sets DJANGO_ALLOW_ASYNC_UNSAFE for this test process; a server never has it.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(PRODUCTION_ENV, DIEMCAU_DATA_DIR=str(tmp_path))
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT.parent, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
