"""compile_regex masks against brute-force oracles, and on real tokenizers.

Oracle 1 (independent of our automata): for regexes with finite languages over a small
alphabet with multi-byte characters, enumerate the language with Python's `re`, take every
byte prefix of every member, and require: token t allowed <=> prefix + bytes(t) is such a
prefix; EOS allowed <=> prefix is a member.
Oracle 2 (infinite languages): the mask equals a pure-Python walk of the same DFA over every
token, so the C++ trie walk and mask cache are checked on languages of any shape.
"""
from __future__ import annotations

import itertools
import random
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constrain import AutomatonTooLargeError, RegexError, UnsupportedRegexError, Vocabulary, compile_regex
from constrain.automata.dfa import DEAD
from tests.conftest import encode_continuation, require_tokenizer

ALPHABET = ["a", "b", "é", "😀"]
MAX_LEN = 4


def allowed_ids(mask: np.ndarray) -> set[int]:
    bits = np.unpackbits(mask.view(np.uint8), bitorder="little")
    return set(np.flatnonzero(bits).tolist())


# --- regex generator: (pattern, maximum length in characters) -------------------------------
def atoms():
    char = st.sampled_from(ALPHABET).map(lambda c: (re.escape(c), 1))
    cls = st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=3, unique=True).map(
        lambda cs: ("[" + "".join(cs) + "]", 1)
    )
    return st.one_of(char, cls)  # negated classes reach outside the alphabet: oracle 2 covers them


def extend(children):
    def concat(parts):
        return ("".join(p for p, _ in parts), sum(n for _, n in parts))

    def alt(parts):
        return ("(?:" + "|".join(p for p, _ in parts) + ")", max(n for _, n in parts))

    def repeat(args):
        (p, n), lo, extra = args
        return (f"(?:{p}){{{lo},{lo + extra}}}", n * (lo + extra))

    return st.one_of(
        st.lists(children, min_size=2, max_size=3).map(concat),
        st.lists(children, min_size=2, max_size=3).map(alt),
        st.tuples(children, st.integers(0, 1), st.integers(0, 2)).map(repeat),
        children.map(lambda c: (f"(?:{c[0]})?", c[1])),
    )


finite_regexes = st.recursive(atoms(), extend, max_leaves=6).filter(lambda r: r[1] <= MAX_LEN)


def random_vocab(rng: random.Random, n_tokens: int) -> tuple[Vocabulary, list[bytes | None]]:
    """Tokens cut from UTF-8 text over the alphabet, including partial characters."""
    pieces: set[bytes] = set()
    while len(pieces) < n_tokens:
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 3))).encode()
        i = rng.randrange(len(text))
        j = rng.randint(i + 1, len(text))
        pieces.add(text[i:j])
    tokens: list[bytes | None] = sorted(pieces)
    tokens.append(None)  # EOS
    tokens.append(b"\x00special")  # a text token outside every language here
    return Vocabulary(tokens, [len(tokens) - 2], size=len(tokens) + 7), tokens


def language(pattern: str) -> set[bytes]:
    words = ("".join(w) for n in range(MAX_LEN + 1) for w in itertools.product(ALPHABET, repeat=n))
    return {w.encode() for w in words if re.fullmatch(pattern, w, re.DOTALL)}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regex=finite_regexes, seed=st.integers(0, 2**32 - 1))
def test_mask_equals_enumerated_language(regex, seed):
    pattern, _ = regex
    members = language(pattern)
    if not members:
        with pytest.raises(RegexError):
            compile_regex(pattern, random_vocab(random.Random(0), 5)[0])
        return
    prefixes = {m[:k] for m in members for k in range(len(m) + 1)}
    rng = random.Random(seed)
    vocab, tokens = random_vocab(rng, rng.randint(8, 40))
    eos = vocab.eos_token_ids[0]
    matcher = compile_regex(pattern, vocab).matcher()
    prefix = b""
    for _ in range(MAX_LEN * 4 + 2):
        expected = {i for i, t in enumerate(tokens) if t is not None and i != eos and prefix + t in prefixes}
        if prefix in members:
            expected.add(eos)
        assert allowed_ids(matcher.next_token_mask()) == expected, (pattern, prefix)
        assert matcher.can_end() == (prefix in members)
        if not expected:
            break
        choice = rng.choice(sorted(expected))
        assert matcher.accept_token(choice)
        if choice == eos:
            assert matcher.is_finished() and not allowed_ids(matcher.next_token_mask())
            break
        prefix += tokens[choice]


INFINITE = [r"(a|é)*b+", r"[^a]*😀?", r"(ab|ba)+é{2,}", r".*", r"[a-é]+(b|😀)*a?"]


@pytest.mark.parametrize("pattern", INFINITE)
def test_mask_equals_python_dfa_walk(pattern):
    rng = random.Random(pattern)
    vocab, tokens = random_vocab(rng, 60)
    grammar = compile_regex(pattern, vocab)
    dfa = grammar.dfa
    m = grammar.matcher()
    state = dfa.start
    for _ in range(25):
        expected = {i for i, t in enumerate(tokens) if t is not None and i != vocab.eos_token_ids[0] and dfa.walk(state, t) != DEAD}
        if dfa.is_accepting(state):
            expected.add(vocab.eos_token_ids[0])
        assert allowed_ids(m.next_token_mask()) == expected
        text = sorted(expected - {vocab.eos_token_ids[0]})
        if not text:
            break
        t = rng.choice(text)
        assert m.accept_token(t)
        state = dfa.walk(state, tokens[t])


# --- real tokenizers -----------------------------------------------------------------------
CASES = [
    (r"\d{4}-\d{2}-\d{2}", ["2024-01-15", "1999-12-31"], ["2024-1-15", "2024-01-15x", "abcd-01-15"]),
    (r"[A-Za-z_][A-Za-z0-9_]*", ["hello_world", "x", "CamelCase99"], ["9lives", "with space", ""]),
    (
        r'"([^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"',
        ['"plain"', '"ünïcödé 漢字 😀"', '"esc \\" \\n \\u00e9"', '""'],
        ['"unterminated', '"bad \\q escape"', '"x" trailing'],
    ),
    (r"(yes|no|maybe)( please)?", ["yes", "no please", "maybe"], ["yess", "no thanks", "Yes"]),
    (r"\s*[😀-🙏]+\s*", [" 😀😃 ", "🙏"], ["😀a", "☺"]),
]
REAL = ["gpt2", "llama3", "qwen2.5", "llama2", "phi3", "gemma3"]
_VOCABS: dict[str, tuple] = {}


def real(name):
    if name not in _VOCABS:
        from tokenizers import Tokenizer

        path = require_tokenizer(name)
        _VOCABS[name] = (Vocabulary.from_file(path), Tokenizer.from_file(str(path)))
    return _VOCABS[name]


@pytest.mark.parametrize("name", REAL)
def test_teacher_forcing_real_tokenizers(name):
    vocab, tok = real(name)
    for pattern, good, bad in CASES:
        grammar = compile_regex(pattern, vocab)
        for text, ids in zip(good, encode_continuation(tok, good)):
            m = grammar.matcher()
            for t in ids:
                assert m.is_token_allowed(t), (pattern, text, t)
                assert m.accept_token(t), (pattern, text, t)
            assert m.can_end(), (pattern, text)
            eos_bits = {e for e in vocab.eos_token_ids if m.is_token_allowed(e)}
            assert eos_bits == set(vocab.eos_token_ids)
            assert m.accept_token(vocab.eos_token_ids[-1]) and m.is_finished()
        for text, ids in zip(bad, encode_continuation(tok, bad)):
            m = grammar.matcher()
            accepted = m.accept_tokens(ids)
            assert accepted < len(ids) or not m.can_end(), (pattern, text)


@pytest.mark.parametrize("name", ["llama3", "gemma3"])
def test_special_and_padding_ids_never_allowed(name):
    vocab, _ = real(name)
    wide = Vocabulary(vocab.tokens, vocab.eos_token_ids, size=vocab.size + 100)
    m = compile_regex(r".*", wide).matcher()
    allowed = allowed_ids(m.next_token_mask())
    never = {i for i in range(wide.size) if wide.token_bytes(i) is None} - set(wide.eos_token_ids)
    assert never and not (allowed & never)
    assert set(wide.eos_token_ids) <= allowed  # ".*" may end at once
    assert not allowed & set(range(vocab.size, wide.size))


# --- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "pattern, error, position",
    [
        ("(ab", RegexError, 0),
        ("a)", RegexError, 1),
        ("[z-a]", RegexError, 1),
        ("a{3,1}", RegexError, 1),
        ("*a", RegexError, 0),
        (r"(a)\1", UnsupportedRegexError, 3),
        ("a(?=b)", UnsupportedRegexError, 1),
        ("x(?<!y)", UnsupportedRegexError, 1),
    ],
)
def test_bad_regexes_raise_with_position(pattern, error, position):
    vocab = Vocabulary([b"a", b"b", None], [2])
    with pytest.raises(error) as info:
        compile_regex(pattern, vocab)
    assert info.value.position == position
    assert str(position) in str(info.value)


def test_oversize_dfa_raises():
    vocab = Vocabulary([b"a", b"b", None], [2])
    with pytest.raises(AutomatonTooLargeError):
        compile_regex(r"(a|b)*a(a|b){20}", vocab, max_states=5000)
