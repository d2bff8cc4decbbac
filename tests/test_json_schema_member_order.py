"""Member order follows each subschema's own `properties` order, also where two subschemas
(or two schemas compiled one after the other) are equal but for that order: neither shares
the other's rule or cached grammar. Otherwise members come in the order the schema text first
names them: allOf parts, `$ref` targets and anyOf/oneOf branches add theirs where their keyword
is written."""
from __future__ import annotations

import itertools
import json

from constrain.grammars.json_schema import compile_json_schema
from tests.test_json_schema import accepts, llama3  # noqa: F401 (a fixture)

AB = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "required": ["a", "b"]}
BA = {"type": "object", "properties": {"b": {"type": "string"}, "a": {"type": "string"}}, "required": ["a", "b"]}


def _text(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_sibling_subschemas_differing_only_in_order_keep_their_own_orders(llama3):
    vocab, tok = llama3
    schema = {"type": "object", "properties": {"x": AB, "y": BA}, "required": ["x", "y"],
              "additionalProperties": False}
    grammar = compile_json_schema(schema, vocab)
    ab, ba = {"a": "1", "b": "2"}, {"b": "2", "a": "1"}
    assert accepts(grammar, tok, _text({"x": ab, "y": ba}))
    assert not accepts(grammar, tok, _text({"x": ba, "y": ba}))
    assert not accepts(grammar, tok, _text({"x": ab, "y": ab}))


def test_schemas_differing_only_in_order_are_cached_apart(llama3):
    vocab, tok = llama3
    first, second = compile_json_schema(AB, vocab), compile_json_schema(BA, vocab)
    assert first is not second
    assert accepts(first, tok, _text({"a": "1", "b": "2"})) and not accepts(first, tok, _text({"b": "2", "a": "1"}))
    assert accepts(second, tok, _text({"b": "2", "a": "1"})) and not accepts(second, tok, _text({"a": "1", "b": "2"}))
    assert compile_json_schema(json.loads(json.dumps(AB)), vocab) is first      # an equal schema hits


def test_pattern_regions_with_schemas_differing_only_in_order(llama3):
    vocab, tok = llama3
    schema = {"type": "object", "patternProperties": {"^p": AB, "^q": BA}, "additionalProperties": False}
    grammar = compile_json_schema(schema, vocab)
    assert accepts(grammar, tok, _text({"p1": {"a": "1", "b": "2"}, "q1": {"b": "2", "a": "1"}}))
    assert not accepts(grammar, tok, _text({"q1": {"a": "1", "b": "2"}}))


def test_branch_names_go_where_the_branch_keyword_is_written(llama3):
    """A oneOf/anyOf branch's names come before `properties`' names when the keyword is
    written first, after them otherwise; `additionalProperties` written first places the
    node's own names first (Github_easy/o10011), so names both list keep `properties`' order."""
    vocab, tok = llama3
    string = {"type": "string"}
    before = {"type": "object", "oneOf": [{"properties": {"config": string}, "required": ["config"]}],
              "properties": {"content": string}, "required": ["content"]}
    grammar = compile_json_schema(before, vocab)
    assert accepts(grammar, tok, _text({"config": "c", "content": "t"}))
    assert not accepts(grammar, tok, _text({"content": "t", "config": "c"}))
    after = {"type": "object", "properties": {"content": string}, "required": ["content"],
             "anyOf": [{"properties": {"config": string}, "required": ["config"]}]}
    grammar = compile_json_schema(after, vocab)
    assert accepts(grammar, tok, _text({"content": "t", "config": "c"}))
    assert not accepts(grammar, tok, _text({"config": "c", "content": "t"}))
    shared = {"type": "object", "additionalProperties": False,
              "oneOf": [{"properties": {"grant": {"enum": ["code"]}, "response": {"enum": ["c"]}}, "required": ["grant"]},
                        {"properties": {"grant": {"enum": ["token"]}, "response": {"enum": ["t"]}}, "required": ["grant"]}],
              "properties": {"grant": string, "uris": {"type": "array", "items": string}, "response": string}}
    grammar = compile_json_schema(shared, vocab)
    assert accepts(grammar, tok, _text({"grant": "code", "uris": ["u"], "response": "c"}))
    assert not accepts(grammar, tok, _text({"grant": "code", "response": "c", "uris": ["u"]}))
    assert not accepts(grammar, tok, _text({"grant": "code", "uris": ["u"], "response": "t"}))


DOCUMENT_ORDER = [      # (schema, the one order of members a, b, c, d it accepts)
    ({"properties": {"a": {}}, "allOf": [{"properties": {"b": {}}}]}, "ab"),
    ({"allOf": [{"properties": {"b": {}}}], "properties": {"a": {}}}, "ba"),
    ({"properties": {"a": {}}, "$ref": "#/$defs/b", "allOf": [{"properties": {"c": {}}}],
      "$defs": {"b": {"properties": {"b": {}}}}}, "abc"),
    ({"anyOf": [{"properties": {"c": {}}}], "allOf": [{"properties": {"b": {}}}], "properties": {"a": {}}}, "cba"),
    ({"properties": {"a": {}}, "anyOf": [{"properties": {"c": {}}}], "allOf": [{"properties": {"b": {}}}]}, "acb"),
    # the branch's names between two allOf parts' (Github_medium/o60846)
    ({"allOf": [{"properties": {"a": {}}}, {"anyOf": [{"properties": {"b": {}}}]}, {"properties": {"c": {}}}]}, "abc"),
    ({"properties": {"a": {}}, "allOf": [{"anyOf": [{"properties": {"c": {}}}], "properties": {"b": {}}},
                                         {"properties": {"d": {}}}]}, "acbd"),
    # a name both list keeps its first place
    ({"properties": {"a": {}, "b": {}}, "allOf": [{"properties": {"b": {}, "c": {}}}]}, "abc"),
]


def test_members_come_in_the_order_the_schema_text_first_names_them(llama3):
    """allOf parts, `$ref` targets and anyOf/oneOf branches add their names where their
    keyword is written, relative to `properties` (the order llguidance follows)."""
    vocab, tok = llama3
    for schema, order in DOCUMENT_ORDER:
        grammar = compile_json_schema({"type": "object", **schema}, vocab)
        accepted = ["".join(names) for names in itertools.permutations(sorted(order))
                    if accepts(grammar, tok, _text({name: 1 for name in names}))]
        assert accepted == [order], (schema, accepted)
