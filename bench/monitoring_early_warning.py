"""Early warning on generated link histories with a known onset of degradation.

Prints, for the hourly loss series of N sites over four weeks (half of them
degrading from a random onset to past the FAIL level of 3 %), the median lead
time between the first warning and the first hour above FAIL, the share of
degradations warned in time, and the false warnings per clean site-week.

    DEBUG=1 .venv/bin/python bench/monitoring_early_warning.py [sites]
"""

import os
import sys
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
django.setup()

from diemcau.monitoring import early, early_eval  # noqa: E402


def main():
    sites = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    for name, opts in [("default", early.Settings()),
                       ("cautious (tau 0.5, progress 0.4)", early.Settings(min_tau=0.5, min_progress=0.4)),
                       ("eager (tau 0.25, progress 0.2)", early.Settings(min_tau=0.25, min_progress=0.2))]:
        started = time.perf_counter()
        score = early_eval.evaluate(sites=sites, opts=opts)
        took = time.perf_counter() - started
        print(f"{name:34s} sites {score.sites}, degrading {score.degrading}: warned in time "
              f"{score.warned_in_time} ({100 * score.warned_in_time / max(score.degrading, 1):.0f} %), "
              f"median lead {score.median_lead_h} h, false warnings {score.false_warnings} over "
              f"{score.clean_site_weeks:.0f} clean site-weeks = {score.false_per_site_week:.3f} per site-week "
              f"({took:.1f} s)")


if __name__ == "__main__":
    main()
