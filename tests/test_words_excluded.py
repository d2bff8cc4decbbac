"""`words_excluded(base, start, words)` (csrc/word_tries.cc) accepts exactly the strings
`base` accepts from `start` that are not among `words`, against brute force over short
strings, and is trimmed: every state reachable, every state but an empty language's start
able to accept; `words_trie(words)` accepts exactly the words; both refuse words that are not
bytes."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constrain._core import coreachable, words_excluded
from constrain.automata.regex import regex_to_dfa

_ALPHABET = b"ab\""
_patterns = st.sampled_from(['a*', '(ab)*', '"[ab]*"', 'a|ab|b"', '[ab]{0,3}', 'ab', '"a*b?"', '(a|b)*"'])
_words = st.lists(st.binary(max_size=4).map(lambda w: bytes(_ALPHABET[b % 3] for b in w)), max_size=6)


def _accepts(trans: np.ndarray, accepting, start: int, data: bytes) -> bool:
    state = start
    for b in data:
        state = int(trans[state, b])
        if state < 0:
            return False
    return bool(accepting[state])


@settings(max_examples=150, deadline=None)
@given(pattern=_patterns, words=_words)
def test_the_language_is_the_base_less_the_words(pattern, words):
    base = regex_to_dfa(pattern)
    trans, accepting, core = words_excluded(base.core(), base.start, words)
    assert core.n_states == trans.shape[0] == accepting.shape[0]
    for n in range(6):
        for letters in itertools.product(_ALPHABET, repeat=n):
            text = bytes(letters)
            expected = base.matches(text) and text not in words
            assert _accepts(trans, accepting, 0, text) == expected, text


@settings(max_examples=60, deadline=None)
@given(pattern=_patterns, words=_words)
def test_the_automaton_is_trimmed(pattern, words):
    base = regex_to_dfa(pattern)
    trans, accepting, _ = words_excluded(base.core(), base.start, words)
    live = coreachable(trans, accepting.astype(np.uint8))
    assert live[1:].all() and (live[0] or not accepting.any())
    seen, todo = {0}, [0]
    while todo:
        for t in set(trans[todo.pop()].tolist()) - {-1} - seen:
            seen.add(t)
            todo.append(t)
    assert len(seen) == trans.shape[0]


def test_excluding_the_only_word_leaves_an_empty_start():
    base = regex_to_dfa("ab")
    trans, accepting, _ = words_excluded(base.core(), base.start, [b"ab"])
    assert trans.shape[0] == 1 and not accepting.any() and (trans < 0).all()


def test_a_restricted_view_is_refused():
    base = regex_to_dfa("a|b").core()
    view = base.restricted(np.ones(base.n_states, dtype=np.uint8))
    with pytest.raises(ValueError, match="restricted view"):
        words_excluded(view, 0, [b"a"])


def test_the_trie_of_words_accepts_exactly_them_the_empty_word_too():
    from constrain._core import words_trie
    words = [b"", b"ab", b"a", b"\xff\x00"]
    trans, accepting, core = words_trie(words)
    assert core.n_states == trans.shape[0] == 5                     # one state per distinct prefix
    for n in range(4):
        for letters in itertools.product(b"ab\xff\x00", repeat=n):
            assert _accepts(trans, accepting, 0, bytes(letters)) == (bytes(letters) in words)


def test_words_that_are_not_bytes_are_refused():
    from constrain._core import words_trie
    base = regex_to_dfa("a|b")
    with pytest.raises(TypeError, match="bytes"):
        words_trie([b"a", "b"])
    with pytest.raises(TypeError, match="bytes"):
        words_excluded(base.core(), base.start, [3])
