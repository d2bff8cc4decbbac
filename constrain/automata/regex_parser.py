"""Recursive-descent parser for ECMA-262 regular expressions (the JSON-Schema `pattern` subset).

`parse(pattern, flags)` returns an AST of five node types (six with `lookahead=True`). Invariants:
- flags are fully applied here: a `Chars` leaf already holds its case-closed set under `i` and
  the right `.` set under `s`, so later stages never look at flags;
- a `Chars` leaf is one Unicode scalar value from its set (possibly empty: matches nothing);
- `Repeat.max` is None for "unbounded" and otherwise `min <= max`;
- `Assert` is a zero-width `^` ("start") or `$` ("end") assertion (no multiline mode);
- `Look` is a zero-width lookahead `(?=X)` / `(?!X)` (`negative`), only with `lookahead=True`:
  the automaton stages cannot build it, so a caller that asks for it must rewrite it away.

Unsupported constructs (backreferences, lookbehind, lookahead unless asked for, word boundaries, Unicode property escapes)
raise `UnsupportedRegexError`; malformed input raises `RegexError`. Both carry the 0-based index
of the offending character. Syntax follows ECMA-262 with the web-compatibility leniencies of
Annex B where they are unambiguous: a `{` that does not start a quantifier is a literal, as are
unmatched `]` and `}`, and a `-` next to a class escape inside `[...]` (`[\\w-.]`) is a literal.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from constrain.automata.charset import (
    ANY,
    DIGIT,
    NOT_LINE_TERMINATOR,
    SPACE,
    WORD,
    CharSet,
)
from constrain.errors import RegexError, UnsupportedRegexError


@dataclass(frozen=True)
class Chars:
    chars: CharSet


@dataclass(frozen=True)
class Concat:
    items: tuple


@dataclass(frozen=True)
class Alt:
    items: tuple


@dataclass(frozen=True)
class Repeat:
    item: object
    min: int
    max: int | None


@dataclass(frozen=True)
class Assert:
    kind: str  # "start" or "end"


@dataclass(frozen=True)
class Look:
    negative: bool
    item: object


Node = Chars | Concat | Alt | Repeat | Assert | Look

MAX_GROUP_DEPTH = 100  # keeps this parser and the recursive passes after it off Python's stack limit
KNOWN_FLAGS = "isxu"  # "u" is accepted and ignored: the semantics are always Unicode-aware.
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}
_CLASS_ESCAPES = {"d": DIGIT, "w": WORD, "s": SPACE}
_HEX = set("0123456789abcdefABCDEF")
# the nodes of single ASCII characters and of short bracketed classes, by their text and the
# `i` flag (no other flag changes them): nodes are immutable, so patterns share them, and
# number ranges and formats write the same few classes again and again
_ASCII_CHARS: dict[tuple[str, bool], Chars] = {}
_CLASSES: dict[tuple[str, bool], Chars] = {}
MAX_REMEMBERED_CLASSES = 4096
_PLAIN_RUN = re.compile(r"[^\\^$.|?*+()\[\]{}]+")     # characters that stand for themselves
_SHORT_CLASS = re.compile(r"\[(?:[^\\\[\]]|\\[^\\\n]){1,30}\]")


def check_flags(flags: str, pattern: str) -> None:
    for f in flags:
        if f == "m":
            raise UnsupportedRegexError("the multiline flag 'm' is not supported", pattern)
        if f not in KNOWN_FLAGS:
            raise RegexError(f"unknown regex flag {f!r} (known: {KNOWN_FLAGS!r})", pattern)


@functools.lru_cache(maxsize=128)
def parse(pattern: str, flags: str = "", *, lookahead: bool = False) -> Node:
    """The AST of `pattern` (remembered for the most recent patterns: ASTs are immutable, and
    formats and common patterns recur across schemas). Few are kept: an AST is about 50 small
    objects that every full pass of the cyclic collector rescans (1,024 ASTs were 48,000 of
    the 131,000 tracked objects left after compiling a MaskBench split), and 128 hold the
    patterns that recur: over that split, parsing more often changed no TTFM figure beyond
    the run's noise."""
    check_flags(flags, pattern)
    return _Parser(pattern, flags, lookahead).parse()


class _Parser:
    def __init__(self, pattern: str, flags: str, lookahead: bool = False):
        self.p = pattern
        self.lookahead = lookahead
        self.i = 0
        self.ignore_case = "i" in flags
        self.dot_all = "s" in flags
        self.extended = "x" in flags
        self.group_names: set[str] = set()
        self.depth = 0

    # -- helpers -------------------------------------------------------------------------
    def error(self, message: str, pos: int) -> RegexError:
        return RegexError(message, self.p, pos)

    def unsupported(self, construct: str, pos: int) -> UnsupportedRegexError:
        return UnsupportedRegexError(f"unsupported regex construct: {construct}", self.p, pos)

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.p[j] if j < len(self.p) else ""

    def startswith(self, s: str) -> bool:
        return self.p.startswith(s, self.i)

    def skip_extended(self) -> None:
        """Under flag `x`, whitespace and `#` comments between tokens are ignored."""
        while self.extended and self.i < len(self.p):
            c = self.p[self.i]
            if c.isspace():
                self.i += 1
            elif c == "#":
                end = self.p.find("\n", self.i)
                self.i = len(self.p) if end < 0 else end + 1
            else:
                return

    def chars(self, cs: CharSet) -> Chars:
        return Chars(cs.case_closed() if self.ignore_case else cs)

    def negated(self, cs: CharSet) -> CharSet:
        """Complement of a positive set; folded first so the result is case-closed too."""
        return (cs.case_closed() if self.ignore_case else cs).complement()

    # -- grammar -------------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.disjunction()
        if self.i < len(self.p):  # only a ')' stops a top-level disjunction early
            raise self.error("unmatched ')'", self.i)
        return node

    def disjunction(self) -> Node:
        alts = [self.alternative()]
        while self.peek() == "|":
            self.i += 1
            alts.append(self.alternative())
        return alts[0] if len(alts) == 1 else Alt(tuple(alts))

    def alternative(self) -> Node:
        items = []
        while True:
            if not self.extended:
                self.literal_run(items)
            self.skip_extended()
            c = self.peek()
            if c in ("", "|", ")"):
                break
            items.append(self.term())
        return items[0] if len(items) == 1 else Concat(tuple(items))

    def literal_run(self, items: list) -> None:
        """The plain characters from here on, each its own item (as `term` reads them), but
        the last one when a quantifier follows it (`term` reads that one with its quantifier)."""
        run = _PLAIN_RUN.match(self.p, self.i)
        if run is None:
            return
        end = run.end()
        if end < len(self.p) and self.p[end] in "*+?{":
            end -= 1
        for c in self.p[self.i:end]:       # end >= i: the run has at least one character
            items.append(self.literal(c))
        self.i = end

    def literal(self, c: str) -> Chars:
        """The node of the character `c` written plainly."""
        if c >= "\x80":
            return self.chars(CharSet.of(c))
        key = (c, self.ignore_case)
        node = _ASCII_CHARS.get(key)
        if node is None:
            node = _ASCII_CHARS[key] = self.chars(CharSet.of(c))
        return node

    def term(self) -> Node:
        start = self.i
        c = self.peek()
        if c in ("^", "$"):
            self.i += 1
            node: Node = Assert("start" if c == "^" else "end")
            quantifiable = False
        elif c == "\\" and self.peek(1) in ("b", "B"):
            raise self.unsupported(f"word boundary assertion \\{self.peek(1)}", start)
        elif c == "(" and (self.startswith("(?=") or self.startswith("(?!")):
            if not self.lookahead:
                raise self.unsupported(f"lookahead {self.p[start:start + 3]}", start)
            node = Look(self.peek(2) == "!", self.group())
            quantifiable = False
        elif c == "(" and (self.startswith("(?<=") or self.startswith("(?<!")):
            raise self.unsupported(f"lookbehind {self.p[start:start + 4]}", start)
        else:
            node = self.atom()
            quantifiable = True
        self.skip_extended()
        q_pos = self.i
        bounds = self.quantifier()
        if bounds is None:
            return node
        if not quantifiable:
            raise self.error("nothing to repeat", q_pos)
        self.skip_extended()
        again = self.i
        if self.quantifier() is not None:
            raise self.error("nothing to repeat", again)
        lo, hi = bounds
        return Repeat(node, lo, hi)

    def quantifier(self) -> tuple[int, int | None] | None:
        """Parse `* + ? {m} {m,} {m,n}` plus an optional lazy `?`; None if none is here."""
        c = self.peek()
        if c in ("*", "+", "?"):
            self.i += 1
            bounds = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
        elif c == "{":
            bounds = self.braced_quantifier()
            if bounds is None:
                return None
        else:
            return None
        if self.peek() == "?":
            self.i += 1  # laziness does not change the language
        return bounds

    def braced_quantifier(self) -> tuple[int, int | None] | None:
        start, j, p = self.i, self.i + 1, self.p
        k = j
        while k < len(p) and p[k].isdigit() and p[k].isascii():
            k += 1
        if k == j:
            return None
        lo, hi = int(p[j:k]), None
        if k < len(p) and p[k] == ",":
            m = k + 1
            while m < len(p) and p[m].isdigit() and p[m].isascii():
                m += 1
            if m > k + 1:
                hi = int(p[k + 1:m])
            k = m
        else:
            hi = lo
        if k >= len(p) or p[k] != "}":
            return None
        if hi is not None and hi < lo:
            raise self.error(f"quantifier {p[start:k + 1]} has max < min", start)
        self.i = k + 1
        return lo, hi

    def atom(self) -> Node:
        start, c = self.i, self.peek()
        if c == "(":
            return self.group()
        if c == "[":
            return self.char_class()
        if c == ".":
            self.i += 1
            return Chars(ANY if self.dot_all else NOT_LINE_TERMINATOR)
        if c == "\\":
            e = self.escape(in_class=False)
            return self.chars(CharSet([(e, e)]) if isinstance(e, int) else e)
        if c in ("*", "+", "?"):
            raise self.error("nothing to repeat", start)
        if c == "{" and self.braced_quantifier() is not None:
            raise self.error("nothing to repeat", start)
        self.i += 1
        return self.literal(c)

    def group(self) -> Node:
        start = self.i
        self.depth += 1
        if self.depth > MAX_GROUP_DEPTH:
            raise self.error(f"groups nested deeper than {MAX_GROUP_DEPTH}", start)
        self.i += 1
        if self.startswith("?:") or self.lookahead and (self.startswith("?=") or self.startswith("?!")):
            self.i += 2
        elif self.startswith("?<"):
            self.group_name(start)
        elif self.peek() == "?":
            raise self.unsupported(f"group syntax {self.p[start:start + 3]!r}", start)
        node = self.disjunction()
        if self.peek() != ")":
            raise self.error("missing ')' for this group", start)
        self.i += 1
        self.depth -= 1
        return node

    def group_name(self, start: int) -> None:
        end = self.p.find(">", self.i)
        name = self.p[self.i + 2:end] if end >= 0 else ""
        if not name or not name.replace("$", "_").isidentifier():
            raise self.error("invalid group name", start)
        if name in self.group_names:
            raise self.error(f"duplicate group name {name!r}", start)
        self.group_names.add(name)
        self.i = end + 1

    def char_class(self) -> Node:
        """A bracketed class; its node is remembered by its text (and the `i` flag) when short."""
        written = _SHORT_CLASS.match(self.p, self.i)
        if written is None:
            return self.parse_char_class()
        key = (written.group(), self.ignore_case)
        node = _CLASSES.get(key)
        if node is not None:
            self.i = written.end()
            return node
        node = self.parse_char_class()
        if self.i == written.end() and len(_CLASSES) < MAX_REMEMBERED_CLASSES:
            _CLASSES[key] = node
        return node

    def parse_char_class(self) -> Node:
        start = self.i
        self.i += 1
        negate = self.peek() == "^"
        if negate:
            self.i += 1
        parts: list[CharSet] = []  # positive items (case-closed later, all together)
        negated_parts: list[CharSet] = []  # \D \W \S items, already complemented and closed
        while True:
            c = self.peek()
            if c == "":
                raise self.error("unterminated character class", start)
            if c == "]":
                self.i += 1
                break
            lo_pos = self.i
            lo = self.class_atom()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.i += 1
                hi = self.class_atom()
                if isinstance(lo, int) and isinstance(hi, int):
                    if hi < lo:
                        raise self.error(
                            f"bad character range {self.p[lo_pos:self.i]} (end before start)", lo_pos
                        )
                    parts.append(CharSet([(lo, hi)]))
                    continue
                self.add_class_item(lo, parts, negated_parts)  # Annex B: '-' is a literal
                lo = ord("-")
                self.add_class_item(hi, parts, negated_parts)
            self.add_class_item(lo, parts, negated_parts)
        positive = CharSet().union(*parts)
        if self.ignore_case:
            positive = positive.case_closed()
        cs = positive.union(*negated_parts)
        return Chars(cs.complement() if negate else cs)

    @staticmethod
    def add_class_item(item, parts: list[CharSet], negated_parts: list[CharSet]) -> None:
        if isinstance(item, int):
            parts.append(CharSet([(item, item)]))
        elif item[0]:
            negated_parts.append(item[1])
        else:
            parts.append(item[1])

    def class_atom(self) -> int | tuple[bool, CharSet]:
        """A code point, or (is_negated_escape, set) for \\d \\w \\s \\D \\W \\S."""
        c = self.peek()
        if c != "\\":
            self.i += 1
            return ord(c)
        e = self.peek(1)
        if e in ("b", "-"):  # backspace and the escaped hyphen exist only inside classes
            self.i += 2
            return 0x08 if e == "b" else ord("-")
        item = self.escape(in_class=True)
        return item if isinstance(item, int) else (e.isupper(), item)

    def escape(self, in_class: bool) -> int | CharSet:
        """Parse an escape at `\\`: a code point, or the set of a class escape (\\d ... \\S)."""
        start = self.i
        e = self.peek(1)
        self.i += 2
        if e == "":
            raise self.error("trailing backslash", start)
        if e in _SIMPLE_ESCAPES:
            return ord(_SIMPLE_ESCAPES[e])
        if e.lower() in _CLASS_ESCAPES:
            base = _CLASS_ESCAPES[e.lower()]
            return self.negated(base) if e.isupper() else base
        if e == "0" and not self.peek().isdigit():
            return 0
        if e in "0123456789":
            if e == "0" or in_class:
                raise self.unsupported(f"octal escape \\{e}", start)
            raise self.unsupported(f"backreference \\{e}", start)
        if e == "k" and self.peek() == "<":
            raise self.unsupported("named backreference \\k<...>", start)
        if e in ("p", "P"):
            raise self.unsupported(f"Unicode property escape \\{e}{{...}}", start)
        if e == "c":
            letter = self.peek()
            if not (letter.isascii() and letter.isalpha()):
                raise self.error("\\c must be followed by an ASCII letter", start)
            self.i += 1
            return ord(letter) % 32
        if e == "x":
            return self.hex_digits(2, start)
        if e == "u":
            return self.unicode_escape(start)
        if not e.isalnum():  # syntax characters, '/', '-', '_', punctuation (Annex B)
            return ord(e)
        raise self.error(f"unknown escape \\{e}", start)

    def hex_digits(self, n: int, start: int) -> int:
        digits = self.p[self.i:self.i + n]
        if len(digits) != n or not set(digits) <= _HEX:
            raise self.error(f"\\{self.p[start + 1]} needs {n} hex digits", start)
        self.i += n
        return int(digits, 16)

    def unicode_escape(self, start: int) -> int:
        """\\uXXXX (a surrogate pair of two such escapes is one code point) or \\u{X...}."""
        if self.peek() == "{":
            end = self.p.find("}", self.i)
            digits = self.p[self.i + 1:end] if end >= 0 else ""
            if not digits or not set(digits) <= _HEX or int(digits, 16) > 0x10FFFF:
                raise self.error("bad \\u{...} escape (1+ hex digits, at most 10FFFF)", start)
            self.i = end + 1
            return int(digits, 16)
        cp = self.hex_digits(4, start)
        low = self.p[self.i + 2:self.i + 6]
        if 0xD800 <= cp <= 0xDBFF and self.startswith("\\u") and len(low) == 4 and set(low) <= _HEX:
            if 0xDC00 <= int(low, 16) <= 0xDFFF:
                self.i += 6
                return 0x10000 + ((cp - 0xD800) << 10) + (int(low, 16) - 0xDC00)
        return cp
