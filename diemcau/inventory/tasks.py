"""Background jobs of the inventory (run by the worker through huey)."""

from huey.contrib.djhuey import db_task


@db_task()
def run_import(run_id: int):
    """Check or import one large uploaded workbook (``ImportRun``), writing its progress as it goes."""
    from diemcau.inventory.importer_views import forget_kept_file, kept_file
    from diemcau.inventory.models import ImportRun
    from diemcau.inventory.services import import_run_execute

    ran = import_run_execute(run_id, kept_file)
    run = ImportRun.objects.get(pk=run_id)
    if ran and not run.dry_run:
        forget_kept_file(run)
    return ran
