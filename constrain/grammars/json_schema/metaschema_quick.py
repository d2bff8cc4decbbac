"""A quick metaschema check: the metaschema compiled once per draft into Python closures.

jsonschema validates a schema against its metaschema by interpreting the metaschema at each
node (a validator object evolved per step), which was about a sixth of compiling a typical
schema. The metaschemas use a dozen keywords; `quick_check(cls)` compiles them into plain
functions. Any keyword, `$ref` or value it does not model makes it decline to build (None).

Invariant (one-sided): `quick_check(cls)(schema)` is True only when
`metaschema_validator(cls)` reports no error for `schema`. False means "invalid, or not
decided here" (a value of a Python type that is not JSON's, `uniqueItems` over arrays or
objects, an `anyOf` none of whose branches passes); the caller then runs jsonschema, which
decides and locates the error. tests/test_json_schema_metaschema.py checks the implication
on the benchmark's schemas and on mutated ones.
"""
from __future__ import annotations

import functools
import re
from typing import Callable
from urllib.parse import unquote

from constrain.grammars.json_schema.metaschema import metaschema_validator

Check = Callable[[object], bool]

_ANNOTATIONS = frozenset({"title", "description", "$comment", "default", "deprecated", "examples",
                          "$schema", "$id", "id", "$defs", "definitions", "readOnly", "writeOnly"})
_LEGACY = ("draft-03", "draft-04", "draft-06", "draft-07")
_PROBES = (0, 1, -1, 1.0, 1.5, float("inf"), True, False, None, "", "x", [], [1], {}, {"a": 1})
_TYPES = ("null", "boolean", "object", "array", "number", "integer", "string")
# the Python types of json.loads' values: a keyword passes the other JSON types, as jsonschema
# does, and leaves any other type undecided (False)
_JSON_TYPES = frozenset({dict, list, str, int, float, bool, type(None)})
_NUMBERS = frozenset({int, float})
# the Python types of each JSON type name (an integral float aside: see `is_json_type`)
_PYTHON_TYPES = {"object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,), "null": (type(None),),
                 "number": (int, float), "integer": (int,)}


class _Unsupported(Exception):
    """The metaschema uses something this module does not model."""


@functools.lru_cache(maxsize=None)
def quick_check(cls) -> Check | None:
    """The quick check of schemas of `cls`'s draft, or None when its metaschema uses
    something not modelled here (then only jsonschema can check)."""
    validator = metaschema_validator(cls)
    try:
        return _Compiler(validator).schema(validator.schema)
    except _Unsupported:
        return None


def _always(x) -> bool:
    return True


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]

    def check(x) -> bool:
        for c in checks:
            if not c(x):
                return False
        return True
    return check


class _Compiler:
    def __init__(self, validator):
        self.root = validator.schema
        self.format_checker = validator.format_checker
        self.legacy = any(d in validator.META_SCHEMA.get("$schema", "") for d in _LEGACY)
        self.integral_floats = self._type_semantics(validator)
        # Draft 4: exclusiveMinimum is a boolean read by minimum, not a keyword of its own
        self.boolean_exclusive = "exclusiveMinimum" not in type(validator).VALIDATORS
        self.refs: dict[str, Check] = {}

    @staticmethod
    def _type_semantics(validator) -> bool:
        """Whether a float with an integral value is an "integer" (drafts 6+), after checking
        that `is_json_type` agrees with the validator's type checker on probe values."""
        for integral_floats in (True, False):
            if all(is_json_type(x, t, integral_floats) == validator.is_type(x, t) for x in _PROBES for t in _TYPES):
                return integral_floats
        raise _Unsupported("type semantics")

    def schema(self, node) -> Check:
        if node is True:
            return _always
        if not isinstance(node, dict):
            raise _Unsupported(repr(node))
        keys = [k for k in node if k not in _ANNOTATIONS]
        if self.legacy and "$ref" in node:
            keys = ["$ref"]              # drafts before 2019-09: $ref overrides its siblings
        return _all([self.keyword(k, node[k], node) for k in keys])

    def keyword(self, key: str, value, node) -> Check:
        build = getattr(self, "kw_" + key.lstrip("$"), None)
        if build is None:
            raise _Unsupported(key)
        return build(value, node)

    # --- keywords (each passes instances it does not apply to, as jsonschema does) ---------
    def kw_ref(self, ref, node) -> Check:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise _Unsupported(ref)
        check = self.refs.get(ref)
        if check is None:
            cell: list[Check] = []
            self.refs[ref] = lambda x: cell[0](x)   # recursion: the cell is filled below
            cell.append(self.schema(_resolve(self.root, ref)))
            check = self.refs[ref] = cell[0]
        return check

    def kw_type(self, value, node) -> Check:
        """`is_json_type` for any of the names, as a set of Python types (and a float with an
        integral value where "integer" counts it and "number" does not already)."""
        names = (value,) if isinstance(value, str) else tuple(value)
        if not set(names) <= _PYTHON_TYPES.keys():
            raise _Unsupported(f"type {value!r}")
        exact = frozenset(t for name in names for t in _PYTHON_TYPES[name])
        if self.integral_floats and "integer" in names and "number" not in names:
            return lambda x: type(x) in exact or type(x) is float and x.is_integer()
        return lambda x: type(x) in exact

    def kw_enum(self, values, node) -> Check:
        if not all(type(v) is str for v in values):
            raise _Unsupported("enum")
        allowed = frozenset(values)
        return lambda x: type(x) is str and x in allowed

    def kw_format(self, fmt, node) -> Check:
        checker = self.format_checker
        return lambda x: checker.conforms(x, fmt)

    def kw_pattern(self, pattern, node) -> Check:
        search = re.compile(pattern).search
        return lambda x: search(x) is not None if type(x) is str else type(x) in _JSON_TYPES

    def kw_minimum(self, bound, node) -> Check:
        if self.boolean_exclusive and node.get("exclusiveMinimum", False) is True:
            return lambda x: x > bound if type(x) in _NUMBERS else type(x) in _JSON_TYPES
        return lambda x: x >= bound if type(x) in _NUMBERS else type(x) in _JSON_TYPES

    def kw_exclusiveMinimum(self, bound, node) -> Check:
        if self.boolean_exclusive:
            if type(bound) is not bool:
                raise _Unsupported("exclusiveMinimum")
            return _always                   # a modifier of minimum (Draft 4)
        return lambda x: x > bound if type(x) in _NUMBERS else type(x) in _JSON_TYPES

    def kw_minItems(self, n, node) -> Check:
        return lambda x: len(x) >= n if type(x) is list else type(x) in _JSON_TYPES

    def kw_uniqueItems(self, unique, node) -> Check:
        return _distinct if unique else _always

    def kw_items(self, items, node) -> Check:
        if isinstance(items, list):
            raise _Unsupported("tuple items")
        each = self.schema(items)
        return lambda x: all(each(v) for v in x) if type(x) is list else type(x) in _JSON_TYPES

    def kw_properties(self, properties, node) -> Check:
        checks = {name: self.schema(sub) for name, sub in properties.items()}

        def check(x) -> bool:
            if type(x) is not dict:
                return type(x) in _JSON_TYPES
            for k, v in x.items():
                c = checks.get(k)
                if c is not None and not c(v):
                    return False
            return True
        return check

    def kw_additionalProperties(self, sub, node) -> Check:
        if "patternProperties" in node:
            raise _Unsupported("patternProperties")
        named = frozenset(node.get("properties", ()))
        each = self.schema(sub)
        return lambda x: (all(each(v) for k, v in x.items() if k not in named) if type(x) is dict
                          else type(x) in _JSON_TYPES)

    def kw_propertyNames(self, sub, node) -> Check:
        each = self.schema(sub)
        return lambda x: all(each(k) for k in x) if type(x) is dict else type(x) in _JSON_TYPES

    def kw_dependencies(self, dependencies, node) -> Check:
        if not all(isinstance(d, list) for d in dependencies.values()):
            raise _Unsupported("schema dependencies")
        pairs = list(dependencies.items())
        return lambda x: (all(all(d in x for d in need) for k, need in pairs if k in x) if type(x) is dict
                          else type(x) in _JSON_TYPES)

    def kw_allOf(self, branches, node) -> Check:
        return _all([self.schema(b) for b in branches])

    def kw_anyOf(self, branches, node) -> Check:
        checks = [self.schema(b) for b in branches]
        return lambda x: any(c(x) for c in checks)


def _resolve(root, ref: str):
    node = root
    for token in unquote(ref[1:]).split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def is_json_type(x, name: str, integral_floats: bool) -> bool:
    """JSON type membership for the Python types json.loads makes (False for any other type)."""
    return type(x) in _PYTHON_TYPES.get(name, ()) or (
        name == "integer" and integral_floats and type(x) is float and x.is_integer())


def _distinct(x) -> bool:
    """uniqueItems for arrays of scalars (jsonschema's equality: 1 == 1.0, True != 1); False
    (undecided) for arrays holding arrays, objects or non-JSON types."""
    if type(x) is not list:
        return type(x) in _JSON_TYPES
    seen = set()
    for v in x:
        t = type(v)
        if t is str or t is bool or v is None:
            key = (t, v)
        elif t is int or t is float:
            key = (int, v)
        else:
            return False
        if key in seen:
            return False
        seen.add(key)
    return True
