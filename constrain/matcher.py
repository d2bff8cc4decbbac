"""The Matcher contract every constraint kind implements, and CompiledGrammar.

A `CompiledGrammar` is immutable and thread-safe; it owns the caches (mask stores) that all
of its matchers share. A `Matcher` is the per-sequence cursor: a stack of immutable states,
one per accepted token, so `rollback` and `fork` are O(1)/O(n) list operations.

Invariants of every Matcher:
- `next_token_mask()` has `ceil(vocab.size / 32)` int32 words; bit `i % 32` of word
  `i // 32` is set iff token `i` is allowed: `accept_token(i)` would return True;
- a text token is allowed iff some complete output starts with (output so far + its bytes);
- an EOS bit is set iff the output so far is complete (`can_end()`), and never after the
  matcher is finished; ids that are not text (special tokens, padding) are never allowed;
- `accept_token` of a disallowed token returns False and leaves the state unchanged;
- after EOS is accepted the matcher is finished: the mask is all zeros until rollback/reset.

Subclasses provide four state functions: `_start()`, `_advance(state, token_id)` (the next
state or None; never called with an EOS id), `_can_end(state)` and `_mask(state)` (the cached
read-only mask *including* EOS bits when `_can_end(state)`).
"""
from __future__ import annotations

import numpy as np

from constrain.errors import ConstrainError, TokenError
from constrain.vocab import Vocabulary


class CompiledGrammar:
    """A constraint compiled against one Vocabulary: immutable, shareable, cacheable."""

    #: the Matcher subclass this grammar makes
    matcher_class: type["Matcher"]

    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab

    def matcher(self) -> "Matcher":
        """A fresh matcher at the start of the output (cheap: no mask is computed here)."""
        return self.matcher_class(self)


class Matcher:
    __slots__ = ("grammar", "_vocab", "_eos", "_states", "_finished_at")

    def __init__(self, grammar: CompiledGrammar):
        self.grammar = grammar
        self._vocab = grammar.vocab
        self._eos = frozenset(grammar.vocab.eos_token_ids)
        self._states = [self._start()]
        # length of _states when EOS was accepted, or 0 while not finished
        self._finished_at = 0

    # --- what subclasses implement -------------------------------------------------------
    def _start(self):
        raise NotImplementedError

    def _advance(self, state, token_id: int):
        raise NotImplementedError

    def _can_end(self, state) -> bool:
        raise NotImplementedError

    def _mask(self, state) -> np.ndarray:
        raise NotImplementedError

    # --- the contract ----------------------------------------------------------------------
    @property
    def state(self):
        """The current (immutable) state; equal states allow equal continuations."""
        return self._states[-1]

    def next_token_mask(self) -> np.ndarray:
        """The allowed-token bitmask (read-only; shared with the grammar's cache)."""
        if self._finished_at:
            return _zero_mask(self._vocab)
        return self._mask(self._states[-1])

    def fill_next_token_mask(self, out, row: int = 0) -> None:
        """Write the mask into row `row` of an int32 `[batch, words]` numpy array or CPU tensor."""
        target = out[row]
        if not isinstance(target, np.ndarray):
            target = target.numpy()
        np.copyto(target, self.next_token_mask())

    def is_token_allowed(self, token_id: int) -> bool:
        """One bit of `next_token_mask()` (cheap; used by rejection samplers)."""
        self._check_id(token_id)
        word = int(self.next_token_mask()[token_id >> 5])
        return bool((word >> (token_id & 31)) & 1)

    def accept_token(self, token_id: int) -> bool:
        """Advance by one token; False (and no change) when the token is not allowed."""
        self._check_id(token_id)
        if self._finished_at:
            return False
        state = self._states[-1]
        if token_id in self._eos:
            if not self._can_end(state):
                return False
            self._states.append(state)
            self._finished_at = len(self._states)
            return True
        nxt = self._advance(state, token_id)
        if nxt is None:
            return False
        self._states.append(nxt)
        return True

    def accept_tokens(self, token_ids) -> int:
        """Accept tokens in order; returns how many were accepted before the first refusal."""
        n = 0
        for t in token_ids:
            if not self.accept_token(int(t)):
                break
            n += 1
        return n

    def can_end(self) -> bool:
        """True iff the output so far is complete (EOS would be accepted)."""
        return not self._finished_at and self._can_end(self._states[-1])

    def is_finished(self) -> bool:
        """True once EOS has been accepted."""
        return bool(self._finished_at)

    @property
    def num_accepted(self) -> int:
        """Tokens accepted since the start (EOS included)."""
        return len(self._states) - 1

    def rollback(self, n: int = 1) -> None:
        """Undo the last `n` accepted tokens (EOS included)."""
        if n < 0 or n > len(self._states) - 1:
            raise ConstrainError(f"cannot roll back {n} tokens: only {len(self._states) - 1} were accepted")
        if n:
            del self._states[-n:]
            if self._finished_at > len(self._states):
                self._finished_at = 0

    def fork(self) -> "Matcher":
        """An independent copy at the same position (sharing the grammar's caches)."""
        twin = object.__new__(type(self))
        twin.grammar = self.grammar
        twin._vocab = self._vocab
        twin._eos = self._eos
        twin._states = list(self._states)
        twin._finished_at = self._finished_at
        return twin

    def reset(self) -> None:
        """Back to the start of the output."""
        del self._states[1:]
        self._finished_at = 0

    def _check_id(self, token_id: int) -> None:
        if not 0 <= token_id < self._vocab.size:
            raise TokenError(f"token id {token_id} is outside the vocabulary (size {self._vocab.size})")


_ZERO_MASKS: dict[int, np.ndarray] = {}


def _zero_mask(vocab: Vocabulary) -> np.ndarray:
    mask = _ZERO_MASKS.get(vocab.n_words)
    if mask is None:
        mask = np.zeros(vocab.n_words, dtype=np.int32)
        mask.setflags(write=False)
        mask = _ZERO_MASKS.setdefault(vocab.n_words, mask)
    return mask
