"""`not` and exclusive `oneOf` as disjoint schema variants (the Emitter's negation rules).

`negate(node, negated)` returns nodes without `not` whose union is exactly node ∧ ¬negated,
pairwise disjoint: not of types, enum/const values, required names and property schemas
(object negation), ranges and lengths, patterns/formats (as NOT_MATCHING), anyOf, not-not,
and conjunctions of those, one keyword group at a time. What has no exact representation
raises CannotNegate (the caller turns it into UnsupportedSchemaError). The internal keywords
a negation leaves on a node (EXCLUDED, NOT_MATCHING, NOT_MULTIPLE, ONLY_TYPES, SOME_MEMBER) are
read by the emitter.
"""
from __future__ import annotations

import functools
import json
from decimal import Decimal

import jsonschema

from constrain.grammars.json_schema.disjoint import pairwise_disjoint
from constrain.grammars.json_schema.numeric import json_number, schema_bound
from constrain.grammars.json_schema.normalize import (
    ALSO_MATCHING,
    ANNOTATIONS,
    INTERNAL,
    INTERNAL_TYPES,
    KEYWORD_TYPE,
    NOT_MATCHING,
    NOT_MULTIPLE,
    SOME_MEMBER,
    STANDARD,
    NotMergeable,
    declared_names,
    json_equal,
    merge,
    pointer_join,
    type_set,
)
from constrain.grammars.json_schema.yes_no import yes_no
from constrain.grammars.json_schema.unevaluated import closed_part, negated_members_unevaluated

# internal keywords that `not` leaves on a node: values removed, and types kept (without
# "integer" a number must have a fraction, which `type` cannot say)
EXCLUDED = INTERNAL + "excluded"
ONLY_TYPES = INTERNAL_TYPES


MAX_PIECES = 64       # disjoint nodes a negation may split one node into
MAX_WITNESSES = 3     # members an object must have for negated additionalProperties/propertyNames


class CannotNegate(Exception):
    """A schema whose complement has no exact representation here."""


def _bounded(nodes: list) -> list:
    """The pieces that may hold a value (`pruned`), at most MAX_PIECES of them."""
    nodes = [p for p in map(pruned, nodes) if p is not False]
    if len(nodes) > MAX_PIECES:
        raise CannotNegate(f"the negation splits the schema into more than {MAX_PIECES} disjoint pieces")
    return nodes


# keywords whose meaning jsonschema evaluates as we do (no $ref, format, pattern or internal keys)
_CHECKABLE = frozenset({"type", "enum", "const", "not", "anyOf", "allOf", "oneOf", "minLength", "maxLength",
                        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})


def pruned(node):
    """`node` with enum values its other keywords reject removed, at the top and in its
    properties (a property left with no value must be absent); False when nothing is left.
    Values are only removed when jsonschema proves them invalid, so the result is exact."""
    if not isinstance(node, dict):
        return node
    if "enum" in node:
        node = dict(node, enum=_valid_values(node))
        if not node["enum"]:
            return False
    props = node.get("properties", {})
    for k, schema in props.items():
        kept = _valid_values(schema) if isinstance(schema, dict) and "enum" in schema else None
        if schema is False or kept == []:
            if k in node.get("required", []):
                return False
            node = dict(node, properties=dict(node["properties"], **{k: False}))
        elif kept is not None and len(kept) < len(schema["enum"]):
            node = dict(node, properties=dict(node["properties"], **{k: dict(schema, enum=kept)}))
    return node


def _valid_values(node: dict) -> list:
    rest = {k: v for k, v in node.items() if k != "enum"}
    if not _checkable(rest):
        return list(node["enum"])
    values = node["enum"]
    kept = _valid_places(json.dumps(rest, sort_keys=True), json.dumps(values, sort_keys=True))
    return [values[i] for i in kept]


@functools.lru_cache(maxsize=1024)
def _valid_places(rest: str, values: str) -> tuple[int, ...]:
    """The places in the JSON list `values` of the values the JSON schema `rest` accepts
    (remembered by text: a negation meets one enum under the same keywords piece after piece)."""
    validator = yes_no(jsonschema.Draft202012Validator)(json.loads(rest))
    return tuple(i for i, v in enumerate(json.loads(values)) if validator.is_valid(v))


def _checkable(node) -> bool:
    if isinstance(node, bool):
        return True
    if not isinstance(node, dict):
        return False
    for k, v in node.items():
        if k in ANNOTATIONS and not k.startswith("$"):
            continue
        if k not in _CHECKABLE or (k.startswith("exclusive") and isinstance(v, bool)):
            return False
        if k == "not" and not _checkable(v) or k in ("anyOf", "allOf", "oneOf") and not all(map(_checkable, v)):
            return False
    return True


class Negations:
    """Mixin of the Emitter: needs `flatten`, `declared`, `one_of` and `skip`."""

    def exclusive(self, pairs: list) -> list:
        """oneOf of branches not known to be disjoint, `pairs` of (branch, branch as written):
        branch i ∧ ¬(every other branch as written, where not disjoint from it), each a list
        of disjoint nodes (`negate`); CannotNegate or NotMergeable when that fails."""
        out = []
        for i, (branch, _) in enumerate(pairs):
            nodes = [branch]
            for j, (other, written) in enumerate(pairs):
                if j != i and not pairwise_disjoint([branch, other], lambda n: self.flatten(n, "#", 0)):
                    nodes = _bounded([v for n in nodes for v in self.negate(n, written)])
            # the other branches fail: the members their negation names are not evaluated
            out = _bounded(out + [negated_members_unevaluated(v, branch) for v in nodes])
        return out

    def apply_not(self, node: dict, pointer: str) -> list:
        """`node` ∧ ¬node["not"] as disjoint nodes without `not` (their union is exact): `not`
        of types, of enum/const values, and of required names (with or without type object);
        `not` of an anyOf is the conjunction of the negated branches."""
        nodes = [{k: v for k, v in node.items() if k != "not"}]
        flat = self.flatten(node["not"], pointer_join(pointer, "not"), 0)
        branches = [flat]
        if isinstance(flat, dict) and set(flat) - ANNOTATIONS == {"anyOf"}:
            branches = [self.flatten(b, pointer_join(pointer, "not", "anyOf", i), 0) for i, b in enumerate(flat["anyOf"])]
        for negated in branches:
            try:
                nodes = _bounded([v for n in nodes for v in self.negate(n, negated)])
            except NotMergeable as e:
                self.skip(e.args[0], pointer, "cannot intersect the negation of `not` exactly")
            except CannotNegate as e:
                self.skip("not", pointer, str(e))
        return nodes

    def negate(self, node: dict, negated) -> list:
        """Disjoint nodes whose union is node ∧ ¬negated."""
        if negated is True or negated == {}:
            return []
        if negated is False:
            return [node]
        negated = closed_part(negated)       # its own unevaluated keywords, read as it evaluates
        # unknown keywords assert nothing; internal ones (from merging) do
        keys = {k for k in negated if k in STANDARD or k.startswith(INTERNAL)} - ANNOTATIONS
        groups = _negation_groups({k: negated[k] for k in keys})
        if len(groups) > 1:
            # not (G1 and G2 ...) = not G1 | (G1 and not G2) | ...: disjoint, one group at a time
            out, prefix = [], node
            for group in groups[:-1]:
                out += self.negate(prefix, group)
                prefix = merge(prefix, group)
                if prefix is False:
                    return out
            return out + self.negate(prefix, groups[-1])
        if keys in ({"anyOf"}, {"oneOf"}):
            # not (B1 or B2 ...) = not B1 and not B2 ...; a oneOf is the union of its disjoint
            # exactly-one pieces
            branches = [self.flatten(branch, "#", 0) for branch in negated[min(keys)]]
            nodes = [node]
            for branch in branches if keys == {"anyOf"} else self.one_of(branches):
                nodes = _bounded([v for n in nodes for v in self.negate(n, branch)])
            return nodes
        if keys == {ONLY_TYPES}:
            left = value_types(node) - set(negated[ONLY_TYPES])
            return [dict(node, **{ONLY_TYPES: sorted(left)})] if left else []
        outside = value_types(node) - type_set(negated)          # values of types negated rejects
        rest = [dict(node, **{ONLY_TYPES: sorted(outside)})] if outside and "type" in negated else []
        touched = {KEYWORD_TYPE.get(k) for k in keys - {"type"}}
        if keys <= {"type"} or (None not in touched and not _types_of(touched) & value_types(node)):
            # negated's other keywords constrain none of node's types: those values meet them
            return rest
        if keys <= {"type", "enum"} and "enum" in negated:
            inside = dict(node, **{EXCLUDED: node.get(EXCLUDED, []) + list(negated["enum"])})
            if "enum" in node:
                inside = dict(node, enum=[v for v in node["enum"] if not has_value(negated["enum"], v)])
            if "type" in negated:
                inside = merge(inside, {"type": negated["type"]})
            return rest + [inside]
        if keys == {"not"}:
            return [merge(node, closed_part(self.flatten(negated["not"], "#", 0)))]
        if keys <= _OBJECT_GROUP and "object" in type_set(negated) and "object" in value_types(node):
            # an object breaks `negated` by lacking a required name (the first one it lacks), by
            # a member value that breaks its property schema (the first such property), or by
            # an additional member that breaks its additionalProperties: one of node's declared
            # names (the first such), else (node open to other names) some other member
            names, props = list(negated.get("required", [])), negated.get("properties", {})
            extra = negated.get("additionalProperties", True)
            limited = extra is not True and extra != {}
            node = merge(node, {"type": ["object"]})
            node = self.declared(node, names + list(props) + (node.get("required", []) if limited else []))
            members = dict(props)
            open_to_others = False
            if limited:
                if node.get("patternProperties"):
                    raise CannotNegate("`not` of additionalProperties on an object with patternProperties")
                members.update({k: extra for k in node["properties"] if k not in props})
                open_to_others = node.get("additionalProperties", self.options.additional_properties) is not False
            # a required name lacking or bad is one piece (`properties` alone: absent or bad)
            kept = {k: members[k] for k in names if k in members}
            objects = [merge(node, {"required": names[:i], "properties": dict(
                {j: kept[j] for j in names[:i] if j in kept}, **{k: {"not": members[k]} if k in members else False})})
                for i, k in enumerate(names)]
            complete = merge(node, {"required": names, "properties": kept})
            optional = [k for k in members if k not in names]
            for i, k in enumerate(optional):
                earlier = {j: members[j] for j in optional[:i]}
                objects.append(merge(complete, {"required": [k], "properties": dict(earlier, **{k: {"not": members[k]}})}))
            if open_to_others:       # every declared member fine: an undeclared one breaks `extra`
                fine = merge(complete, {"properties": {k: members[k] for k in optional}})
                if fine is not False:
                    objects.append(with_witness(fine, {"schema": {"not": extra}}))
            return rest + [v for v in objects if v is not False]
        if keys == {"propertyNames"}:
            return self._bad_name(node, negated["propertyNames"])
        if keys == {"multipleOf"} and Decimal(str(negated["multipleOf"])) % 1 == 0:
            # no non-integer is a multiple of an integer; integers are kept by remainder
            numbers = value_types(node) & {"number", "integer"}
            pieces = [merge(node, {ONLY_TYPES: ["number"]})] if "number" in numbers else []
            if numbers:
                pieces.append(merge(node, {ONLY_TYPES: ["integer"], NOT_MULTIPLE: [int(negated["multipleOf"])]}))
            return [piece for piece in pieces if piece is not False]
        if "contains" in keys and negated.get("minContains", 1) == 1 and "maxContains" not in negated:
            # no item meets `contains` (non-arrays meet it: they are excluded)
            arrays = merge(node, {"type": ["array"], "items": {"not": negated["contains"]}})
            return [] if arrays is False else [arrays]
        if keys == {"items"} and isinstance(negated["items"], (dict, bool)):
            # an array breaks `items` by containing an item outside it: when node's items and the
            # negated ones share no value, every non-empty array of node does; when they are the
            # same, none
            if "array" not in value_types(node) or negated["items"] is True or negated["items"] == {}:
                return []
            mine, theirs = (self.flatten(n.get("items", True), "#", 0) for n in (node, negated))
            if "prefixItems" not in node and json_equal(mine, theirs):
                return []          # node's arrays all meet `items`
            if "prefixItems" in node or "contains" in node:
                raise CannotNegate("`not` of items next to prefixItems or contains")
            if pairwise_disjoint([mine, theirs], lambda n: self.flatten(n, "#", 0)):
                return [merge(node, {"type": ["array"], "minItems": 1})]
            return [merge(node, {"type": ["array"], "contains": {"not": negated["items"]}})]
        if keys - {"type"} <= _RANGE_KEYWORDS | set(_TEXT_KEYWORDS):
            text = {k: negated[k] for k in _TEXT_KEYWORDS if k in negated}
            if not text or "string" not in value_types(node) & type_set(negated):
                return rest + [merge(node, v) for v in _range_violations(negated, value_types(node))]
            # strings break `negated` by their length, or (length kept) by their text
            lengths = {k: v for k, v in negated.items() if k in ("minLength", "maxLength")}
            by_text = merge(node, dict(lengths, type="string", **{NOT_MATCHING: [text]}))
            others = {k: v for k, v in negated.items() if k not in text}
            return rest + [merge(node, v) for v in _range_violations(others, value_types(node))] + [by_text]
        raise CannotNegate("only `not` of types, enum/const values, required names and ranges is supported")


    def _bad_name(self, node: dict, names_schema) -> list:
        """Objects of `node` with a member name that breaks `names_schema`: one of node's
        declared names (the first such present), else some other member."""
        if INTERNAL in json.dumps(names_schema):       # unknown to the jsonschema validator
            raise CannotNegate("`not` of propertyNames with merged keywords")
        node = merge(node, {"type": ["object"]})
        if node is False:
            return []
        inner = names_schema.get("not") if isinstance(names_schema, dict) and \
            set(names_schema) - ANNOTATIONS == {"not"} else None
        bad_keys = True if names_schema is False else inner if inner is not None else {"not": names_schema}
        bad = [k for k in declared_names(node) if not self.doc.valid(k, names_schema)]
        pieces = [merge(node, {"required": [k], "properties": {j: False for j in bad[:i]}}) for i, k in enumerate(bad)]
        others = merge(node, {"properties": {j: False for j in bad}})
        if others is not False:
            pieces.append(with_witness(others, {"keys": bad_keys}))
        return [p for p in pieces if p is not False]


def with_witness(node: dict, witness: dict) -> dict:
    """`node` whose objects also have a member, other than the ones it names, that meets
    `witness` ({"keys": K, "schema": S}, each optional)."""
    names = declared_names(node)
    held = node.get(SOME_MEMBER, {"names": names, "witnesses": []})
    if set(held["names"]) != set(names):
        raise CannotNegate("a negated additionalProperties or propertyNames next to other names")
    if len(held["witnesses"]) >= MAX_WITNESSES:
        raise CannotNegate(f"more than {MAX_WITNESSES} negated additionalProperties or propertyNames")
    return dict(node, **{SOME_MEMBER: {"names": names, "witnesses": held["witnesses"] + [witness]}})


_OBJECT_GROUP = frozenset({"type", "required", "properties", "additionalProperties"})
_TEXT_KEYWORDS = ("pattern", "format", ALSO_MATCHING)


def _negation_groups(negated: dict) -> list[dict]:
    """`negated`'s keywords as a conjunction of groups that `negate` handles one at a time:
    type; enum; required + properties; ranges + pattern/format; contains with its counts;
    each other keyword alone."""
    groups: dict[str, dict] = {"type": {}, "enum": {}, "object": {}, "text": {}}    # this order:
    for k, v in sorted(negated.items()):     # counts are negated after the required names
        name = "type" if k == "type" else "enum" if k == "enum" else "object" if k in _OBJECT_GROUP \
            else "text" if k in _RANGE_KEYWORDS or k in _TEXT_KEYWORDS \
            else "contains" if k in ("contains", "minContains", "maxContains") else k
        groups.setdefault(name, {})[k] = v
    return [g for g in groups.values() if g]


_COUNTED = (("string", "minLength", "maxLength"), ("array", "minItems", "maxItems"),
            ("object", "minProperties", "maxProperties"))
_RANGE_KEYWORDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                             *(k for _, lo, hi in _COUNTED for k in (lo, hi))})


def _range_violations(negated: dict, types: set[str]) -> list[dict]:
    """Disjoint schemas of the values (of `types`) that break a range keyword of `negated`
    (a schema of type and range keywords only); values of other types satisfy it or are
    handled by the caller."""
    wanted = type_set(negated) & types
    out = []
    for kind, lo_key, hi_key in _COUNTED:
        if kind in wanted and (lo_key in negated or hi_key in negated):
            lo, hi = negated.get(lo_key, 0), negated.get(hi_key)
            if hi is not None and lo > hi:
                out.append({"type": [kind]})
                continue
            if lo > 0:
                out.append({"type": [kind], hi_key: lo - 1})
            if hi is not None:
                out.append({"type": [kind], lo_key: hi + 1})
    numbers = sorted(wanted & {"number", "integer"})
    if numbers and set(negated) & {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}:
        lo, lo_inc = schema_bound(negated, "minimum", "exclusiveMinimum", max)
        hi, hi_inc = schema_bound(negated, "maximum", "exclusiveMaximum", min)
        if lo is not None and hi is not None and (lo > hi or (lo == hi and not (lo_inc and hi_inc))):
            return out + [{"type": numbers}]
        if lo is not None:
            out.append({"type": numbers, "exclusiveMaximum" if lo_inc else "maximum": json_number(lo)})
        if hi is not None:
            out.append({"type": numbers, "exclusiveMinimum" if hi_inc else "minimum": json_number(hi)})
    return out


def numbers_between_excluded(node: dict, excluded: list) -> list[dict]:
    """`node`'s numbers as pieces that leave out the excluded numbers (open intervals between them)."""
    cuts = sorted({v for v in excluded if isinstance(v, (int, float)) and not isinstance(v, bool)})
    pieces = []
    for lo, hi in zip([None] + cuts, cuts + [None]):
        piece = node
        if lo is not None:
            piece = merge(piece, {"exclusiveMinimum": lo})
        if hi is not None:
            piece = merge(piece, {"exclusiveMaximum": hi})
        pieces.append(piece)
    return pieces


def value_types(node: dict) -> set[str]:
    return type_set(node) & set(node.get(ONLY_TYPES, type_set(node)))


def has_value(values: list, value) -> bool:
    return any(json_equal(value, v) for v in values)


def _types_of(kinds: set) -> set[str]:
    """Type names of keyword type classes (the number class covers integers)."""
    return set(kinds) | ({"integer"} if "number" in kinds else set())
