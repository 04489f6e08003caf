"""Background jobs of the standards app (run by the worker through huey)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from diemcau.core.locks import skip_if_running

log = logging.getLogger(__name__)


# One recomputation at a time (two could both write a "current" verdict for a
# site). A run that finds the lock taken is retried for about five minutes
# rather than lost: a full recomputation of 10,000 sites takes well under that.
# Only full recomputations are queued this way; changes to some sites are
# marked pending and drained every minute (see drain_pending).
@db_task(retries=60, retry_delay=5)
@lock_task("standards-recompute")
def recompute_verdicts(site_ids=None):
    """Recompute compliance, compatibility and verdicts of some sites (all when None)."""
    from diemcau.standards.services import recompute_sites

    report = recompute_sites(site_ids)
    log.info("standards: recomputed %s sites against %s, %s verdicts changed",
             report.sites, report.standard, report.changed_verdicts)
    return report.changed_verdicts


@db_periodic_task(crontab(minute="*/5"))
@skip_if_running("standards-recompute")
def recompute_stale_verdicts():
    """Every five minutes: sites whose inventory changed since their verdict was last checked.

    The inventory sends no signals (by design); its ``updated_at`` and change
    records tell what changed. The lock keeps two workers (or a running
    recomputation) from doing it at the same time; a run skipped because of
    the lock is done five minutes later, and a second run finds nothing stale.
    """
    from diemcau.standards.services import recompute_sites, stale_site_ids

    stale = stale_site_ids()
    if stale:
        recompute_sites(stale)
    return len(stale)


@db_periodic_task(crontab(minute="*"))
@skip_if_running("standards-recompute")
def drain_pending():
    """Every minute: recompute the sites other apps marked (incidents, link quality …)."""
    from diemcau.standards.services import drain_pending_verdicts

    return drain_pending_verdicts()
