"""What a subschema asserts, as a key: the key under which the emitter memoizes rules.

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

from constrain.grammars.json_schema.normalize import ANNOTATIONS, INTERNAL, STANDARD, json_text

_ONE_SCHEMA = frozenset({"additionalItems", "contains", "not", "if", "then", "else", "additionalProperties",
                         "propertyNames", "unevaluatedItems", "unevaluatedProperties"})
_SCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_BY_NAME = frozenset({"properties", "patternProperties", "dependentSchemas"})
_KEPT = frozenset({"$id", "id", "$schema", "contentMediaType", "contentEncoding"})
_ATOMS = (int, float, bool, type(None))
# how a keyword's value enters the key: its JSON text, nothing, a subschema's key, a list of
# them (or one), subschemas by name, `dependencies` (lists of names or subschemas), or a value
_TEXT, _SKIP, _ONE, _LIST, _BY_NAME, _DEPENDENCIES, _VALUE = range(7)


def _kind(keyword: str) -> int:
    if keyword in _KEPT or keyword.startswith(INTERNAL):
        return _TEXT
    if keyword in ANNOTATIONS or keyword not in STANDARD:
        return _SKIP
    if keyword in _ONE_SCHEMA:
        return _ONE
    if keyword in _SCHEMA_LIST or keyword == "items":
        return _LIST
    if keyword in _SCHEMA_BY_NAME:
        return _BY_NAME
    return _DEPENDENCIES if keyword == "dependencies" else _VALUE


# the kind of every keyword named in the sets above (others: `_kind`, found per use)
_KIND_OF = {keyword: _kind(keyword) for keyword in STANDARD | ANNOTATIONS | _KEPT}


class ContentKeys:
    """The memo keys of one emitter's subschemas, each node's computed once: a node's key is
    the id of the tuple of its asserted keywords, with a subschema's key standing for the
    subschema and other values as their JSON text (a string, a list of strings, a number,
    boolean or null as itself, tagged by type), interned
    (`_ids`), so that a key costs the node's own keywords, not its whole subtree, and hashes
    in constant time. Nodes are found by identity; each memo entry holds its node, so no id
    is reused while the emitter lives (nodes are not changed once made)."""

    def __init__(self):
        self._ids: dict[tuple, int] = {}
        self._by_node: dict[int, tuple] = {}

    def key(self, node, base: str) -> tuple[int, str]:
        """The memo key of `node` read under base URI `base`."""
        return self._asserted(node), base

    def _asserted(self, node) -> int:
        if not isinstance(node, dict):
            return self._intern(("value", json_text(node)))
        found = self._by_node.get(id(node))
        if found is not None:
            return found[1]
        parts = []
        for key, value in node.items():
            kind = _KIND_OF.get(key)
            if kind is None:
                kind = _kind(key)
            if kind == _SKIP:
                continue
            if kind == _TEXT:
                parts.append((key, json_text(value)))
            elif kind == _ONE:
                parts.append((key, self._asserted(value)))
            elif kind == _LIST:
                parts.append((key, ("list", *map(self._asserted, value)) if isinstance(value, list) else self._asserted(value)))
            elif kind == _BY_NAME and isinstance(value, dict):
                parts.append((key, ("by name", *((name, self._asserted(v)) for name, v in value.items()))))
            elif kind == _DEPENDENCIES and isinstance(value, dict):
                parts.append((key, ("by name", *((name, json_text(v) if isinstance(v, list) else self._asserted(v))
                                                 for name, v in value.items()))))
            elif type(value) is str:           # tagged, never equal to another value's JSON text
                parts.append((key, ("str", value)))
            elif type(value) in _ATOMS:         # tagged by type: 1, 1.0 and true stay apart, so do 0.0 and -0.0
                parts.append((key, (type(value).__name__, repr(value))))
            elif type(value) is list and all(type(v) is str for v in value):
                parts.append((key, ("strs", *value)))
            else:
                parts.append((key, json_text(value)))
        found = self._by_node[id(node)] = (node, self._intern(("schema", *parts)))
        return found[1]

    def _intern(self, shape: tuple) -> int:
        return self._ids.setdefault(shape, len(self._ids))
