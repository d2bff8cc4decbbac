"""Distinct array items (JSON Schema `uniqueItems` over string items): a check on the lexeme
stream, since no context-free grammar can say "all different".

The grammar reads the items of each such array as a terminal used nowhere else, a *guard*.
A run of guard lexemes separated only by `separators` lexemes is the items of one array
(items are single lexemes, so arrays of one guard never nest); their decoded JSON values
must be pairwise distinct. The matcher state carries `seen` = (guard, values so far) or
None, updated by `after` at every lexeme end.

Exactness: the emitter makes a guard only of a terminal whose lexemes are JSON strings and
either (open-ended) whose automaton has, from every state but the final one (after the closing
quote), infinitely many completions, so a pending item can always still become a fresh value,
or (finite) that is an enum of strings, whose domain is known. A token is refused exactly
when it completes a repeat (at a lexeme boundary inside it, or ending on the closing quote)
or ends inside a finite item that only repeats can finish (`after`, `ends_well`); the
emitter caps a finite domain's array at one item per value, so a separator always has a
fresh value to lead to. A lexeme a guard shares with other terminals (a union of arrays)
keeps its other readings when it repeats an item. `refuse_duplicates` removes those tokens
from a mask: only tokens with a quote byte can complete an item, and each such allowed token
is re-checked by the grammar's own `advance` (every allowed token, next to a finite item).
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
    def __init__(self, guards: dict[str, frozenset | None], separators: frozenset[str],
                 punctuation: frozenset[str], vocab):
        """`guards`: guard terminal -> its finite domain (an enum's values) or None (open-ended
        strings); `punctuation`: the terminals that never start with a quote."""
        self.guards = frozenset(guards)
        self.domains = {g: d for g, d in guards.items() if d is not None}
        # per finite guard, its values with their spellings (a lexeme's text is one of these)
        self.spellings = {g: [(v, json.dumps(v, ensure_ascii=False).encode()) for v in d]
                          for g, d in self.domains.items()}
        self.separators = separators
        self.punctuation = punctuation
        quotes = _quote_counts(vocab)
        # tokens that can complete one item (a quote), or two items on their own (2+ quotes)
        self.one_item = np.flatnonzero(quotes >= 1)
        self.two_items = np.flatnonzero(quotes >= 2)
        self.not_eos = np.unpackbits(vocab.eos_mask.view(np.uint8), bitorder="little") == 0

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

    def ends_well(self, seen: Seen, lexer, reading: tuple[str, ...], text: bytes) -> bool:
        """Whether a token may end with the pending lexeme `text` (lexer state reading
        `reading`): not on an item that repeats an earlier one (a guard lexeme is complete
        once accepting), nor inside an item of a finite domain that only repeats can finish."""
        if reading and set(reading) <= self.guards and seen is not None and seen[0] in reading \
                and json.loads(text) in seen[1]:
            return False
        guard = self._finite_item(lexer, text)
        if guard is None:
            return True
        used = seen[1] if seen is not None and seen[0] == guard else frozenset()
        return any(spelled.startswith(text) and v not in used for v, spelled in self.spellings[guard])

    def _finite_item(self, lexer, text: bytes) -> str | None:
        """The finite-domain guard a pending `"`-lexeme of `lexer` can only be, if any."""
        if not text.startswith(b'"'):
            return None
        others = lexer.candidates - self.punctuation
        return next(iter(others)) if len(others) == 1 and next(iter(others)) in self.domains else None

    def refuse_duplicates(self, grammar, state, mask: np.ndarray) -> None:
        """Clear in `mask` the tokens that would complete a repeated item from `state`, or
        (finite domains) leave no fresh value to finish or to follow."""
        finite = (state.seen is not None and state.seen[0] in self.domains) or \
            any(g in self.domains for g in state.lexer.candidates)
        bits = np.unpackbits(mask.view(np.uint8), bitorder="little") & self.not_eos   # EOS stays
        if finite:
            tokens = np.flatnonzero(bits[:grammar.vocab.size])
        else:
            candidates = self.one_item if state.seen is not None else self.two_items
            tokens = candidates[bits[candidates] == 1]
        for token in tokens.tolist():
            data = grammar.vocab.token_bytes(token)
            if data is not None and grammar.advance(state, data) is None:
                mask.view(np.uint32)[token >> 5] &= np.uint32(~(1 << (token & 31)) & 0xFFFFFFFF)
