"""An enum keeps exactly the values its schema's other keywords accept (each value is
checked once against them, so long enums compile in linear time), and drops values equal to
nothing (NaN), which no instance can be equal to."""
from __future__ import annotations

import json

import constrain
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
