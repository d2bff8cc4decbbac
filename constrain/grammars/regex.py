"""compile_regex: a regular expression as a CompiledGrammar.

The output must match the whole pattern (fullmatch, ECMA-262 syntax, see
constrain/automata/regex.py). The matcher state is one DFA state; its mask is the DFA's
mask-store row plus the EOS bits when the state is accepting.
"""
from __future__ import annotations

import numpy as np

from constrain.automata.dfa import DEAD, ByteDFA
from constrain.automata.mask_store import DFAMaskStore
from constrain.automata.regex import regex_to_dfa
from constrain.deadline import MAX_COMPILE_SECONDS, checked_seconds, time_limit
from constrain.grammar_cache import GrammarCache
from constrain.matcher import CompiledGrammar, Matcher
from constrain.vocab import Vocabulary


class RegexMatcher(Matcher):
    __slots__ = ()

    def _start(self):
        return self.grammar.dfa.start

    def _advance(self, state, token_id):
        nxt = self.grammar.store.walk_token(state, token_id)
        return None if nxt == DEAD else nxt

    def _can_end(self, state):
        return bool(self.grammar.dfa.accepting[state])

    def _mask(self, state):
        return self.grammar.mask(state)


class RegexGrammar(CompiledGrammar):
    """A byte DFA over a vocabulary; masks per DFA state are computed once and shared."""

    matcher_class = RegexMatcher

    def __init__(self, dfa: ByteDFA, vocab: Vocabulary, pattern: str | None = None):
        super().__init__(vocab)
        self.dfa = dfa
        self.pattern = pattern
        self.store = DFAMaskStore(dfa, vocab)
        self._masks: dict[int, np.ndarray] = {}

    def mask(self, state: int) -> np.ndarray:
        """Allowed tokens in DFA state `state` (read-only, EOS bits iff accepting)."""
        mask = self._masks.get(state)
        if mask is None:
            mask = self.store.alive(state)
            if self.dfa.accepting[state]:
                mask = mask | self.vocab.eos_mask
                mask.setflags(write=False)
            mask = self._masks.setdefault(state, mask)
        return mask

    def __repr__(self) -> str:
        return f"RegexGrammar({self.pattern!r}, states={self.dfa.n_states}, {self.vocab!r})"


_CACHE = GrammarCache(256)


def compile_regex(pattern: str, vocab: Vocabulary, *, flags: str = "", max_states: int = 20000,
                  max_compile_seconds: float | None = MAX_COMPILE_SECONDS) -> RegexGrammar:
    """Compile `pattern` (fullmatch semantics) against `vocab`; cached per (pattern, flags, vocab)
    as constrain/grammar_cache.py says. `max_compile_seconds`: past it, CompileTimeLimitError
    (deadline.py; None: no limit)."""
    checked_seconds(max_compile_seconds)
    key = (pattern, flags, max_states, vocab.fingerprint)

    def compile_pattern() -> RegexGrammar:
        with time_limit(max_compile_seconds):
            return RegexGrammar(regex_to_dfa(pattern, flags=flags, max_states=max_states), vocab, pattern)
    return _CACHE.get_or_compile(key, compile_pattern)
