"""Token slices: groups of tokens that a trie walk can take whole (llguidance's slicer).

Most of a byte-level vocabulary is plain text: tokens whose bytes are whole UTF-8 characters,
none of them a quote, a backslash or a control character. Inside a JSON string, a key that is
not one of the schema's, a comment, ... every such token keeps the lexer alive, and a mask
walk that visits their ~250k trie nodes one by one costs over a millisecond. The C++ trie
(csrc/token_trie.h) keeps them in separate tries, one per slice below, each with its
language as a byte DFA; a walk first checks, on the product of the language with the lexer
(a few states), whether every string of the language keeps the lexer alive, and if so takes
the slice's precomputed mask instead of walking it.

Slices, by number of characters: up to 10, 11 to 30, more (languages `{1,10}`, `{1,30}`, `+`:
nested, as the trie requires). Every other token is in slice 0, always walked.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

PLAIN_CHAR = r'[^"\\\x00-\x1F\x7F]'
SLICE_PATTERNS = (PLAIN_CHAR + "{1,10}", PLAIN_CHAR + "{1,30}", PLAIN_CHAR + "+")
_SLICE_LENGTHS = (10, 30)
_PLAIN_TEXT = re.compile(PLAIN_CHAR + "+")


def slice_of_tokens(tokens: list[bytes | None]) -> np.ndarray:
    """Per token, its slice: k >= 1 when it is plain text of the k-th length range, else 0."""
    out = np.zeros(len(tokens), dtype=np.uint8)
    for i, t in enumerate(tokens):
        if not t:
            continue
        try:
            text = t.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if _PLAIN_TEXT.fullmatch(text):
            out[i] = 1 + sum(len(text) > n for n in _SLICE_LENGTHS)
    return out


@lru_cache(maxsize=1)
def slice_languages() -> list[tuple[np.ndarray, np.ndarray]]:
    """Per slice k >= 1, its language as a byte DFA (trans, accepting), built once."""
    from constrain.automata.regex import regex_to_dfa

    out = []
    for pattern in SLICE_PATTERNS:
        dfa = regex_to_dfa(pattern)
        out.append((dfa.trans, dfa.accepting.astype(np.uint8)))
    return out
