"""uniqueItems: string items must be distinct within each array (a run-time check on the
lexemes, distinct_items.py, no grammar can say it), exact token by token, its masks agreeing
with `advance`; an enum's items exactly against every array; what the check cannot cover raises."""
from __future__ import annotations

import itertools
import json

import jsonschema
import numpy as np
import pytest

import constrain
from tests.test_json_schema import UNIQUE, accepts, llama3  # noqa: F401 (a fixture)


@pytest.mark.parametrize("instance", [
    {"tags": []}, {"tags": ["a"]}, {"tags": ["a", "a"]}, {"tags": ["a", "b", "a"]}, {"tags": ["ab", "a", "b"]},
    {"tags": ["", ""]}, {"tags": ["x"], "more": ["x"]}, {"tags": ["x", "y"], "more": ["y", "y"]},
    {"more": ["é", "e"]}, {"more": ["\n", "\n"]}, {"more": [""]}, {"tags": ["a\"b", "a\"b"]},
])
def test_unique_string_items_token_by_token(llama3, instance):
    vocab, tok = llama3
    grammar = constrain.compile_json_schema(UNIQUE, vocab)
    valid = jsonschema.Draft202012Validator(UNIQUE).is_valid(instance)
    for seps in ((", ", ": "), (",", ":")):
        assert accepts(grammar, tok, json.dumps(instance, separators=seps, ensure_ascii=False)) == valid, instance


def test_unique_items_compare_values_and_masks_agree_with_advance(llama3):
    vocab, tok = llama3
    grammar = constrain.compile_json_schema(UNIQUE, vocab)
    assert not accepts(grammar, tok, '{"tags": ["a", "\\u0061"]}')          # same value, other spelling
    assert "U0" in constrain.json_schema_to_lark(UNIQUE) and "uniqueItems" in constrain.json_schema_to_lark(UNIQUE)
    quoted = [i for i in range(vocab.size) if b'"' in (vocab.token_bytes(i) or b"")]
    for prefix in ['{"tags": ["abc", "de", "ab', '{"tags": ["abc"', '{"tags": ["abc",', '{"tags": [""', '{"tags": [']:
        m = grammar.matcher()
        assert m.accept_tokens(tok.encode(prefix, add_special_tokens=False).ids) == len(tok.encode(prefix, add_special_tokens=False).ids)
        for t in quoted:
            assert m.is_token_allowed(t) == m.fork().accept_token(t), (prefix, vocab.token_bytes(t))
    m = grammar.matcher()
    m.accept_tokens(tok.encode('{"tags": ["abc", "ab', add_special_tokens=False).ids)
    closing = tok.encode('c"', add_special_tokens=False).ids
    assert m.accept_token(closing[0]) and not m.is_token_allowed(closing[1])   # "abc" again


ENUM_UNIQUE = {"type": "array", "items": {"enum": ["GET", "GETX", "POST"]}, "uniqueItems": True, "minItems": 1}


def _completable(m, vocab, depth: int = 40) -> bool:
    """Whether a bounded depth-first search (3 allowed tokens per step, longest without a
    space first) finds a way to end from the matcher's state."""
    if m.can_end():
        return True
    if depth == 0:
        return False
    bits = np.unpackbits(m.next_token_mask().view(np.uint8), bitorder="little")[:vocab.size]
    allowed = sorted((c for c in np.flatnonzero(bits) if c not in vocab.eos_token_ids),
                     key=lambda c: (b" " in vocab.token_bytes(int(c)), -len(vocab.token_bytes(int(c)))))
    for c in allowed[:3]:
        probe = m.fork()
        probe.accept_token(int(c))
        if _completable(probe, vocab, depth - 1):
            return True
    return False


def test_unique_enum_items_exact_against_every_array(llama3):
    """Every array of up to 4 of the values (and one outsider), both separators; and at each
    step of the valid ones the mask agrees with advance (no dead ends: a finite domain can run out)."""
    vocab, tok = llama3
    grammar = constrain.compile_json_schema(ENUM_UNIQUE, vocab)
    validator = jsonschema.Draft202012Validator(ENUM_UNIQUE)
    values = ["GET", "GETX", "POST", "PUT"]
    for n in range(5):
        for items in itertools.product(values, repeat=n):
            for seps in ((", ", ": "), (",", ":")):
                text = json.dumps(list(items), separators=seps)
                assert accepts(grammar, tok, text) == validator.is_valid(list(items)), text
    for text in ['["GET", "GETX", "POST"]', '["POST", "GETX"]']:
        m = grammar.matcher()
        for t in tok.encode(text, add_special_tokens=False).ids:
            mask = m.next_token_mask()
            bits = np.unpackbits(mask.view(np.uint8), bitorder="little")[:vocab.size]
            for c in np.flatnonzero(bits):
                if c not in vocab.eos_token_ids:
                    probe = m.fork()
                    assert probe.accept_token(int(c)), (text, vocab.token_bytes(int(c)))
                    # no dead end: some valid array still starts with the text so far
                    assert _completable(probe, vocab), (text, vocab.token_bytes(int(c)))
            assert m.accept_token(t)
    with pytest.raises(constrain.UnsupportedSchemaError, match="admits no value"):   # 3 values, 4 distinct items
        constrain.compile_json_schema(dict(ENUM_UNIQUE, minItems=4), vocab)


def test_unique_items_the_check_cannot_cover_raise(llama3):
    vocab, _ = llama3
    for items in ({"type": "string", "maxLength": 3}, {"type": "integer"}, {"type": "string", "format": "date"}, True,
                  {"enum": ["a", 1]}):
        with pytest.raises(constrain.UnsupportedSchemaError) as info:
            constrain.compile_json_schema({"type": "array", "items": items, "uniqueItems": True}, vocab)
        assert info.value.keyword == "uniqueItems"


def test_unique_items_inside_a_union_of_arrays(llama3):
    vocab, tok = llama3
    schema = {"anyOf": [{"type": "array", "items": {"type": "string"}, "uniqueItems": True, "maxItems": 4},
                        {"type": "array", "items": {"type": "string"}, "maxItems": 2}]}
    grammar = constrain.compile_json_schema(schema, vocab)
    for instance in (["a", "a"], ["a", "a", "b"], ["a", "b", "c"], ["a", "b", "a"], ["a", "b", "c", "d", "e"], []):
        valid = jsonschema.Draft202012Validator(schema).is_valid(instance)
        assert accepts(grammar, tok, json.dumps(instance)) == valid, instance
