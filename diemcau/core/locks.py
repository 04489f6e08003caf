"""Periodic jobs that share a lock skip quietly when another run holds it.

huey's ``lock_task`` makes a locked run log a WARNING ("not run, unable to
acquire lock"), which on a healthy server appears every few minutes and looks
like a fault. A periodic job loses nothing by skipping: the next run catches up.

    @db_periodic_task(crontab(minute="*"))
    @skip_if_running("standards-recompute")
    def drain_pending(): ...

Queued jobs that must not be lost keep ``lock_task`` with retries.
"""

import functools
import logging

from huey.contrib.djhuey import HUEY
from huey.exceptions import TaskLockedException

log = logging.getLogger(__name__)


def skip_if_running(lock_name: str):
    def decorator(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                with HUEY.lock_task(lock_name):
                    return function(*args, **kwargs)
            except TaskLockedException:
                log.debug("%s skipped: %s is held by another run", function.__name__, lock_name)
                return None
        return wrapper
    return decorator
