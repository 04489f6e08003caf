"""Every string of the import has a Vietnamese translation in locale_import_vi.po, placeholders intact."""

import ast
import re
from pathlib import Path

INVENTORY = Path(__file__).resolve().parents[1]
SOURCES = ["importer.py", "template_xlsx.py", "importer_views.py", "management/commands/import_inventory.py"]
TEMPLATES = ["templates/inventory/import.html", "templates/inventory/import_result.html"]


def catalogue() -> dict[str, str]:
    text = (INVENTORY / "locale_import_vi.po").read_text(encoding="utf-8")
    pairs = re.findall(r'^msgid "(.*)"\n(?:msgid_plural ".*"\n)?msgstr(?:\[0\])? "(.*)"$', text, re.M)
    return {_unquote(k): _unquote(v) for k, v in pairs if k}


def _unquote(s: str) -> str:
    return s.replace('\\"', '"').replace("\\\\", "\\")


def python_msgids() -> set[str]:
    found = set()
    for name in SOURCES:
        tree = ast.parse((INVENTORY / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in {"_", "gettext", "gettext_lazy"} and node.args
                    and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def template_msgids() -> set[str]:
    found = set()
    for name in TEMPLATES:
        text = (INVENTORY / name).read_text(encoding="utf-8")
        found |= set(re.findall(r'{% translate "([^"]+)" %}', text))
        for body in re.findall(r"{% blocktranslate[^%]*%}(.*?){% (?:plural|endblocktranslate) %}", text):
            found.add(re.sub(r"{{ (\w+)(?:\|[^}]*)? }}", r"%(\1)s", body))
    return found


def test_every_import_string_has_a_vietnamese_translation():
    vi = catalogue()
    missing = sorted((python_msgids() | template_msgids()) - set(vi))
    assert missing == []
    assert all(vi.values())


def test_translations_keep_the_placeholders():
    for msgid, msgstr in catalogue().items():
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", msgstr)), msgid
