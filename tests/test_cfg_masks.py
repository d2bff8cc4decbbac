"""compile_lark masks against an independent oracle, and builtin JSON on a real tokenizer.

Oracle: lark's own LALR interactive parser over a grammar of prefix-free string literals
(so lexing a prefix is unambiguous and written here independently): a byte string is a
viable prefix iff its complete lexemes are accepted by lark and its unfinished tail is the
start of a literal lark accepts next; EOS is allowed iff nothing is unfinished and lark
accepts the end of input.
"""
from __future__ import annotations

import json
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Lark, Token
from lark.exceptions import UnexpectedInput

from constrain import Vocabulary
from constrain.grammars.cfg_matcher import compile_builtin, compile_lark
from tests.conftest import encode_continuation, require_tokenizer

GRAMMAR = r"""
start: value
value: "[" [value ("," value)*] "]"
     | "{" [pair ("," pair)*] "}"
     | "tt" | "nul" | "7"
pair: "k" ":" value
%ignore " "
"""
LITERALS = ["[", "]", "{", "}", ",", ":", "tt", "nul", "7", "k"]
CHARS = "[]{},:tnul7k "

_LARK = Lark(GRAMMAR, parser="lalr")
_TYPE = {t.pattern.value: t.name for t in _LARK.terminals if t.pattern.type == "str"}


def viable(text: str) -> tuple[bool, bool]:
    """(text is a prefix of a sentence, text is a sentence) by the oracle."""
    ip = _LARK.parse_interactive("")
    i = 0
    while i < len(text):
        if text[i] == " ":
            i += 1
            continue
        lit = next((lit for lit in LITERALS if text.startswith(lit, i)), None)
        if lit is None:
            rest = text[i:]
            accepts = ip.accepts()
            return any(lit.startswith(rest) and _TYPE[lit] in accepts for lit in LITERALS), False
        try:
            ip.feed_token(Token(_TYPE[lit], lit))
        except UnexpectedInput:
            return False, False
        i += len(lit)
    return True, "$END" in ip.accepts()


def allowed_ids(mask: np.ndarray) -> set[int]:
    return set(np.flatnonzero(np.unpackbits(mask.view(np.uint8), bitorder="little")).tolist())


def random_tokens(rng: random.Random, n: int) -> list[bytes]:
    out = {lit.encode() for lit in LITERALS} | {b" "}
    while len(out) < n:
        out.add("".join(rng.choice(CHARS) for _ in range(rng.randint(2, 5))).encode())
    return sorted(out)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_mask_equals_lark_oracle(seed):
    rng = random.Random(seed)
    tokens: list[bytes | None] = random_tokens(rng, rng.randint(20, 60))
    eos = len(tokens)
    tokens.append(None)
    vocab = Vocabulary(tokens, [eos], size=eos + 5)
    matcher = compile_lark(GRAMMAR, vocab).matcher()
    prefix = ""
    for _ in range(14):
        expected = {i for i, t in enumerate(tokens) if t is not None and viable(prefix + t.decode())[0]}
        if viable(prefix)[1]:
            expected.add(eos)
        assert allowed_ids(matcher.next_token_mask()) == expected, prefix
        assert matcher.can_end() == (eos in expected)
        text_ids = sorted(expected - {eos})
        if not text_ids:
            break
        choice = rng.choice(text_ids)
        assert matcher.accept_token(choice)
        prefix += tokens[choice].decode()
    twin = matcher.fork()
    assert np.array_equal(twin.next_token_mask(), matcher.next_token_mask())


def test_tokens_spanning_several_terminals():
    tokens = [b"[", b"]", b"7", b",", b"[7,", b"7]]", b"],[", b" ", b"tt", b"t", b"nul]", None]
    vocab = Vocabulary(tokens, [len(tokens) - 1])
    m = compile_lark(GRAMMAR, vocab).matcher()
    assert m.accept_token(tokens.index(b"[7,"))
    assert m.accept_token(tokens.index(b"[7,"))
    for i, t in enumerate(tokens[:-1]):
        assert m.is_token_allowed(i) == viable("[7,[7," + t.decode())[0], t
    assert m.accept_token(tokens.index(b"t"))  # ends inside the "tt" literal
    assert not m.can_end()
    assert m.accept_token(tokens.index(b"t"))
    assert m.accept_token(tokens.index(b"]"))
    assert m.accept_token(tokens.index(b"]"))
    assert m.can_end() and m.accept_token(len(tokens) - 1) and m.is_finished()


def test_states_are_equal_when_their_continuations_are():
    """Matcher.state: equal after the same text however it was tokenized, unequal once the
    texts allow different continuations, and never equal across two grammars."""
    tokens = [b"[", b"]", b"7", b",", b"[7,", None]
    vocab = Vocabulary(tokens, [len(tokens) - 1])
    grammar = compile_lark(GRAMMAR, vocab)
    whole, pieces = grammar.matcher(), grammar.matcher()
    assert whole.accept_token(tokens.index(b"[7,"))
    for t in (b"[", b"7", b","):
        assert pieces.accept_token(tokens.index(t))
    assert whole.state == pieces.state and hash(whole.state) == hash(pieces.state)
    assert pieces.accept_token(tokens.index(b"["))
    assert whole.state != pieces.state
    other = compile_lark(GRAMMAR + "\n", vocab).matcher()
    assert other.accept_token(tokens.index(b"[7,"))
    assert other.state.key == whole.state.key and other.state != whole.state


def json_samples() -> list[str]:
    return [
        '{"name": "Ada", "tags": ["x", 1, -2.5e-3, true, false, null], "nested": {"a": [], "b": {}}}',
        '[1, 2, 3, {"k": "v\\u00e9\\n"}]',
        '"just a string with ünïcödé 漢字"',
        '{\n  "indent": [\n    1,\n    2\n  ]\n}',
        "0",
    ]


@pytest.mark.parametrize("name", ["llama3", "llama2"])
def test_builtin_json_on_real_tokenizer(name):
    from tokenizers import Tokenizer

    path = require_tokenizer(name)
    vocab = Vocabulary.from_file(path)
    tok = Tokenizer.from_file(str(path))
    grammar = compile_builtin("json", vocab)
    texts = json_samples()
    for text, ids in zip(texts, encode_continuation(tok, texts)):
        json.loads(text)
        m = grammar.matcher()
        for t in ids:
            assert m.is_token_allowed(t), (text, tok.decode([t]))
            assert m.accept_token(t)
        assert m.can_end(), text
    bad = ['{"a": 1,}', '[1 2]', '{"a" 1}', '{"a": tru}', '[01]']
    for text, ids in zip(bad, encode_continuation(tok, bad)):
        m = grammar.matcher()
        assert m.accept_tokens(ids) < len(ids) or not m.can_end(), text


@pytest.mark.parametrize("name", ["json", "python"])
def test_eos_special_tokens_fork_and_rollback_on_llama3(name):
    """Along a real text: EOS bits exactly where the grammar can end, ids without text (special
    tokens, the logits' padding) never, a fork advanced like its origin has its masks, and a
    rollback gives the earlier masks back."""
    from tokenizers import Tokenizer

    path = require_tokenizer("llama3")
    vocab = Vocabulary.from_file(path)
    tok = Tokenizer.from_file(str(path))
    grammar = compile_builtin(name, vocab)
    text = json_samples()[0] if name == "json" else "def f(a, b=1):\n    if a:\n        return [b]\n    return a\n"
    ids = tok.encode(text, add_special_tokens=False).ids
    no_text = [i for i in range(vocab.size) if vocab.token_bytes(i) is None and i not in vocab.eos_token_ids]
    assert no_text
    m = grammar.matcher()
    masks = []
    for step, t in enumerate(ids):
        mask = m.next_token_mask()
        masks.append(mask.copy())
        for e in vocab.eos_token_ids:
            assert m.is_token_allowed(e) == m.can_end(), (step, e)
        assert not any(m.is_token_allowed(i) for i in no_text)
        twin = m.fork()
        assert twin.accept_token(t) and m.accept_token(t)
        assert np.array_equal(twin.next_token_mask(), m.next_token_mask())
    assert m.can_end() and m.accept_token(vocab.eos_token_ids[0]) and m.is_finished()
    assert not m.next_token_mask().any()
    m.rollback(1)
    for back in range(1, len(ids) + 1, 3):
        probe = m.fork()
        probe.rollback(back)
        assert np.array_equal(probe.next_token_mask(), masks[len(ids) - back])
