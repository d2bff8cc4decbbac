"""The key language of "every key (propertyNames allows) but the named ones", built directly
(key_language without patterns: the names laid over the keys' automaton), is the one
KeyPartition reads off its product automaton: same canonical spellings accepted."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constrain._core import coreachable
from constrain.automata.regex import dfa_union
from constrain.grammars.json_schema.keys import KeyPartition, _spelled, key_language
from constrain.grammars.json_schema.strings import pattern_ast, string_regex
from tests.test_json_schema import llama3  # noqa: F401 (a fixture)

_names = st.lists(st.text(alphabet=st.sampled_from(['a', 'b', '"', '\\', '\n', '\x01', 'é', '€', '😀', '/']),
                          max_size=4), max_size=5)


def _same_language(a, b) -> bool:
    """Whether two byte DFAs accept the same strings: no reachable pair accepts in one only."""
    _, accepts = dfa_union([a, b], max_states=200_000)
    return all(len(acc) != 1 for acc in accepts)


@settings(max_examples=60, deadline=None)
@given(names=_names)
def test_other_keys_match_the_partition(names):
    direct = key_language([], names, None, {frozenset()})
    assert _same_language(direct, KeyPartition([], names).language({frozenset()}))
    for name in names:          # a named key is not another key; a longer one is
        spelled = json.dumps(name, ensure_ascii=False).encode()
        state = direct.walk(0, spelled)
        assert state < 0 or not direct.accepting[state]
        longer = json.dumps(name + "z", ensure_ascii=False).encode()
        if name + "z" not in names:
            state = direct.walk(0, longer)
            assert state >= 0 and direct.accepting[state]


@settings(max_examples=40, deadline=None)
@given(names=_names, pattern=st.sampled_from(["^a", "b$", "^[ab]{1,2}$", "é|😀", '"']))
def test_allowed_keys_but_the_names_match_the_partition(names, pattern):
    allowed = string_regex(pattern_ast(pattern))
    direct = key_language([], names, allowed, {frozenset()})
    expected = KeyPartition([], names, allowed).language({frozenset()})
    assert (direct is None) == (expected is None)
    assert direct is None or _same_language(direct, expected)


def test_every_state_of_the_direct_automaton_can_still_accept():
    for allowed in (None, string_regex(pattern_ast("^[ab]{1,3}$"))):
        dfa = key_language([], ["a", "ab", 'q"uote'], allowed, {frozenset()})
        assert coreachable(dfa.trans, dfa.accepting).all()


@given(name=st.text(max_size=6))
def test_a_key_is_spelled_as_json_dumps_spells_it(name):
    assert _spelled(name) == json.dumps(name, ensure_ascii=False).encode()


@pytest.mark.parametrize("schema,values", [
    # additional keys within propertyNames but the named ones: the names laid over the pattern's keys
    ({"type": "object", "properties": {"ab": {"type": "integer"}, "b": {"type": "string"}},
      "propertyNames": {"pattern": "^[ab]{1,3}$"}, "additionalProperties": {"type": "boolean"}},
     [{"ab": 1}, {"ab": 1, "aa": True}, {"aa": 1}, {"ab": True}, {"b": "x", "bbb": False}, {"abc": True}, {"c": True}]),
    # a string other than many words: the words laid over the string automaton (no regex of the
    # complement of their trie is compiled)
    ({"type": "string", "not": {"enum": [f"w{i:03d}x" for i in range(400)]}},
     ["w000x", "w399x", "w400x", "w00", "w000xy", "", "é"]),
    ({"type": "string", "minLength": 2, "maxLength": 4, "not": {"enum": ["ab", "abc", "é"]}},
     ["ab", "abc", "abd", "a", "abcd", "abcde", "éé"]),
])
def test_keys_and_strings_but_words_agree_with_jsonschema(llama3, schema, values):
    import jsonschema

    from constrain.grammars.json_schema import compile_json_schema
    from tests.test_json_schema import accepts

    vocab, tok = llama3
    grammar = compile_json_schema(schema, vocab)
    validator = jsonschema.Draft202012Validator(schema)
    for value in values:
        text = json.dumps(value, ensure_ascii=False)
        assert accepts(grammar, tok, text) == validator.is_valid(value), text


def test_property_names_that_cannot_be_enforced_raise_with_their_pointer(llama3):
    """A propertyNames pattern with a lookahead in its middle has no automaton here: an
    UnsupportedSchemaError at its pointer, or, lenient, the keyword listed as ignored and no
    key admitted that it might forbid (the grammar stays inside the schema's language)."""
    from constrain import UnsupportedSchemaError
    from constrain.grammars.json_schema import compile_json_schema
    from tests.test_json_schema import accepts

    vocab, tok = llama3
    schema = {"type": "object", "properties": {"a": {"type": "integer"}},
              "propertyNames": {"pattern": "^x(?=y)"}, "additionalProperties": {"type": "string"}}
    with pytest.raises(UnsupportedSchemaError) as raised:
        compile_json_schema(schema, vocab)
    assert (raised.value.keyword, raised.value.pointer) == ("propertyNames", "#/propertyNames")
    grammar = compile_json_schema(schema, vocab, lenient=True)
    assert grammar.ignored_keywords == [("propertyNames", "#/propertyNames")]
    assert accepts(grammar, tok, "{}")
    assert not accepts(grammar, tok, '{"a": 1}') and not accepts(grammar, tok, '{"b": "x"}')   # "a", "b" fail it
