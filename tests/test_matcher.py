"""The Matcher contract on a hand-built DFA (independent of the regex compiler)."""
from __future__ import annotations

import numpy as np
import pytest

from constrain import ConstrainError, TokenError, Vocabulary
from constrain.automata.dfa import DEAD, ByteDFA
from constrain.grammars.regex import RegexGrammar


def dfa_from_edges(n_states: int, edges: dict[tuple[int, bytes], int], accepting: set[int]) -> ByteDFA:
    trans = np.full((n_states, 256), DEAD, dtype=np.int32)
    for (s, b), t in edges.items():
        trans[s, b[0]] = t
    acc = np.zeros(n_states, dtype=bool)
    acc[list(accepting)] = True
    return ByteDFA(trans, acc)


# a b* c   (states: 0 -a-> 1 -b-> 1 -c-> 2 accepting)
ABC = dfa_from_edges(3, {(0, b"a"): 1, (1, b"b"): 1, (1, b"c"): 2}, {2})
TOKENS = [b"a", b"b", b"c", b"ab", b"bb", b"bc", b"abc", b"ca", None, b"x", b"bbbbc"]
EOS = 8  # the None slot is EOS


def bits(mask: np.ndarray) -> set[int]:
    words = mask.view(np.uint32)
    return {i for i in range(words.size * 32) if (int(words[i // 32]) >> (i % 32)) & 1}


def names(ids: set[int]) -> set:
    return {TOKENS[i] if i < len(TOKENS) and i != EOS else ("EOS" if i == EOS else i) for i in ids}


@pytest.fixture
def grammar():
    return RegexGrammar(ABC, Vocabulary(TOKENS, [EOS], size=40))


def test_mask_shape_and_start(grammar):
    m = grammar.matcher()
    mask = m.next_token_mask()
    assert mask.dtype == np.int32 and mask.shape == (2,)
    assert names(bits(mask)) == {b"a", b"ab", b"abc"}
    assert not m.can_end() and not m.is_finished()


def test_walk_to_end_and_eos(grammar):
    m = grammar.matcher()
    assert m.accept_token(TOKENS.index(b"ab"))
    assert names(bits(m.next_token_mask())) == {b"b", b"c", b"bb", b"bc", b"bbbbc"}
    assert not m.accept_token(TOKENS.index(b"ca"))  # refused: state unchanged
    assert m.num_accepted == 1
    assert not m.accept_token(EOS)
    assert m.accept_token(TOKENS.index(b"bc"))
    assert m.can_end()
    assert names(bits(m.next_token_mask())) == {"EOS"}
    assert m.accept_token(EOS)
    assert m.is_finished() and not m.can_end()
    assert not bits(m.next_token_mask())
    assert not m.accept_token(TOKENS.index(b"a"))


def test_padding_and_special_ids_never_allowed(grammar):
    m = grammar.matcher()
    for i in (TOKENS.index(b"x"), 20, 39):
        assert not m.is_token_allowed(i)
        assert not m.accept_token(i)
    with pytest.raises(TokenError):
        m.accept_token(40)
    with pytest.raises(TokenError):
        m.accept_token(-1)


def test_rollback_fork_reset(grammar):
    m = grammar.matcher()
    assert m.accept_tokens([TOKENS.index(b"a"), TOKENS.index(b"b"), TOKENS.index(b"c"), EOS]) == 4
    assert m.is_finished()
    m.rollback(1)
    assert not m.is_finished() and m.can_end()
    m.rollback(2)
    assert names(bits(m.next_token_mask())) == {b"b", b"c", b"bb", b"bc", b"bbbbc"}
    twin = m.fork()
    assert twin.accept_token(TOKENS.index(b"c"))
    assert not m.can_end() and twin.can_end()
    assert np.array_equal(m.next_token_mask(), grammar.matcher().fork().next_token_mask()) is False
    with pytest.raises(ConstrainError):
        m.rollback(5)
    m.reset()
    assert m.num_accepted == 0
    assert names(bits(m.next_token_mask())) == {b"a", b"ab", b"abc"}


def test_fill_next_token_mask_into_batch(grammar):
    out = np.full((3, 2), -1, dtype=np.int32)
    m = grammar.matcher()
    m.accept_token(TOKENS.index(b"abc"))
    m.fill_next_token_mask(out, 1)
    assert bits(out[1]) == {EOS}
    assert (out[0] == -1).all() and (out[2] == -1).all()


def test_fill_into_torch_tensor(grammar):
    torch = pytest.importorskip("torch")
    out = torch.zeros((2, 2), dtype=torch.int32)
    grammar.matcher().fill_next_token_mask(out, 0)
    assert bits(out[0].numpy()) == {TOKENS.index(b"a"), TOKENS.index(b"ab"), TOKENS.index(b"abc")}


def test_masks_are_shared_and_read_only(grammar):
    a, b = grammar.matcher(), grammar.matcher()
    assert a.next_token_mask() is b.next_token_mask()
    with pytest.raises(ValueError):
        a.next_token_mask()[0] = 0


def test_vocabulary_rejects_bad_input():
    from constrain import VocabularyError

    with pytest.raises(VocabularyError):
        Vocabulary([b"a"], [])
    with pytest.raises(VocabularyError):
        Vocabulary([b"a"], [5])
    with pytest.raises(VocabularyError):
        Vocabulary([b"a", b"b"], [0], size=1)
    with pytest.raises(VocabularyError):
        Vocabulary(["a"], [0])
    v = Vocabulary([b"a", b"", None], [2], size=70)
    assert v.token_bytes(1) is None and v.token_bytes(69) is None
    with pytest.raises(VocabularyError):
        v.token_bytes(70)
