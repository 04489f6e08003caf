"""The agent must run on the Python 3.8 that old site PCs have."""

import ast
import os

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src", "diemcau_agent")


def test_every_module_parses_as_python_3_8():
    for name in sorted(os.listdir(SRC)):
        if name.endswith(".py"):
            with open(os.path.join(SRC, name), encoding="utf-8") as fh:
                ast.parse(fh.read(), filename=name, feature_version=(3, 8))


def test_no_third_party_imports():
    import sys
    stdlib = set(getattr(sys, "stdlib_module_names", ())) or None
    for name in sorted(os.listdir(SRC)):
        if not name.endswith(".py"):
            continue
        with open(os.path.join(SRC, name), encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [node.module.split(".")[0]]
            else:
                continue
            for root in roots:
                assert root == "diemcau_agent" or stdlib is None or root in stdlib, (name, root)


def test_iso_parser_handles_what_older_pythons_reject():
    from diemcau_agent.uploader import parse_iso
    assert parse_iso("2026-11-29T14:00:00.12345Z") == parse_iso("2026-11-29T14:00:00.123450+00:00")
    assert parse_iso("2026-11-29T14:00:00Z") is not None
