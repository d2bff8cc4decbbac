"""An enum keeps exactly the values its schema's other keywords accept (each value is
checked once against them, so long enums compile in linear time), and drops values equal to
nothing (NaN), which no instance can be equal to."""
from __future__ import annotations

import json

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

import constrain
from constrain.grammars.json_schema.normalize import SchemaDoc
from tests.test_json_schema import accepts, llama3  # noqa: F401 (a fixture)


def test_enum_values_are_filtered_by_the_other_keywords(llama3):
    vocab, tok = llama3
    schema = {"type": "string", "minLength": 2, "pattern": "^a", "enum": ["ab", "a", "bb", 3, "abc", None]}
    grammar = constrain.compile_json_schema(schema, vocab)
    for value in ["ab", "abc"]:
        assert accepts(grammar, tok, json.dumps(value))
    for value in ["a", "bb", 3, None, "abcd"]:
        assert not accepts(grammar, tok, json.dumps(value))


def test_nan_in_an_enum_is_equal_to_nothing(llama3):
    vocab, tok = llama3
    grammar = constrain.compile_json_schema({"enum": [float("nan"), 1, [float("nan")]]}, vocab)
    assert accepts(grammar, tok, "1")
    assert not any(accepts(grammar, tok, text) for text in ["NaN", "[NaN]", "null"])


def test_a_long_enum_is_exact(llama3):
    vocab, tok = llama3
    words = [f"w{i:05d}" for i in range(3000)]
    grammar = constrain.compile_json_schema({"enum": words, "not": {"const": "w00007"}}, vocab)
    assert accepts(grammar, tok, json.dumps("w02999")) and accepts(grammar, tok, json.dumps("w00000"))
    assert not accepts(grammar, tok, json.dumps("w00007")) and not accepts(grammar, tok, json.dumps("w03000"))


ENUM_VALUES = st.lists(st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([1.0, 2.5, -0.0]),
                                 st.text(max_size=2), st.sampled_from(["ab", "ba", "a1", "1a", ""]), st.just([1]), st.just({"a": 1})), min_size=1, max_size=6,
                      unique_by=lambda v: ("n", float(v)) if type(v) in (int, float) else ("o", json.dumps(v)))
TYPE_NAMES = ["null", "boolean", "integer", "number", "string", "array", "object"]


@settings(max_examples=200, deadline=None)
@given(ENUM_VALUES, st.one_of(st.none(), st.sampled_from(TYPE_NAMES), st.lists(st.sampled_from(TYPE_NAMES), min_size=1,
                                                                               max_size=3, unique=True)),
       st.sampled_from(["http://json-schema.org/draft-04/schema#", "https://json-schema.org/draft/2020-12/schema"]),
       st.booleans(), st.sampled_from([None, "^a", "b", "[0-9]", "^$"]),
       st.sampled_from([{}, {"ignoreCase": "value"}, {"minLength": 1}]))
def test_enum_values_meeting_a_type_and_pattern_are_those_jsonschema_keeps(values, types, draft, annotated, pattern,
                                                                            other):
    """The values an enum keeps under `type` and `pattern` (checked without jsonschema, next
    to keywords the draft does not assert with) are those a jsonschema validator of the draft
    accepts: integral floats under "integer" differ between drafts 4 and 6+, bools are no
    numbers, a pattern tests strings only. The control is the validator on the same node."""
    node = {"enum": values, **other}
    if types is not None:
        node["type"] = types
    if annotated:
        node["description"] = "d"
    if pattern is not None:
        node["pattern"] = pattern
    doc = SchemaDoc({"$schema": draft, "properties": {"x": node}})
    rest = {k: v for k, v in node.items() if k != "enum"}
    expected = [v for v in values if doc.validator.evolve(schema=rest).is_valid(v)]
    assert doc.enum_values(node) == expected


def test_an_integer_enum_value_has_a_zero_fraction_only_where_the_draft_makes_it_an_integer(llama3):
    """In drafts 3 and 4, 2.0 is a number but no integer: next to type integer an enum's 2 is
    spelled without a fraction; where numbers are allowed, or from draft 6 on, 2.0 is 2."""
    vocab, tok = llama3
    for draft, integral_floats in (("http://json-schema.org/draft-04/schema#", False),
                                   ("http://json-schema.org/draft-07/schema#", True)):
        for node, zero_fraction_ok in (({"type": "integer", "enum": [2]}, integral_floats),
                                       ({"enum": [2]}, True), ({"type": ["number", "array"], "enum": [2, [3]]}, True),
                                       ({"type": ["integer", "array"], "enum": [2, [3]]}, integral_floats)):
            schema = {"$schema": draft, **node}
            grammar = constrain.compile_json_schema(schema, vocab)
            validator = jsonschema.validators.validator_for(schema)(schema)
            assert accepts(grammar, tok, "2")
            assert accepts(grammar, tok, "2.0") == zero_fraction_ok == validator.is_valid(2.0), schema
            if "array" in node.get("type", ()):      # inside a value only the enum asserts: 3.0 is 3
                assert accepts(grammar, tok, "[3.0]") and validator.is_valid([3.0])
    # in draft 4, items next to the enum say what a number inside its value may be
    schema = {"$schema": "http://json-schema.org/draft-04/schema#", "enum": [[3]], "items": {"type": "integer"}}
    grammar = constrain.compile_json_schema(schema, vocab)
    assert accepts(grammar, tok, "[3]") and not accepts(grammar, tok, "[3.0]")
    assert not jsonschema.Draft4Validator(schema).is_valid([3.0])
