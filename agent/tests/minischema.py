"""A small JSON Schema checker for the subset ``agent/schema`` uses.

The agent is standard library only and so are its tests; this covers type,
enum, const, required, properties, additionalProperties, items, maxItems,
minimum/maximum, pattern, $ref (local), allOf, oneOf and if/then.
"""

import re

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _is_type(value, name):
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, TYPES[name])


def errors(value, schema, root=None, path="$"):
    """List of error strings; empty when ``value`` conforms."""
    root = root or schema
    out = []
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        out += errors(value, target, root, path)
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, n) for n in names):
            return out + ["%s: %r is not %s" % (path, value, names)]
    if "enum" in schema and value not in schema["enum"]:
        out.append("%s: %r not in %s" % (path, value, schema["enum"]))
    if "const" in schema and value != schema["const"]:
        out.append("%s: %r != %r" % (path, value, schema["const"]))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            out.append("%s: %r < %r" % (path, value, schema["minimum"]))
        if "maximum" in schema and value > schema["maximum"]:
            out.append("%s: %r > %r" % (path, value, schema["maximum"]))
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        out.append("%s: %r does not match %s" % (path, value, schema["pattern"]))
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                out.append("%s: missing %s" % (path, key))
        props = schema.get("properties", {})
        for key, sub in value.items():
            if key in props:
                out += errors(sub, props[key], root, path + "." + key)
            elif schema.get("additionalProperties") is False:
                out.append("%s: unexpected %s" % (path, key))
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append("%s: more than %d items" % (path, schema["maxItems"]))
        if "items" in schema:
            for i, item in enumerate(value):
                out += errors(item, schema["items"], root, "%s[%d]" % (path, i))
    for sub in schema.get("allOf", []):
        out += errors(value, sub, root, path)
    if "oneOf" in schema:
        matches = sum(1 for sub in schema["oneOf"] if not errors(value, sub, root, path))
        if matches != 1:
            out.append("%s: matches %d of oneOf" % (path, matches))
    if "if" in schema and not errors(value, schema["if"], root, path):
        out += errors(value, schema.get("then", {}), root, path)
    return out
