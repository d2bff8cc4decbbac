"""yes_no(cls) (constrain/grammars/json_schema/yes_no.py): the same verdicts as jsonschema's own
validator class, and no reference cycles left behind by a failed anyOf or oneOf."""
from __future__ import annotations

import gc

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from referencing.exceptions import Unresolvable

from constrain.grammars.json_schema.yes_no import yes_no

DRAFTS = [jsonschema.Draft4Validator, jsonschema.Draft7Validator, jsonschema.Draft202012Validator]

SCHEMAS = [
    {"anyOf": [{"type": "integer", "minimum": 3}, {"type": "string", "maxLength": 2}]},
    {"oneOf": [{"type": "integer"}, {"minimum": 2}]},
    {"oneOf": [{"enum": [1, "x"]}, {"type": "string"}, {"const": None}]},
    {"not": {"anyOf": [{"type": "string"}, {"oneOf": [{"multipleOf": 2}, {"multipleOf": 3}]}]}},
    {"anyOf": [{"anyOf": [{"enum": ["a", "b"]}, {"type": "boolean"}]}, {"not": {"type": ["string", "boolean"]}}]},
    {"type": "object", "properties": {"a": {"oneOf": [{"type": "array", "items": {"type": "integer"}},
                                                      {"type": "array", "maxItems": 1}]}}},
    {"$defs": {"small": {"maximum": 5}}, "oneOf": [{"$ref": "#/$defs/small"}, {"type": "integer"}]},
    {"anyOf": [{"$id": "http://example.com/inner", "$defs": {"s": {"type": "string"}}, "$ref": "#/$defs/s"},
               {"type": "null"}]},
]

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 8) | st.sampled_from([1.5, 2.0, "", "a", "x", "abc"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2),
    max_leaves=6)


@pytest.mark.parametrize("cls", DRAFTS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("schema", SCHEMAS)
@settings(max_examples=60, deadline=None)
@given(instance=JSON)
def test_the_verdicts_are_jsonschema_s(cls, schema, instance):
    assert _verdict(yes_no(cls), schema, instance) == _verdict(cls, schema, instance)


def _verdict(cls, schema, instance):
    """is_valid, or the kind of error it raises (the last schema's $ref is a dangling pointer
    before Draft 2019-09, where $ref ignores the $id beside it)."""
    try:
        return cls(schema).is_valid(instance)
    except Unresolvable as e:
        return type(e).__name__


def test_a_draft_without_anyof_gets_none():
    schema = {"anyOf": [{"type": "string"}]}
    assert yes_no(jsonschema.Draft3Validator)(schema).is_valid(1)
    assert "anyOf" not in yes_no(jsonschema.Draft3Validator).VALIDATORS


@pytest.mark.parametrize("cls,leaves_cycles", [(jsonschema.Draft202012Validator, True),
                                                (yes_no(jsonschema.Draft202012Validator), False)])
def test_a_failed_anyof_leaves_no_cycles(cls, leaves_cycles):
    """jsonschema's own class is the control: its errors of failed branches are cycles."""
    schema = {"anyOf": [{"anyOf": [{"enum": ["a", "b"]}, {"type": "integer"}]}, {"oneOf": [{"type": "null"}]}]}
    validator = cls(schema)
    enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        assert [validator.is_valid(v) for v in ("c", "d", 1.5)] == [False, False, False]
        assert (gc.collect() > 0) == leaves_cycles
    finally:
        if enabled:
            gc.enable()
