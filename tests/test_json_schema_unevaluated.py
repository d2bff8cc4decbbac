"""unevaluatedProperties / unevaluatedItems: read against what each schema evaluates itself
(its parts' own keywords closed before merging), refused where negation would count members
or items that no annotation evaluates, ignored before Draft 2019-09; and a differential fuzz
against `jsonschema` (never an invalid instance accepted; exact where no anyOf lets an
instance be evaluated by two branches at once)."""
from __future__ import annotations

import json

import jsonschema
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

import constrain
from constrain import UnsupportedSchemaError, Vocabulary
from tests.conftest import require_tokenizer
from tests.test_json_schema import _OBJECTS, _SCALARS, accepts, accepts_some_order, compiled_or_refused


@pytest.fixture(scope="module")
def llama3():
    path = require_tokenizer("llama3")
    return Vocabulary.from_file(path), Tokenizer.from_file(str(path))


def _check(llama3, schema, valid, invalid):
    """Members in any order (these objects are small), so only the keywords decide."""
    vocab, tok = llama3
    grammar = constrain.compile_json_schema(schema, vocab, property_order="any")
    for value in valid + invalid:
        assert accepts(grammar, tok, json.dumps(value)) == (value in valid), (schema, value)
    return grammar


def test_unevaluated_properties_count_what_the_node_and_its_parts_name(llama3):
    # the node's own properties and those of its allOf part and $ref target are evaluated
    schema = {"$defs": {"base": {"properties": {"b": {"type": "integer"}}}},
              "allOf": [{"$ref": "#/$defs/base"}, {"properties": {"c": {"type": "string"}}}],
              "properties": {"a": True}, "unevaluatedProperties": False}
    _check(llama3, schema, [{}, {"b": 1}, {"b": 1, "c": "x"}, {"a": 1, "b": 1}],
           [{"d": 1}, {"b": 1, "d": 1}, {"b": "x"}])
    # a schema, not false: the other members must meet it
    _check(llama3, {"properties": {"a": True}, "unevaluatedProperties": {"type": "integer"}},
           [{"a": "x", "b": 1}, {"b": 2}], [{"b": "x"}])
    # additionalProperties or patternProperties evaluate the rest
    _check(llama3, {"patternProperties": {"^x": True}, "unevaluatedProperties": False},
           [{"xa": 1}], [{"a": 1}])
    _check(llama3, {"allOf": [{"additionalProperties": True}], "unevaluatedProperties": False},
           [{"a": 1}], [])


def test_a_parts_own_unevaluated_properties_see_only_that_part(llama3):
    # the allOf part's unevaluatedProperties does not see the sibling's "a"
    _check(llama3, {"allOf": [{"unevaluatedProperties": False}, {"properties": {"a": True}}]},
           [{}], [{"a": 1}])
    # two schemas of one member, one with its own unevaluatedItems: the other's prefixItems
    # do not evaluate its second item
    schema = {"properties": {"a": {"prefixItems": [{"type": "string"}], "unevaluatedItems": False}},
              "allOf": [{"properties": {"a": {"prefixItems": [True, {"type": "string"}]}}}]}
    _check(llama3, schema, [{"a": ["x"]}], [{"a": ["x", "y"]}])


def test_a_passing_branch_evaluates_its_members(llama3):
    # overlapping branches: the members only a failing branch names are unevaluated
    one_of = {"properties": {"a": True}, "unevaluatedProperties": False,
              "oneOf": [{"properties": {"b": {"const": 1}}, "required": ["b"]},
                        {"properties": {"c": {"const": 2}}, "required": ["c"]}]}
    _check(llama3, one_of, [{"b": 1}, {"c": 2}, {"a": 0, "b": 1}],
           [{"b": 1, "c": 2}, {"b": 1, "c": 3}, {"b": 5, "c": 2}, {}, {"b": 1, "d": 0}])
    disjoint = {"properties": {"a": True}, "unevaluatedProperties": False,
                "oneOf": [{"properties": {"b": {"const": 1}}, "required": ["b"], "type": "object"},
                          {"type": "array"}]}
    _check(llama3, disjoint, [{"b": 1}, {"a": 1, "b": 1}, []], [{"a": 1}, {"b": 1, "c": 1}])
    items = {"prefixItems": [{"const": 1}], "unevaluatedItems": False,
             "anyOf": [{"prefixItems": [True, {"const": 2}]}, {"items": {"type": "integer"}}]}
    _check(llama3, items, [[1], [1, 2], [1, 5, 7]], [[1, 2, "x"], [1, "x"]])


def test_a_present_dependent_schema_evaluates_its_members(llama3):
    schema = {"properties": {"a": True}, "dependentSchemas": {"a": {"properties": {"b": {"type": "integer"}}}},
              "dependentRequired": {"c": ["d"]}, "unevaluatedProperties": False}
    # b is evaluated only when a is there; c and d (named by dependentRequired) never are
    _check(llama3, schema, [{}, {"a": 1}, {"a": 1, "b": 2}], [{"b": 2}, {"a": 1, "b": "x"}, {"c": 1, "d": 2}])


def test_not_evaluates_nothing(llama3):
    # the members a negation names are unevaluated: "b" here, whatever its value
    schema = {"properties": {"a": True}, "not": {"properties": {"b": {"type": "string"}}, "required": ["b"]},
              "unevaluatedProperties": False}
    _check(llama3, schema, [{}, {"a": 1}], [{"b": 1}, {"b": "x"}, {"a": 1, "c": 1}])
    _check(llama3, {"not": {"not": {"properties": {"b": True}}}, "unevaluatedProperties": {"type": "integer"}},
           [{"b": 1}, {}], [{"b": "x"}])
    # if/then/else: the members `if` names count when it passes (with then), not when it fails
    schema = {"if": {"properties": {"a": {"const": 1}}, "required": ["a"]}, "then": {"properties": {"b": True}},
              "else": {"properties": {"c": True}}, "unevaluatedProperties": False}
    _check(llama3, schema, [{"a": 1}, {"a": 1, "b": 2}, {"c": 3}, {}], [{"a": 2}, {"a": 1, "c": 3}, {"b": 2}])


@pytest.mark.parametrize("schema, keyword", [
    ({"prefixItems": [True], "not": {"minItems": 3}, "unevaluatedItems": False}, "unevaluatedItems"),
    ({"contains": {"type": "string"}, "unevaluatedItems": False}, "unevaluatedItems"),
    ({"oneOf": [{"prefixItems": [{"type": "integer"}]}, {"minItems": 1}], "unevaluatedItems": False}, "unevaluatedItems"),
    ({"allOf": [{"anyOf": [{"properties": {"a": True}}, True]}, {"unevaluatedProperties": False, "anyOf": [True, {}]}]},
     "unevaluatedProperties"),
])
def test_refused_where_negation_or_branches_would_count_other_members(llama3, schema, keyword):
    vocab, tok = llama3
    with pytest.raises(UnsupportedSchemaError) as e:
        constrain.compile_json_schema(schema, vocab)
    assert e.value.keyword == keyword
    grammar = constrain.compile_json_schema(schema, vocab, lenient=True)
    assert keyword in [k for k, _ in grammar.ignored_keywords]


def test_ignored_before_draft_2019_09(llama3):
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "properties": {"a": True},
              "unevaluatedProperties": False, "unevaluatedItems": False}
    grammar = _check(llama3, schema, [{"a": 1, "b": 2}, [1, 2]], [])
    assert grammar.ignored_keywords == []


_leaf = st.sampled_from([
    {"type": "integer"}, {"type": "string"}, {"required": ["a"]}, {"properties": {"a": {"type": "integer"}}},
    {"properties": {"b": True}}, {"patternProperties": {"^c$": {"type": "integer"}}},
    {"additionalProperties": {"type": "integer"}}, {"prefixItems": [{"type": "integer"}]}, {"items": {"type": "integer"}},
    {"minItems": 1}, {"unevaluatedProperties": False}, {"unevaluatedProperties": {"type": "integer"}},
    {"properties": {"a": True}, "unevaluatedProperties": False}, {"unevaluatedItems": False},
    {"prefixItems": [True], "unevaluatedItems": {"type": "integer"}}, {"dependentSchemas": {"a": {"properties": {"b": True}}}},
    {"if": {"required": ["a"]}, "then": {"properties": {"b": True}}}, True, False,
])

schemas = st.recursive(_leaf, lambda c: st.one_of(
    st.builds(lambda x: {"not": x}, c),
    st.builds(lambda xs: {"oneOf": xs}, st.lists(c, min_size=2, max_size=3)),
    st.builds(lambda xs: {"anyOf": xs}, st.lists(c, min_size=2, max_size=3)),
    st.builds(lambda a, b: {"allOf": [a, b]}, c, c),
    st.builds(lambda a, b: {**a, "allOf": [b]} if isinstance(a, dict) else {"allOf": [a, b]}, c, c),
    st.builds(lambda x: {"properties": {"a": x}}, c),
), max_leaves=4)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(schema=schemas)
@example(schema={"allOf": [{"unevaluatedProperties": False}, {"properties": {"b": True}}]})
@example(schema={"properties": {"b": True}, "unevaluatedProperties": False, "allOf": [{"properties": {"a": {"type": "integer"}}}]})
def test_unevaluated_never_loosened(llama3, schema):
    vocab, tok = llama3
    grammar = compiled_or_refused(schema, vocab)
    if grammar is None:
        return
    validator = jsonschema.Draft202012Validator(schema)
    # anyOf: an instance two branches evaluate is read through one (a smaller language)
    exact = "anyOf" not in json.dumps(schema)
    for instance in _OBJECTS + _SCALARS + [[1, "x"], [1, 2, 3], ["x", 1]]:
        accepted = accepts_some_order(grammar, tok, instance)
        valid = validator.is_valid(instance)
        assert valid or not accepted, (schema, instance)
        assert accepted or not valid or not exact, (schema, instance)
