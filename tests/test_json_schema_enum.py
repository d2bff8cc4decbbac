"""An enum of two or more strings, booleans and nulls compiles to one terminal for them (the
trie of their spellings) and accepts exactly its values; the grammar shown keeps a literal
per value."""
from __future__ import annotations

import json

import constrain
from constrain.grammars.json_schema import compile_json_schema, json_schema_to_lark
from tests.test_json_schema import accepts, llama3  # noqa: F401 (a fixture)

VALUES = [f"code-{i:03d}" for i in range(40)] + ["é€", 'a"b', True, None, 7, 2.5, {"k": [1]}]


def test_a_long_enum_is_one_terminal_and_exact(llama3):
    vocab, tok = llama3
    schema = {"type": "object", "properties": {"v": {"enum": VALUES}}, "required": ["v"], "additionalProperties": False}
    grammar = compile_json_schema(schema, vocab)
    automata = [t for t in grammar.ir.terminals.values() if t.pattern.startswith('"automaton')]
    assert len(automata) == 1 and not any("code-0" in t.pattern for t in grammar.ir.terminals.values())
    for value in VALUES + [7.0]:
        assert accepts(grammar, tok, json.dumps({"v": value}, ensure_ascii=False)), value
    for value in ["code-040", "code-00", "code-0000", "", False, 8, 2.50001, {"k": [2]}, "E€"]:
        assert not accepts(grammar, tok, json.dumps({"v": value}, ensure_ascii=False)), value
    shown = json_schema_to_lark(schema)
    assert "%declare" not in shown and shown.count("code") == 40      # a literal per value


def test_one_value_keeps_its_literal_and_two_are_one_terminal(llama3):
    vocab, tok = llama3
    one = constrain.compile_json_schema({"enum": ["a"]}, vocab)
    assert not any(t.pattern.startswith('"automaton') for t in one.ir.terminals.values())
    three = constrain.compile_json_schema({"enum": ["a", "b", None]}, vocab)
    assert [t.pattern.startswith('"automaton') for t in three.ir.terminals.values()] == [True]
    for text in ('"a"', '"b"', "null"):
        assert accepts(three, tok, text), text
    for text in ('"c"', '"ab"', '""', "false"):
        assert not accepts(three, tok, text), text
