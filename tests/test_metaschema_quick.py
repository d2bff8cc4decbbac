"""The quick metaschema check (metaschema_quick.py) never passes a schema that jsonschema's
metaschema check rejects, and passes almost every valid one: on the Test Suite's and the
benchmark's schemas, on hand-written invalid ones, and on hypothesis-made schemas whose
keyword values are often of the wrong type (or of Python types JSON does not have)."""
from __future__ import annotations

import random
from enum import IntEnum

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import validators

from constrain.grammars.json_schema.metaschema import metaschema_validator
from constrain.grammars.json_schema.metaschema_quick import quick_check
from tests.test_json_schema_metaschema import INVALID, _schemas

DRAFTS = [validators.Draft4Validator, validators.Draft6Validator, validators.Draft7Validator,
          validators.Draft201909Validator, validators.Draft202012Validator]


def _valid(cls, schema) -> bool:
    return next(metaschema_validator(cls).iter_errors(schema), None) is None


class Level(IntEnum):
    ONE = 1


class Name(str):
    pass


@pytest.mark.parametrize("cls", DRAFTS, ids=lambda c: c.__name__)
def test_quick_check_passes_only_valid_schemas(cls):
    quick = quick_check(cls)
    assert quick is not None
    schemas = _schemas() + INVALID
    passed = [s for s in schemas if quick(s)]
    assert all(_valid(cls, s) for s in passed)
    valid = [s for s in schemas if _valid(cls, s)]
    # it decides nearly every valid schema itself (else it saves nothing)
    assert len(passed) >= 0.95 * len(valid)
    assert not any(quick(s) for s in INVALID if not _valid(cls, s))


KEYWORDS = ["type", "enum", "const", "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum",
            "multipleOf", "minLength", "maxLength", "pattern", "format", "items", "prefixItems",
            "additionalItems", "minItems", "maxItems", "uniqueItems", "contains", "properties",
            "patternProperties", "additionalProperties", "propertyNames", "required",
            "dependencies", "dependentRequired", "dependentSchemas", "allOf", "anyOf", "oneOf",
            "not", "if", "then", "else", "$ref", "$id", "$anchor", "$defs", "definitions",
            "$schema", "$comment", "title", "default", "x-vendor"]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-2, 2, allow_nan=False),
                    st.sampled_from(["string", "object", "integer", "#", "#/$defs/a", "^a$", "(", "a",
                                     "date-time", "regex", "http://x/y"]),
                    st.just(Level.ONE), st.just(Name("string")), st.just((1, 2)))


def _json(children):
    return st.one_of(st.lists(children, max_size=3),
                     st.dictionaries(st.sampled_from(KEYWORDS + ["a", "b"]), children, max_size=3))


JSONISH = st.recursive(SCALARS, _json, max_leaves=12)
SCHEMAS = st.recursive(st.one_of(st.booleans(), st.dictionaries(st.sampled_from(KEYWORDS), JSONISH, max_size=3)),
                       lambda inner: st.dictionaries(st.sampled_from(KEYWORDS), st.one_of(inner, st.lists(inner, max_size=3),
                                                     st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2)),
                                                     max_size=4),
                       max_leaves=16)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMAS, draft=st.sampled_from(DRAFTS))
def test_quick_check_never_passes_what_jsonschema_rejects(schema, draft):
    if quick_check(draft)(schema):
        assert _valid(draft, schema)


def test_quick_check_declines_non_json_values():
    quick = quick_check(validators.Draft202012Validator)
    for schema in ({"minLength": Level.ONE}, {"type": Name("string")}, {"required": ("a",)},
                   {"properties": {"a": {"type": "string"}}, "required": ["a", "a"]}):
        assert not quick(schema) or _valid(validators.Draft202012Validator, schema)
    assert quick({"type": "string", "minLength": 1, "required": ["a"], "enum": [1, "1", True]})


def test_quick_check_samples_mutated_benchmark_schemas():
    """Replace one value somewhere in real schemas by a value of another type."""
    rng = random.Random(0)
    swaps = [3, -1, 1.5, "x", None, True, [], {}, ["a", "a"], Level.ONE, Name("integer")]
    for schema in _schemas()[:200]:
        if not isinstance(schema, dict):
            continue
        mutated = _mutate(schema, rng, rng.choice(swaps))
        for cls in DRAFTS:
            if quick_check(cls)(mutated):
                assert _valid(cls, mutated), mutated


def _mutate(node, rng: random.Random, value):
    """A copy of `node` with one randomly chosen dict value replaced by `value`."""
    paths = []

    def walk(n, path):
        if isinstance(n, dict):
            for k, v in n.items():
                paths.append(path + (k,))
                walk(v, path + (k,))
        elif isinstance(n, list):
            for i, v in enumerate(n):
                walk(v, path + (i,))
    walk(node, ())
    if not paths:
        return node
    target = rng.choice(paths)

    def rebuild(n, path):
        if not path:
            return value
        if isinstance(n, dict):
            return {k: rebuild(v, path[1:]) if k == path[0] else v for k, v in n.items()}
        return [rebuild(v, path[1:]) if i == path[0] else v for i, v in enumerate(n)]
    return rebuild(node, target)


@pytest.mark.parametrize("integral_floats", [True, False])
def test_compiled_type_keyword_is_json_type(integral_floats):
    """The compiled `type` keyword (a set of Python types) answers as `is_json_type` for every
    type name and pair of them, on values of every JSON type, integral floats and IntEnum and
    str subclasses (not JSON's types) included."""
    import itertools

    from constrain.grammars.json_schema.metaschema_quick import _TYPES, _Compiler, is_json_type
    compiler = _Compiler.__new__(_Compiler)
    compiler.integral_floats = integral_floats
    values = [0, 3, -1, 1.0, 2.5, float("inf"), True, False, None, "", "x", [], [1], {}, {"a": 1}, Level.ONE, Name("n")]
    for names in [*_TYPES, *itertools.combinations(_TYPES, 2)]:
        check = compiler.kw_type(names, {})
        for x in values:
            expected = any(is_json_type(x, t, integral_floats) for t in ((names,) if isinstance(names, str) else names))
            assert check(x) == expected, (names, x)
