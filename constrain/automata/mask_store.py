"""DFAMaskStore: the lazily filled, SynCode-style mask store of one ByteDFA over one vocabulary.

This is where a token mask is computed: `DFAMaskStore.alive(state)` runs one C++ walk of the
vocabulary's token trie from `state` (dead subtrees skipped, see csrc/byte_dfa.cc) and keeps
the packed bitsets. Entries are computed on first use and then shared, read-only, by every
matcher of the compiled grammar that owns the store.

Invariants: `alive(s)` has bit t set iff the DFA stays live on every byte of token t from s
(the DFA is trimmed, so iff some accepted string starts with those bytes); `ends_accepting(s)`
is the subset whose walk ends in an accepting state. Both are read-only int32 arrays of
`vocab.n_words` words. Concurrent first visits may compute an entry twice; both results are
equal and one wins, so the store is safe to share between threads.
"""
from __future__ import annotations

import numpy as np

from constrain.automata.dfa import ByteDFA
from constrain.vocab import Vocabulary


class DFAMaskStore:
    def __init__(self, dfa: ByteDFA, vocab: Vocabulary):
        self.dfa = dfa
        self.vocab = vocab
        self._core = dfa.core()
        self._trie = vocab.trie
        self._alive: dict[int, np.ndarray] = {}
        self._ends: dict[int, np.ndarray] = {}

    def alive(self, state: int) -> np.ndarray:
        """Tokens whose bytes keep the DFA alive from `state`."""
        alive = self._alive.get(state)
        if alive is None:
            alive = np.empty(self.vocab.n_words, dtype=np.int32)
            self._core.token_masks(self._trie, state, alive)
            alive.setflags(write=False)
            alive = self._alive.setdefault(state, alive)
        return alive

    def ends_accepting(self, state: int) -> np.ndarray:
        """Tokens whose bytes lead from `state` to an accepting state."""
        ends = self._ends.get(state)
        if ends is None:
            alive = np.empty(self.vocab.n_words, dtype=np.int32)
            ends = np.empty(self.vocab.n_words, dtype=np.int32)
            self._core.token_masks(self._trie, state, alive, ends)
            ends.setflags(write=False)
            ends = self._ends.setdefault(state, ends)
        return ends

    def walk_token(self, state: int, token_id: int) -> int:
        """State after the token's bytes, or -1 (dead, or not a text token)."""
        return self._core.walk_token(self._trie, state, token_id)

    @property
    def n_cached(self) -> int:
        return len(self._alive)
