"""Schema input, validation, `$ref` resolution, draft spellings and `allOf` merging.

`SchemaDoc` holds one root schema: its draft, every subschema by JSON pointer, `$id`/`$anchor`
targets, and a jsonschema validator (used to filter `enum` values exactly). `normalized(node)`
rewrites older spellings to Draft 2020-12 (tuple `items` -> `prefixItems`, `dependencies` ->
`dependentRequired`/`dependentSchemas`, boolean `exclusiveMinimum`, `const` -> `enum`,
OpenAPI `nullable`, `if`/`then`/`else` -> two disjoint `anyOf` branches). `merge(a, b)` is the exact intersection of two normalized schemas or
raises NotMergeable; it never drops a constraint.
"""
from __future__ import annotations

import functools

import json
import math
import re
from urllib.parse import unquote, urldefrag, urljoin

from jsonschema import validators

from constrain.errors import SchemaError, UnsupportedSchemaError
from constrain.grammars.json_schema.metaschema import metaschema_validator
from constrain.grammars.json_schema.metaschema_quick import is_json_type, quick_check
from constrain.grammars.json_schema.yes_no import yes_no

# internal, an annotation (member order, no assertion): {"anyOf"|"oneOf": [names]}, the
# property names written before that keyword across the allOf/$ref parts flatten merged (the
# names a branch adds go right after them)
BRANCH_PLACES = "$constrain:branch_places"
ANNOTATIONS = frozenset({
    "title", "description", "default", "examples", "example", "$comment", "readOnly", "writeOnly",
    "deprecated", "$schema", "$id", "id", "$anchor", "$dynamicAnchor", "$recursiveAnchor",
    "$vocabulary", "$defs", "definitions", "contentEncoding", "contentMediaType", "contentSchema",
    "discriminator", "xml", "externalDocs",
    BRANCH_PLACES,
})
# Every standard assertion/applicator keyword; others (x-*, vendor keys) are annotations per spec.
STANDARD = frozenset({
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "format", "maxItems", "minItems",
    "uniqueItems", "maxContains", "minContains", "contains", "items", "prefixItems",
    "additionalItems", "unevaluatedItems", "maxProperties", "minProperties", "required",
    "dependentRequired", "dependentSchemas", "dependencies", "properties", "patternProperties",
    "additionalProperties", "unevaluatedProperties", "propertyNames", "allOf", "anyOf", "oneOf",
    "not", "if", "then", "else", "$ref", "$dynamicRef", "$recursiveRef", "nullable",
})
TYPES = ("null", "boolean", "object", "array", "number", "integer", "string")
_LEGACY_DRAFTS = ("draft-03", "draft-04", "draft-06", "draft-07")


def load_schema(schema) -> dict | bool:
    """A dict/bool schema from a dict, a JSON string, or a pydantic model class."""
    if isinstance(schema, (dict, bool)):
        return schema
    if isinstance(schema, (str, bytes)):
        try:
            return json.loads(schema)
        except json.JSONDecodeError as e:
            raise SchemaError(f"schema is not valid JSON: {e}") from None
    if isinstance(schema, type) and hasattr(schema, "model_json_schema"):
        return schema.model_json_schema()
    raise SchemaError(f"a schema must be a dict, a JSON string or a pydantic model class, not {type(schema).__name__}")


#: `json.dumps(value, ensure_ascii=False)`: one encoder for every call (`json.dumps` builds an
#: encoder per call when given an option, most of the cost of the emitter's short texts)
json_text = json.JSONEncoder(ensure_ascii=False).encode


def pointer_join(pointer: str, *parts) -> str:
    for part in parts:
        part = str(part)
        if "~" in part or "/" in part:
            part = part.replace("~", "~0").replace("/", "~1")
        pointer += "/" + part
    return pointer


def split_reference(base: str, ref: str) -> tuple[str, str]:
    """(absolute URI without its fragment, fragment) of `ref` read against `base`. A
    fragment-only ref stays in the base's resource whatever its scheme: urllib's urljoin does
    not resolve against URIs such as `urn:` or `tag:` ones and would drop the base."""
    if ref.startswith("#"):
        return urldefrag(base)[0], ref[1:]
    return urldefrag(urljoin(base, ref))


def _holds_ref(node) -> bool:
    """Whether a `$ref` key appears anywhere in `node` (data included: a safe overestimate)."""
    if isinstance(node, dict):
        return "$ref" in node or any(_holds_ref(v) for v in node.values())
    return isinstance(node, list) and any(_holds_ref(v) for v in node)


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


class SchemaDoc:
    def __init__(self, root):
        self.root = root
        cls = validators.validator_for(root if isinstance(root, dict) else {}, default=validators.Draft202012Validator)
        quick = quick_check(cls)
        # the error at the least path (jsonschema's own order of errors varies between runs)
        error = None if quick is not None and quick(root) else min(
            metaschema_validator(cls).iter_errors(root), default=None,
            key=lambda e: ([str(p) for p in e.absolute_path], e.message))
        if error is not None:
            pointer = "#" + "".join(pointer_join("", p) for p in error.absolute_path)
            raise SchemaError(f"invalid schema: {error.message}", pointer)
        self.draft = cls.META_SCHEMA.get("$schema", "")
        self.legacy = any(d in self.draft for d in _LEGACY_DRAFTS)
        #: a number with a zero fraction (1.0) is an integer from draft 6 on, not in drafts 3 and 4
        self.integral_floats = not any(d in self.draft for d in ("draft-03", "draft-04"))
        self._cls = cls
        self.by_id: dict[str, str] = {}      # absolute URI (no fragment) -> pointer
        self.anchors: dict[str, str] = {}    # absolute URI#anchor -> pointer
        self._bases: dict[str, str] = {}     # pointer -> base URI, where it differs from the parent's
        self._written: set[int] = set()      # ids of the document's own schema objects
        self._resolved: dict[tuple[str, str], str] = {}   # (base, $ref) -> its target pointer
        if isinstance(root, dict):
            self._index(root, [], "")

    @functools.cached_property
    def validator(self):
        """A jsonschema validator of the document (its draft, formats and references), built on
        first use: most schemas never validate a value while compiling."""
        return yes_no(self._cls)(self.root, format_checker=self._cls.FORMAT_CHECKER)

    def _index(self, node, path: list, base: str) -> None:
        """Record `node` (reached by the pointer tokens `path`) and what it holds: written
        schema objects, `$id` targets, anchors, and the bases that differ from the parent's."""
        if isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, (dict, list)):
                    path.append(i)
                    self._index(item, path, base)
                    path.pop()
            return
        self._written.add(id(node))
        ident = node.get("$id", node.get("id") if self.legacy else None)
        if self.legacy and "$ref" in node:      # before 2019-09, $ref overrides its siblings, $id too
            ident = None
        anchor = node.get("$anchor")
        if isinstance(ident, str) or isinstance(anchor, str) or not path:
            pointer = pointer_join("#", *path)
            if isinstance(ident, str):
                uri, frag = split_reference(base, ident)
                if uri:
                    base = uri
                    self.by_id.setdefault(uri, pointer)
                if frag and not frag.startswith("/"):
                    self.anchors.setdefault(f"{uri}#{frag}", pointer)
            if isinstance(anchor, str):
                self.anchors.setdefault(f"{base}#{anchor}", pointer)
            if base != self.base_at(pointer) or not path:
                self._bases[pointer] = base
        for key, value in node.items():
            if isinstance(value, (dict, list)) and key not in ("enum", "const", "examples", "default", "example"):
                path.append(key)
                self._index(value, path, base)
                path.pop()

    def base_at(self, pointer: str) -> str:
        """The base URI that `$ref`s written at `pointer` resolve against (that of the
        innermost enclosing `$id`, else the root's)."""
        if len(self._bases) <= 1:
            return self._bases.get("#", "")
        while pointer not in self._bases and "/" in pointer:
            pointer = pointer.rpartition("/")[0]
        return self._bases.get(pointer, "")

    def refs_move(self, part, where: str, pointer: str) -> bool:
        """Whether `part` (the subschema at `where`) holds a `$ref` that would resolve
        differently once merged into the node at `pointer` (another base: an `$id` between)."""
        return self.base_at(where) != self.base_at(pointer) and _holds_ref(part)

    def ref_only(self, node) -> bool:
        """Whether `node`'s `$ref` overrides its siblings: drafts before 2019-09, and only in
        schemas as written (a node made by merging a `$ref` with constraints from elsewhere,
        e.g. allOf or a negation, means all of them)."""
        return self.legacy and isinstance(node, dict) and "$ref" in node and id(node) in self._written

    def normalized(self, node) -> dict | bool:
        """`normalized(node)` under this document's draft (see `ref_only`); before 2019-09,
        unevaluatedProperties and unevaluatedItems are no keywords (dropped)."""
        out = normalized(node, self.ref_only(node))
        if self.legacy and isinstance(out, dict):
            out.pop("unevaluatedProperties", None)
            out.pop("unevaluatedItems", None)
        return out

    def resolve(self, ref: str, pointer: str) -> str:
        """The pointer of the subschema `ref` (found at `pointer`) refers to (remembered per
        base and ref once found; a ref that fails raises at each place it is written)."""
        base = self.base_at(pointer)
        found = self._resolved.get((base, ref))
        if found is None:
            found = self._resolved[base, ref] = self._resolve(ref, base, pointer)
        return found

    def _resolve(self, ref: str, base: str, pointer: str) -> str:
        uri, frag = split_reference(base, ref)
        root_uri = self.base_at("#")
        if uri and uri != root_uri and uri not in self.by_id:
            raise UnsupportedSchemaError("$ref", pointer, f"remote reference {ref!r}")
        doc_pointer = self.by_id.get(uri, "#") if uri else "#"
        if frag and not frag.startswith("/"):
            target = self.anchors.get(f"{uri}#{frag}")
            if target is None:
                raise SchemaError(f"$ref {ref!r}: unknown anchor", pointer)
            return target
        target = doc_pointer + unquote(frag) if frag else doc_pointer
        self.get(target, pointer, ref)
        return target

    def get(self, target: str, pointer: str = "#", ref: str = ""):
        node = self.root
        for token in target[1:].split("/")[1:] if target != "#" else []:
            token = _unescape(token)
            if isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            elif isinstance(node, dict) and token in node:
                node = node[token]
            else:
                raise SchemaError(f"$ref {ref or target!r} points to nothing", pointer)
        return node

    def valid(self, instance, node) -> bool:
        return self.validator.evolve(schema=node).is_valid(instance)

    def enum_values(self, node: dict) -> list:
        """The values of `node`'s `enum` that `node` accepts: those meeting its other keywords
        (each value is in the enum, so that is not checked again: a quadratic cost for long
        enums), without those equal to nothing, such as NaN, that no enum holds. Other
        keywords that assert at most a type and a pattern are checked here, without jsonschema."""
        values, rest = node["enum"], {k: v for k, v in node.items() if k != "enum"}
        meets_the_rest = _quick_check(rest, values, self._cls.VALIDATORS) or self.validator.evolve(schema=rest).is_valid
        return [v for v in values if json_equal(v, v) and meets_the_rest(v)]


def _quick_check(rest: dict, values: list, asserting):
    """A test of the values meeting `rest` when, of the keywords `asserting` (those the draft's
    jsonschema validator asserts with), it has at most `type` and `pattern`: tested as
    jsonschema tests them (a string's pattern with Python's `re.search`). None otherwise, or
    when an integral float meets "integer", which drafts 6 and later count as one: jsonschema's
    draft decides that."""
    if "$schema" in rest or any(k in asserting and k not in ("type", "pattern") for k in rest):
        return None
    names = rest.get("type", TYPES)
    names = [names] if isinstance(names, str) else names
    pattern = rest.get("pattern")
    if not all(isinstance(n, str) and n in TYPES for n in names) or not isinstance(pattern, (str, type(None))):
        return None
    if "integer" in names and "number" not in names and any(type(v) is float for v in values):
        return None
    return lambda v: (any(is_json_type(v, n, False) for n in names)
                      and (pattern is None or type(v) is not str or re.search(pattern, v) is not None))


def normalized(node, legacy: bool) -> dict | bool:
    """`node` with older spellings rewritten (see the module docstring); a new dict."""
    if isinstance(node, bool):
        return node
    out = dict(node)
    if legacy and "$ref" in out:
        return {"$ref": out["$ref"]}
    if "const" in out:
        const = out.pop("const")
        out["enum"] = [v for v in out.get("enum", [const]) if json_equal(v, const)]
    for key, plain in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(key), bool):
            if out.pop(key) and plain in out:
                out[key] = out.pop(plain)
    if isinstance(out.get("items"), list):
        out["prefixItems"] = out.pop("items")
        if "additionalItems" in out:
            out["items"] = out.pop("additionalItems")
    else:
        out.pop("additionalItems", None)
    if "dependencies" in out:
        for k, v in out.pop("dependencies").items():     # new dicts: `node`'s own stay as written
            kind = "dependentRequired" if isinstance(v, list) else "dependentSchemas"
            out[kind] = {**out.get(kind, {}), k: v}
    if "if" in out:
        out["anyOf"] = conjunction(out["anyOf"], _if_branches(out)) if "anyOf" in out else _if_branches(out)
    out.pop("then", None)              # without `if`, then/else assert nothing
    out.pop("else", None)
    if out.get("nullable") is True:
        if "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = list(types) + ["null"]
        if "enum" in out:
            out["enum"] = list(out["enum"]) + [None]
    out.pop("nullable", None)
    return out


def _if_branches(node: dict) -> list:
    """if/then/else as two disjoint anyOf branches: (if and then) or (not if and else)."""
    condition, then, otherwise = node.pop("if"), node.get("then", True), node.get("else", True)
    if condition is True or condition == {}:
        return [then]
    if condition is False:
        return [otherwise]
    return [{"allOf": [condition, then]}, {"allOf": [{"not": condition}, otherwise]}]


MAX_CONJUNCTION = 64


def conjunction(a: list, b: list) -> list:
    """The anyOf branches of anyOf(a) and anyOf(b): every pair, as an allOf."""
    if len(a) * len(b) > MAX_CONJUNCTION:
        raise NotMergeable("anyOf")
    return [{"allOf": [x, y]} for x in a for y in b]


def json_equal(a, b) -> bool:
    """JSON Schema equality (1 == 1.0, but True != 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


# keywords the emitter adds to a node for what `not` removed (lists, merged by union), and
# the types it keeps (merged by intersection)
INTERNAL = "$constrain:"
INTERNAL_TYPES = "$constrain:types"
ALSO_MATCHING = INTERNAL + "patterns"     # more ECMA-262 patterns a string must also match
NOT_MATCHING = INTERNAL + "not_matching"    # string constraints ({pattern, format}) a value must fail
BRANCH_GROUPS = INTERNAL + "branch_groups"     # more [anyOf|oneOf, branches] a value must also meet
NOT_MULTIPLE = INTERNAL + "not_multiple_of"     # integers a number must not be a multiple of
# {"names": [...], "witnesses": [{"schema": S, "keys": K}, ...]} (S, K optional): for each
# witness, some member whose name is not in `names` (and meets K) has a value meeting S
SOME_MEMBER = INTERNAL + "some_member"


# the type whose values a keyword constrains (absent: every type)
KEYWORD_TYPE = {
    **dict.fromkeys(("required", "properties", "additionalProperties", "patternProperties",
                     "propertyNames", "minProperties", "maxProperties", "dependentRequired",
                     "dependentSchemas", "dependencies", "unevaluatedProperties", SOME_MEMBER), "object"),
    **dict.fromkeys(("items", "prefixItems", "additionalItems", "contains", "minContains",
                     "maxContains", "minItems", "maxItems", "uniqueItems", "unevaluatedItems"), "array"),
    **dict.fromkeys(("pattern", "format", "minLength", "maxLength", ALSO_MATCHING,
                     NOT_MATCHING), "string"),
    **dict.fromkeys(("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
                     NOT_MULTIPLE), "number"),
}


def declared_names(node: dict) -> list[str]:
    """The member names an object schema names: its properties, then its other required names."""
    return list(dict.fromkeys([*node.get("properties", {}), *node.get("required", [])]))


def asserting(node: dict) -> set[str]:
    """The keywords of `node` that assert something (standard or internal, not annotations)."""
    return {k for k in node if (k in STANDARD or k.startswith(INTERNAL)) and k not in ANNOTATIONS}


class NotMergeable(Exception):
    """Two schemas whose intersection has no exact representation here (carries the keyword)."""


def type_set(node: dict) -> set[str]:
    t = node.get("type")
    if t is None:
        return set(TYPES)
    types = set(t if isinstance(t, list) else [t])
    if "number" in types:
        types.add("integer")
    return types


def _type_list(types: set[str]) -> list[str]:
    if {"number", "integer"} <= types:
        types = types - {"integer"}
    return [t for t in TYPES if t in types]


def has_unevaluated(node) -> bool:
    return isinstance(node, dict) and ("unevaluatedProperties" in node or "unevaluatedItems" in node)


def merge_applied(a, b) -> dict | bool:
    """The intersection of two schemas that different keywords apply to the same value (two
    `properties` schemas of one member, say): each one's unevaluatedProperties/Items sees
    only its own annotations, so such a pair stays an allOf, whose parts `flatten` reads
    one by one (unevaluated.py); `merge` otherwise."""
    if has_unevaluated(a) or has_unevaluated(b):
        return {"allOf": [a, b]}
    return merge(a, b)


def merge(a, b) -> dict | bool:
    """The intersection of two normalized schemas (without `$ref`/`allOf`, resolved by the
    caller); their subschemas meet by `merge_applied`. An unevaluated keyword of `a` or `b`
    stays as it is: the caller makes sure it may see what the other side evaluates."""
    if a is True or a == {}:
        return b
    if b is True or b == {}:
        return a
    if a is False or b is False:
        return False
    if "$ref" in a or "$ref" in b:
        return {"allOf": [a, b]}       # nested schemas: intersected when emitted (flatten)
    a, b = _read_normalized(a), _read_normalized(b)      # nested schemas arrive as written
    out = dict(a)
    for key, vb in b.items():
        if key == BRANCH_PLACES:        # set below
            continue
        if key not in out:
            out[key] = vb
            continue
        va = out[key]
        if json_equal(va, vb) and key not in ("properties", "additionalProperties", "patternProperties"):
            continue
        if key == "pattern":       # both must match: the second one is kept aside
            out[ALSO_MATCHING] = out.get(ALSO_MATCHING, []) + [vb]
            continue
        if key == "oneOf" or (key == "anyOf" and len(va) * len(vb) > MAX_CONJUNCTION):
            out[BRANCH_GROUPS] = out.get(BRANCH_GROUPS, []) + [[key, vb]]     # applied one group after another
            continue
        out[key] = _merge_keyword(key, va, vb, a, b)
    if "type" in a or "type" in b:
        types = type_set(a) & type_set(b)
        out["type"] = _type_list(types)
    for side, other in ((a, b), (b, a)):
        _close_properties(out, side, other)
    if "prefixItems" in a or "prefixItems" in b:
        _merge_positions(out, a, b)
    if BRANCH_PLACES in a or BRANCH_PLACES in b:
        places = _merged_places(a, b)      # out is a fresh dict: set in place
        out.pop(BRANCH_PLACES, None)
        if places:
            out[BRANCH_PLACES] = places
    return out


# the keywords `normalized` rewrites (not `$ref`: only in legacy documents, which merge never reads)
_REWRITTEN = frozenset({"const", "exclusiveMinimum", "exclusiveMaximum", "items", "additionalItems",
                        "dependencies", "if", "then", "else", "nullable"})


def _read_normalized(node: dict) -> dict:
    """`normalized(node, False)` for a caller that only reads it: `node` itself when it has no
    keyword that normalizing rewrites (merge copies before it writes)."""
    return node if _REWRITTEN.isdisjoint(node) else normalized(node, False)


def with_places(node, places: dict):
    """`node` with its BRANCH_PLACES set to `places` (none when empty); a new dict."""
    if not isinstance(node, dict):
        return node
    node = {k: v for k, v in node.items() if k != BRANCH_PLACES}
    return {**node, BRANCH_PLACES: places} if places else node


def _merged_places(a: dict, b: dict) -> dict:
    """BRANCH_PLACES of merge(a, b): a's, and for the anyOf/oneOf only b has, a's property
    names (which come first) and then those b records before it."""
    places = dict(a.get(BRANCH_PLACES, {}))
    earlier, recorded = list(a.get("properties", {})), b.get(BRANCH_PLACES, {})
    for kw in ("anyOf", "oneOf"):
        if kw in recorded and kw not in a:
            places[kw] = earlier + [name for name in recorded[kw] if name not in earlier]
    return places


def _merge_positions(out: dict, a: dict, b: dict) -> None:
    """Item i must satisfy both sides' schema for position i (prefixItems[i], else items)."""
    def at(side, i):
        prefix = side.get("prefixItems", [])
        return prefix[i] if i < len(prefix) else side.get("items", True)
    n = max(len(a.get("prefixItems", [])), len(b.get("prefixItems", [])))
    out["prefixItems"] = [merge_applied(at(a, i), at(b, i)) for i in range(n)]


def _merge_keyword(key, va, vb, a, b):
    if key in ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains"):
        return max(va, vb)
    if key in ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains"):
        return min(va, vb)
    if key == "type":
        return va
    if key == "enum":
        return [x for x in va if any(json_equal(x, y) for y in vb)]
    if key == "required":
        return list(dict.fromkeys(list(va) + list(vb)))
    if key == "uniqueItems":
        return va or vb
    if key == "multipleOf" and all(isinstance(v, int) for v in (va, vb)):
        return va * vb // math.gcd(va, vb)
    if key in ("properties", "patternProperties", "dependentSchemas"):
        merged = dict(va)
        for k, v in vb.items():
            merged[k] = merge_applied(merged[k], v) if k in merged else v
        return merged
    if key == "dependentRequired":
        merged = dict(va)
        for k, v in vb.items():
            merged[k] = list(dict.fromkeys(merged.get(k, []) + list(v)))
        return merged
    if key in ("additionalProperties", "items", "propertyNames", "contains"):
        if key == "contains":
            raise NotMergeable(key)
        return merge_applied(va, vb)
    if key == "prefixItems":
        return va    # recomputed position by position in _merge_positions
    if key == "not":
        return {"anyOf": [va, vb]}       # not A and not B = not (A or B)
    if key == "anyOf":
        return conjunction(va, vb)
    if key == INTERNAL_TYPES:
        return [t for t in va if t in vb]
    if key == SOME_MEMBER:          # both sides' witnesses, among the same other members
        if set(va["names"]) != set(vb["names"]):
            raise NotMergeable("additionalProperties")
        return dict(va, witnesses=va["witnesses"] + vb["witnesses"])
    if key.startswith(INTERNAL):
        return va + [v for v in vb if v not in va]     # lists of exclusions: both apply
    if key in ANNOTATIONS or key not in STANDARD:
        return va
    raise NotMergeable(key)


def _close_properties(out: dict, side: dict, other: dict) -> None:
    """`side`'s additionalProperties also constrains the properties only `other` declares."""
    extra = side.get("additionalProperties")
    if extra is None or extra is True:
        return
    mine = side.get("properties", {})
    for k in other.get("properties", {}):
        if k not in mine:
            if side.get("patternProperties"):
                raise NotMergeable("patternProperties")
            out["properties"] = dict(out.get("properties", {}))
            out["properties"][k] = merge_applied(out["properties"][k], extra)
    for k in other.get("required", []):
        if k not in mine and extra is False and not side.get("patternProperties"):
            out["properties"] = dict(out.get("properties", {}))
            out["properties"][k] = False
    if other.get("patternProperties") and not json_equal(other.get("patternProperties"), side.get("patternProperties")):
        raise NotMergeable("patternProperties")
