"""oneOf exactness: branches that no instance can match together (then oneOf = anyOf).

`pairwise_disjoint` is conservative: True only when disjointness is proven from types,
enum values (against the other branch's values or constraints), a member one branch
requires whose value schemas on the two sides (property, matching pattern or additional
schema) are disjoint in turn (a discriminator; a name the other side forbids), disjoint
numeric ranges or string lengths, or string patterns/formats whose automata share no
string. A branch that is itself only an anyOf/oneOf is disjoint from another when each of
its own branches is; `$ref`s are expanded by the caller's `resolve`.
"""
from __future__ import annotations

import functools
from decimal import Decimal
from typing import Callable

import jsonschema
import numpy as np

from constrain.automata.dfa import ByteDFA
from constrain.automata.regex import core_union, regex_to_dfa
from constrain.errors import AutomatonTooLargeError, ConstrainError
from constrain.grammars.json_schema.formats import FORMATS
from constrain.grammars.json_schema.normalize import json_equal, merge, normalized, type_set
from constrain.grammars.json_schema.strings import pattern_dfa
from constrain.grammars.json_schema.yes_no import yes_no

_NUMERIC = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


MAX_DEPTH = 6


def pairwise_disjoint(branches: list, resolve: Callable = lambda node: node) -> bool:
    """`resolve(node)`: the node with its `$ref` (and the like) expanded, as far as the caller
    can; it may raise, which only means no proof."""
    prover = _Prover(resolve)
    for i, a in enumerate(branches):
        for b in branches[i + 1:]:
            if not prover.disjoint(a, b, 0):
                return False
    return True


class _Prover:
    """The disjointness proofs of one `pairwise_disjoint` call, remembered: the nodes it
    resolves, the sub-branches it merges and the pairs it decides, by object identity (each
    memo entry holds its node, so no id is reused while the prover lives). Nested
    anyOf/oneOf branches and required members meet the same subschemas again and again."""

    def __init__(self, resolve: Callable):
        self._resolve = resolve
        self._resolved: dict[int, tuple] = {}
        self._subs: dict[int, tuple] = {}
        self._decided: dict[tuple[int, int, int], tuple] = {}

    def disjoint(self, a, b, depth: int) -> bool:
        key = (id(a), id(b), depth)
        found = self._decided.get(key)
        if found is None:
            found = self._decided[key] = (a, b, self._disjoint(a, b, depth))
        return found[2]

    def _disjoint(self, a, b, depth: int) -> bool:
        if a is False or b is False:
            return True
        if not isinstance(a, dict) or not isinstance(b, dict) or depth > MAX_DEPTH:
            return False
        for x, y in ((a, b), (b, a)):
            subs = self.sub_branches(x)
            if subs is not None:
                return all(self.disjoint(sub, y, depth + 1) for sub in subs)
        ta, tb = _value_types(a), _value_types(b)
        if not (ta & tb):
            return True
        if "enum" in a and "enum" in b:
            return not any(json_equal(x, y) for x in a["enum"] for y in b["enum"])
        for x, y in ((a, b), (b, a)):
            if "enum" in x and "$ref" not in repr(y) and not any(_valid(v, y) for v in x["enum"]):
                return True
        if ta | tb <= {"number", "integer"} and _ranges_disjoint(_interval(a), _interval(b)):
            return True
        if ta | tb <= {"string"} and (_ranges_disjoint(_lengths(a), _lengths(b)) or _strings_disjoint(a, b)):
            return True
        if ta & tb <= {"object"}:
            # a name one side requires, whose value no schema of the two sides for it shares
            for x, y in ((a, b), (b, a)):
                for k in x.get("required", []):
                    if self.disjoint(self.resolved(member_schema(x, k)), self.resolved(member_schema(y, k)), depth + 1):
                        return True
        return False

    def resolved(self, node):
        if not isinstance(node, dict):
            return node
        found = self._resolved.get(id(node))
        if found is None:
            try:
                out = self._resolve(node)
            except Exception:  # noqa: BLE001 - not expandable here: the node as it is (no proof lost)
                out = normalized(node, False)
            found = self._resolved[id(node)] = (node, out)
        return found[1]

    def sub_branches(self, node: dict) -> list | None:
        """The branches of a node that is an anyOf/oneOf (with its other keywords merged in)."""
        found = self._subs.get(id(node))
        if found is None:
            found = self._subs[id(node)] = (node, self._merged_branches(node))
        return found[1]

    def _merged_branches(self, node: dict) -> list | None:
        keys = [k for k in ("anyOf", "oneOf") if k in node]
        if len(keys) != 1:
            return None
        rest = {k: v for k, v in node.items() if k != keys[0]}
        try:
            return [merge(rest, self.resolved(sub)) for sub in node[keys[0]]]
        except Exception:  # noqa: BLE001 - not mergeable here: no proof
            return None


def member_schema(node: dict, key: str):
    """A schema every value of member `key` meets in objects valid under `node`."""
    props = node.get("properties", {})
    if key in props:
        return props[key]
    for pattern, schema in node.get("patternProperties", {}).items():
        try:
            if pattern_dfa(pattern).matches(key.encode()):
                return schema
        except ConstrainError:
            return True
    return node.get("additionalProperties", True)


def _value_types(node: dict) -> set[str]:
    """The JSON types node can accept (integer counted as number)."""
    types = type_set(node)
    if "enum" in node:
        types &= {json_type(v) for v in node["enum"]} | ({"integer"} if any(
            json_type(v) == "number" and float(v).is_integer() for v in node["enum"]) else set())
    if "integer" in types:
        types.add("number")
    return types


def json_type(v) -> str:
    """The JSON type name of a Python JSON value (integers and floats are 'number')."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    return "array" if isinstance(v, list) else "object"


def _valid(value, node: dict) -> bool:
    try:
        return yes_no(jsonschema.Draft202012Validator)(node).is_valid(value)
    except Exception:  # noqa: BLE001 - a node jsonschema cannot evaluate: assume it matches
        return True


def _interval(node: dict) -> tuple:
    """(lo, lo inclusive, hi, hi inclusive) of a numeric node, None for an open end."""
    lo = hi = None
    lo_inc = hi_inc = True
    for key in _NUMERIC:
        if key not in node or isinstance(node[key], bool):
            continue
        v = Decimal(str(node[key]))
        if key.endswith("inimum") and (lo is None or v > lo or (v == lo and key.startswith("exclusive"))):
            lo, lo_inc = v, not key.startswith("exclusive")
        if key.endswith("aximum") and (hi is None or v < hi or (v == hi and key.startswith("exclusive"))):
            hi, hi_inc = v, not key.startswith("exclusive")
    return lo, lo_inc, hi, hi_inc


def _lengths(node: dict) -> tuple:
    return node.get("minLength", 0), True, node.get("maxLength"), True


def _ranges_disjoint(a: tuple, b: tuple) -> bool:
    def below(x, y):        # interval x lies entirely below interval y
        hi, hi_inc, lo, lo_inc = x[2], x[3], y[0], y[1]
        return hi is not None and lo is not None and (hi < lo or (hi == lo and not (hi_inc and lo_inc)))
    return below(a, b) or below(b, a)


def _strings_disjoint(a: dict, b: dict) -> bool:
    """Whether the pattern/format constraints of two string nodes share no string."""
    def text(node: dict) -> tuple:
        fmt = node.get("format")
        return node.get("pattern"), fmt if fmt in FORMATS else None
    return _texts_disjoint(text(a) + text(b))


@functools.lru_cache(maxsize=4096)
def _texts_disjoint(texts: tuple) -> bool:
    """`_strings_disjoint` of (pattern, format, pattern, format), None where absent."""
    try:
        dfas = [pattern_dfa(t) if i % 2 == 0 else _format_dfa(t) for i, t in enumerate(texts) if t is not None]
    except ConstrainError:
        return False
    return len(dfas) >= 2 and not _intersect(dfas)


@functools.lru_cache(maxsize=None)
def _format_dfa(name: str) -> ByteDFA:
    """The DFA of `FORMATS[name]` (built once per format: a date-time or URI automaton takes
    milliseconds)."""
    return regex_to_dfa(FORMATS[name])


def _intersect(dfas: list[ByteDFA], max_states: int = 200_000) -> bool:
    """Whether some string is accepted by every DFA (True when their product passes
    `max_states` states). The union product (C++) holds every tuple of live states that the
    intersection's product has, and a tuple whose components all accept is reached only
    while all are alive; the automata start at state 0, as regex_to_dfa's do."""
    try:
        tag_begin = core_union(dfas, max_states)[1]
    except AutomatonTooLargeError:
        return True
    return bool((np.diff(tag_begin) == len(dfas)).any())
