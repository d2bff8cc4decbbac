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
        self._entries: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _entry(self, state: int) -> tuple[np.ndarray, np.ndarray]:
        entry = self._entries.get(state)
        if entry is None:
            words = self.vocab.n_words
            alive = np.empty(words, dtype=np.int32)
            ends = np.empty(words, dtype=np.int32)
            self._core.token_masks(self._trie, state, alive, ends)
            alive.setflags(write=False)
            ends.setflags(write=False)
            entry = self._entries.setdefault(state, (alive, ends))
        return entry

    def alive(self, state: int) -> np.ndarray:
        """Tokens whose bytes keep the DFA alive from `state`."""
        return self._entry(state)[0]

    def ends_accepting(self, state: int) -> np.ndarray:
        """Tokens whose bytes lead from `state` to an accepting state."""
        return self._entry(state)[1]

    def walk_token(self, state: int, token_id: int) -> int:
        """State after the token's bytes, or -1 (dead, or not a text token)."""
        return self._core.walk_token(self._trie, state, token_id)

    @property
    def n_cached(self) -> int:
        return len(self._entries)
