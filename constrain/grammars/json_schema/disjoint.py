"""oneOf exactness: branches that no instance can match together (then oneOf = anyOf).

`pairwise_disjoint` is conservative: True only when disjointness is proven from types,
enum values, a required discriminator property with disjoint values, or a required
property the other branch forbids.
"""
from __future__ import annotations

from constrain.grammars.json_schema.normalize import json_equal, normalized, type_set


def pairwise_disjoint(branches: list) -> bool:
    for i, a in enumerate(branches):
        for b in branches[i + 1:]:
            if not _disjoint(a, b):
                return False
    return True


def _disjoint(a, b) -> bool:
    if a is False or b is False:
        return True
    if not isinstance(a, dict) or not isinstance(b, dict):
        return False
    ta, tb = _value_types(a), _value_types(b)
    if not (ta & tb):
        return True
    if "enum" in a and "enum" in b:
        return not any(json_equal(x, y) for x in a["enum"] for y in b["enum"])
    if ta <= {"object"} or tb <= {"object"}:
        for x, y in ((a, b), (b, a)):
            if any(_forbids(y, k) for k in x.get("required", [])):
                return True
    for k in set(a.get("properties", {})) & set(b.get("properties", {})):
        if k in a.get("required", []) and k in b.get("required", []):
            pa, pb = a["properties"][k], b["properties"][k]
            if isinstance(pa, dict) and isinstance(pb, dict):
                pa, pb = normalized(pa, False), normalized(pb, False)
                if "enum" in pa and "enum" in pb and not any(json_equal(x, y) for x in pa["enum"] for y in pb["enum"]):
                    if ta <= {"object"} or tb <= {"object"}:
                        return True
    return False


def _forbids(node: dict, key: str) -> bool:
    """Whether objects valid under node cannot have member `key`."""
    props = node.get("properties", {})
    if key in props:
        return props[key] is False
    return node.get("additionalProperties") is False and not node.get("patternProperties")


def _value_types(node: dict) -> set[str]:
    """The JSON types node can accept (integer counted as number)."""
    types = type_set(node)
    if "enum" in node:
        types &= {_json_type(v) for v in node["enum"]} | ({"integer"} if any(
            _json_type(v) == "number" and float(v).is_integer() for v in node["enum"]) else set())
    if "integer" in types:
        types.add("number")
    return types


def _json_type(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    return "array" if isinstance(v, list) else "object"

