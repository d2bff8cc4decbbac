"""Leaf values: numbers and strings as terminals (a mixin of the Emitter).

Numbers are exact regexes over JSON number text (numeric.py), or the automaton of bounds
intersected with decimal places; an integer may carry a zero fraction (1.0) except as draft
4's integer. Strings are one terminal of their canonical JSON spelling: a regex when the
constraints have a small one, else the automaton of all of them at once (at most
MAX_STRING_STATES states; past that, the automaton without the length bound, its characters
counted as the lexer goes: constrain/automata/counted.py), or chunk terminals for long plain
strings. Invariant: a terminal matches exactly the spellings of the values its node accepts.
"""
from __future__ import annotations

import functools
import json
import math
from decimal import Decimal

from constrain.automata.charset import ANY
from constrain.automata.regex import ast_to_dfa, byte_intersection, literal_text, regex_to_dfa
from constrain.automata.regex_parser import parse
from constrain.errors import ConstrainError
from constrain.grammars.json_schema import numeric
from constrain.grammars.json_schema.formats import FORMATS
from constrain.grammars.json_schema.keys import spellings_except
from constrain.grammars.json_schema.lengths import positions, runs_dfa, runs_of
from constrain.grammars.json_schema.disjoint import json_type
from constrain.grammars.json_schema.negation import EXCLUDED, NOT_MATCHING, ONLY_TYPES, has_value, value_types
from constrain.grammars.json_schema.normalize import ALSO_MATCHING, NOT_MULTIPLE
from constrain.grammars.json_schema.strings import (
    ANY_STRING,
    NotExpressible,
    any_text,
    bounded_string_dfa,
    encode,
    excluding,
    intersect,
    literal_ast,
    literal_regex,
    pattern_ast,
    pattern_dfa,
    spelled_dfa,
    string_regex,
    subtract,
    with_length,
)
from constrain.grammars.lexer import MAX_STATES

LONG_STRING = 256
CHUNK = 64
MAX_STRING_STATES = 5000     # strings without a small regex: automaton size limit (code points and bytes)
MAX_ENUMERATED = 256
MAX_PERIOD = 4096          # remainders an integer automaton may track
MANY_POSITIONS = 16        # compiling, runs of classes this long are chained directly (lengths.py)


class Scalars:
    """Mixin of the Emitter: needs `term`, `rule`, `skip`, `automaton_term`, `doc`, `rules`
    and `for_compile`."""

    # --- numbers -------------------------------------------------------------------------
    def number(self, node: dict, decimal: bool, integers: bool, pointer: str) -> str | None:
        """Numbers (decimal) or integers; `integers=False`: numbers that are not integers."""
        if not integers:
            return self.non_integers(node, pointer)
        lo, lo_inc = numeric.schema_bound(node, "minimum", "exclusiveMinimum", max)
        hi, hi_inc = numeric.schema_bound(node, "maximum", "exclusiveMaximum", min)
        step = node.get("multipleOf")
        nots = node.get(NOT_MULTIPLE, [])
        # an integer may be spelled with a zero fraction (1.0), except as drafts 3 and 4's type integer
        zeros = r"(?:\.0+)?" if decimal or self.doc.integral_floats else ""
        if step is not None:
            step = Decimal(str(step)).normalize()
            scale = max(0, -step.as_tuple().exponent)
            digits = int(step.scaleb(scale))              # step = digits / 10^scale
            if not decimal or scale == 0:
                # an integer is a multiple of digits/10^scale iff of digits/gcd(digits, 10^scale)
                decimal, step = False, digits // math.gcd(digits, 10 ** scale)
            elif nots:
                self.skip("not", pointer, "not multipleOf next to a non-integer multipleOf")
                step = None
            elif digits == 1:
                places = numeric.decimal_places_regex(scale)
                if lo is None and hi is None:
                    return self.term(places)
                bounded = numeric.decimal_regex(lo, lo_inc, hi, hi_inc)
                return None if bounded is None else self.number_automaton(
                    pointer, ("decimal places", places, bounded),
                    lambda: numeric.intersection_dfa([places, bounded], MAX_STRING_STATES),
                    f"decimals between {lo} and {hi}, multiples of {step} (at {pointer})")
            else:
                return self.decimal_multiples(digits, scale, lo, lo_inc, hi, hi_inc, pointer)
        if not decimal or nots:
            ilo = None if lo is None else (math.floor(lo) + 1 if not lo_inc and lo == math.floor(lo) else math.ceil(lo))
            ihi = None if hi is None else (math.ceil(hi) - 1 if not hi_inc and hi == math.ceil(hi) else math.floor(hi))
            if nots or (step is not None and step != 1):
                whole = self.multiples(int(step or 1), nots, ilo, ihi, pointer, zeros)
            else:
                regex = numeric.JSON_INTEGER if ilo is None and ihi is None else numeric.integer_regex(ilo, ihi)
                whole = None if regex is None else self.term(f"(?:{regex}){zeros}" if zeros else regex)
            if decimal:      # no non-integer is a multiple of an integer: they all meet NOT_MULTIPLE
                return self.rule([r for r in (self.non_integers(node, pointer), whole) if r is not None])
            return whole
        if lo is None and hi is None:
            return self.term(numeric.JSON_NUMBER)
        regex = numeric.bounded_number_regex(lo, lo_inc, hi, hi_inc)
        return None if regex is None else self.term(regex)

    def number_automaton(self, pointer: str, cache_key: tuple, build, what: str, keyword: str = "multipleOf") -> str | None:
        """`automaton_term` for a number constraint; an automaton past its size limit is an
        UnsupportedSchemaError(keyword) at `pointer` (lenient: any number)."""
        try:
            return self.automaton_term(cache_key, build, what)
        except ConstrainError as e:
            self.skip(keyword, pointer, f"the automaton of these number constraints is too large ({e})")
            return self.term(numeric.JSON_NUMBER)

    def non_integers(self, node: dict, pointer: str) -> str | None:
        """The numbers of `node` that are not integers (no exponent once bounded)."""
        step = node.get("multipleOf")
        if step is not None:
            if Decimal(str(step)) % 1 == 0:
                return None        # a multiple of an integer is an integer
            self.skip("not", pointer, "non-integer numbers with a multipleOf")
        fraction = numeric.JSON_INTEGER + r"\.[0-9]*[1-9][0-9]*"
        lo, lo_inc = numeric.schema_bound(node, "minimum", "exclusiveMinimum", max)
        hi, hi_inc = numeric.schema_bound(node, "maximum", "exclusiveMaximum", min)
        if lo is None and hi is None:
            return self.term(fraction)
        bounded = numeric.decimal_regex(lo, lo_inc, hi, hi_inc)
        return None if bounded is None else self.number_automaton(
            pointer, ("non-integers", bounded), lambda: numeric.intersection_dfa([fraction, bounded], MAX_STRING_STATES),
            f"non-integer numbers between {lo} and {hi} (at {pointer})", keyword="not")

    def decimal_multiples(self, digits: int, scale: int, lo, lo_inc: bool, hi, hi_inc: bool, pointer: str) -> str | None:
        """Decimals (no exponent) in the bounds that are multiples of digits/10^scale."""
        if digits > MAX_PERIOD:
            self.skip("multipleOf", pointer, "a multipleOf with too many significant digits")
            return self.term(numeric.JSON_NUMBER)
        bounded = numeric.PLAIN_NUMBER if lo is None and hi is None else numeric.decimal_regex(lo, lo_inc, hi, hi_inc)
        return None if bounded is None else self.number_automaton(
            pointer, ("decimal multiples", digits, scale, bounded),
            lambda: byte_intersection(numeric.multiples_dfa(digits, scale, lambda r: r == 0, True),
                                      regex_to_dfa(bounded), max_states=MAX_STRING_STATES * 4),
            f"decimals between {lo} and {hi}, multiples of {digits}e-{scale} (at {pointer})")

    def multiples(self, step: int, nots: list[int], lo: int | None, hi: int | None, pointer: str,
                  zeros: str) -> str | None:
        """Integers in [lo, hi] that are multiples of `step` and of none of `nots`: listed when
        few, else the automaton of their remainders (period: the least common multiple)."""
        def wanted(v: int) -> bool:
            return v % step == 0 and all(v % n for n in nots)
        if lo is not None and hi is not None and (hi - lo) // step <= MAX_ENUMERATED:
            first = -(-lo // step) * step
            values = [str(v) for v in range(first, hi + 1, step) if wanted(v)]
            return self.rule([self.term(literal_regex(v) + zeros) for v in values])
        period = math.lcm(step, *nots)
        if period > MAX_PERIOD:
            self.skip("multipleOf", pointer, "multipleOf over a large or unbounded range")
            return self.term(numeric.integer_regex(lo, hi)) if lo is None or hi is None or lo <= hi else None
        bounds = numeric.JSON_INTEGER if lo is None and hi is None else numeric.integer_regex(lo, hi)
        if bounds is None:
            return None
        return self.number_automaton(
            pointer, ("multiples", step, tuple(nots), lo, hi, zeros),
            lambda: byte_intersection(numeric.multiples_dfa(period, 0, wanted, bool(zeros)),
                                      regex_to_dfa(f"(?:{bounds}){zeros}"), max_states=MAX_STRING_STATES * 4),
            f"integers between {lo} and {hi}, multiples of {step} and of none of {nots} (at {pointer})")

    # --- strings -------------------------------------------------------------------------
    def string(self, node: dict, pointer: str, *, as_regex: bool = False) -> str | None:
        """The terminal of the strings `node` allows; `as_regex`: one written as a regex
        (distinct_item reads it), never an automaton built directly."""
        lo, hi = count(node, "minLength", 0), count(node, "maxLength", None)
        if hi is not None and lo > hi:          # no length fits (e.g. a oneOf's excluded branch)
            return None
        pattern, fmt = node.get("pattern"), node.get("format")
        if fmt is not None and fmt not in FORMATS:
            self.skip("format", pointer, f"unknown format {fmt!r}")
            fmt = None
        words = [v for v in node.get(EXCLUDED, []) if isinstance(v, str)]
        failing = node.get(NOT_MATCHING, [])
        if words and pattern is None and fmt is None and not failing and not node.get(ALSO_MATCHING):
            return self.excluded_string(lo, hi, words, pointer)
        if not lo and hi is None and pattern is None and fmt is None and not failing:
            return self.term(ANY_STRING)
        if pattern is None and fmt is None and not failing and max(lo, hi or 0) > LONG_STRING:
            return self.long_string(lo, hi)
        if self.for_compile and not as_regex and pattern is None and fmt is None and not failing \
                and not node.get(ALSO_MATCHING):
            # lengths alone: built directly (compiling the regex costs a subset construction)
            return self.runs_term(((ANY, lo, hi),), string_regex(any_text(lo, hi)))
        keyword = "pattern" if pattern is not None else "format" if fmt else "maxLength"
        try:
            required = text_parts({"pattern": pattern, "format": fmt, ALSO_MATCHING: node.get(ALSO_MATCHING, [])}) \
                or [any_text()]
            forbidden = [x for x in map(text_ast, failing) if x is not None] + [literal_ast(w) for w in words]
        except NotExpressible as e:
            self.skip(keyword, pointer, str(e))
            return self.term(ANY_STRING)
        try:
            if self.for_compile and (len(required) > 1 or forbidden):
                # a regex of an intersection or difference costs more to write (state elimination)
                # and compile again than the automaton itself: only the shown grammar gets one
                raise NotExpressible("no regex is written for several string constraints when compiling")
            ast = required[0]
            for other in required[1:]:
                ast = None if ast is None else intersect(ast, other)
            for excluded in forbidden:
                ast = None if ast is None else subtract(ast, excluded)
            # compiling, a length bound the regex cannot be rewritten for goes to the automaton
            ast = None if ast is None else with_length(ast, lo, hi, algebra_ok=as_regex or not self.for_compile)
        except NotExpressible as e:
            # no (small) regex: the automaton of all the constraints at once, built directly
            try:
                return self.automaton_term(("string", json.dumps([pattern, fmt, node.get(ALSO_MATCHING), failing, words, lo, hi])),
                                           lambda: bounded_string_dfa(required, forbidden, lo, hi,
                                                                      max_states=MAX_STRING_STATES),
                                           f"strings: pattern {pattern!r}, format {fmt!r}, {lo}..{hi} characters (at {pointer})")
            except NotExpressible as too_large:
                self.skip(keyword, pointer, str(too_large if self.for_compile else e))
                return self.term(ANY_STRING)
        if ast is None:
            return None
        format_alone = fmt is not None and ast is format_ast(fmt)
        regex = format_string_regex(fmt) if format_alone else string_regex(ast)
        if as_regex:
            return self.term(regex)
        if self.for_compile and format_alone and (dfa := format_terminal_dfa(fmt)) is not None:
            name = self.term(regex)
            self.prebuilt[name] = dfa
            return name
        runs = runs_of(ast)
        if runs is not None and positions(runs) >= MANY_POSITIONS:
            return self.runs_term(runs, regex)
        if self.for_compile and literal_text(regex) is None:     # its automaton built from the AST
            self.string_asts.setdefault(regex, ast)
        return self.term(regex)

    def runs_term(self, runs: tuple, regex: str, opening: bool = True, closing: bool = True) -> str | None:
        """The terminal of the strings of `runs` (lengths.py), written as `regex`: compiling,
        the chain automaton built directly (a regex of many positions costs a subset
        construction over them), else the regex."""
        if not self.for_compile:
            return self.term(regex)
        return self.automaton_term(("runs", runs, opening, closing), lambda: runs_dfa(runs, opening, closing),
                                   f"the strings of {regex}")

    def excluded_string(self, lo: int, hi: int | None, words: list[str], pointer: str) -> str | None:
        """Strings of lo..hi characters other than `words` (`not` of string values): compiling,
        the automaton of the lengths with the words' trie laid over it (keys.py), since the
        regex of a trie's complement costs a subset construction over every word's prefixes."""
        if self.for_compile:
            words = sorted(set(words))
            return self.automaton_term(("excluded", lo, hi, tuple(words)),
                                       lambda: spellings_except(runs_dfa(((ANY, lo, hi),)), words),
                                       f"strings of {lo}..{hi} characters but {words}")
        try:
            ast = excluding(any_text(lo, hi), words)
        except NotExpressible as e:
            self.skip("not", pointer, str(e))
            return self.term(ANY_STRING)
        return None if ast is None else self.term(string_regex(ast))

    def long_string(self, lo: int, hi: int | None) -> str | None:
        """A string of lo..hi characters as chunk terminals of CHUNK characters and a closing
        tail of fewer (maximal munch ends a chunk exactly at CHUNK characters), so that no
        terminal needs a counter longer than CHUNK."""
        if hi is not None and lo > hi:
            return None
        unit = encode(any_text(1, 1))
        chunk = self.runs_term(((ANY, CHUNK, CHUNK),), f"(?:{unit}){{{CHUNK}}}", opening=False, closing=False)
        top = (hi if hi is not None else lo) // CHUNK
        base = self.fresh_name("s")
        for j in range(top, -1, -1):            # j chunks read
            alts = []
            rest_lo, rest_hi = max(lo - CHUNK * j, 0), None if hi is None else hi - CHUNK * j
            if j < top:
                alts.append(f"{chunk} {base}_{j + 1}")
            if hi is None and j == top:
                alts.append(self.runs_term(((ANY, rest_lo, None),), f"(?:{unit}){{{rest_lo},}}" + '"', opening=False))
            elif rest_lo < CHUNK:
                tail_hi = min(CHUNK - 1, rest_hi)
                alts.append(self.runs_term(((ANY, rest_lo, tail_hi),), f"(?:{unit}){{{rest_lo},{tail_hi}}}" + '"',
                                           opening=False))
            self.rule(alts, f"{base}_{j}")
        return self.rule([f'{self.term(chr(34))} {base}_0'])


def text_parts(text: dict) -> list:
    """The ASTs a string must all match under a {pattern, format, more patterns} constraint
    (its `pattern`, `format` and ALSO_MATCHING entries, in that order; None entries absent)."""
    pattern, fmt = text.get("pattern"), text.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise NotExpressible(f"negating unknown format {fmt!r}")
    return ([pattern_ast(pattern)] if pattern is not None else []) + \
        ([format_ast(fmt)] if fmt is not None else []) + [pattern_ast(p) for p in text.get(ALSO_MATCHING, [])]


@functools.lru_cache(maxsize=None)
def format_ast(fmt: str):
    """The AST of FORMATS[fmt], parsed once per process (the regex parser keeps few ASTs, and
    the `regex` format's pattern takes tens of milliseconds to parse)."""
    return parse(FORMATS[fmt])


@functools.lru_cache(maxsize=None)
def format_string_regex(fmt: str) -> str:
    """`string_regex(format_ast(fmt))`, written once per process."""
    return string_regex(format_ast(fmt))


def spelled_terminal_dfa(ast):
    """The automaton of a string terminal built from its code point AST (`spelled_dfa`), or None
    past the lexer's limit on a terminal (the terminal's regex is then compiled, and fails)."""
    try:
        return spelled_dfa(ast, max_states=MAX_STATES)
    except ConstrainError:
        return None


@functools.lru_cache(maxsize=None)
def format_terminal_dfa(fmt: str):
    """`spelled_terminal_dfa` of format `fmt` alone, built once per process: formats are few,
    and the `regex` format's automaton, evicted from BUILT_AUTOMATA by other schemas', took
    150 ms to build again."""
    return spelled_terminal_dfa(format_ast(fmt))


def text_ast(text: dict):
    """The strings that satisfy a {pattern, format, more patterns} constraint (None: none)."""
    parts = text_parts(text) or [any_text()]
    ast = parts[0]
    for also in parts[1:]:
        ast = None if ast is None else intersect(ast, also)
    return ast


def count(node: dict, keyword: str, default):
    value = node.get(keyword, default)
    return None if value is None else int(value)


def meets_internal_keywords(value, node: dict) -> bool:
    """Whether `value` meets the internal keywords `not`/`allOf` left on `node` (which the
    jsonschema validator behind `doc.valid` does not know)."""
    kind = json_type(value)
    if kind == "number" and float(value).is_integer():
        kind = "integer"
    if ONLY_TYPES in node and kind not in value_types(node):
        return False
    if has_value(node.get(EXCLUDED, []), value):
        return False
    if kind in ("number", "integer") and float(value).is_integer() and any(int(value) % n == 0 for n in node.get(NOT_MULTIPLE, [])):
        return False
    if isinstance(value, str):
        data = value.encode()
        if any(not pattern_dfa(p).matches(data) for p in node.get(ALSO_MATCHING, [])):
            return False
        for text in node.get(NOT_MATCHING, []):
            ast = text_ast(text)
            if ast is not None and ast_to_dfa(ast).matches(data):
                return False
    return True
