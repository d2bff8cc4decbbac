"""Numbers: exact integer, decimal and scientific-notation ranges (numeric.py) against
Decimal comparisons, and bounded numbers compiled end to end."""
from __future__ import annotations

import json
import random
import re
from decimal import Decimal

import constrain
from constrain.grammars.json_schema.numeric import (
    MAX_EXPONENT,
    MIN_EXPONENT,
    decimal_regex,
    integer_regex,
    scientific_regex,
)
from tests.test_json_schema import accepts, llama3  # noqa: F401 - llama3 is a fixture


def test_integer_ranges_exact():
    rng = random.Random(0)
    for _ in range(300):
        lo = rng.choice([None, rng.randint(-1200, 1200)])
        hi = rng.choice([None, rng.randint(-1200, 1200)])
        regex = integer_regex(lo, hi)
        for x in range(-1300, 1300, 3):
            want = (lo is None or x >= lo) and (hi is None or x <= hi)
            assert (regex is not None and re.fullmatch(regex, str(x)) is not None) == want, (lo, hi, x)
        assert regex is None or not re.fullmatch(regex, "-0") and not re.fullmatch(regex, "007")


def test_wide_integer_ranges_exact_and_compact():
    """Ranges spanning many digit lengths (such as +-2^53-1, common in generated schemas):
    exact at and around their bounds and at each power of ten, and written with one term for
    the lengths they cover whole, not an alternative per length and first digit."""
    rng = random.Random(2)
    for _ in range(200):
        lo = rng.choice([None, 0, rng.randint(-10 ** 16, 10 ** 16)])
        hi = rng.choice([None, rng.randint(-10 ** 16, 10 ** 16)])
        regex = integer_regex(lo, hi)
        probes = {x + d for x in (lo or 0, hi or 0) for d in (-1, 0, 1)}
        probes |= {s * (10 ** k + d) for k in range(18) for d in (-1, 0) for s in (1, -1)}
        probes |= {rng.randint(-10 ** 17, 10 ** 17) for _ in range(30)}
        for x in probes:
            want = (lo is None or x >= lo) and (hi is None or x <= hi)
            assert (regex is not None and re.fullmatch(regex, str(x)) is not None) == want, (lo, hi, x)
    safe = 2 ** 53 - 1
    assert len(integer_regex(-safe, safe)) < 700
    assert integer_regex(1000, 9999) == "[1-9][0-9]{3}"


def test_decimal_bounds_exact():
    bounds = [Decimal(s) for s in ["0", "1", "-1", "0.5", "-0.5", "0.05", "1.25", "12.003", "-3.75", "100.5"]]
    texts = ["0", "0.0", "0.5", "0.50", "0.49", "0.51", "1", "1.0", "1.25", "1.24", "1.26", "12.003", "12.0031",
             "12.0029", "100.5", "100.49", "3.75", "3.7", "0.05", "0.049", "0.051", "0.001", "1000"]
    texts += ["-" + t for t in texts if Decimal(t) != 0]
    rng = random.Random(1)
    for _ in range(400):
        lo, hi = rng.choice([None] + bounds), rng.choice([None] + bounds)
        lo_inc, hi_inc = rng.random() < 0.5, rng.random() < 0.5
        regex = decimal_regex(lo, lo_inc, hi, hi_inc)
        for t in texts:
            x = Decimal(t)
            want = (lo is None or (x >= lo if lo_inc else x > lo)) and (hi is None or (x <= hi if hi_inc else x < hi))
            assert (regex is not None and re.fullmatch(regex, t) is not None) == want, (lo, lo_inc, hi, hi_inc, t)


def _scientific_spellings(value: Decimal, rng: random.Random) -> list[str]:
    """Normalized scientific spellings of `value` (non-zero) in varied exponent styles."""
    sign, digits, exp = value.normalize().as_tuple()
    mantissa = str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
    k = exp + len(digits) - 1
    out = []
    for _ in range(3):
        e = rng.choice("eE") + ("-" if k < 0 else rng.choice(["", "+"])) + "0" * rng.randint(0, 2) + str(abs(k))
        zeros = "0" * rng.randint(0, 2) if "." in mantissa else ("." + "0" * rng.randint(1, 2) if rng.random() < 0.3 else "")
        out.append("-" * sign + mantissa + zeros + e)
    return out


def test_scientific_bounds_exact():
    """`scientific_regex` accepts a normalized scientific spelling (one non-zero digit
    before the point, any exponent spelling) iff its value lies in the interval and its
    exponent in [MIN_EXPONENT, MAX_EXPONENT], and no other spelling; checked on the bounds
    themselves, their neighbours, random values and exponents past the double range."""
    bounds = [Decimal(s) for s in ["0", "1", "-1", "0.5", "-0.5", "1e-5", "-2.5e-3", "100", "-100", "1e20",
                                   "-1.5e20", "9.99", "10", "123.456", "-7e2", "1.7976931348623157e308"]]
    rng = random.Random(3)
    values = set()
    for b in bounds:
        if b:
            step = Decimal(1).scaleb(b.adjusted() - 6)
            values |= {b, b + step, b - step, -b}
    values |= {Decimal(rng.randint(1, 99999)).scaleb(rng.randint(-30, 30)) * rng.choice([1, -1]) for _ in range(60)}
    values |= {Decimal(s) for s in ["1e-400", "-2e-308", "9.9e-307", "1e307", "-9.99e307", "1e308", "3e400"]}
    texts = [(t, v) for v in sorted(values) if v for t in _scientific_spellings(v, rng)]
    others = ["10e1", "0.5e1", "0e0", "0.0e1", "1e", "1.e5", "01e2", "1e+-2", "--1e2", "100", "1.5", "-0"]
    for _ in range(500):
        lo, hi = rng.choice([None] + bounds), rng.choice([None] + bounds)
        lo_inc, hi_inc = rng.random() < 0.5, rng.random() < 0.5
        regex = scientific_regex(lo, lo_inc, hi, hi_inc)
        compiled = None if regex is None else re.compile(regex)
        for t, x in texts:
            want = (lo is None or (x >= lo if lo_inc else x > lo)) and (hi is None or (x <= hi if hi_inc else x < hi))
            want = want and MIN_EXPONENT <= x.adjusted() <= MAX_EXPONENT
            assert (compiled is not None and compiled.fullmatch(t) is not None) == want, (lo, lo_inc, hi, hi_inc, t)
        assert compiled is None or not any(compiled.fullmatch(t) for t in others), regex


def test_bounded_numbers_take_scientific_spellings(llama3):
    """A bounded number accepts the exponent spellings that json.dumps writes for very
    large and small floats, when the value is in range, token by token."""
    vocab, tok = llama3
    schema = {"type": "object", "properties": {"x": {"type": "number", "minimum": 0, "maximum": 1e30}}}
    grammar = constrain.compile_json_schema(schema, vocab)
    for value, ok in [(1.5e20, True), (1e-05, True), (1e30, True), (1.0000001e30, False), (-1e-05, False)]:
        text = json.dumps({"x": value})
        assert "e" in text
        assert accepts(grammar, tok, text) == ok, text
    exclusive = constrain.compile_json_schema({"type": "number", "exclusiveMaximum": 100}, vocab)
    assert accepts(exclusive, tok, "9.99e+01") and not accepts(exclusive, tok, "1e+02")
    assert not accepts(exclusive, tok, "10e1")          # not normalized: one digit before the point
    assert not accepts(exclusive, tok, "1e-400")        # reads back as 0.0 (an IEEE double underflows)
