"""Distinct array items (JSON Schema `uniqueItems` over unbounded string items): a check on
the lexeme stream, since no context-free grammar can say "all different".

The grammar reads the items of each such array as a terminal used nowhere else, a *guard*.
A run of guard lexemes separated only by `separators` lexemes is the items of one array
(items are single lexemes, so arrays of one guard never nest); their decoded JSON values
must be pairwise distinct. The matcher state carries `seen` = (guard, values so far) or
None, updated by `after` at every lexeme end.

Exactness: the emitter makes a guard only of a terminal whose lexemes are JSON strings and
whose automaton has, from every state but the final one (after the closing quote), infinitely
many completions. So a pending item can always still become a fresh value, and a token is
refused exactly when it completes a duplicate: at a lexeme boundary inside the token, or by
ending on the closing quote (`completes_duplicate`). A lexeme a guard shares with other terminals (a union of arrays)
keeps its other readings when it repeats an item. `refuse_duplicates` removes those tokens
from a mask: only tokens with a quote byte can complete an item, and each such allowed token
is re-checked by the grammar's own `advance`.
"""
from __future__ import annotations

import json

import numpy as np

Seen = tuple[str, frozenset[str]] | None
_QUOTE_COUNTS: dict[str, np.ndarray] = {}


def _quote_counts(vocab) -> np.ndarray:
    """Per token id, how many `"` bytes it has (remembered per vocabulary)."""
    counts = _QUOTE_COUNTS.get(vocab.fingerprint)
    if counts is None:
        counts = np.array([0 if (data := vocab.token_bytes(i)) is None else data.count(b'"')
                           for i in range(vocab.size)], dtype=np.int32)
        counts = _QUOTE_COUNTS.setdefault(vocab.fingerprint, counts)
    return counts


class DistinctItems:
    def __init__(self, guards: frozenset[str], separators: frozenset[str], vocab):
        self.guards = guards
        self.separators = separators
        quotes = _quote_counts(vocab)
        # tokens that can complete one item (a quote), or two items on their own (2+ quotes)
        self.one_item = np.flatnonzero(quotes >= 1)
        self.two_items = np.flatnonzero(quotes >= 2)

    def guarded(self, lexer) -> bool:
        """Whether a lexeme starting in `lexer` may be an item (its text is then kept)."""
        return not self.guards.isdisjoint(lexer.candidates)

    def after(self, seen: Seen, reading: tuple[str, ...], text: bytes) -> tuple[tuple[str, ...], Seen]:
        """The readings left for the lexeme `text` read as `reading` (a repeated item is no
        guard's, so only its other readings remain, maybe none) and the new `seen`."""
        guard = next((t for t in reading if t in self.guards), None)
        if guard is None:
            return reading, seen if seen is not None and set(reading) <= self.separators else None
        value = json.loads(text)
        if seen is None or seen[0] != guard:
            return reading, (guard, frozenset((value,)))
        if value in seen[1]:
            return tuple(t for t in reading if t not in self.guards), None
        return reading, (guard, seen[1] | {value})

    def completes_duplicate(self, seen: Seen, reading: tuple[str, ...], text: bytes) -> bool:
        """Whether a token ending with the lexeme `text` in a state reading `reading` has just
        closed an item equal to an earlier one (a guard lexeme is complete once accepting)."""
        return seen is not None and set(reading) <= self.guards and seen[0] in reading and json.loads(text) in seen[1]

    def refuse_duplicates(self, grammar, state, mask: np.ndarray) -> None:
        """Clear in `mask` the tokens that would complete a repeated item from `state`."""
        candidates = self.one_item if state.seen is not None else self.two_items
        bits = np.unpackbits(mask.view(np.uint8), bitorder="little")
        for token in candidates[bits[candidates] == 1].tolist():
            if grammar.advance(state, grammar.vocab.token_bytes(token)) is None:
                mask.view(np.uint32)[token >> 5] &= np.uint32(~(1 << (token & 31)) & 0xFFFFFFFF)
