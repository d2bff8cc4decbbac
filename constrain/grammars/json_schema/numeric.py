"""Exact number ranges as regexes over JSON number text (Python regex syntax, for Lark).

Integers are written canonically (`-?(0|[1-9][0-9]*)`, no exponent, no `-0`); decimals as
`int(.digits)?` without exponent once a bound applies (the unbounded number terminal keeps the
full JSON syntax), or, by `scientific_regex`, in normalized scientific notation: one non-zero
digit before the point, any exponent spelling (`1.5e+20`, `1E-05`; how Python's and
JavaScript's number printers write very large and very small numbers). Invariant: a string
matches `integer_regex(lo, hi)` iff it is a canonical integer in [lo, hi]; it matches
`decimal_regex(...)` iff it is a decimal (as above) whose value lies within the bounds;
`scientific_regex(...)` iff it is a normalized scientific number whose value lies within them.
The regexes are exact, not loose.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np

from constrain.automata import algebra
from constrain.automata.dfa import ByteDFA
from constrain.automata.regex_parser import parse
from constrain.automata.utf8_expand import to_byte_dfa

JSON_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
JSON_INTEGER = r"-?(?:0|[1-9][0-9]*)"
PLAIN_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?"       # no exponent


def _alt(parts: list[str]) -> str | None:
    parts = [p for p in dict.fromkeys(parts) if p is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def _digit(lo: int, hi: int) -> str | None:
    if lo > hi:
        return None
    if lo == hi:
        return str(lo)
    return "[0-9]" if (lo, hi) == (0, 9) else f"[{lo}-{hi}]"


def _digits(lo: int, hi: int) -> str:
    """Any lo to hi digits (lo <= hi)."""
    if lo == hi:
        return "" if lo == 0 else "[0-9]" if lo == 1 else "[0-9]{%d}" % lo
    return "[0-9]{%d,%d}" % (lo, hi)


def _same_length(a: str, b: str) -> str | None:
    """Digit strings of len(a) (leading zeros allowed) between a and b inclusive. A first
    digit whose every continuation is in range joins the middle digits' class (1000 to 9999
    is [1-9][0-9]{3}, not 1[0-9]{3}|[2-8][0-9]{3}|9[0-9]{3})."""
    if not a:
        return ""
    if a[0] == b[0]:
        rest = _same_length(a[1:], b[1:])
        return None if rest is None else a[0] + rest
    n = len(a) - 1
    first, last = int(a[0]), int(b[0])
    low_whole, high_whole = a[1:] == "0" * n, b[1:] == "9" * n
    low = None if low_whole else _same_length(a[1:], "9" * n)
    high = None if high_whole else _same_length("0" * n, b[1:])
    middle = _digit(first if low_whole else first + 1, last if high_whole else last - 1)
    return _alt([a[0] + low if low is not None else None,
                 middle + _digits(n, n) if middle else None,
                 b[0] + high if high is not None else None])


def natural_range(lo: int, hi: int | None) -> str | None:
    """Canonical naturals in [lo, hi] (hi None = unbounded), lo >= 0. The lengths whose every
    number is in range are one term ([1-9][0-9]{2,5} for 100 to 999999)."""
    if hi is not None and lo > hi:
        return None
    parts = []
    if lo == 0:
        parts.append("0")
        lo = 1
        if hi == 0:
            return "0"
    a = str(lo)
    top = len(str(hi)) if hi is not None else len(a)
    whole = []          # the lengths whose every number is in range (consecutive), one term
    for n in range(len(a), top + 1):
        first = max(lo, 10 ** (n - 1))
        last = 10 ** n - 1 if hi is None or n < top else hi
        if (first, last) == (10 ** (n - 1), 10 ** n - 1):
            if not whole:
                parts.append(None)      # the term's place, written below
            whole.append(n)
        elif first <= last:
            parts.append(_same_length(str(first), str(last)))
    if whole:
        parts[parts.index(None)] = "[1-9]" + _digits(whole[0] - 1, whole[-1] - 1)
    if hi is None:
        parts.append("[1-9][0-9]{%d,}" % len(a))
    return _alt(parts)


def integer_regex(lo: int | None, hi: int | None) -> str | None:
    """Canonical integers in [lo, hi] (None = unbounded); None when the range is empty."""
    if lo is not None and hi is not None and lo > hi:
        return None
    parts = []
    if hi is None or hi >= 0:
        parts.append(natural_range(max(lo, 0) if lo is not None else 0, hi))
    if lo is None or lo < 0:
        neg = natural_range(max(-hi, 1) if hi is not None else 1, -lo if lo is not None else None)
        parts.append(None if neg is None else "-" + _group(neg))
    return _alt(parts)


def _group(r: str) -> str:
    return r if r.startswith("(?:") and r.endswith(")") or len(r) == 1 else f"(?:{r})"


# --- decimals ------------------------------------------------------------------------------

class Bound:
    """One side of an interval: a non-negative Decimal and whether it is included."""

    __slots__ = ("value", "inclusive")

    def __init__(self, value: Decimal, inclusive: bool):
        self.value = value
        self.inclusive = inclusive

    def split(self) -> tuple[int, str]:
        """(integer part, fraction digits without trailing zeros)."""
        text = format(self.value, "f")
        whole, _, frac = text.partition(".")
        return int(whole), frac.rstrip("0")


def _fraction(lo: str | None, lo_inc: bool, hi: str | None, hi_inc: bool) -> list[str]:
    """Digit strings f (possibly empty) with lo <= 0.f <= hi, as a list of alternatives, each
    non-empty except the literal "" (f empty); lo/hi are fraction digit strings without
    trailing zeros or None (no bound), `*_inc` says whether the bound is included."""
    if lo is None and hi is None:
        return ["", "[0-9]+"]
    if lo is not None and not lo:          # lower bound .0 exactly
        return _fraction(None, True, hi, hi_inc) if lo_inc else _positive(hi, hi_inc)
    if hi is not None and not hi:          # upper bound .0 exactly (lo > 0 here if given)
        return ["", "0+"] if lo is None and hi_inc else []
    ld = int(lo[0]) if lo is not None else 0
    hd = int(hi[0]) if hi is not None else 9
    if ld > hd:
        return []
    parts = []
    if lo is not None and hi is not None and ld == hd:
        parts += [str(ld) + r for r in _fraction(lo[1:], lo_inc, hi[1:], hi_inc)]
    else:
        if lo is not None:
            parts += [str(ld) + r for r in _fraction(lo[1:], lo_inc, None, True)]
        mid = _digit(ld + (lo is not None), hd - (hi is not None))
        if mid:
            parts.append(mid + "[0-9]*")
        if hi is not None:
            parts += [str(hd) + r for r in _fraction(None, True, hi[1:], hi_inc)]
    if lo is None:                          # f empty means 0, which is below a nonzero hi
        parts.append("")
    return [_alt_of(parts)] if len(parts) > 1 and "" not in parts else parts


def _alt_of(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def _positive(hi: str | None, hi_inc: bool) -> list[str]:
    """Digit strings f with 0 < 0.f <= hi (or < hi): at least one nonzero digit."""
    if hi is None:
        return ["0*[1-9][0-9]*"]
    if not hi:
        return []
    hd = int(hi[0])
    parts = []
    if hd > 0:
        parts += [f"{hd}{r}" for r in _fraction(None, True, hi[1:], hi_inc)]
        mid = _digit(1, hd - 1)
        if mid:
            parts.append(mid + "[0-9]*")
    parts += ["0" + r for r in (_positive(None, True) if hd > 0 else _positive(hi[1:], hi_inc))]
    return parts


def _magnitude(lo: Bound, hi: Bound | None) -> str | None:
    """Non-negative decimals `I(.F)?` with value in the interval lo..hi (hi None = no bound)."""
    if hi is not None and (lo.value > hi.value or (lo.value == hi.value and not (lo.inclusive and hi.inclusive))):
        return None
    li, lf = lo.split()
    if hi is not None:
        hi_i, hf = hi.split()
        if li == hi_i:
            return _with_fraction(str(li), _fraction(lf, lo.inclusive, hf, hi.inclusive))
        parts = [_with_fraction(str(li), _fraction(lf, lo.inclusive, None, True)),
                 _with_fraction(natural_range(li + 1, hi_i - 1), ["", "[0-9]+"]),
                 _with_fraction(str(hi_i), _fraction(None, True, hf, hi.inclusive))]
    else:
        parts = [_with_fraction(str(li), _fraction(lf, lo.inclusive, None, True)),
                 _with_fraction(natural_range(li + 1, None), ["", "[0-9]+"])]
    return _alt(parts)


def _with_fraction(whole: str | None, frac: list[str]) -> str | None:
    """`whole` followed by `.F` for the non-empty branches, optionally when "" is in frac
    (the whole part written once: the regex of a long integer range is not repeated)."""
    if whole is None or not frac:
        return None
    whole = _group(whole) if "|" in whole else whole
    nonempty = [f for f in frac if f]
    if not nonempty:
        return whole
    fraction = r"\." + _alt_of(nonempty)
    return whole + f"(?:{fraction})?" if "" in frac else whole + fraction


def decimal_regex(lo: Decimal | None, lo_inc: bool, hi: Decimal | None, hi_inc: bool) -> str | None:
    """Decimals (`-?I(.F)?`, canonical I, no `-0` forms) in the interval; None when empty."""
    parts = []
    if hi is None or hi > 0 or (hi == 0 and hi_inc):
        start = Bound(max(lo, Decimal(0)), lo_inc if lo is not None and lo >= 0 else True) \
            if lo is not None and lo >= 0 else Bound(Decimal(0), True)
        top = Bound(hi, hi_inc) if hi is not None else None
        parts.append(_magnitude(start, top))
    if lo is None or lo < 0:
        # negatives: -y with y > 0 and y in [-hi, -lo]
        start = Bound(-hi, hi_inc) if hi is not None and hi < 0 else Bound(Decimal(0), False)
        top = Bound(-lo, lo_inc) if lo is not None else None
        mag = _magnitude(start, top)
        parts.append(None if mag is None else "-" + _group(mag))
    return _alt(parts)


# the exponents of normalized scientific numbers: those of finite, normal IEEE doubles, so
# that every such text reads back as a double of the same sign and about the same value
# (`1e-400` would read as 0.0, `1e400` as infinity)
MIN_EXPONENT, MAX_EXPONENT = -307, 307


def _exponent(lo: int | None, hi: int | None) -> str | None:
    """`[eE]` and any spelling (sign, leading zeros) of the integers in [lo, hi] (None =
    unbounded) within [MIN_EXPONENT, MAX_EXPONENT]; None when there is none."""
    lo = MIN_EXPONENT if lo is None else max(lo, MIN_EXPONENT)
    hi = MAX_EXPONENT if hi is None else min(hi, MAX_EXPONENT)
    if lo > hi:
        return None
    parts = []
    if hi >= 0:
        parts.append(r"\+?0*" + _group(natural_range(max(lo, 0), hi)))
    if lo < 0:
        parts.append("-0*" + _group(natural_range(max(-hi, 1), -lo)))
    if lo <= 0 <= hi:
        parts.append("-0+")
    return "[eE]" + _group(_alt(parts))


def _with_exponent(mantissa: str | None, exponent: str | None) -> str | None:
    return None if mantissa is None or exponent is None else mantissa + exponent


def _normalized(bound: Decimal) -> tuple[int, Decimal]:
    """(k, m.f) with bound = m.f·10^k and 1 <= m.f < 10 (bound > 0)."""
    k = bound.adjusted()
    return k, bound.scaleb(-k)


def _scientific_magnitude(lo: Decimal | None, lo_inc: bool, hi: Decimal | None, hi_inc: bool) -> str | None:
    """Positive numbers `m(.f)?e±k` (m in 1..9: the value m.f·10^k) in a non-empty interval
    with hi None or above zero; lo None or not above zero: no lower bound (every such number
    is positive)."""
    one, ten = Decimal(1), Decimal(10)
    low = _normalized(lo) if lo is not None and lo > 0 else None
    high = _normalized(hi) if hi is not None else None
    if low is not None and high is not None and low[0] == high[0]:     # one exponent
        return _with_exponent(decimal_regex(low[1], lo_inc, high[1], hi_inc), _exponent(low[0], low[0]))
    parts = []
    if low is not None:
        parts.append(_with_exponent(decimal_regex(low[1], lo_inc, ten, False), _exponent(low[0], low[0])))
    if high is not None:
        parts.append(_with_exponent(decimal_regex(one, True, high[1], hi_inc), _exponent(high[0], high[0])))
    parts.append(_with_exponent(decimal_regex(one, True, ten, False),
                                _exponent(None if low is None else low[0] + 1, None if high is None else high[0] - 1)))
    return _alt(parts)


def scientific_regex(lo: Decimal | None, lo_inc: bool, hi: Decimal | None, hi_inc: bool) -> str | None:
    """Numbers in normalized scientific notation (`-?m(.f)?[eE][+-]?k`, m in 1..9, any
    exponent spelling, k within [MIN_EXPONENT, MAX_EXPONENT]) whose value lies in the
    interval; None when there is none."""
    if lo is not None and hi is not None and (lo > hi or lo == hi and not (lo_inc and hi_inc)):
        return None
    parts = []
    if hi is None or hi > 0:
        parts.append(_scientific_magnitude(lo, lo_inc, hi, hi_inc))
    if lo is None or lo < 0:
        mag = _scientific_magnitude(-hi if hi is not None else None, hi_inc, -lo if lo is not None else None, lo_inc)
        parts.append(None if mag is None else "-" + _group(mag))
    return _alt(parts)


def bounded_number_regex(lo: Decimal | None, lo_inc: bool, hi: Decimal | None, hi_inc: bool) -> str | None:
    """The numbers in the interval, as decimals or in normalized scientific notation."""
    return _alt([decimal_regex(lo, lo_inc, hi, hi_inc), scientific_regex(lo, lo_inc, hi, hi_inc)])


def decimal_places_regex(places: int) -> str:
    """Decimals with no non-zero digit past `places` fractional digits: the multiples of
    10^-places (trailing zeros allowed, no exponent)."""
    return JSON_INTEGER + r"(?:\.[0-9]{1,%d}0*)?" % places


def intersection_dfa(regexes: list[str], max_states: int) -> ByteDFA | None:
    """The ByteDFA of the ASCII strings every regex matches; None when there is none."""
    chars, classes = algebra.combine_dfa([parse(r) for r in regexes], lambda tags: len(tags) == len(regexes),
                                         max_states=max_states)
    return None if chars is None else to_byte_dfa(chars, classes, max_states)[0]


def multiples_dfa(period: int, places: int, accept, fraction: bool) -> ByteDFA:
    """The DFA of the texts `-?[0-9]+`, followed by `(\\.[0-9]+)?` when `fraction`, of the
    numbers v whose v·10^places is an integer n with accept(|n| mod period): fraction digits
    past `places` must be zeros. States: the remainder of the digits read so far, as an
    integer part, just after the point, after f <= places fraction digits, and past them."""
    rems = np.arange(period)
    whole, point, past = 2 + rems, 2 + period + rems, 2 + (2 + places) * period + rems
    n_states = 2 + (3 + places) * period
    trans = np.full((n_states, 256), -1, dtype=np.int32)
    accepting = np.zeros(n_states, dtype=bool)

    def scaled(shift: int) -> np.ndarray:       # accept(r·10^shift mod period) per remainder r
        return np.array([bool(accept(r * 10 ** shift % period)) for r in range(period)])

    trans[0, ord("-")] = 1
    for d in range(10):
        trans[0, 48 + d] = trans[1, 48 + d] = 2 + d % period
        trans[whole, 48 + d] = 2 + (10 * rems + d) % period
    accepting[whole] = scaled(places)
    if fraction:
        trans[whole, ord(".")] = point
        digits_read = [point] + [2 + (1 + f) * period + rems for f in range(1, places + 1)]
        for f in range(places):              # the (f+1)-th fraction digit
            for d in range(10):
                trans[digits_read[f], 48 + d] = digits_read[f + 1][0] + (10 * rems + d) % period
            accepting[digits_read[f + 1]] = scaled(places - f - 1)
        trans[digits_read[places], ord("0")] = past
        trans[past, ord("0")] = past
        accepting[past] = scaled(0)
    return ByteDFA(trans, accepting, 0)


def json_number(d: Decimal):
    return int(d) if d == d.to_integral_value() else float(d)


def schema_bound(node: dict, inclusive: str, exclusive: str, pick):
    """(Decimal bound, inclusive?) from the two keywords, the tighter one winning."""
    cands = []
    if inclusive in node:
        cands.append((Decimal(str(node[inclusive])), True))
    if exclusive in node and not isinstance(node[exclusive], bool):
        cands.append((Decimal(str(node[exclusive])), False))
    if not cands:
        return None, True
    value = pick(v for v, _ in cands)
    # at equal values the exclusive bound is the tighter one
    return value, all(inc for v, inc in cands if v == value)
