"""The queue class for several worker nodes: each periodic job is queued once per period.

Every worker runs huey's scheduler, and every scheduler queues the periodic jobs
due in the current minute. With two workers on one Redis, each job would run
twice a minute. Here the scheduler first claims the job for its minute in Redis
(``SET NX`` with an expiry), the way the first of several cron hosts would: the
one that gets the claim queues the job, the others skip it, and whichever
worker is free runs it (Redis hands a queued job to one worker only). If the
claiming worker dies before the job runs, the job is already in the queue.

``core.locks.skip_if_running`` and huey's ``lock_task`` are still needed: they
keep a long run from overlapping the next period's run.
"""

import logging

from huey import PriorityRedisHuey as _PriorityRedisHuey

log = logging.getLogger(__name__)

# Long enough that no scheduler can still be in the same minute; short enough that keys do not pile up.
CLAIM_SECONDS = 3600


class PriorityRedisHuey(_PriorityRedisHuey):
    def read_periodic(self, timestamp):
        if timestamp is None:
            timestamp = self._get_timestamp()
        due = super().read_periodic(timestamp)
        conn = getattr(self.storage, "conn", None)
        if conn is None or not due:  # immediate mode keeps its tasks in memory: one process
            return due
        minute = timestamp.strftime("%Y%m%d%H%M")
        claimed = []
        for task in due:
            key = f"huey.{self.name}.periodic.{self._registry.task_to_string(type(task))}.{minute}"
            try:
                if conn.set(key, "1", nx=True, ex=CLAIM_SECONDS):
                    claimed.append(task)
            except Exception:  # Redis down: nothing can be queued this minute anyway
                log.exception("could not claim %s for minute %s", task.name, minute)
                return []
        return claimed
