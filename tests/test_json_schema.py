"""compile_json_schema / json_schema_to_lark: leaf regexes (numbers, strings), the Lark
round trip of generated terminals, errors, lenient mode, inputs, and token-level checks on
small schemas with the llama3 tokenizer."""
from __future__ import annotations

import itertools
import json
import random
import re

import jsonschema
import pytest
from tokenizers import Tokenizer

import constrain
from constrain import SchemaError, UnsupportedSchemaError, Vocabulary
from constrain.automata.regex import regex_to_dfa
from constrain.grammars.json_schema.strings import (
    NotExpressible,
    any_text,
    excluding,
    lark_regex,
    pattern_ast,
    string_regex,
    with_length,
)
from constrain.grammars.lark_frontend import load_lark
from tests.conftest import require_tokenizer


def _terminal_dfa(python_regex: str):
    t = load_lark("start: S\nS: " + lark_regex(python_regex) + "\n").terminals["S"]
    return regex_to_dfa(t.pattern, flags=t.flags)


@pytest.mark.parametrize("pattern", ["^[a-z]+$", "[0-9a-f]+", '^a"\\\\b/$', "^\\d{3}-\\d{4}$|^x", "é.", "^\\n\\u0001$",
                                     "^(foo|bar)?[A-Z_]{2,4}$", "\\s"])
def test_pattern_survives_the_lark_round_trip(pattern):
    """A `pattern` string terminal accepts the JSON spelling of exactly the strings that the
    ECMA pattern finds a match in (checked against the regex engine's search mode)."""
    search = regex_to_dfa(pattern, anchored=False)
    dfa = _terminal_dfa(string_regex(pattern_ast(pattern)))
    rng = random.Random(2)
    alphabet = ['a', 'z', 'A', '_', '0', '5', '-', '"', '\\', '/', '\n', '\x01', 'é', ' ', 'f', 'o', 'x', 'b', 'r']
    samples = ["", "abc", "123-4567", "foo", "FOOBAR", 'a"\\b/', "\n\x01", "xé!", "ab_Z"]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) for _ in range(400)]
    for s in samples:
        assert dfa.matches(json.dumps(s, ensure_ascii=False).encode()) == search.matches(s.encode()), (pattern, s)



@pytest.mark.parametrize("pattern", ["^(a|$)", "(^|b)a", "a$|^b", "^(/?(a|b{2})($|/))*$", "^(ab$|b)", "a^b", "$^", "(a$)*b?",
                                     "^(?!ab)[ab/]*$", "^(?=a)(?!ab)", "^(?=[ab]*$)(?!b)|/$", "^(?!^a|b$)", "^(?=a)(?!a)"])
def test_assertions_inside_a_pattern_are_exact(pattern):
    """`^`/`$` inside groups or repeats, lookaheads after a leading `^`: every string over a small
    alphabet is accepted exactly when Python's re.search (with `$` as `\\Z`, the ECMA meaning
    without multiline) finds a match."""
    oracle = re.compile(pattern.replace("$", r"\Z"))
    try:
        dfa = _terminal_dfa(string_regex(pattern_ast(pattern)))
    except NotExpressible:       # only a pattern that no string matches
        assert not any(oracle.search("".join(w)) for n in range(5) for w in itertools.product("ab/", repeat=n))
        return
    for n in range(6):
        for w in itertools.product("ab/", repeat=n):
            text = "".join(w)
            assert dfa.matches(json.dumps(text).encode()) == bool(oracle.search(text)), (pattern, text)


@pytest.mark.parametrize("pattern", ["(?!a)b", "a(?=b)", "^a(?!b)", "^(?!(?!a))"])
def test_lookaheads_elsewhere_are_not_expressible(pattern):
    with pytest.raises(NotExpressible, match="lookahead"):
        pattern_ast(pattern)

def test_length_counts_characters_not_bytes():
    dfa = _terminal_dfa(string_regex(with_length(pattern_ast("é"), 2, 3)))
    for s, ok in [("é", False), ("éa", True), ("aéa", True), ("aéaa", False), ("éé", True), ('"é', True)]:
        assert dfa.matches(json.dumps(s, ensure_ascii=False).encode()) == ok, s


def test_excluded_names_and_length_bounds_brute_force():
    rng = random.Random(3)
    for _ in range(40):
        words = list({"".join(rng.choice('ab"') for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(1, 5))})
        lo, hi = rng.choice([0, 0, 1, 2]), rng.choice([None, None, 2, 3, 5])
        node = excluding(any_text(lo, hi), words)
        rx = re.compile(string_regex(node)) if node is not None else None
        for _ in range(200):
            s = "".join(rng.choice('ab"c') for _ in range(rng.randint(0, 6)))
            want = s not in words and len(s) >= lo and (hi is None or len(s) <= hi)
            assert (rx is not None and rx.fullmatch(json.dumps(s)) is not None) == want, (words, lo, hi, s)
    for pattern in ["^(ab|c)x*$", "a|bc", "^[a-z]+$", "x", "^(ab|c)+$", "b(a|x)*c"]:
        for lo, hi in [(0, 2), (2, 4), (3, None)]:
            node = with_length(pattern_ast(pattern), lo, hi)
            rx = re.compile(string_regex(node)) if node is not None else None
            for _ in range(200):
                s = "".join(rng.choice("abcx") for _ in range(rng.randint(0, 6)))
                want = re.search(pattern, s) is not None and lo <= len(s) and (hi is None or len(s) <= hi)
                assert (rx is not None and rx.fullmatch(json.dumps(s)) is not None) == want, (pattern, lo, hi, s)


# --- compiled grammars over llama3 ------------------------------------------------------

@pytest.fixture(scope="module")
def llama3():
    path = require_tokenizer("llama3")
    return Vocabulary.from_file(path), Tokenizer.from_file(str(path))


def accepts(grammar, tok, text: str) -> bool:
    m = grammar.matcher()
    for t in tok.encode(text, add_special_tokens=False).ids:
        if not m.accept_token(t):
            return False
    return m.can_end()


def compiled_or_refused(schema, vocab):
    """The grammar of `schema` with members in any order, or None where it is refused."""
    try:
        return constrain.compile_json_schema(schema, vocab, property_order="any")
    except UnsupportedSchemaError:
        return None


def accepts_some_order(grammar, tok, instance, separators=(", ", ": ")) -> bool:
    """Whether `grammar` accepts `instance` (json.dumps) with its members in some order:
    members come in a policy order (named ones first)."""
    orders = [dict(p) for p in itertools.permutations(instance.items())] if isinstance(instance, dict) else [instance]
    return any(accepts(grammar, tok, json.dumps(x, separators=separators)) for x in orders)


PERSON = {"type": "object", "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 8},
    "age": {"type": "integer", "minimum": 0, "maximum": 150},
    "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 2},
    "score": {"type": "number", "exclusiveMinimum": 0.5, "maximum": 2}}, "required": ["name"],
    "additionalProperties": False}


@pytest.mark.parametrize("instance,valid", [
    ({"name": "Ann"}, True), ({"name": "Ann", "age": 150, "tags": ["a", "b"], "score": 2}, True),
    ({"name": "Ann", "score": 0.51}, True), ({"name": "Ann", "score": 0.5}, False),
    ({"name": ""}, False), ({"name": "123456789"}, False), ({"name": "Ann", "age": 151}, False),
    ({"name": "Ann", "tags": ["a", "b", "a"]}, False), ({"name": "Ann", "x": 1}, False), ({"age": 3}, False),
])
def test_object_schema_token_by_token(llama3, instance, valid):
    vocab, tok = llama3
    for ws, seps in (("flexible", None), ("flexible", (",", ":")), ("compact", (",", ":"))):
        grammar = constrain.compile_json_schema(PERSON, vocab, whitespace=ws)
        assert accepts(grammar, tok, json.dumps(instance, ensure_ascii=False, separators=seps)) == valid, (instance, ws)


def test_additional_properties_default_and_option(llama3):
    vocab, tok = llama3
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    assert accepts(constrain.compile_json_schema(schema, vocab), tok, '{"a": 1, "b": "x"}')
    assert not accepts(constrain.compile_json_schema(schema, vocab), tok, '{"a": 1, "a": 2}')
    assert not accepts(constrain.compile_json_schema(schema, vocab), tok, '{"a": "x"}')
    strict = constrain.compile_json_schema(schema, vocab, additional_properties=False)
    assert not accepts(strict, tok, '{"a": 1, "b": "x"}')


def test_recursive_ref_and_anyof(llama3):
    vocab, tok = llama3
    schema = {"$defs": {"node": {"type": "object", "properties": {
        "v": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "required": ["v"],
        "additionalProperties": False}}, "$ref": "#/$defs/node"}
    g = constrain.compile_json_schema(schema, vocab)
    assert accepts(g, tok, '{"v": 1, "kids": [{"v": null, "kids": [{"v": 3}]}]}')
    assert not accepts(g, tok, '{"v": 1, "kids": [{"kids": []}]}')


def test_allof_is_an_intersection(llama3):
    vocab, tok = llama3
    schema = {"allOf": [{"type": "integer", "minimum": 3}, {"maximum": 5}]}
    g = constrain.compile_json_schema(schema, vocab)
    assert [accepts(g, tok, str(x)) for x in range(1, 8)] == [False, False, True, True, True, False, False]


def test_allof_of_true_next_to_a_oneof(llama3):
    """A node whose allOf parts merge to true (every value) keeps its own oneOf (this was an
    internal TypeError)."""
    vocab, tok = llama3
    g = constrain.compile_json_schema({"oneOf": [{"type": "integer"}, {"type": "string"}], "allOf": [True]}, vocab)
    assert accepts(g, tok, "1") and accepts(g, tok, '"x"') and not accepts(g, tok, "null")
    with pytest.raises(UnsupportedSchemaError, match="admits no value"):     # a value matches both twins
        constrain.compile_json_schema({"oneOf": [{"type": "integer"}, {"type": "integer"}], "allOf": [True]}, vocab)


def test_whitespace_is_capped(llama3):
    vocab, tok = llama3
    g = constrain.compile_json_schema({"type": "array", "items": {"type": "integer"}}, vocab)
    assert accepts(g, tok, "[1," + " " * 12 + "2]")
    assert not accepts(g, tok, "[1," + " " * 13 + "2]")


def test_inputs_json_text_and_pydantic(llama3):
    pydantic = pytest.importorskip("pydantic")
    vocab, tok = llama3

    class Point(pydantic.BaseModel):
        x: int
        y: int

    g = constrain.compile_json_schema(Point, vocab)
    assert accepts(g, tok, '{"x": 1, "y": 2}') and not accepts(g, tok, '{"x": 1}')
    text = json.dumps({"type": "boolean"})
    assert constrain.compile_json_schema(text, vocab) is constrain.compile_json_schema(json.loads(text), vocab)


def test_errors_and_lenient(llama3):
    vocab, _ = llama3
    with pytest.raises(SchemaError):
        constrain.compile_json_schema({"type": "nonsense"}, vocab)
    with pytest.raises(SchemaError):
        constrain.compile_json_schema("{not json", vocab)
    with pytest.raises(UnsupportedSchemaError) as e:
        constrain.compile_json_schema({"type": "object", "properties": {"a": {"type": "array", "uniqueItems": True}}}, vocab)
    assert e.value.keyword == "uniqueItems" and e.value.pointer == "#/properties/a"
    with pytest.raises(UnsupportedSchemaError) as e:
        constrain.compile_json_schema({"oneOf": [{"type": "number", "multipleOf": 0.5}, {"type": "number", "minimum": 2}]}, vocab)
    assert e.value.keyword == "oneOf"
    g = constrain.compile_json_schema({"type": "string", "format": "x-unknown"}, vocab, lenient=True)
    assert g.ignored_keywords == [("format", "#")]
    assert "start:" in constrain.json_schema_to_lark({"type": "string", "format": "date"})


def test_oneof_with_a_discriminator_and_pattern_properties(llama3):
    vocab, tok = llama3
    shape = {"oneOf": [
        {"type": "object", "properties": {"kind": {"const": "a"}, "x": {"type": "integer"}}, "required": ["kind"]},
        {"type": "object", "properties": {"kind": {"const": "b"}, "y": {"type": "string"}}, "required": ["kind"]}]}
    g = constrain.compile_json_schema(shape, vocab, additional_properties=False)
    assert accepts(g, tok, '{"kind": "a", "x": 1}') and accepts(g, tok, '{"kind": "b", "y": "s"}')
    assert not accepts(g, tok, '{"kind": "a", "y": "s"}') and not accepts(g, tok, '{"kind": "c"}')
    closed = {"oneOf": [{"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"],
                         "additionalProperties": False}, {"type": "object", "required": ["b"]}]}
    g = constrain.compile_json_schema(closed, vocab)
    assert accepts(g, tok, '{"a": 1}') and accepts(g, tok, '{"b": 1, "a": 2}') and not accepts(g, tok, '{"a": 1, "b": 2}')
    pats = {"type": "object", "patternProperties": {"^[a-z]+$": {"type": "integer"}}}
    g = constrain.compile_json_schema(pats, vocab)
    assert accepts(g, tok, '{"ab": 1, "Q": "free", "": null}')
    assert not accepts(g, tok, '{"ab": "not an integer"}')


def test_property_order_any(llama3):
    vocab, tok = llama3
    schema = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
              "required": ["a"], "maxProperties": 3}
    fixed = constrain.compile_json_schema(schema, vocab)
    free = constrain.compile_json_schema(schema, vocab, property_order="any")
    assert accepts(fixed, tok, '{"a": 1, "b": "x"}') and not accepts(fixed, tok, '{"b": "x", "a": 1}')
    assert accepts(free, tok, '{"b": "x", "a": 1}') and accepts(free, tok, '{"b": "x", "a": 1, "z": 0}')
    assert not accepts(free, tok, '{"b": "x"}') and not accepts(free, tok, '{"b": "x", "a": 1, "b": "y"}')
    assert not accepts(free, tok, '{"b": "x", "a": 1, "z": 0, "y": 0}')


# instances for brute-force exactness checks: accepted <=> jsonschema says valid
_OBJECTS = [{}, {"a": 1}, {"b": 1}, {"a": 1, "b": 2}, {"a": 1, "c": 3}, {"b": 2, "c": 3}, {"a": 1, "b": 2, "c": 3},
            {"a": "x"}, {"c": 3}, {"a": 1, "b": "y"}]
_SCALARS = [None, True, False, 0, 1, 2, -1, 1.5, "", "x", "xy", "ab", [], [1], [1, 2], [[1]], [[]], ["x"]]


@pytest.mark.parametrize("schema", [
    {"not": {"type": "string"}},
    {"type": ["number", "string"], "not": {"type": "integer"}},
    {"not": {"enum": ["", None, True]}},
    {"type": "string", "maxLength": 2, "not": {"const": "x"}},
    {"not": {"anyOf": [{"type": "boolean"}, {"const": "xy"}]}},
    {"type": "object", "not": {"required": ["a"]}},
    {"not": {"required": ["a", "b"]}},
    {"type": ["object", "string"], "not": {"type": "object", "required": ["a", "b"]}},
    {"type": "object", "properties": {"a": {"type": "integer"}}, "not": {"allOf": [{"required": ["a"]}, {"required": ["c"]}]}},
    {"not": {"minLength": 1, "maxLength": 1}},
    {"type": ["string", "integer"], "not": {"type": "integer", "minimum": 0, "maximum": 1}},
    {"type": "number", "not": {"exclusiveMinimum": 0}},
    {"type": "array", "not": {"maxItems": 1}},
    {"oneOf": [{"type": "string"}, {"maxLength": 1}]},
    {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "integer", "maximum": 1}]},
    {"type": "object", "oneOf": [{"required": ["a"]}, {"required": ["b"]}]},
    {"oneOf": [{"type": "string", "pattern": "^x"}, {"type": "string", "pattern": "^a"}, {"type": "integer"}]},
    {"type": "object", "patternProperties": {"^[ab]$": {"type": "integer"}}, "additionalProperties": {"type": "integer", "maximum": 2}},
    {"type": "object", "properties": {"a": {"type": "integer"}}, "patternProperties": {"[ac]": {"type": "integer"}},
     "additionalProperties": False},
    {"not": {"type": "string", "pattern": "^x"}},
    {"type": "string", "not": {"pattern": "b", "maxLength": 1}},
    {"oneOf": [{"type": "string", "pattern": "a"}, {"type": "string", "pattern": "b"}]},
    {"type": "string", "oneOf": [{"pattern": "^x"}, {"minLength": 2}]},
    {"enum": [1, 1.5, "x", "ab", None], "not": {"type": "integer"}},
    {"enum": ["ab", "b", "xb", 2], "allOf": [{"pattern": "b"}, {"pattern": "^a"}]},
    {"enum": ["ab", "x", "xy"], "not": {"pattern": "^x", "maxLength": 1}},
    {"type": "object", "oneOf": [{"properties": {"a": {"type": "integer"}}, "required": ["a"]},
                                 {"properties": {"b": {"type": "integer"}}, "required": ["b"]}]},
    {"oneOf": [{"type": "object", "properties": {"a": {"type": "integer"}, "c": {"maximum": 2}}}, {"required": ["b"]}]},
    {"not": {"not": {"type": "string"}}},
    {"type": "object", "dependentRequired": {"a": ["b"]}},
    {"type": "object", "properties": {"c": {}, "a": {}, "b": {}}, "dependentRequired": {"a": ["b"], "c": ["a"]}},
    {"type": "object", "dependentSchemas": {"a": {"properties": {"b": {"type": "integer"}}, "required": ["b"]}}},
    {"type": "object", "required": ["a"], "dependencies": {"a": ["c"], "b": {"properties": {"a": {"type": "string"}}}},
     "$schema": "http://json-schema.org/draft-07/schema#"},
    {"type": "object", "properties": {"a": {"type": "integer"}, "b": {}}, "additionalProperties": False,
     "dependentRequired": {"b": ["a"]}},
    # dependent schemas with what only a whole subschema reads: combinators, negation, enum, a type
    {"type": "object", "dependentSchemas": {"a": {"anyOf": [{"required": ["c"]}, {"properties": {"a": {"const": 2}}}]}}},
    {"type": "object", "dependentSchemas": {"b": {"oneOf": [{"required": ["a"]}, {"required": ["c"]}]}}},
    {"type": "object", "dependentSchemas": {"a": {"if": {"required": ["b"]}, "then": {"required": ["c"]}}}},
    {"type": "object", "dependentSchemas": {"a": {"not": {"required": ["c"]}}}},
    {"dependentSchemas": {"a": {"type": "string"}}},
    {"type": "object", "dependentSchemas": {"a": {"enum": [{"a": 1}, {"a": "x"}, {"a": 1, "c": 3}]}}},
    {"type": "object", "dependencies": {"a": {"anyOf": [{"properties": {"b": {"not": {}}}, "required": ["c"]},
                                                        {"properties": {"a": {"enum": ["x"]}}}]}},
     "$schema": "http://json-schema.org/draft-07/schema#"},
    {"type": "object", "minProperties": 1, "additionalProperties": {"type": "integer"}},
    {"type": "object", "patternProperties": {"[ab]": {"type": "integer"}, "[bc]": {"maximum": 1}}, "additionalProperties": False},
    {"type": "object", "patternProperties": {"^a": {"type": "integer"}, "b$": {"type": "string"}}, "additionalProperties": {"maximum": 2}},
    {"type": "object", "properties": {"c": {"type": "integer"}}, "patternProperties": {"^a": {"maximum": 1}},
     "additionalProperties": {"type": "string"}},
    {"type": "object", "propertyNames": {"pattern": "^[ab]$"}, "patternProperties": {"a": {"type": "integer"}}},
    {"type": "object", "patternProperties": {"^a": True}, "additionalProperties": {"type": "string"}},
    {"if": {"type": "string"}, "then": {"maxLength": 1}, "else": {"type": "integer"}},
    {"type": "integer", "not": {"const": 1}},
    {"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {"A": {"type": ["integer", "null"]}},
     "type": "object", "properties": {"a": {"$ref": "#/definitions/A"}}, "allOf": [{"properties": {"a": {"type": "null"}}}]},
    {"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {"A": {"type": ["integer", "string"]}},
     "properties": {"a": {"$ref": "#/definitions/A", "type": "string"}}},
    {"not": {"type": "object", "required": ["a"], "minProperties": 2}},
    {"not": {"anyOf": [{"type": "string", "maxLength": 1}, {"type": "integer"}], "type": ["string", "integer", "null"]}},
    {"type": "object", "if": {"required": ["a"], "properties": {"a": {"type": "integer"}}, "maxProperties": 1},
     "then": {"properties": {"a": {"maximum": 1}}}, "else": {"required": ["c"]}},
    {"not": {"enum": [1, 1.5, "x", 2]}, "maximum": 2},
    {"if": {"minLength": 2}, "then": {"pattern": "^a"}},
    {"type": "object", "allOf": [{"if": {"properties": {"a": {"const": 1}}, "required": ["a"]}, "then": {"required": ["b"]}},
                                 {"if": {"required": ["c"]}, "then": {"properties": {"a": {"type": "string"}}}}]},
    {"type": "object", "properties": {"a": {"enum": ["y", "x"]}}, "if": {"properties": {"a": {"const": "x"}}},
     "then": {"required": ["b"]}, "else": {"maxProperties": 1}},
    {"oneOf": [{"type": "object", "properties": {"a": {"const": 1}}, "required": ["a"]},
               {"type": "object", "additionalProperties": {"type": "string"}}]},
    {"$defs": {"A": {"type": "object", "properties": {"a": {"const": 1}}, "required": ["a"]},
               "B": {"oneOf": [{"$ref": "#/$defs/A"}, {"type": "object", "patternProperties": {"^[ab]$": {"type": "string"}}}]}},
     "oneOf": [{"$ref": "#/$defs/B"}, {"type": "object", "required": ["b"], "properties": {"b": {"type": "integer"}, "a": False}}]},
    {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"], "minProperties": 2, "maxProperties": 2},
    # `not` of two patterns merged by allOf: strings matching both (was: the first one only)
    {"type": "string", "not": {"allOf": [{"pattern": "a"}, {"pattern": "b"}]}},
    # two oneOf groups met one after the other
    {"allOf": [{"oneOf": [{"type": "integer"}, {"type": "string"}]},
               {"oneOf": [{"type": "integer", "minimum": 2}, {"type": "string", "maxLength": 1}, {"type": "null"}]}]},
    {"allOf": [{"anyOf": [{"type": "integer"}, {"type": "string"}]},
               {"oneOf": [{"type": "integer", "minimum": 2}, {"type": "integer", "maximum": 1}, {"type": "string"}]}]},
    # properties whose two schemas are both $refs
    {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}, "allOf": [{"properties": {"a": {"$ref": "#/$defs/B"}}}],
     "$defs": {"A": {"type": "integer"}, "B": {"minimum": 2}}},
    # arrays whose item schemas share no value overlap only in []
    {"oneOf": [{"type": "array", "items": {"type": "integer"}}, {"type": "array", "items": {"type": "array"}}]},
    # closed objects: a name one side declares breaks the other's additionalProperties
    {"oneOf": [{"type": "object", "properties": {"a": {"type": "integer"}, "b": {}}, "additionalProperties": False},
               {"type": "object", "properties": {"c": {}}, "additionalProperties": False}]},
    {"type": "object", "properties": {"a": {}, "b": {}}, "additionalProperties": False,
     "not": {"properties": {"a": {"type": "integer"}}, "additionalProperties": {"type": "string"}}},
    # oneOf one JSON type at a time (the branches' additionalProperties cannot be negated on open
    # objects): a string matches both branches, so no string is valid; objects the second only
    {"oneOf": [{"type": "string"}, {"type": ["string", "object"], "additionalProperties": {"type": "string"}}]},
    {"oneOf": [{"required": ["a"], "additionalProperties": {"type": "string"}}, {"type": "string", "pattern": "^x"}]},
    # equal branches cancel each other out
    {"oneOf": [{"type": "object", "additionalProperties": {"type": "string"}},
               {"type": "object", "additionalProperties": {"type": "string"}}, {"type": "integer"}]},
    # optional members with disjoint values in both branches (a discriminator when present)
    {"oneOf": [{"type": "object", "properties": {"a": {"const": 1}, "b": {"type": "string"}}, "required": ["b"],
                "additionalProperties": {"type": "string"}},
               {"type": "object", "properties": {"a": {"const": 2}, "b": {"type": "integer"}}}]},
    # required member "missing or bad" as one piece of the negation
    {"type": "object", "not": {"required": ["a"], "properties": {"a": {"type": "integer"}}}},
    # enum values another branch also accepts are pruned, not negated
    {"oneOf": [{"enum": [1, "x", "ab"]}, {"type": "string", "maxLength": 1}]},
    # `not` of contains: arrays none of whose items meets it
    {"not": {"contains": {"type": "integer", "minimum": 2}}},
    {"type": "array", "prefixItems": [{"type": "integer"}], "not": {"contains": {"const": 1}}},
    # overlapping oneOf branches next to keywords that cannot be negated: each branch is negated
    # as written, not merged with them
    {"type": "object", "patternProperties": {"^x": {"type": "integer"}}, "oneOf": [{"required": ["a"]}, {"required": ["b"]}]},
    {"type": "object", "dependentRequired": {"c": ["a"]}, "oneOf": [{"required": ["a"]}, {"required": ["b"]}]},
    {"type": "array", "uniqueItems": True, "items": {"type": "string"}, "oneOf": [{"minItems": 1}, {"maxItems": 1}]},
    # non-integer numbers with a bound (integers >= 2 match both branches)
    {"oneOf": [{"type": "integer"}, {"minimum": 2}]},
    # `not` of a oneOf: not of the union of its exactly-one pieces
    {"not": {"oneOf": [{"type": "integer"}, {"type": ["integer", "string"], "minimum": 2}]}},
    {"oneOf": [{"type": "object", "oneOf": [{"required": ["a"]}, {"required": ["b"]}]}, {"required": ["c"]}]},
    # `not` of additionalProperties on objects open to other names: some undeclared member breaks it
    {"type": "object", "not": {"additionalProperties": {"type": "integer"}}},
    {"type": "object", "not": {"additionalProperties": False}},
    {"type": "object", "properties": {"a": {}}, "minProperties": 1,
     "not": {"properties": {"b": {"type": "string"}}, "additionalProperties": {"type": "integer"}}},
    {"oneOf": [{"type": "object", "additionalProperties": {"type": "integer"}}, {"type": "object", "required": ["a"]}]},
    {"enum": [{"a": 1}, {"a": "x"}, {}, {"b": 2, "c": "x"}], "not": {"additionalProperties": {"type": "integer"}}},
    # `not` of propertyNames: a declared name that breaks it, else some other member's name
    {"type": "object", "not": {"propertyNames": {"not": {"const": "a"}}}},
    {"type": "object", "properties": {"b": {}}, "not": {"propertyNames": {"enum": ["b", "c"]}}},
    {"not": {"propertyNames": {"pattern": "^[ab]$"}}},
    {"type": "object", "additionalProperties": False, "properties": {"a": {}, "b": {}}, "not": {"propertyNames": {"const": "a"}}},
    {"type": "object", "not": {"propertyNames": False}},
    {"enum": [{"a": 1}, {"c": 3}, {}], "not": {"propertyNames": {"const": "a"}}},
    {"type": "object", "maxProperties": 2, "patternProperties": {"^[ab]$": {"type": "integer"}},
     "not": {"propertyNames": {"not": {"enum": ["a", "c"]}}}},
    # two witnesses: some member named a, some member whose value is not an integer (maybe the same)
    {"type": "object", "allOf": [{"not": {"propertyNames": {"not": {"const": "a"}}}},
                                 {"not": {"additionalProperties": {"type": "integer"}}}]},
    {"type": "object", "maxProperties": 3, "allOf": [{"not": {"propertyNames": {"not": {"const": k}}}} for k in "abc"]},
    {"type": "object", "maxProperties": 1, "allOf": [{"not": {"propertyNames": {"not": {"pattern": "a"}}}},
                                                     {"not": {"propertyNames": {"not": {"pattern": "^.$"}}}}]},
    # a propertyNames pattern that also matches a declared name (additional keys exclude it)
    {"type": "object", "properties": {"a": {"type": "integer"}}, "propertyNames": {"pattern": "^[ab]$"}},
])
def test_not_oneof_and_dependencies_are_exact(llama3, schema):
    vocab, tok = llama3
    grammar = constrain.compile_json_schema(schema, vocab, property_order="any")
    validator = jsonschema.Draft7Validator(schema) if "$schema" in schema else jsonschema.Draft202012Validator(schema)
    for instance in _OBJECTS + _SCALARS:
        for seps in ((", ", ": "), (",", ":")):
            assert accepts_some_order(grammar, tok, instance, seps) == validator.is_valid(instance), (schema, instance, seps)


@pytest.mark.parametrize("schema,keyword", [
    ({"not": {"multipleOf": 0.5}}, "not"),
    ({"oneOf": [{"type": "array", "prefixItems": [{"type": "integer"}]}, {"type": "array", "items": {"type": "string"}}]}, "oneOf"),
    ({"type": "array", "not": {"const": [1]}}, "not"),
    ({"type": "object", "dependentRequired": {k: ["z"] for k in "abcde"}}, "dependentRequired"),
    ({"type": "object", "minProperties": 2}, "minProperties"),
    ({"type": "object", "patternProperties": {"^a": {}}, "not": {"additionalProperties": False}}, "not"),
    # remainder automata that would pass their size limit: explicit errors, not raw ones
    ({"type": "integer", "multipleOf": 4093, "minimum": 7, "maximum": 10**30}, "multipleOf"),
    ({"type": "number", "multipleOf": 40.93, "minimum": 0.37, "maximum": 10**25}, "multipleOf"),
    # four witnesses (some member breaks A, some B, some C, some D)
    ({"type": "object", "allOf": [{"not": {"propertyNames": {"not": {"const": k}}}} for k in "abcd"]}, "not"),
    # overlapping branches whose exclusive pieces multiply past the limit
    ({"type": "object", "oneOf": [{"required": [f"k{i}{j}" for j in range(3)]} for i in range(5)]}, "oneOf"),
    # enum values kept apart from a branch with an unknown format (was an uncaught internal error)
    ({"oneOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "string", "format": "no-such-format"}]}, "not"),
])
def test_unsupported_negations_and_dependencies_raise(llama3, schema, keyword):
    vocab, _ = llama3
    with pytest.raises(constrain.UnsupportedSchemaError) as info:
        constrain.compile_json_schema(schema, vocab)
    assert info.value.keyword == keyword


def test_format_together_with_pattern_is_their_intersection(llama3):
    vocab, tok = llama3
    g = constrain.compile_json_schema({"type": "string", "format": "date", "pattern": "^2024-"}, vocab)
    assert accepts(g, tok, '"2024-02-29"')
    assert not accepts(g, tok, '"2023-01-15"') and not accepts(g, tok, '"2024-13-01"')
    assert not accepts(g, tok, '"2023-02-29"') and not accepts(g, tok, '"2024-01-15x"')


def test_strings_without_a_small_regex_are_exact_automata(llama3):
    """A length bound on this pattern has no small regex: the terminal is built as an automaton."""
    vocab, tok = llama3
    schema = {"type": "string", "pattern": "^[a-z\\d]+(?:-[a-z\\d]+)*$", "minLength": 2, "maxLength": 200}
    assert "%declare AUTOMATON0" in constrain.json_schema_to_lark(schema)
    grammar = constrain.compile_json_schema(schema, vocab)
    rng = random.Random(3)
    texts = ["a", "ab", "a-b", "-ab", "ab-", "a--b", "x" * 200, "x" * 201, "a-" * 99 + "b", "a-" * 100 + "b", 'a"b', "é-1"]
    texts += ["".join(rng.choice("ab1-é\"") for _ in range(rng.choice([3, 199, 200, 201]))) for _ in range(40)]
    for text in texts:
        valid = re.search(schema["pattern"], text) is not None and 2 <= len(text) <= 200
        assert accepts(grammar, tok, json.dumps(text, ensure_ascii=False)) == valid, text


UNIQUE = {"type": "object", "properties": {
    "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
    "more": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True}}}


@pytest.mark.parametrize("schema", [PERSON, UNIQUE, {"type": "array", "items": {"$ref": "#"}, "maxItems": 2},
                                    {"type": "object", "patternProperties": {"^a": {"type": "integer"}},
                                     "additionalProperties": {"type": "string", "pattern": "^x", "maxLength": 300}}])
def test_the_grammar_built_directly_equals_its_lark_text(llama3, schema):
    """compile_json_schema skips the Lark text; lark's reading of that text gives the same masks."""
    from constrain.grammars.cfg_matcher import CFGGrammar
    from constrain.grammars.json_schema import _emit
    from constrain.grammars.json_schema.emit import Options
    vocab, tok = llama3
    _, emitter, start = _emit(schema, Options("flexible", False, True, "schema"), for_compile=True)
    text = emitter.lark(start)
    direct = emitter.grammar(start)
    via_text = load_lark(text, opaque=frozenset(emitter.prebuilt))
    assert direct.terminals == via_text.terminals
    grammars = [CFGGrammar(g, vocab, all_readings=True, terminal_dfas=emitter.prebuilt) for g in (direct, via_text)]
    for instance in ({"name": "Ann", "age": 3, "tags": ["a"]}, {"tags": ["x", "y"]}, [[], [[]]], {"ab": 1, "c": "xy"}):
        matchers = [g.matcher() for g in grammars]
        for t in tok.encode(json.dumps(instance), add_special_tokens=False).ids:
            assert (matchers[0].next_token_mask() == matchers[1].next_token_mask()).all()
            if not all(m.accept_token(t) for m in matchers):
                break


def test_item_counts_up_to_the_limit_are_exact(llama3):
    vocab, tok = llama3
    g = constrain.compile_json_schema({"type": "array", "items": {"type": "integer"}, "maxItems": 1000}, vocab)
    assert accepts(g, tok, json.dumps([7] * 1000)) and not accepts(g, tok, json.dumps([7] * 1001))
    with pytest.raises(constrain.UnsupportedSchemaError) as info:
        constrain.compile_json_schema({"type": "array", "maxItems": 5000}, vocab)
    assert info.value.keyword == "maxItems"


@pytest.mark.parametrize("schema", [
    {"type": "number", "multipleOf": 0.01, "minimum": 0, "maximum": 99999999999.99},
    {"type": "number", "multipleOf": 0.1, "exclusiveMinimum": -1, "maximum": 2},
])
def test_decimal_places_with_bounds_are_exact(llama3, schema):
    """multipleOf 10^-k with bounds: the intersection of the bounds and the decimal places."""
    vocab, tok = llama3
    g = constrain.compile_json_schema(schema, vocab)
    validator = jsonschema.Draft202012Validator(schema)
    for text in ["0", "1", "-1", "-0.9", "-0.95", "1.5", "1.55", "1.555", "1.550", "2.0", "2.1", "12.3400",
                 "99999999999.99", "99999999999.999", "100000000000", "0.05"]:
        assert accepts(g, tok, text) == validator.is_valid(json.loads(text)), text


@pytest.mark.parametrize("schema", [
    {"type": "integer", "not": {"multipleOf": 3}},
    {"type": "number", "minimum": 1, "not": {"multipleOf": 2}},
    {"type": "integer", "minimum": 12, "multipleOf": 4},
    {"type": "number", "maximum": -2.5, "not": {"multipleOf": 5}},
    {"type": "integer", "allOf": [{"anyOf": [{"multipleOf": 5}, {"multipleOf": 3}]}, {"anyOf": [{"not": {"multipleOf": 5}}, {"multipleOf": 2}]}]},
    {"type": "integer", "multipleOf": 2, "not": {"anyOf": [{"multipleOf": 3}, {"multipleOf": 7}]}, "exclusiveMinimum": -100},
    {"enum": [3, 4, 4.5, "x", 6.0], "not": {"multipleOf": 3}},
    # decimal steps other than powers of ten; an integer step written as a fraction
    {"type": "number", "multipleOf": 0.25, "minimum": 0, "maximum": 100},
    {"type": "number", "multipleOf": 0.75},
    {"type": "integer", "multipleOf": 13.5},
])
def test_multiples_and_their_negation_are_exact(llama3, schema):
    """Unbounded multipleOf and `not multipleOf` (remainder automata, non-integer numbers with
    bounds): every number in a range, in both spellings, is accepted iff jsonschema says valid."""
    vocab, tok = llama3
    grammar = constrain.compile_json_schema(schema, vocab)
    validator = jsonschema.Draft202012Validator(schema)
    numbers = list(range(-45, 46)) + [0.5, 1.5, -2.75, 3.0, 6.0, -10.0, 12.25, 105, 210, 1000, 1001, 12345678,
                                      0.75, 2.25, 40.5, 99.75, 100.25, 0.125, -1.5, 54, 81.0]
    for value in numbers + ["x", None]:
        assert accepts(grammar, tok, json.dumps(value)) == validator.is_valid(value), (schema, value)


def test_integers_may_have_a_zero_fraction_except_in_draft4(llama3):
    """1.0 is an integer (and a multiple of 1) from draft 6 on; draft 4's integer has no fraction."""
    vocab, tok = llama3
    for schema, valid, invalid in [({"type": "integer", "maximum": 5}, ["5", "5.0", "-3.00"], ["7.0", "5.5", "1."]),
                                   ({"type": "number", "multipleOf": 1}, ["6000", "6000.0"], ["5.5", "1."]),
                                   ({"type": "integer", "multipleOf": 2, "minimum": 0, "maximum": 6}, ["4", "4.0"],
                                    ["5.0", "8.0", "1."])]:
        g = constrain.compile_json_schema(schema, vocab)
        assert all(accepts(g, tok, t) for t in valid) and not any(accepts(g, tok, t) for t in invalid), schema
    draft4 = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "integer"}
    g = constrain.compile_json_schema(draft4, vocab)
    assert accepts(g, tok, "5") and not accepts(g, tok, "5.0")


_ARRAYS = [[], [1], [2], [1, 2], [2, 2], [1, 1], [1, 1, 1], [2, 1, 2], ["x"], [1, "x"], ["x", "x", 1], [[1]]]


@pytest.mark.parametrize("schema", [
    {"contains": {"const": 1}},
    {"type": "array", "items": {"type": "integer"}, "contains": {"const": 1}},
    {"contains": {"const": 1}, "minContains": 2, "maxContains": 2},
    {"contains": {"const": 1}, "minContains": 0, "maxItems": 2},
    {"contains": {"type": "string"}, "maxContains": 1, "minItems": 2},
    {"type": "array", "contains": {"type": "integer", "minimum": 2}, "maxItems": 3, "minContains": 1},
    {"$schema": "http://json-schema.org/draft-07/schema#", "contains": {"const": 1}, "minContains": 2},   # no minContains in draft 7
    # `not` of items: some item outside them
    {"oneOf": [{"type": "array", "items": {"type": "integer"}}, {"type": "array", "items": {"enum": [1, "x"]}}]},
    {"type": "array", "not": {"items": {"type": "integer"}}},
    {"oneOf": [{"type": "array", "items": {"type": "integer"}}, {"type": "array", "maxItems": 1}]},
])
def test_contains_counts_are_exact(llama3, schema):
    vocab, tok = llama3
    g = constrain.compile_json_schema(schema, vocab)
    validator = jsonschema.validators.validator_for(schema)(schema)
    for instance in _ARRAYS + [None, 1, "x"]:
        for seps in ((", ", ": "), (",", ":")):
            assert accepts(g, tok, json.dumps(instance, separators=seps)) == validator.is_valid(instance), (schema, instance)


def test_combined_anyof_groups_up_to_the_limit(llama3):
    """Two anyOf groups whose pairwise conjunction exceeds 64 are met one after the other, up to
    256 combined branches; more is an UnsupportedSchemaError."""
    vocab, tok = llama3
    ranges = {"anyOf": [{"type": "integer", "minimum": i, "maximum": i + 1} for i in range(0, 20, 2)]}
    steps = {"anyOf": [{"type": "integer", "multipleOf": k} for k in range(2, 12)]}
    schema = {"allOf": [ranges, steps]}
    g = constrain.compile_json_schema(schema, vocab)
    validator = jsonschema.Draft202012Validator(schema)
    for n in range(-2, 24):
        assert accepts(g, tok, str(n)) == validator.is_valid(n), n
    many = {"allOf": [{"anyOf": [{"type": "integer", "minimum": i, "maximum": i} for i in range(20)]},
                      {"anyOf": [{"type": "integer", "multipleOf": k} for k in range(2, 22)]}]}
    with pytest.raises(constrain.UnsupportedSchemaError) as info:
        constrain.compile_json_schema(many, vocab)
    assert info.value.keyword == "anyOf"


def test_grammar_size_limit_is_a_clear_error(llama3, monkeypatch):
    import constrain.grammars.json_schema as json_schema
    schema = {"type": "object", "properties": {f"p{i}": {"type": "string", "pattern": "^a+b$"} for i in range(30)}}
    monkeypatch.setattr(json_schema, "MAX_GRAMMAR_CHARS", 200)
    for build in (lambda: constrain.json_schema_to_lark(schema), lambda: constrain.compile_json_schema(schema, llama3[0])):
        with pytest.raises(UnsupportedSchemaError, match="grammar too large"):
            build()
