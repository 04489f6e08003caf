"""The demo province: every app adds its part through ``<app>/demo.py``.

Each such module has ``load(ctx: DemoContext)``; they run in the order of
INSTALLED_APPS inside one transaction, from one seeded random generator, so
the demo is the same on every machine.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from diemcau.core import outbox
from diemcau.core.apps import DiemcauAppConfig

DEMO_PASSWORD = "demo-diemcau-2026"
DEMO_MARK = "[DEMO]"


@dataclass
class DemoContext:
    rng: random.Random
    now: datetime
    log: Callable[[str], None]
    # Filled by the inventory demo: one demo user per role, by role code.
    users: dict = field(default_factory=dict)
    # Free space for apps to pass things to the apps after them.
    shared: dict = field(default_factory=dict)


def demo_modules():
    for config in apps.get_app_configs():
        if isinstance(config, DiemcauAppConfig) and find_spec(f"{config.name}.demo") is not None:
            module = import_module(f"{config.name}.demo")
            if hasattr(module, "load"):
                yield config.label, module


@transaction.atomic
def load_demo(*, seed: int = 2026, log: Callable[[str], None] = print, now: datetime | None = None) -> DemoContext:
    """Every app's demo data, in one transaction; the history it writes notifies in the app, mails no one."""
    ctx = DemoContext(rng=random.Random(seed), now=now or timezone.now(), log=log)
    begun, begun_cpu = time.monotonic(), time.process_time()
    with outbox.notices_only():
        for label, module in demo_modules():
            started, cpu = time.monotonic(), time.process_time()
            log(f"· {label}")
            module.load(ctx)
            # The CPU time too: on a busy machine the wall time says more about the neighbours.
            log(f"  ({time.monotonic() - started:.1f} s, CPU {time.process_time() - cpu:.1f} s)")
    log(f"demo loaded in {time.monotonic() - begun:.1f} s (CPU {time.process_time() - begun_cpu:.1f} s)")
    return ctx
