"""Loading the province's reference data shipped in ``diemcau/data``.

The YAML files are copied into the project (the application never reads
``../shared``). Loading is an upsert on codes: running it again changes
nothing, and labels edited in the files are picked up.
"""

import copy
import functools
from pathlib import Path

import yaml

from diemcau.inventory.choices import TAXONOMY_FILE_KEYS

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def read_yaml(name: str) -> dict:
    """The parsed file, a fresh copy each call. Parsed once per change of the file: pages read
    ``standard.yaml`` on every request (grades, levels), and parsing it costs tens of milliseconds."""
    path = DATA_DIR / name
    return copy.deepcopy(_parsed(str(path), path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=32)
def _parsed(path: str, _mtime_ns: int):
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_taxonomies(term_model, data: dict | None = None) -> int:
    """Upsert every taxonomy of taxonomies.yaml; returns the number of terms."""
    data = data if data is not None else read_yaml("taxonomies.yaml")
    count = 0
    for key, taxonomy in TAXONOMY_FILE_KEYS.items():
        for position, item in enumerate(data.get(key, [])):
            extra = {k: v for k, v in item.items() if k not in {"code", "vi", "en"}}
            term_model.objects.update_or_create(
                taxonomy=str(taxonomy), code=item["code"],
                defaults={"name_vi": item["vi"], "name_en": item.get("en", ""), "position": position, "extra": extra},
            )
            count += 1
    return count


def province_organizations(data: dict | None = None) -> list[dict]:
    """The organisations of the province file as ``{code, name, kind}`` dicts."""
    data = data if data is not None else read_yaml("cao_bang.yaml")
    orgs: list[dict] = []
    for section in ("leadership", "departments", "operators"):
        orgs.extend({"code": o["code"], "name": o["name"], "kind": o["kind"]} for o in data.get(section, []))
    for ward in data.get("wards", []):
        orgs.append({"code": f"P-{ward['code']}", "name": f"UBND phường {ward['name']}", "kind": "ward"})
    for number, name in enumerate(data.get("communes", []), start=1):
        orgs.append({"code": f"X-{number:02d}", "name": f"UBND xã {name}", "kind": "commune"})
    return orgs


def load_organizations(organization_model, term_model, data: dict | None = None) -> int:
    kinds = {t.code: t for t in term_model.objects.filter(taxonomy="organization_kind")}
    from diemcau.lib.text import fold

    count = 0
    for org in province_organizations(data):
        organization_model.objects.update_or_create(
            code=org["code"],
            defaults={"name": org["name"], "kind": kinds[org["kind"]], "search_text": fold(f"{org['code']} {org['name']}")},
        )
        count += 1
    return count
