"""The `regex` format as a regular language: `REGEX_FORMAT`, an ECMA-262 regex over the decoded
string that matches a conservative subset of the regular expressions, chosen so that every
string it matches is a valid pattern both for ECMA-262 (with and without the `u` flag) and
for Python's `re` (which jsonschema's FormatChecker calls).

The language of valid regexes is not regular (groups nest), so the subset bounds it:
- groups `(...)`, `(?:...)` nest at most MAX_GROUP_DEPTH deep; lookaheads `(?=...)`, `(?!...)`
  stand at the top level only (no named groups, lookbehinds, inline flags or backreferences);
- atoms: literal characters other than `^$\\.*+?()[]{}|`, `.`, the escapes `\\d \\D \\w \\W \\s
  \\S \\n \\r \\t \\f \\v \\/`, `\\xHH`, `\\uHHHH` and escaped syntax characters, character
  classes;
- classes `[...]`, `[^...]`: literals (not `\\ ] [ - ^ & ~ |`, which would be ranges, set
  operators or Python's "possible set operation" warnings), the same escapes (and `\\-`),
  ranges within digits, upper- or lowercase ASCII letters with the first end not after the
  second (no escape is a range's end), and a `-` only first;
- quantifiers `* + ? {n} {n,} {m,n}` (n <= 99, no leading zeros; m <= n with one digit, or
  with two and a smaller tens digit than n's), each optionally lazy, only after an atom or a
  group (never after `^ $ \\b \\B` or a lookahead, never twice);
- alternatives `|`, empty ones included.
Valid patterns outside the subset (deeper nesting, `{100}`, named groups...) are not
produced: what a model writes under `format: regex` is always a pattern both engines compile.
"""
from __future__ import annotations

MAX_GROUP_DEPTH = 4

_SYNTAX = r"\^$\\.*+?()\[\]{}|"                                  # inside a class, escaped
_CODE_ESCAPES = "x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}"
_ESCAPES = r"\\(?:[dDwWsSnrtfv/" + _SYNTAX + "]|" + _CODE_ESCAPES + ")"
_CLASS_ESCAPES = r"\\(?:[dDwWsSnrtfv/\-" + _SYNTAX + "]|" + _CODE_ESCAPES + ")"
_ATOM = r"[^" + _SYNTAX + "]|" + _ESCAPES + r"|\."
_ASSERTION = r"\^|\$|\\[bB]"
_CLASS_LITERAL = r"[^\\\]\[\-\^&~|]"
_COUNT = "(?:0|[1-9][0-9]?)"


def _ranges() -> str:
    """`x-y` with x, y in one of 0-9, A-Z, a-z and x not after y."""
    runs = ("0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    return "|".join(f"{c}-[{c}-{run[-1]}]" for run in runs for c in run)


def _quantifier() -> str:
    """`* + ? {n} {n,} {m,n}`, each optionally lazy; in `{m,n}` (m <= n <= 99), m has one digit
    or m and n two, n's tens digit the larger (the automaton then remembers a digit, not m)."""
    one_digit = "|".join(f"{m},(?:[{m or 1}-9]|[1-9][0-9]{'|0' if m == 0 else ''})" for m in range(10))
    two_digits = "|".join(f"{t}[0-9],[{t + 1}-9][0-9]" for t in range(1, 9))
    return rf"(?:[*+?]|\{{(?:{_COUNT},?|{one_digit}|{two_digits})\}})\??"


def _regex_format() -> str:
    item = f"(?:{_ranges()}|{_CLASS_LITERAL}|{_CLASS_ESCAPES})"
    atoms = _ATOM + r"|\[\^?(?:-" + item + "*|" + item + r"+)\]"
    quantifier = _quantifier()

    def sequence(groups: str, lookaheads: str = "") -> str:
        """Pieces and `|` (so alternatives, empty ones too), in any order."""
        return f"(?:(?:{atoms}{groups})(?:{quantifier})?|{_ASSERTION}{lookaheads}|\\|)*"

    body = sequence("")                            # no group
    for _ in range(MAX_GROUP_DEPTH - 1):           # groups one level deeper each time
        body = sequence(f"|[(](?:[?]:)?{body}[)]")
    return sequence(f"|[(](?:[?]:)?{body}[)]", f"|[(][?][=!]{body}[)]")


REGEX_FORMAT = _regex_format()
