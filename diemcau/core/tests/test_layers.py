"""The ground floor has no cycles: core imports no domain app, accounts does not import the inventory.

Management commands are entry points that drive several apps (the demo, the
province loader): they sit on top and are not counted.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
APPS = {"core", "accounts", "inventory", "standards", "incidents", "reviews", "monitoring", "meetings", "reports",
        "audit"}
# What each ground-floor app must not import (the apps above it).
ABOVE = {"core": APPS - {"core"}, "accounts": APPS - {"accounts", "core", "audit"}}


def imported_apps(app: str) -> dict[str, set[str]]:
    found = {}
    for path in (PACKAGE / app).rglob("*.py"):
        if {"tests", "migrations", "management"} & set(path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                parts = name.split(".")
                if len(parts) > 1 and parts[0] == "diemcau" and parts[1] in APPS:
                    found.setdefault(parts[1], set()).add(str(path.relative_to(PACKAGE)))
    return found


@pytest.mark.parametrize("app", sorted(ABOVE))
def test_the_ground_floor_imports_nothing_above_it(app):
    above = {other: files for other, files in imported_apps(app).items() if other in ABOVE[app]}
    assert not above, f"{app} imports {above}"
