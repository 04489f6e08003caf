"""Vietnamese is the default language: every catalogue of the project is complete."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("**/locale/vi/LC_MESSAGES/django.po"))


def test_there_are_catalogues():
    assert ROOT / "locale/vi/LC_MESSAGES/django.po" in CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=[str(p.relative_to(ROOT)) for p in CATALOGUES])
def test_every_message_is_translated_and_well_formed(path):
    check = subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    untranslated = subprocess.run(["msgattrib", "--untranslated", "--no-wrap", str(path)], capture_output=True, text=True)
    missing = [line for line in untranslated.stdout.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
    assert not missing, f"{len(missing)} untranslated in {path}: {missing[:5]}"
    fuzzy = subprocess.run(["msgattrib", "--only-fuzzy", "--no-wrap", str(path)], capture_output=True, text=True)
    assert not [line for line in fuzzy.stdout.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
