"""What a subschema asserts, as a string: the key under which the emitter memoizes rules.

Invariant: two subschemas (under the same base URI) with equal keys accept the same values,
so they may share one rule. The key is the schema's JSON without what asserts nothing:
annotations and unknown keywords are dropped at every schema position (not inside data such
as `enum`, nor from `properties`' names). Key order is kept, since the emitter writes members
in it. `$id`/`id` stay (they move the base that nested `$ref`s resolve against), and so do
internal keywords, whole (some, such as member places, steer what the emitter writes);
`$schema` stays (a nested resource may change the draft that enum values are checked under),
and so do `contentMediaType`/`contentEncoding` (assertions the emitter refuses in old drafts).
"""
from __future__ import annotations

import json

from constrain.grammars.json_schema.normalize import ANNOTATIONS, INTERNAL, STANDARD

_ONE_SCHEMA = frozenset({"additionalItems", "contains", "not", "if", "then", "else", "additionalProperties",
                         "propertyNames", "unevaluatedItems", "unevaluatedProperties"})
_SCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_BY_NAME = frozenset({"properties", "patternProperties", "dependentSchemas"})
_KEPT = frozenset({"$id", "id", "$schema", "contentMediaType", "contentEncoding"})


def content_key(node, base: str) -> str:
    """The memo key of `node` read under base URI `base`."""
    return json.dumps([_asserted(node), base], ensure_ascii=False)


def _asserted(node):
    """`node` without its annotations and unknown keywords, recursively through subschemas."""
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in _KEPT or key.startswith(INTERNAL):
            out[key] = value
        elif key in ANNOTATIONS or key not in STANDARD:
            continue
        elif key in _ONE_SCHEMA:
            out[key] = _asserted(value)
        elif key in _SCHEMA_LIST or key == "items":
            out[key] = [_asserted(v) for v in value] if isinstance(value, list) else _asserted(value)
        elif key in _SCHEMA_BY_NAME and isinstance(value, dict):
            out[key] = {name: _asserted(v) for name, v in value.items()}
        elif key == "dependencies" and isinstance(value, dict):
            out[key] = {name: v if isinstance(v, list) else _asserted(v) for name, v in value.items()}
        else:
            out[key] = value
    return out
