"""Static files collect with hashed names and compressed copies, as `make run` and servers serve them."""

import json

from django.core.management import call_command
from django.templatetags.static import static


def test_every_static_file_collects_into_the_compressed_manifest(settings, tmp_path):
    # A vendored file that names a file we do not ship (a source map, a .woff) fails here first.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert {"diemcau/app.css", "diemcau/icons/icons.css", "diemcau/icons/icons.woff2", "ninja/swagger-ui.css"} <= set(manifest)
    hashed = static("diemcau/app.css")
    assert hashed != "/static/diemcau/app.css" and hashed.startswith("/static/diemcau/app.")
    assert (tmp_path / manifest["diemcau/app.css"]).with_suffix(".css.gz").exists()
