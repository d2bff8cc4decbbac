"""Token slices (constrain/automata/token_slices.py): the trie keeps plain-text tokens in
slices that a walk takes whole when every string of the slice's language keeps the lexer
alive. Checked here: the partition, the trie's refusals, the containment decision, and that
masks with slices equal masks without them on real tokenizers."""
from __future__ import annotations

import json

import numpy as np
import pytest

from constrain import Vocabulary
from constrain._core import ByteDFA as CoreDFA
from constrain._core import TokenTrie
from constrain.automata import token_slices
from constrain.automata.regex import regex_to_dfa
from constrain.automata.token_slices import slice_languages, slice_of_tokens
from constrain.grammars.cfg_matcher import compile_builtin
from constrain.grammars.json_schema import compile_json_schema
from tests.conftest import encode_continuation, require_tokenizer

TOKENS = [b"ab", b'a"', b"\xe2\x80", ("\u00e9" * 12).encode(), b"x" * 40, b"\\n", b"a\n", None, b"ten chars!",
          b"eleven char", "\u20ac".encode(), b"\x7f"]


def test_slices_partition_plain_text_tokens_by_length():
    assert slice_of_tokens(TOKENS).tolist() == [1, 0, 0, 2, 3, 0, 0, 0, 1, 2, 1, 0]
    trie = TokenTrie(TOKENS, 20, slice_of_tokens(TOKENS), slice_languages())
    assert [trie.slice_ids(k).tolist() for k in (1, 2, 3)] == [[0, 8, 10], [3, 9], [4]]
    assert len(trie.roots) == 4 and trie.roots[0] == 0
    assert [trie.node_bytes(trie.token_node(i)) for i in (0, 1, 3, 4)] == [TOKENS[i] for i in (0, 1, 3, 4)]


def test_trie_refuses_a_token_outside_its_slice_and_languages_not_nested():
    slices = slice_of_tokens(TOKENS)
    wrong = slices.copy()
    wrong[1] = 1                                        # a'"' is not plain text
    with pytest.raises(ValueError, match="not in its slice's language"):
        TokenTrie(TOKENS, 20, wrong, slice_languages())
    with pytest.raises(ValueError, match="nested"):
        TokenTrie(TOKENS, 20, np.zeros(len(TOKENS), dtype=np.uint8), slice_languages()[::-1])
    with pytest.raises(ValueError, match="without a language"):
        TokenTrie(TOKENS, 20, slices, slice_languages()[:1])


def _core(pattern: str) -> CoreDFA:
    dfa = regex_to_dfa(pattern)
    return CoreDFA(dfa.trans, dfa.accepting.astype(np.uint8))


@pytest.mark.parametrize("pattern, text, whole", [
    (r'"(?:[^"\\]|\\.)*"', b'"', 3),        # a JSON string body: every slice stays inside
    (r'"(?:[^"\\]|\\.)*"', b'"abc', 3),
    (r'"[^"]{0,20}"', b'"', 1),             # maxLength 20: strings of up to 10 characters only
    (r'"[^"]{0,20}"', b'"' + b"y" * 15, 0),
    (r'"[^"]{0,40}"', b'"', 2),
    (r'"[^"]{0,500}"', b'"', 2),            # the longest slice's check runs out of its budget
    (r'"[a-z]*"', b'"', 0),                 # not every plain character
    (r'"(?:[^"\\]|\\.)*"', b"", 0),         # before the quote
])
def test_whole_slices_decides_containment(pattern, text, whole):
    trie = TokenTrie(TOKENS, 20, slice_of_tokens(TOKENS), slice_languages())
    dfa = _core(pattern)
    assert trie.whole_slices(dfa, dfa.walk_bytes(0, text)) == whole


SCHEMAS = [
    {"type": "object", "properties": {"name": {"type": "string", "maxLength": 15},
                                      "tag": {"enum": ["alpha", "beta"]},
                                      "note": {"type": "string", "pattern": "^[a-z ]+$"}},
     "required": ["name"]},
    {"type": "array", "items": {"type": "string", "format": "email"}},
    {"type": "object", "additionalProperties": {"type": "string", "minLength": 25}},
]
INSTANCES = [
    {"name": "Zoë ünïcode 12", "tag": "beta", "note": "all lower case", "extra key \u20ac": [1, "two"]},
    {"name": "", "other": "a \"quoted\" \\ text\nwith lines and a long tail of plain words to pass thirty"},
    ["someone@example.com", "x.y@z.org"],
    {"k": "twenty-five characters or more, with ünïcode"},
]


@pytest.mark.parametrize("name", ["llama3", "llama2"])
def test_masks_with_slices_equal_masks_without(name, monkeypatch):
    from tokenizers import Tokenizer

    path = require_tokenizer(name)
    tok = Tokenizer.from_file(str(path))
    sliced = Vocabulary.from_file(path)
    assert len(sliced.trie.roots) == 4
    with monkeypatch.context() as patch:
        patch.setattr(token_slices, "slice_of_tokens", lambda tokens: np.zeros(len(tokens), dtype=np.uint8))
        plain = Vocabulary.from_file(path)
        plain.trie
    grammars = [(compile_json_schema(s, sliced), compile_json_schema(s, plain)) for s in SCHEMAS]
    grammars.append((compile_builtin("json", sliced), compile_builtin("json", plain)))
    texts = [json.dumps(i, ensure_ascii=False) for i in INSTANCES]
    checked = 0
    for a, b in grammars:
        for text, ids in zip(texts, encode_continuation(tok, texts)):
            ma, mb = a.matcher(), b.matcher()
            for t in ids:
                assert np.array_equal(ma.next_token_mask(), mb.next_token_mask()), (text, tok.decode([t]))
                checked += 1
                if not (ma.accept_token(t) and mb.accept_token(t)):
                    break
    assert checked > 200


@pytest.mark.parametrize("name", ["llama3"])
def test_regex_masks_with_slices_equal_masks_without(name, monkeypatch):
    from tokenizers import Tokenizer

    from constrain.grammars.regex import compile_regex

    path = require_tokenizer(name)
    tok = Tokenizer.from_file(str(path))
    sliced = Vocabulary.from_file(path)
    with monkeypatch.context() as patch:
        patch.setattr(token_slices, "slice_of_tokens", lambda tokens: np.zeros(len(tokens), dtype=np.uint8))
        plain = Vocabulary.from_file(path)
        plain.trie
    cases = [(r'"(?:[^"\\]|\\.)*"', '"any text, with ünïcode and \\"escapes\\" of many kinds, thirty chars or more"'),
             (r"[^\n]{0,25}!", "a short line of text here!"),
             (r"[a-z ]+", "only lower case words here")]
    checked = 0
    for pattern, text in cases:
        a, b = compile_regex(pattern, sliced).matcher(), compile_regex(pattern, plain).matcher()
        for t in encode_continuation(tok, [text])[0]:
            assert np.array_equal(a.next_token_mask(), b.next_token_mask()), (pattern, tok.decode([t]))
            checked += 1
            assert a.accept_token(t) and b.accept_token(t)
    assert checked > 20
