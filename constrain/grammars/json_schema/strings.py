"""JSON string values as regexes: decoded-text constraints (pattern, length, format, finite
exclusions) become one regex over the *encoded* JSON text, written in Python regex syntax and
quoted for a Lark `/.../` terminal.

A constrained string is spelled canonically, as `json.dumps(s, ensure_ascii=False)` writes
it: characters raw except `"` -> `\\"`, `\\` -> `\\\\`, the C0 controls as `\\b \\f \\n \\r \\t`
or `\\u00xx` (lowercase hex). Canonical spelling makes the text <-> value map injective,
which is what lets a length count characters and an excluded key stay excluded. An
unconstrained string (`ANY_STRING`) accepts every JSON escape.

Invariant: `encode(ast)` matches the canonical spelling of exactly the strings the
code-point AST matches; `pattern_ast` matches what the ECMA-262 `pattern` keyword accepts
(unanchored search; `^`/`$` anywhere and lookaheads right after a leading `^`, rewritten away
through the automaton when not at the ends of a branch).
"""
from __future__ import annotations

import functools
import json
import re

import numpy as np

from constrain.automata import algebra
from constrain.automata.charset import ANY, CharSet
from constrain.automata.counted import counted_dfa, product_dfa
from constrain.automata.dfa import ByteDFA
from constrain.automata.regex import ast_to_dfa
from constrain.automata.regex_parser import Alt, Assert, Chars, Concat, Look, Node, Repeat, parse
from constrain.automata.unanchored import search_ast
from constrain.automata.utf8 import Sequence, utf8_sequences
from constrain.automata.utf8_expand import CHARACTER_MARK, to_byte_dfa
from constrain.errors import ConstrainError, UnsupportedRegexError
from constrain.grammars.lark_frontend import translate_regex

ANY_STRING = r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"'
_SHORT_ESCAPES = {0x22: r"\x22", 0x5C: r"\\", 0x08: "b", 0x0C: "f", 0x0A: "n", 0x0D: "r", 0x09: "t"}
_SPECIAL = CharSet([(0, 0x1F), (0x22, 0x22), (0x5C, 0x5C)])
_ANY_TEXT = Repeat(Chars(ANY), 0, None)
MAX_LENGTH_SPLITS = 300
#: moves reading multi-byte characters of a bounded string's product automaton that is
#: spelled in bytes from its code-point automaton (bounded_string_dfa)
SMALL_PRODUCT = 64


class NotExpressible(Exception):
    """The constraint cannot be written exactly as one regex (callers turn it into
    UnsupportedSchemaError with their keyword and pointer)."""


# --- code-point ASTs ------------------------------------------------------------------------

def literal_ast(text: str) -> Node:
    return Concat(tuple(Chars(CharSet.of(c)) for c in text))


def any_text(lo: int = 0, hi: int | None = None) -> Node:
    return Repeat(Chars(ANY), lo, hi)


def pattern_ast(pattern: str) -> Node:
    """The anchored AST of the strings containing a match of ECMA-262 `pattern`."""
    try:
        ast = parse(pattern, lookahead=True)
    except ConstrainError as e:
        raise NotExpressible(str(e)) from None
    branches = ast.items if isinstance(ast, Alt) else (ast,)
    # the branches without anchors or lookaheads are searched for together, `ANY* (a|b) ANY*`:
    # searched apart, each branch's trailing ANY* is its own NFA state and the subset
    # construction tracks which of them matched (2^n subsets for n words)
    free = [b for b in branches if not _contains(b, Assert) and not _contains(b, Look)]
    found = search_ast(_alt(free)) if free else None
    searched = [] if found is None else [_ANY_TEXT if found.items[1] == Concat(()) else found]
    return _alt(searched + [_anchor_branch(b) for b in branches
                            if _contains(b, Assert) or _contains(b, Look)])


@functools.lru_cache(maxsize=1024)
def pattern_dfa(pattern: str) -> ByteDFA:
    """The DFA of the (unquoted) texts in which ECMA-262 `pattern` finds a match, as
    `pattern_ast` reads it; UnsupportedRegexError where that raises NotExpressible."""
    try:
        return ast_to_dfa(pattern_ast(pattern))
    except NotExpressible as e:
        raise UnsupportedRegexError(str(e), None if repr(pattern) in str(e) else pattern) from None


def _anchor_branch(branch: Node) -> Node:
    """The strings containing a match of a branch that has an anchor, another assertion or a
    lookahead (NotExpressible for a lookahead anywhere but right after a leading ^)."""
    items = list(branch.items) if isinstance(branch, Concat) else [branch]
    start = end = False
    looks: list[Look] = []         # lookaheads right after the leading ^: at the text's start
    while items and (items[0] == Assert("start") or start and isinstance(items[0], Look)):
        item = items.pop(0)
        looks += [item] if isinstance(item, Look) else []
        start = True
    while items and items[-1] == Assert("end"):
        items.pop()
        end = True
    core = items[0] if len(items) == 1 else Concat(tuple(items))
    if any(_contains(n, Look) for n in [core] + [look.item for look in looks]):
        raise NotExpressible("a lookahead (?= or (?! other than right after a leading ^")
    anchored = Concat(((() if start else (_ANY_TEXT,)) + (core,) + (() if end else (_ANY_TEXT,))))
    return _without_assertions(anchored, looks) if looks or _contains(core, Assert) else anchored


def _without_assertions(node: Node, looks: list[Look]) -> Node:
    """`node` rewritten without `^`/`$` inside it (its automaton, where the NFA's assertion
    edges hold only at the ends of the text, written back as an AST), and restricted by the
    lookaheads at the text's start: `(?=X)` keeps the texts that begin with a match of X,
    `(?!X)` the others."""
    negative = [False] + [look.negative for look in looks]
    operands = [node] + [Concat((look.item, _ANY_TEXT)) for look in looks]
    try:
        rewritten = algebra.combine(operands, lambda tags: all((i in tags) != no for i, no in enumerate(negative)))
    except ConstrainError:
        raise NotExpressible("^, $ or a lookahead inside the pattern (its automaton or regex is too large)") from None
    if rewritten is None:
        raise NotExpressible("a pattern that matches no string (its assertions exclude every text)")
    return rewritten


def _contains(node: Node, kind: type) -> bool:
    if isinstance(node, kind):
        return True
    if isinstance(node, (Concat, Alt)):
        return any(_contains(n, kind) for n in node.items)
    if isinstance(node, Repeat):
        return _contains(node.item, kind)
    return False


def _alt(items: list[Node]) -> Node:
    return items[0] if len(items) == 1 else Alt(tuple(items))


def length_range(node: Node) -> tuple[int, int | None]:
    if isinstance(node, Chars):
        return 1, 1
    if isinstance(node, Concat):
        lo, hi = 0, 0
        for n in node.items:
            a, b = length_range(n)
            lo += a
            hi = None if hi is None or b is None else hi + b
        return lo, hi
    if isinstance(node, Alt):
        ranges = [length_range(n) for n in node.items]
        his = [b for _, b in ranges]
        return min(a for a, _ in ranges), None if None in his else max(his)
    if isinstance(node, Repeat):
        a, b = length_range(node.item)
        return a * node.min, None if node.max is None or b is None else b * node.max
    return 0, 0


def with_length(node: Node, lo: int, hi: int | None, *, algebra_ok: bool = True) -> Node | None:
    """`node` restricted to strings of lo..hi characters (None: no such string): by rewriting
    the AST where it is simple, else by intersecting automata (state elimination; with
    `algebra_ok` False, NotExpressible instead); raises NotExpressible when the result has no
    small exact regex."""
    a, b = length_range(node)
    if a >= lo and (hi is None or (b is not None and b <= hi)):
        return node
    if hi is not None and a > hi or b is not None and b < lo:
        return None
    if isinstance(node, Alt):
        kept = [r for r in (with_length(n, lo, hi, algebra_ok=algebra_ok) for n in node.items) if r is not None]
        return _alt(kept) if kept else None
    if isinstance(node, Repeat) and isinstance(node.item, Chars):
        return _bounded(node.item, max(node.min, lo), _min_opt(node.max, hi))
    if isinstance(node, Concat):
        try:
            return _concat_with_length(list(node.items), lo, hi, algebra_ok)
        except NotExpressible:
            pass
    if not algebra_ok:
        raise NotExpressible("a length bound on this pattern (no rewrite of its regex)")
    return _algebra(algebra.intersection, node, any_text(lo, hi), "a length bound on this pattern")


def _min_opt(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _bounded(item: Chars, lo: int, hi: int | None) -> Node | None:
    return None if hi is not None and lo > hi else Repeat(item, lo, hi)


def _concat_with_length(items: list[Node], lo: int, hi: int | None, algebra_ok: bool) -> Node | None:
    items = [m for n in items for m in (n.items if isinstance(n, Concat) else (n,))]
    ranges = [length_range(n) for n in items]
    variable = [i for i, (a, b) in enumerate(ranges) if a != b]
    fixed = sum(a for a, b in ranges if a == b)
    simple = [i for i in variable if isinstance(items[i], Repeat) and isinstance(items[i].item, Chars)]
    if len(variable) == 1:
        i = variable[0]
        inner = with_length(items[i], max(lo - fixed, 0), None if hi is None else hi - fixed, algebra_ok=algebra_ok)
        return None if inner is None else Concat(tuple(items[:i] + [inner] + items[i + 1:]))
    alts = [i for i in variable if isinstance(items[i], Alt)]
    if len(variable) > 1 and alts:
        # distribute over an alternation, so that each branch has fewer variable parts
        i = alts[0]
        kept = [r for r in (with_length(Concat(tuple(items[:i] + [b] + items[i + 1:])), lo, hi, algebra_ok=algebra_ok)
                            for b in items[i].items) if r is not None]
        return _alt(kept) if kept else None
    if len(variable) == 2 and simple == variable and all(items[i].min == 0 and items[i].max is None for i in variable):
        # X* core Y*: split the free length between the two repeats. Its regex grows with the
        # square of the bound, and its DFA may grow faster: a compiled grammar takes the
        # automaton of the intersection instead (linear in the bound)
        if not algebra_ok:
            raise NotExpressible("a length bound split between two repeats (no regex when compiling)")
        i, j = variable
        extra_lo = max(lo - fixed, 0)
        extra_hi = None if hi is None else hi - fixed
        top = extra_hi if extra_hi is not None else extra_lo
        if top + 1 > MAX_LENGTH_SPLITS:
            raise NotExpressible("a length bound on this pattern (too many splits)")
        out = []
        for k in range(top + 1):
            right_lo = max(extra_lo - k, 0)
            right_hi = None if extra_hi is None else extra_hi - k
            left = Repeat(items[i].item, k, k if extra_hi is not None or k < top else None)
            right = Repeat(items[j].item, right_lo, right_hi)
            out.append(Concat(tuple(items[:i] + [left] + items[i + 1:j] + [right] + items[j + 1:])))
        return _alt(out)
    raise NotExpressible("a length bound on this pattern")


def complement(node: Node) -> Node | None:
    """The strings `node` does not match."""
    if not (isinstance(node, Repeat) and isinstance(node.item, Chars) and node.min <= 1 and node.max is None):
        return _algebra(algebra.difference, _ANY_TEXT, node, "the complement of this pattern")
    other = ANY.difference(node.item.chars)
    branches = [Concat(())] if node.min == 1 else []
    if other:
        branches.append(Concat((_ANY_TEXT, Chars(other), _ANY_TEXT)))
    return _alt(branches) if branches else None


def excluding(node: Node, words: list[str]) -> Node | None:
    """`node` minus the finite set `words`."""
    if not words:
        return node
    if not (isinstance(node, Repeat) and isinstance(node.item, Chars)):
        return _algebra(algebra.difference, node, _alt([literal_ast(w) for w in words]), "excluding names from this key language")
    cs, lo, hi = node.item.chars, node.min, node.max
    if hi is not None or lo > 0:
        unbounded = excluding(Repeat(node.item, 0, None), words)
        return None if unbounded is None else with_length(unbounded, lo, hi)
    trie: dict = {}
    for w in words:
        t = trie
        for c in w:
            t = t.setdefault(ord(c), {})
        t[None] = True
    paths, diverging = _trie_complement(trie, cs)
    branches = ([paths] if paths is not None else []) + \
        ([Concat((diverging, Repeat(Chars(cs), 0, None)))] if diverging is not None else [])
    return _alt(branches) if branches else None


@functools.lru_cache(maxsize=1024)
def spelling_sequences(cs: CharSet) -> tuple[Sequence, ...]:
    """The byte spellings of the characters `cs` inside a canonical JSON string: UTF-8 for
    the plain ones, the canonical escape (`json.dumps`) for `"`, `\\` and the C0 controls."""
    special = [cp for lo, hi in _SPECIAL.ranges for cp in range(lo, hi + 1) if cp in cs]
    escapes = tuple(tuple((b, b) for b in json.dumps(chr(cp))[1:-1].encode()) for cp in special)
    return utf8_sequences(cs.difference(_SPECIAL)) + escapes


def string_dfa(required: list[Node], forbidden: list[Node], *, max_states: int = 20000):
    """The ByteDFA of the canonical JSON strings (quotes included) of the texts every
    `required` AST matches and no `forbidden` one does; None when there is none. Built from
    the combined code-point automaton directly, for languages without a small regex."""
    built = _spelled_combination(required, forbidden, max_states, mark_characters=False)
    return None if built is None else built[0]


def bounded_string_dfa(required: list[Node], forbidden: list[Node], lo: int, hi: int | None, *,
                       max_states: int = 20000, counted: bool = False):
    """`string_dfa` of the texts of lo..hi characters among them: the product automaton, or,
    where that is too large (or with `counted`), the automaton without the bound with the
    characters counted as the lexer goes (a CountedDFA, constrain/automata/counted.py). The
    product's code-point automaton comes first: with few moves that read multi-byte
    characters (at most SMALL_PRODUCT), it is spelled in bytes; with more, the byte product is
    the counted automaton's reachable (state, count) pairs (spelling each of those moves in
    UTF-8 costs far more); too large, the string is counted."""
    if not lo and hi is None and not counted:
        return string_dfa(required, forbidden, max_states=max_states)
    product = None
    if not counted:
        try:
            product = _code_points(required + [any_text(lo, hi)], forbidden, max_states)
        except NotExpressible:
            counted = True
        else:
            if product is None:
                return None
            if _multibyte_moves(*product) <= SMALL_PRODUCT:
                return _spelled(product, max_states, mark_characters=False)[0]
    built = _spelled_combination(required, forbidden, max_states, mark_characters=True)
    if built is None:
        return None
    dfa, tags = built
    marked = np.array([CHARACTER_MARK in t for t in tags], dtype=bool)
    try:
        # the opening quote enters the first marked state: n characters enter n + 1
        bounded = counted_dfa(dfa, marked, lo + 1, None if hi is None else hi + 1)
    except ConstrainError:
        if product is None:
            raise NotExpressible("these string constraints (their counted automaton is too large)") from None
        return _spelled(product, max_states, mark_characters=False)[0]
    if bounded is None or counted:
        return bounded
    return product_dfa(bounded, max_states) or bounded


def _spelled_combination(required: list[Node], forbidden: list[Node], max_states: int, *, mark_characters: bool):
    """(ByteDFA, tags) of `string_dfa`'s language, tagged CHARACTER_MARK where characters
    end when `mark_characters`; None for the empty language."""
    combined = _code_points(required, forbidden, max_states)
    return None if combined is None else _spelled(combined, max_states, mark_characters=mark_characters)


def _multibyte_moves(chars, classes: list[CharSet]) -> int:
    """The (state, target) moves of a code-point automaton that read a character past ASCII."""
    wide = np.array([cs.ranges[-1][1] >= 0x80 for cs in chars.column_chars(classes)], dtype=bool)
    target = chars.trans[:, wide]
    source = np.broadcast_to(np.arange(target.shape[0])[:, None], target.shape)
    live = target >= 0
    return int(np.unique(source[live].astype(np.int64) * target.shape[0] + target[live]).size)


def _code_points(required: list[Node], forbidden: list[Node], max_states: int):
    """(MinimalDFA, classes) over code points of the texts every `required` AST matches and no
    `forbidden` one does; None for the empty language."""
    n = len(required)
    try:
        chars, classes = algebra.combine_dfa(
            required + forbidden, lambda tags: all(i in tags for i in range(n)) and all(i < n for i in tags),
            max_states=max_states)
    except ConstrainError:
        raise NotExpressible("these string constraints (their automaton is too large)") from None
    return None if chars is None else (chars, classes)


def _spelled(combined, max_states: int, *, mark_characters: bool):
    """(ByteDFA, tags) of the canonical JSON strings of a `_code_points` automaton."""
    try:
        return to_byte_dfa(*combined, max_states, sequences=spelling_sequences, quote=0x22,
                           mark_characters=mark_characters)
    except ConstrainError:
        raise NotExpressible("these string constraints (their automaton is too large)") from None


def subtract(a: Node, b: Node) -> Node | None:
    """The strings `a` matches and `b` does not."""
    return _algebra(algebra.difference, a, b, "the difference of these patterns")


def intersect(a: Node, b: Node) -> Node | None:
    """The strings both ASTs match."""
    return _algebra(algebra.intersection, a, b, "the intersection of these patterns")


def _algebra(operation, a: Node, b: Node, what: str) -> Node | None:
    try:
        return operation(a, b)
    except ConstrainError:
        raise NotExpressible(f"{what} (its automaton or regex is too large)") from None


def _trie_complement(trie: dict, cs: CharSet) -> tuple[Node | None, Node | None]:
    """(strings that end inside the trie on no word, trie paths followed by one character
    that leaves the trie); any string over cs not in the trie is one of the first or one
    of the second followed by anything, so the free tail is written once."""
    ends: list[Node] = [] if None in trie else [Concat(())]
    leaves: list[Node] = []
    children = sorted(k for k in trie if k is not None and k in cs)
    for c in children:
        end, leave = _trie_complement(trie[c], cs)
        char = Chars(CharSet.of((c, c)))
        ends += [Concat((char, end))] if end is not None else []
        leaves += [Concat((char, leave))] if leave is not None else []
    rest = cs.difference(CharSet.of(*[(c, c) for c in children]))
    if rest:
        leaves.append(Chars(rest))
    return (_alt(ends) if ends else None), (_alt(leaves) if leaves else None)




# --- code-point AST -> encoded Python regex ----------------------------------------------

_REGEX_META = set(r".^$*+?{}[]()|\-/")


def _char(cp: int) -> str:
    c = chr(cp)
    if c in _REGEX_META or c == "\\":
        return "\\" + c
    if cp < 0x20 or cp == 0x7F:
        return "\\x%02x" % cp
    return c


def char_class(cs: CharSet) -> str:
    parts = []
    for lo, hi in cs.ranges:
        parts.append(_char(lo) if lo == hi else _char(lo) + ("-" if hi > lo + 1 else "") + _char(hi))
    if len(cs.ranges) == 1 and cs.ranges[0][0] == cs.ranges[0][1]:
        return parts[0]
    return "[" + "".join(parts) + "]"


_U_CONTROLS = CharSet([(0, 7), (0x0B, 0x0B), (0x0E, 0x1F)])


@functools.lru_cache(maxsize=4096)
def _units(cs: CharSet) -> str:
    """The canonical spellings of the characters of cs: a raw class and/or one escape group."""
    raw = cs.difference(_SPECIAL)
    escapes = [esc for cp, esc in _SHORT_ESCAPES.items() if cp in cs]
    escapes = ["[" + "".join(escapes) + "]"] if len(escapes) > 1 else escapes
    controls = cs.difference(_U_CONTROLS.complement())
    if controls == _U_CONTROLS:
        escapes.append("u00(?:0[0-7bef]|1[0-9a-f])")
    else:
        escapes += ["u00%02x" % cp for lo, hi in controls.ranges for cp in range(lo, hi + 1)]
    alts = [char_class(raw)] if raw else []
    if escapes:
        alts.append(r"\\" + (escapes[0] if len(escapes) == 1 else "(?:" + "|".join(escapes) + ")"))
    if not alts:
        raise NotExpressible("an empty character class")
    return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"


def encode(node: Node) -> str:
    """Python regex over the canonical JSON spelling (without the quotes) of `node`'s strings."""
    if isinstance(node, Chars):
        return _units(node.chars)
    if isinstance(node, Concat):
        return "".join(_wrap_alt(encode(n), n) for n in node.items)
    if isinstance(node, Alt):
        return "(?:" + "|".join(encode(n) for n in node.items) + ")"
    if isinstance(node, Repeat):
        body = encode(node.item)
        if not body:
            return ""
        body = body if _is_atom(body) else f"(?:{body})"
        lo, hi = node.min, node.max
        q = "*" if (lo, hi) == (0, None) else "+" if (lo, hi) == (1, None) else "?" if (lo, hi) == (0, 1) \
            else "{%d,}" % lo if hi is None else "{%d}" % lo if lo == hi else "{%d,%d}" % (lo, hi)
        return body + q
    raise NotExpressible("an assertion inside the pattern")


def spelled_dfa(node: Node, *, max_states: int = 20000) -> ByteDFA:
    """The automaton of the canonical spellings of `node`'s strings, quotes included (the
    language of the regex `string_regex(node)`), built from the AST."""
    return ast_to_dfa(Concat((_QUOTE, spelled_ast(node), _QUOTE)), max_states=max_states)


def spelled_ast(node: Node) -> Node:
    """The code point AST of what `encode(node)` matches (the canonical spellings of `node`'s
    strings), built without writing the regex: what compiling reads instead of parsing it."""
    if isinstance(node, Chars):
        return _unit_ast(node.chars)
    if isinstance(node, (Concat, Alt)):
        return type(node)(tuple(spelled_ast(n) for n in node.items))
    if isinstance(node, Repeat):
        return Repeat(spelled_ast(node.item), node.min, node.max)
    raise NotExpressible("an assertion inside the pattern")


_QUOTE = Chars(CharSet.of('"'))


@functools.lru_cache(maxsize=4096)
def _unit_ast(cs: CharSet) -> Node:
    """`_units(cs)` parsed, once per class (NotExpressible for an empty class)."""
    pattern, flags = translate_regex(_units(cs))
    return parse(pattern, flags)


def _wrap_alt(text: str, node: Node) -> str:
    return f"(?:{text})" if isinstance(node, Alt) and not text.startswith("(?:") else text


def _is_atom(text: str) -> bool:
    """Whether a quantifier can follow `text` directly (one char, class, escape or group)."""
    if len(text) == 1 or re.fullmatch(r"\\.|\\x[0-9a-f]{2}|\[(?:\\.|[^\]\\])*\]", text, re.S):
        return True
    if text.startswith("(?:") and text.endswith(")"):
        depth = 0
        for i, c in enumerate(text):
            if c == "\\":
                continue
            depth += c == "("
            depth -= c == ")"
            if depth == 0 and i < len(text) - 1:
                return False
        return True
    return False


# what `_char` writes for each ASCII character (others stand for themselves)
_LITERAL_ESCAPES = {cp: _char(cp) for cp in range(0x80) if _char(cp) != chr(cp)}


def literal_regex(text: str) -> str:
    """Python regex matching exactly `text` (`_char` of each character)."""
    return text.translate(_LITERAL_ESCAPES)


def string_regex(node: Node) -> str:
    """The whole JSON string (with quotes) of `node`'s strings, canonical spelling."""
    return '"' + encode(node) + '"'


def lark_regex(python_regex: str) -> str:
    """A Lark `/.../` literal whose regex is `python_regex` (Lark evaluates escapes in the
    literal: a quote must not follow a backslash and `/` ends the literal)."""
    out = []
    i = 0
    while i < len(python_regex):
        c = python_regex[i]
        if c == "\\":
            out.append(python_regex[i:i + 2])
            i += 2
            continue
        out.append({"\"": r"\x22", "/": r"\/", "\n": r"\n"}.get(c, c))
        i += 1
    return "/" + "".join(out) + "/"
