"""The wheel must carry every file the application serves (static, templates,
catalogues, data), so a server started from any directory finds them."""

import fnmatch
import tomllib
from pathlib import Path

import pytest

import diemcau

PACKAGE = Path(diemcau.__file__).resolve().parent
CHECKOUT = PACKAGE.parent
SERVED = {"static", "templates", "locale"}

pytestmark = pytest.mark.skipif(not (CHECKOUT / "pyproject.toml").exists(), reason="needs the source checkout")


def _patterns() -> list[str]:
    config = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]["package-data"]["*"]


def _packaged(path: Path, patterns: list[str]) -> bool:
    package = path.parent
    while not (package / "__init__.py").exists():
        package = package.parent
    relative = path.relative_to(package).as_posix()
    candidates = [p for pattern in patterns for p in (pattern, pattern.replace("**/", ""))]
    return any(fnmatch.fnmatchcase(relative, pattern) for pattern in candidates)


def test_it_keeps_served_files_inside_the_package():
    outside = sorted(name for name in SERVED if (CHECKOUT / name).exists())
    assert outside == [], f"move {outside} under diemcau/ (see the packaging rule in docs/deploy.md)"


def test_it_packages_every_file_the_apps_need():
    patterns = _patterns()
    missing = [
        str(path.relative_to(CHECKOUT))
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc", ".mo"}
        and not path.name.startswith(".") and "__pycache__" not in path.parts and "tests" not in path.parts
        and not _packaged(path, patterns)
    ]
    assert missing == [], "add a pattern to [tool.setuptools.package-data] in pyproject.toml"


def test_it_finds_the_vendored_assets_in_the_package():
    from django.contrib.staticfiles import finders

    found = finders.find("vendor/bootstrap-5.3.9/bootstrap.min.css")
    assert found and Path(found).is_relative_to(PACKAGE)


def test_a_catalogue_without_its_compiled_file_is_reported(tmp_path):
    import time

    from diemcau.core.checks import catalogues_compiled, stale_catalogues

    po = tmp_path / "locale/vi/LC_MESSAGES/django.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n')
    assert stale_catalogues([tmp_path]) == [po]
    po.with_suffix(".mo").write_bytes(b"")
    assert stale_catalogues([tmp_path]) == []
    time.sleep(0.01)
    po.touch()
    assert stale_catalogues([tmp_path]) == [po]
    assert all(warning.id == "core.W001" for warning in catalogues_compiled())


def test_the_production_storage_collects_every_file(tmp_path, settings):
    """A server (DEBUG off) hashes the files: a file a vendored asset refers to that is not
    shipped (a source map) stops collectstatic there, so none may be referred to. (Django's
    manifest storage, which whitenoise's extends with compression: the same references.)"""
    import json

    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    call_command("collectstatic", "--noinput", verbosity=0)
    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert {"vendor/chartjs-4.6.1/chart.umd.min.js", "vendor/bootstrap-5.3.9/bootstrap.min.css",
            "diemcau/app.css"} <= set(paths)
