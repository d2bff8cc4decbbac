r"""load_lark: Lark grammar text -> `cfg.Grammar`.

Lark itself loads and normalizes the grammar (imports, templates, EBNF -> BNF, anonymous
terminals, `?rule`/`_rule` are tree-shaping only and keep their rules); we then reduce the
rules, check declared terminals, and translate every terminal's Python regex into the
ECMA-262 subset of `constrain.automata` (`translate_regex`).

Invariants:
- every lark failure surfaces as `GrammarError` with a 1-based line/column when the
  problem can be tied to a place in the grammar text;
- a terminal's language is what its Python regex *fullmatches*, with two deliberate
  refinements that make a terminal mean what Lark's lexer produces:
  * a lazy repeat of a character set followed only by a literal closing delimiter up to the
    end of the pattern (`".*?"`, `/\*(.|\n)*?\*/`, Lark's ESCAPED_STRING idiom
    `".*?(?<!\\)(\\\\)*?"`) ends at the *first* delimiter; a lazy repeat ending the
    pattern matches its minimum;
  * lookaheads at the very end and lookbehinds at the very start only look outside the
    token; they are resolved against the empty context (dropped when satisfiable there);
- Python semantics are kept: `.` excludes only `\n`, `\d \w \s` are Unicode classes
  (ASCII under `(?a)`), scoped `(?i:...)` is expanded with Python's case rules; global
  `i`/`s` become `Terminal.flags`.
"""
from __future__ import annotations

import array
import bisect
import functools
import re
import re._constants as C
import re._parser as sre
from functools import lru_cache

import lark.lexer
from lark.exceptions import GrammarError as LarkGrammarError
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr
from lark.load_grammar import _get_parser as _lark_meta_parser
from lark.load_grammar import load_grammar as _lark_load_grammar

from constrain.automata.regex import literal_text
from constrain.errors import GrammarError
from constrain.grammars.cfg import Grammar, IndenterSpec, Rule, Terminal, reduce_rules

MAX_CP = 0x10FFFF


def load_lark(text: str, start: str = "start", *, indenter: IndenterSpec | None = None,
              opaque: frozenset[str] = frozenset()) -> Grammar:
    """Load Lark EBNF `text` with start rule `start`; `indenter` provides its declared
    indent/dedent terminals (Python-style grammars). Terminals named in `opaque` keep Lark's
    regex untranslated (the caller supplies their automata). Raises GrammarError."""
    keep = [indenter.newline] if indenter else []
    _warm_lark_meta_parser()
    try:
        lark_grammar, _ = _lark_load_grammar(text, "<grammar>", [], False)
        term_defs, lark_rules, ignore = lark_grammar.compile([start], keep)
    except UnexpectedInput as e:
        raise GrammarError(f"syntax error in grammar: {_describe(e)}", e.line, e.column) from None
    except LarkGrammarError as e:
        raise located_error(text, str(e)) from None
    except (LarkError, OSError) as e:
        raise located_error(text, f"cannot load grammar: {e}") from None

    rules = tuple(dict.fromkeys(Rule(str(r.origin.name), tuple(str(s.name) for s in r.expansion))
                                for r in lark_rules))
    if start not in {r.lhs for r in rules}:
        raise GrammarError(f"start rule {start!r} is not defined")
    try:
        rules = reduce_rules(rules, start)
    except GrammarError as e:
        raise located_error(text, e.args[0], start) from None

    defs = {str(t.name): t for t in term_defs}
    nonterminals = {r.lhs for r in rules}
    used = {s for r in rules for s in r.rhs if s not in nonterminals}
    produced = {indenter.indent, indenter.dedent} if indenter else set()
    for name in sorted(used):
        if name not in defs and name not in produced:
            raise located_error(text, f"terminal {name!r} is declared but has no pattern (only an "
                               f"indenter's indent/dedent terminals may be %declare'd)", name)
    if indenter:
        for name in sorted(produced):
            if name in defs:
                raise located_error(text, f"indenter terminal {name!r} must be %declare'd, not defined", name)
            if name not in used:
                raise located_error(text, f"indenter terminal {name!r} is not used by any rule", name)
        if indenter.newline not in defs:
            raise located_error(text, f"indenter newline terminal {indenter.newline!r} is not defined", indenter.newline)

    terminals = {}
    for name in sorted((used - produced) | set(ignore) | set(keep)):
        tdef = defs[name]
        if name in opaque:
            terminals[name] = Terminal(name, tdef.pattern.value, "", tdef.priority, None)
            continue
        try:
            terminals[name] = _terminal(tdef)
        except GrammarError as e:
            raise located_error(text, f"terminal {name!r}: {e.args[0]}", name, tdef.pattern.raw) from None
    return Grammar(terminals, rules, start, frozenset(map(str, ignore)), indenter)


def _warm_lark_meta_parser() -> None:
    """Build lark's grammar-of-grammars parser once without its interegular collision
    report (diagnostic logging only, ~0.7 s per process)."""
    if hasattr(_lark_meta_parser, "cache"):
        return
    saved = lark.lexer.has_interegular
    lark.lexer.has_interegular = False
    try:
        _lark_meta_parser()
    finally:
        lark.lexer.has_interegular = saved


def _describe(e: UnexpectedInput) -> str:
    if isinstance(e, UnexpectedToken):
        return f"unexpected {e.token!r}, expected one of {sorted(e.expected)}"
    if isinstance(e, UnexpectedCharacters):
        return f"unexpected character {e.char!r}"
    return type(e).__name__


def _terminal(tdef) -> Terminal:
    pat = tdef.pattern
    flags = set(pat.flags)
    if isinstance(pat, PatternStr):
        return Terminal(str(tdef.name), pat.value.translate(_ESCAPES),
                        "i" if "i" in flags else "", tdef.priority, pat.value)
    if "l" in flags:
        raise GrammarError("the locale flag 'l' is not supported")
    pyflags = 0
    for letter, bit in (("i", re.I), ("m", re.M), ("s", re.S), ("x", re.X)):
        if letter in flags:
            pyflags |= bit
    ecma, eflags = translate_regex(pat.value, pyflags)
    return Terminal(str(tdef.name), ecma, eflags, tdef.priority, None)


# ----------------------------------------------------------------------------------------
# Locating errors in the grammar text

_TOKEN_RE = re.compile(r"""
    (?P<comment>//[^\n]*|\#[^\n]*)
  | (?P<regexp>/(?!/)(?:\\/|\\\\|[^/\n])*?/[imslux]*)
  | (?P<string>"(?:\\"|\\\\|[^"\n])*?"i?)
  | (?P<directive>%[a-z]+)
  | (?P<name>[_A-Za-z][_A-Za-z0-9]*)
  | (?P<other>[^\s])
  | \s+
""", re.X)
_HEAD_TOKENS = set("{},.-0123456789")


def located_error(text: str, message: str, name: str | None = None, raw: str | None = None) -> GrammarError:
    """A GrammarError for `message`, positioned at `name` (or the symbol it mentions)."""
    return _Locator(text).error(message, name, raw)


class _Locator:
    """Finds where a symbol is defined or used in Lark text, for error positions."""

    def __init__(self, text: str):
        self.definitions: dict[str, list[tuple[int, int]]] = {}
        self.references: dict[str, list[tuple[int, int]]] = {}
        self.literals: dict[str, tuple[int, int]] = {}
        lines: dict[int, list[tuple[str, str, int]]] = {}
        starts = [0] + [m.end() for m in re.finditer("\n", text)]
        for m in _TOKEN_RE.finditer(text):
            kind = m.lastgroup
            if kind and kind != "comment":
                line = bisect.bisect_right(starts, m.start())
                lines.setdefault(line, []).append((kind, m.group(), m.start() - starts[line - 1] + 1))
        for line, toks in lines.items():
            head = 0
            while head < len(toks) and toks[head][1] in ("?", "!"):
                head += 1
            declare = toks[0][1] == "%declare"
            for i, (kind, value, col) in enumerate(toks):
                if kind in ("regexp", "string"):
                    self.literals.setdefault(value, (line, col))
                if kind != "name":
                    continue
                is_def = declare or (i == head and self._colon_follows(toks[i + 1:]))
                (self.definitions if is_def else self.references).setdefault(value, []).append((line, col))

    @staticmethod
    def _colon_follows(toks) -> bool:
        for kind, value, _ in toks:
            if value == ":":
                return True
            if kind != "name" and value not in _HEAD_TOKENS:
                return False
        return False

    def position(self, name: str, *, redefinition: bool = False, reference: bool = False):
        defs = self.definitions.get(name, [])
        refs = self.references.get(name, [])
        if redefinition and len(defs) > 1:
            return defs[1]
        for found in ((refs, defs) if reference else (defs, refs)):
            if found:
                return found[0]
        return None

    def error(self, message: str, name: str | None = None, raw: str | None = None) -> GrammarError:
        m = re.search(r"at line (\d+) column (\d+)", message)
        if m:
            return GrammarError(" ".join(message[:m.start()].split()).rstrip(" ,"), int(m.group(1)), int(m.group(2)))
        pos = None
        if name is not None:
            pos = self.position(name) or self.literals.get(raw or "")
        else:
            redefinition = "more than once" in message or "defined twice" in message
            reference = "used but not defined" in message
            for cand in re.findall(r"'([_A-Za-z]\w*)'|\(([_A-Za-z]\w*)\)|<([_A-Za-z]\w*) :"
                                   r"|\b[Rr]ule ([_A-Za-z]\w*)|([_A-Za-z]\w*)\.lark", message):
                pos = self.position(next(c for c in cand if c), redefinition=redefinition, reference=reference)
                if pos:
                    break
            for lit in re.findall(r'\(("(?:[^"\\]|\\.)*"i?|/(?:[^/\\]|\\.)*/[imslux]*)\)', message):
                pos = pos or self.literals.get(lit)
        return GrammarError(" ".join(message.split()), *(pos or (None, None)))


# ----------------------------------------------------------------------------------------
# Python regex -> ECMA-262 regex

class _Unsupported(Exception):
    pass


_CATEGORIES = {C.CATEGORY_DIGIT: (r"\d", False), C.CATEGORY_NOT_DIGIT: (r"\d", True),
               C.CATEGORY_WORD: (r"\w", False), C.CATEGORY_NOT_WORD: (r"\w", True),
               C.CATEGORY_SPACE: (r"\s", False), C.CATEGORY_NOT_SPACE: (r"\s", True)}


def _category(cat, ascii_only: bool) -> list[tuple[int, int]]:
    if cat not in _CATEGORIES:
        raise _Unsupported(f"character category {cat}")
    base, negated = _CATEGORIES[cat]
    ranges = _class_ranges()[(base, ascii_only)]
    return _complement(ranges) if negated else list(ranges)


@lru_cache(maxsize=1)
def _class_ranges() -> dict[tuple[str, bool], tuple[tuple[int, int], ...]]:
    """Code point ranges of Python's \\d \\w \\s, Unicode and ASCII (re.A)."""
    universe = array.array("I", range(MAX_CP + 1)).tobytes().decode("utf-32-le", "surrogatepass")
    return {(esc, ascii_only): tuple((m.start(), m.end() - 1) for m in re.finditer(
                esc + "+", universe[:128] if ascii_only else universe, re.A if ascii_only else 0))
            for esc in (r"\d", r"\w", r"\s") for ascii_only in (False, True)}


def _normalize(ranges) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _complement(ranges) -> list[tuple[int, int]]:
    out, nxt = [], 0
    for lo, hi in _normalize(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= MAX_CP:
        out.append((nxt, MAX_CP))
    return out


@lru_cache(maxsize=1)
def _case_classes() -> dict[int, frozenset[int]]:
    """Python's IGNORECASE equivalence: code point -> all code points it matches."""
    import _sre
    from re._casefix import _EXTRA_CASES
    groups: dict[int, set[int]] = {}
    for cp in range(MAX_CP + 1):
        lo = _sre.unicode_tolower(cp)
        if lo != cp:
            groups.setdefault(lo, {lo}).add(cp)
    for lo, extras in _EXTRA_CASES.items():
        for other in extras:
            groups.setdefault(lo, {lo}).update(groups.get(other, {other}))
    classes: dict[int, frozenset[int]] = {}
    for members in groups.values():
        fs = frozenset(members)
        for cp in members:
            classes[cp] = classes.get(cp, frozenset()) | fs
    return classes


def _casefold(ranges) -> list[tuple[int, int]]:
    ranges = _normalize(ranges)
    starts = [lo for lo, _ in ranges]
    extra = []
    for cp, members in _case_classes().items():
        i = bisect.bisect_right(starts, cp) - 1
        if i >= 0 and ranges[i][1] >= cp:
            extra.extend((m, m) for m in members)
    return _normalize(ranges + extra)


_SYNTAX = set("^$\\.*+?()[]{}|/")
_CLASS_SYNTAX = set("\\]^-[")
_CONTROL = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\f": "\\f", "\v": "\\v"}


def _char(cp: int, in_class: bool = False) -> str:
    c = chr(cp)
    if c in (_CLASS_SYNTAX if in_class else _SYNTAX):
        return "\\" + c
    if c in _CONTROL:
        return _CONTROL[c]
    if 0x20 <= cp < 0x7F:
        return c
    if cp < 0x10000:
        return "\\u%04X" % cp
    return c


class _Escapes(dict):
    """`_char` of each code point, filled on first use: a table for `str.translate` (at most
    the 65,536 BMP code points are kept; `_char` leaves the others as they are)."""

    def __missing__(self, cp: int) -> str:
        found = _char(cp)
        if cp < 0x10000:
            self[cp] = found
        return found


_ESCAPES = _Escapes()


def _class(ranges) -> str:
    ranges = _normalize(ranges)
    if not ranges:
        raise _Unsupported("an empty character class (matches nothing)")
    if len(ranges) == 1 and ranges[0][0] == ranges[0][1]:
        return _char(ranges[0][0])
    if ranges == [(0, MAX_CP)]:
        return "[\\s\\S]"
    comp = _complement(ranges)
    neg = len(comp) < len(ranges)

    def body(rs):
        parts = []
        for lo, hi in rs:
            if lo == hi:
                parts.append(_char(lo, True))
            elif hi == lo + 1:
                parts.append(_char(lo, True) + _char(hi, True))
            else:
                parts.append(_char(lo, True) + "-" + _char(hi, True))
        return "".join(parts)

    return "[^" + body(comp) + "]" if neg else "[" + body(ranges) + "]"


def _atom_end(s: str, i: int) -> int:
    """Index just after the regex atom starting at s[i] (a char, escape, class or group)."""
    c = s[i]
    if c == "\\":
        return i + 6 if s[i + 1] == "u" else i + 2
    if c == "[":
        i += 1
        while s[i] != "]":
            i += 2 if s[i] == "\\" else 1
        return i + 1
    if c == "(":
        i += 1
        while s[i] != ")":
            i = _atom_end(s, i)
        return i + 1
    return i + 1


def _is_atom(s: str) -> bool:
    return bool(s) and _atom_end(s, 0) == len(s)


def _group(s: str) -> str:
    return s if _is_atom(s) else f"(?:{s})"


def _quant(mn: int, mx: int) -> str:
    if mx == C.MAXREPEAT:
        return {0: "*", 1: "+"}.get(mn, "{%d,}" % mn)
    if (mn, mx) == (0, 1):
        return "?"
    return "{%d}" % mn if mn == mx else "{%d,%d}" % (mn, mx)


@functools.lru_cache(maxsize=8192)
def translate_regex(pattern: str, flags: int = 0) -> tuple[str, str]:
    """Python regex -> (ECMA-262 regex, flags among "is") with the same fullmatch language
    (see the module docstring for lazy repeats and boundary lookarounds). Raises
    GrammarError for what cannot be expressed (backreferences, inner lookarounds, ...).
    Remembered per pattern; a pattern without operators is escaped directly."""
    text = literal_text(pattern) if not flags else None
    if text is not None:
        return text.translate(_ESCAPES), ""
    try:
        return _Translator(pattern, flags).result
    except re.error as e:
        raise GrammarError(f"invalid regex /{pattern}/: {e}") from None
    except _Unsupported as e:
        raise GrammarError(f"cannot translate /{pattern}/: {e}") from None


class _Translator:
    ZERO_WIDTH = (C.AT, C.ASSERT, C.ASSERT_NOT)

    def __init__(self, pattern: str, flags: int):
        parsed = sre.parse(pattern, flags)
        gflags = parsed.state.flags
        if gflags & C.SRE_FLAG_LOCALE:
            raise _Unsupported("the locale flag")
        self.ascii = bool(gflags & C.SRE_FLAG_ASCII)
        gi = bool(gflags & C.SRE_FLAG_IGNORECASE)
        self.i_flag = gi and not _unsets_icase(parsed)
        dotall = bool(gflags & C.SRE_FLAG_DOTALL)
        out = self.seq(list(parsed), gi and not self.i_flag, dotall, True, True)
        self.result = (out, ("i" if self.i_flag else "") + ("s" if dotall else ""))

    def charset(self, node, icase: bool, dotall: bool):
        """Code point ranges of a single-character node, or None if it is not one."""
        op, av = node
        if op == C.LITERAL:
            ranges = [(av, av)]
        elif op == C.NOT_LITERAL:
            return _complement(_casefold([(av, av)]) if icase else [(av, av)])
        elif op == C.ANY:
            return [(0, MAX_CP)] if dotall else _complement([(10, 10)])
        elif op == C.CATEGORY:
            ranges = list(_category(av, self.ascii))
        elif op == C.IN:
            ranges, negate = [], False
            for mop, mav in av:
                if mop == C.NEGATE:
                    negate = True
                elif mop == C.LITERAL:
                    ranges.append((mav, mav))
                elif mop == C.RANGE:
                    ranges.append(mav)
                elif mop == C.CATEGORY:
                    ranges.extend(_category(mav, self.ascii))
                else:
                    raise _Unsupported(f"class member {mop}")
            ranges = _casefold(ranges) if icase else _normalize(ranges)
            return _complement(ranges) if negate else ranges
        elif op == C.SUBPATTERN and not av[1] and not av[2] and len(av[3]) == 1:
            return self.charset(av[3][0], icase, dotall)
        elif op == C.BRANCH:
            sets = [self.charset(alt[0], icase, dotall) if len(alt) == 1 else None for alt in av[1]]
            return None if None in sets else _normalize([r for s in sets for r in s])
        else:
            return None
        return _casefold(ranges) if icase else _normalize(ranges)

    def body_charset(self, body, icase, dotall):
        return self.charset(body[0], icase, dotall) if len(body) == 1 else None

    def seq(self, items, icase: bool, dotall: bool, at_start: bool, at_end: bool) -> str:
        parts = []
        for i, node in enumerate(items):
            first = at_start and all(op in self.ZERO_WIDTH for op, _ in items[:i])
            last = at_end and all(op in self.ZERO_WIDTH for op, _ in items[i + 1:])
            if node[0] == C.MIN_REPEAT and node[1][0] != node[1][1] and at_end:
                lazy = self.lazy(items, i, icase, dotall)
                if lazy is not None:
                    return "".join(parts) + lazy
            parts.append(self.item(node, items[i + 1:], icase, dotall, first, last))
        return "".join(parts)

    def item(self, node, rest, icase, dotall, first, last) -> str:
        op, av = node
        cs = self.charset(node, icase, dotall)
        if cs is not None:
            return _class(cs)
        if op == C.SUBPATTERN:
            _, add, delete, p = av
            if (add | delete) & ~(C.SRE_FLAG_IGNORECASE | C.SRE_FLAG_DOTALL | C.SRE_FLAG_VERBOSE
                                  | C.SRE_FLAG_MULTILINE | C.SRE_FLAG_UNICODE):
                raise _Unsupported("inline flags other than i, s, m, x, u")
            icase2 = not self.i_flag and (icase or bool(add & C.SRE_FLAG_IGNORECASE)) \
                and not delete & C.SRE_FLAG_IGNORECASE
            dotall2 = (dotall or bool(add & C.SRE_FLAG_DOTALL)) and not delete & C.SRE_FLAG_DOTALL
            return self.seq(list(p), icase2, dotall2, first, last)
        if op == C.BRANCH:
            return "(?:" + "|".join(self.seq(list(a), icase, dotall, first, last) for a in av[1]) + ")"
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            mn, mx, body = av
            if op == C.POSSESSIVE_REPEAT:
                self.check_atomic(body, rest, icase, dotall, last)
            inner = self.seq(list(body), icase, dotall, first and mn == 0, last and mx <= 1)
            return _group(inner) + _quant(mn, mx) if inner else ""
        if op == C.ATOMIC_GROUP:
            self.check_atomic(av, rest, icase, dotall, last)
            return self.seq(list(av), icase, dotall, first, last)
        if op == C.AT:
            if (av in (C.AT_BEGINNING, C.AT_BEGINNING_STRING) and first) or \
                    (av in (C.AT_END, C.AT_END_STRING) and last):
                return ""
            what = "word boundary" if av in (C.AT_BOUNDARY, C.AT_NON_BOUNDARY) else "anchor"
            raise _Unsupported(f"{what} inside the pattern")
        if op in (C.ASSERT, C.ASSERT_NOT):
            direction, p = av
            if (direction == 1 and last) or (direction == -1 and first):
                if (p.getwidth()[0] == 0) == (op == C.ASSERT):
                    return ""
                raise _Unsupported("a boundary lookaround that can never succeed")
            kind = "lookahead" if direction == 1 else "lookbehind"
            raise _Unsupported(f"{kind} inside the pattern (only at its end/start)")
        if op in (C.GROUPREF, C.GROUPREF_EXISTS):
            raise _Unsupported("backreference")
        raise _Unsupported(f"regex construct {op}")

    def check_atomic(self, body, rest, icase, dotall, last):
        """Possessive/atomic = greedy when the body is one character set that what follows
        cannot start with."""
        cs = self.body_charset(list(body), icase, dotall)
        if cs is None:
            raise _Unsupported("possessive/atomic group over more than one character")
        if last:
            return
        follow = None
        if rest and rest[0][0] in (C.MAX_REPEAT, C.MIN_REPEAT) and rest[0][1][0] >= 1:
            follow = self.body_charset(list(rest[0][1][2]), icase, dotall)
        elif rest:
            follow = self.charset(rest[0], icase, dotall)
        if follow is None or _overlap(cs, follow):
            raise _Unsupported("possessive/atomic repeat that what follows may overlap")

    def lazy(self, items, i, icase, dotall):
        """A lazy repeat that ends the pattern, possibly before a literal delimiter (and
        Lark's even-backslashes idiom): it stops at the first delimiter. None when other
        items follow (then lazy and greedy have the same fullmatch language)."""
        mn, _, body = items[i][1]
        rest = items[i + 1:]
        escape = None
        if (len(rest) >= 2 and rest[0][0] == C.ASSERT_NOT and rest[0][1][0] == -1
                and len(rest[0][1][1]) == 1 and rest[0][1][1][0][0] == C.LITERAL):
            e = rest[0][1][1][0][1]
            op2, av2 = rest[1]
            if (op2 == C.MIN_REPEAT and av2[:2] == (0, C.MAXREPEAT) and len(av2[2]) == 1
                    and av2[2][0][0] == C.SUBPATTERN and list(av2[2][0][1][3]) == [(C.LITERAL, e)] * 2):
                escape, rest = e, rest[2:]
        if not all(op == C.LITERAL for op, _ in rest):
            return None
        delim = [av for _, av in rest]
        cset = self.body_charset(list(body), icase, dotall)
        if cset is None:
            raise _Unsupported("lazy repeat of more than one character at the end")
        if (icase or self.i_flag) and any(chr(d).lower() != chr(d).upper() for d in delim):
            raise _Unsupported("case-insensitive lazy delimiter")
        lit = "".join(_char(d) for d in delim)
        if escape is not None:
            if mn != 0 or len(delim) != 1 or not _contains(cset, escape) or not _contains(cset, delim[0]):
                raise _Unsupported("escaped-delimiter idiom in an unexpected form")
            plain = _class(_subtract(cset, [(escape, escape), (delim[0], delim[0])]))
            return f"(?:{plain}|{_char(escape)}{_class(cset)})*{lit}"
        head = _group(_class(cset)) + _quant(mn, mn) if mn else ""
        return head + _first_occurrence(cset, delim) + lit if delim else head


def _unsets_icase(items) -> bool:
    """Whether some scoped group turns IGNORECASE off (then it cannot be a global flag)."""
    for op, av in items:
        if op == C.SUBPATTERN:
            if av[2] & C.SRE_FLAG_IGNORECASE or _unsets_icase(av[3]):
                return True
        elif op == C.BRANCH:
            if any(_unsets_icase(a) for a in av[1]):
                return True
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            if _unsets_icase(av[2]):
                return True
        elif op == C.ATOMIC_GROUP:
            if _unsets_icase(av):
                return True
        elif op in (C.ASSERT, C.ASSERT_NOT):
            if _unsets_icase(av[1]):
                return True
    return False


def _contains(ranges, cp) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def _overlap(a, b) -> bool:
    return any(lo1 <= hi2 and lo2 <= hi1 for lo1, hi1 in a for lo2, hi2 in b)


def _subtract(ranges, minus) -> list[tuple[int, int]]:
    comp = _complement(minus)
    return _normalize([(max(lo, lo2), min(hi, hi2)) for lo, hi in ranges for lo2, hi2 in comp
                       if max(lo, lo2) <= min(hi, hi2)])


def _first_occurrence(cset, delim: list[int]) -> str:
    """Regex for {w in cset* : delim occurs in w+delim only as its suffix}: the KMP
    automaton of delim run over w, turned into a regex by state elimination."""
    m = len(delim)
    border = [0] * m                      # border[j]: longest proper border of delim[:j+1]
    for j in range(1, m):
        k = border[j - 1]
        while k and delim[k] != delim[j]:
            k = border[k - 1]
        border[j] = k + 1 if delim[k] == delim[j] else 0

    def step(j, c):                       # KMP state after reading c in state j (< m)
        while j and delim[j] != c:
            j = border[j - 1]
        return j + 1 if delim[j] == c else 0

    def final(j):                         # appending delim in state j finds it only at the end
        for idx, c in enumerate(delim):
            j = step(j, c) if j < m else m
            if j == m:
                return idx == m - 1
        return False

    letters = sorted(set(delim))
    other = _subtract(cset, [(c, c) for c in letters])
    edges: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for j in range(m):
        for c in letters:
            if _contains(cset, c) and step(j, c) < m:
                edges.setdefault((j, step(j, c)), []).append((c, c))
        if other:
            edges.setdefault((j, 0), []).extend(other)
    label = {key: _class(rs) for key, rs in edges.items()}   # GNFA: start -1, end m
    label[(-1, 0)] = ""
    for j in range(m):
        if final(j):
            label[(j, m)] = ""
    for q in reversed(range(m)):
        loop = label.pop((q, q), None)
        star = _group(loop) + "*" if loop else ""
        ins = [(a, lab) for (a, b), lab in label.items() if b == q]
        outs = [(b, lab) for (a, b), lab in label.items() if a == q]
        for key in [k for k in label if q in k]:
            del label[key]
        for a, lin in ins:
            for b, lout in outs:
                new = _concat(lin, star, lout)
                label[(a, b)] = new if (a, b) not in label else _union(label[(a, b)], new)
    return label.get((-1, m), "")


def _union(a: str, b: str) -> str:
    if not a or not b:
        return _group(a or b) + "?"
    return f"(?:{a}|{b})"


def _concat(*parts: str) -> str:
    return "".join(f"(?:{p})" if _top_level_alternation(p) else p for p in parts)


def _top_level_alternation(s: str) -> bool:
    i = 0
    while i < len(s):
        if s[i] == "|":
            return True
        i = _atom_end(s, i)
    return False


