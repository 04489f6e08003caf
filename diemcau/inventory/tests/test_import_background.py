"""Large imports run in the worker: the page shows their progress, then the same result and confirm."""

import pytest
from django.urls import reverse

from diemcau.inventory.choices import ImportStatus
from diemcau.inventory.importer_views import kept_file
from diemcau.inventory.models import Device, ImportRun
from diemcau.inventory.services import import_run_execute
from diemcau.inventory.tests.import_helpers import device_row, good_file, site_row, xlsx


@pytest.fixture
def immediate_worker():
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


@pytest.fixture
def large(settings):
    settings.IMPORT_BACKGROUND_BYTES = 1  # every file counts as large here


def _upload(client, data: bytes, name="kiem-ke.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("inventory:import"), {"file": SimpleUploadedFile(name, data)})


def test_a_large_file_is_checked_by_the_worker_then_confirmed_and_imported(
        province, client_for, large, immediate_worker, django_capture_on_commit_callbacks):
    client = client_for(province.tech)
    data = xlsx({"sites": [site_row()], "devices": [device_row(serial=f"BG-{i}") for i in range(30)]})
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, data)
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("inventory:import_run", args=[run.key])
    assert run.dry_run and run.status == ImportStatus.DONE and run.rows_done == 31
    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'id="import-confirm"' in html and Device.objects.filter(serial__startswith="BG-").count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("inventory:import"), {"token": page.context["token"]})
    applied = ImportRun.objects.get(dry_run=False)
    assert confirmed["Location"] == reverse("inventory:import_run", args=[applied.key])
    assert applied.status == ImportStatus.DONE and applied.result["applied"] is True
    assert Device.objects.filter(serial__startswith="BG-").count() == 30
    assert kept_file(applied) is None  # the upload is removed once imported
    done = client.get(confirmed["Location"]).content.decode()
    assert "import-summary-state" in done and "import-confirm" not in done


def test_the_page_shows_progress_while_the_worker_runs(province, client_for, large,
                                                       django_capture_on_commit_callbacks):
    client = client_for(province.tech)
    with django_capture_on_commit_callbacks(execute=False):
        response = _upload(client, good_file())
    url = response["Location"]
    waiting = client.get(url, headers={"HX-Request": "true"})
    assert "import-progress" in waiting.content.decode() and "HX-Refresh" not in waiting
    assert 'hx-trigger="every 2s"' in waiting.content.decode()
    run = ImportRun.objects.get()
    assert import_run_execute(run.pk, kept_file)
    run.refresh_from_db()
    assert (run.rows_done, run.rows_total) == (8, 8)
    finished = client.get(url, headers={"HX-Request": "true"})
    assert finished["HX-Refresh"] == "true"


def test_progress_is_written_while_reading_and_checking(province, large, client_for,
                                                        django_capture_on_commit_callbacks):
    client = client_for(province.admin)
    rows = [device_row(site="X-14-01", serial=f"PR-{i}") for i in range(600)]
    with django_capture_on_commit_callbacks(execute=False):
        _upload(client, xlsx({"devices": rows}))
    run = ImportRun.objects.get()
    reported = []
    from diemcau.inventory.importer import import_inventory

    import_inventory(kept_file(run), user=province.admin, dry_run=True,
                     progress=lambda done, total: reported.append((done, total)))
    assert (500, None) in reported and (600, 600) in reported
    assert import_run_execute(run.pk, kept_file)
    assert not import_run_execute(run.pk, kept_file)  # claimed once: a second worker does nothing


def test_another_user_cannot_open_a_run(province, client_for, large, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        url = _upload(client_for(province.tech), good_file())["Location"]
    assert client_for(province.head).get(url).status_code == 404
    assert client_for(province.admin).get(url).status_code == 404


def test_a_run_whose_file_is_gone_fails_cleanly(province, client_for, large, django_capture_on_commit_callbacks):
    client = client_for(province.tech)
    with django_capture_on_commit_callbacks(execute=False):
        url = _upload(client, good_file())["Location"]
    run = ImportRun.objects.get()
    assert import_run_execute(run.pk, lambda r: None)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert 'id="import-failed"' in client.get(url).content.decode()
