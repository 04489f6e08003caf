"""The agent upload contract in one place: the JSON schema the agent ships, used by the server as it is.

``agent/schema/results-request.schema.json`` is the contract: the agent's
tests check what it sends against it. The server package carries the same
file (``schema/`` beside this module: a server is installed from a wheel,
without the agent's folder) and a test keeps the two byte for byte equal.
From it come:

- ``check_result(item)``: each result of a batch is validated against the
  schema's ``result`` definition (every field's type, per kind); a result
  that does not fit is rejected with its reason and the rest of the batch is
  stored;
- ``known_fields(kind, fields)``: what is stored of a result's ``fields`` —
  only what the schema names for that kind (unknown fields are dropped), and
  at most ``MONITORING_MAX_RESULT_BYTES`` of it;
- ``openapi_body()``: the request body of ``POST /api/v1/agent/results`` in
  the OpenAPI document.
"""

import copy
import json
from functools import cache
from pathlib import Path

import jsonschema_rs

SCHEMA_PATH = Path(__file__).parent / "schema" / "results-request.schema.json"
# The definition that describes each kind's fields.
KIND_DEFINITIONS = {"probe": "train", "check": "train", "tcp_connect": "tcp_connect", "dns": "dns",
                    "https": "https", "throughput": "throughput", "grade": "grade"}


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _result_validator():
    whole = schema()
    return jsonschema_rs.validator_for({"$schema": whole["$schema"], "$defs": whole["$defs"],
                                        "$ref": "#/$defs/result"})


def check_result(item) -> str | None:
    """Why one result does not fit the contract (its first reasons, with where), or None when it fits."""
    validator = _result_validator()
    if validator.is_valid(item):
        return None
    reasons = []
    for error in validator.iter_errors(item):
        where = "/".join(str(part) for part in error.instance_path)
        message = error.message
        if error.kind.name == "enum":  # name every allowed value, not "or 2 other candidates"
            message = f"{error.instance!r} is not one of {', '.join(str(o) for o in error.kind.options)}"
        reasons.append(f"{where}: {message}" if where else message)
        if len(reasons) == 3:
            break
    return "; ".join(reasons)


@cache
def _known() -> dict:
    """Per kind, the field names the schema defines, and for object fields (``voice``) their own names."""
    definitions = schema()["$defs"]
    known = {}
    for kind, name in KIND_DEFINITIONS.items():
        properties = definitions[name].get("properties", {})
        known[kind] = {key: set(spec.get("properties", {})) if spec.get("type") == "object" else None
                       for key, spec in properties.items()}
    return known


def known_fields(kind: str, fields: dict) -> dict:
    """The result's fields the schema knows for its kind; anything else is not stored."""
    names = _known()[kind]
    if names.keys() >= fields.keys() and all(  # the usual case, checked first: nothing to drop
            names[k] is None or not isinstance(v, dict) or names[k] >= v.keys() for k, v in fields.items()):
        return fields
    kept = {}
    for key, value in fields.items():
        if key not in names:
            continue
        inner = names[key]
        kept[key] = {k: v for k, v in value.items() if k in inner} if inner is not None and isinstance(
            value, dict) else value
    return kept


def openapi_body() -> dict:
    """The contract as a self-contained schema (references written out) for the OpenAPI document."""
    whole = schema()
    definitions = whole["$defs"]

    def inline(node):
        if isinstance(node, dict):
            if "$ref" in node and node["$ref"].startswith("#/$defs/"):
                return inline(copy.deepcopy(definitions[node["$ref"].rsplit("/", 1)[1]]))
            return {k: inline(v) for k, v in node.items() if k not in ("$schema", "$id", "$defs")}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(whole)
