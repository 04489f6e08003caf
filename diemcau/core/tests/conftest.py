"""The schemathesis run says how much it tried (see test_api_schemathesis.py)."""

import sys


def pytest_terminal_summary(terminalreporter):
    module = sys.modules.get("diemcau.core.tests.test_api_schemathesis")
    calls = getattr(module, "CALLS", None)
    if calls:
        terminalreporter.write_line(
            f"schemathesis: {calls['cases']} cases, {calls['requests']} requests "
            f"({len(module.ROLES)} roles, {module.EXAMPLES} examples per operation, every check; "
            f"{calls.get('negative', 0)} schema-invalid cases sent as one role in turn)")
        phases = ", ".join(f"{name} {count}" for name, count in sorted(calls.get("phases", {}).items()))
        terminalreporter.write_line(f"schemathesis cases by phase: {phases}")
