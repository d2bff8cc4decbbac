"""Length-only strings (lengths.py): the automaton built directly accepts exactly what the
regex `string_regex(any_text(lo, hi))` does, and compiled schemas enforce the bounds."""
from __future__ import annotations

import json

import pytest

from constrain.automata.regex import byte_difference, regex_to_dfa, trimmed
from constrain.grammars.json_schema.lengths import length_string_dfa
from constrain.grammars.json_schema.strings import any_text, string_regex
from constrain.grammars.json_schema import compile_json_schema
from constrain.grammars.lark_frontend import translate_regex
from tests.test_json_schema import accepts, llama3  # noqa: F401 (a fixture)

BOUNDS = [(0, 0), (0, 1), (1, 1), (2, 5), (7, 7), (0, 40), (3, 64), (0, None), (1, None), (5, None)]


@pytest.mark.parametrize("lo,hi", BOUNDS)
def test_length_automaton_is_the_regex_language(lo, hi):
    built = length_string_dfa(lo, hi)
    pattern, flags = translate_regex(string_regex(any_text(lo, hi)))
    expected = regex_to_dfa(pattern, flags=flags, max_states=50000)
    assert byte_difference(built, expected) is None and byte_difference(expected, built) is None
    assert trimmed(built, built.accepting.tolist()).n_states == built.n_states   # nothing to trim


def test_length_automaton_examples():
    dfa = length_string_dfa(2, 3)
    for spelled, ok in [('"ab"', True), ('"abc"', True), ('"a"', False), ('"abcd"', False), ('"é\\n"', True),
                        ('"\\u0001x"', True), ('"\\u00"', False), ('"a"b"', False), ('"\\u0041b"', False)]:
        assert dfa.matches(spelled.encode()) == ok, spelled
    assert length_string_dfa(3, 2) is None


def test_compiled_schema_enforces_lengths(llama3):
    vocab, tok = llama3
    grammar = compile_json_schema({"type": "string", "minLength": 2, "maxLength": 200}, vocab)
    for text, ok in [("ab", True), ("x" * 200, True), ("é" * 200, True), ("a", False), ("x" * 201, False)]:
        assert accepts(grammar, tok, json.dumps(text, ensure_ascii=False)) == ok, text
