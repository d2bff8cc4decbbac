"""UTF-8 range splitting: a CharSet as a list of byte-range sequences.

`utf8_sequences(charset)` returns sequences `((lo1, hi1), ..., (loK, hiK))` (1 <= K <= 4) such
that the byte strings matched by some sequence (byte i in lo_i..hi_i) are *exactly* the UTF-8
encodings of the set's members: no overlong forms, no surrogates, nothing above U+10FFFF. The
sequences are pairwise disjoint. This is the classic algorithm of Rust's `utf8-ranges`: split a
code-point range until its endpoints share an encoding length and every continuation byte below
the first differing one spans its full 0x80..0xBF range, then pair the endpoints' bytes.
"""
from __future__ import annotations

from functools import lru_cache

from constrain.automata.charset import CharSet

Sequence = tuple[tuple[int, int], ...]

_LENGTH_LIMITS = (0x7F, 0x7FF, 0xFFFF)


@lru_cache(maxsize=4096)
def utf8_sequences(charset: CharSet) -> tuple[Sequence, ...]:
    out: list[Sequence] = []
    for lo, hi in charset.ranges:
        _split(lo, hi, out)
    return tuple(out)


def _split(lo: int, hi: int, out: list[Sequence]) -> None:
    stack = [(lo, hi)]
    while stack:
        lo, hi = stack.pop()
        for limit in _LENGTH_LIMITS:
            if lo <= limit < hi:
                stack += [(limit + 1, hi), (lo, limit)]
                break
        else:
            if hi <= 0x7F:
                out.append(((lo, hi),))
                continue
            for i in (1, 2, 3):
                m = (1 << (6 * i)) - 1
                if lo & ~m != hi & ~m:
                    if lo & m:
                        stack += [((lo | m) + 1, hi), (lo, lo | m)]
                        break
                    if hi & m != m:
                        stack += [(hi & ~m, hi), (lo, (hi & ~m) - 1)]
                        break
            else:
                a, b = chr(lo).encode(), chr(hi).encode()
                out.append(tuple(zip(a, b)))
