"""Grammar IR, Lark front end, LALR/Earley incremental parsers and the indenter.

Oracles: an independent reference recognizer (CYK-style fixpoint over spans, on the
grammar and on its prefix language) for exactness; lark's own lexer and parser for real
inputs (Python standard library, JSON files, Go, SQL); Python's `re` for terminal regexes.
"""
from __future__ import annotations

import glob
import itertools
import json
import os
import random
import re
import site
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lark import Lark
from lark.indenter import PythonIndenter

from constrain import Vocabulary
from constrain.automata.regex import regex_to_dfa
from constrain.errors import GrammarError
from constrain.data import data_dir
from constrain.grammars.builtin import BUILTIN_GRAMMARS, builtin_grammar, builtin_spec, load_builtin
from constrain.grammars.cfg import PYTHON_INDENTER, Grammar, IndenterSpec
from constrain.grammars.cfg_matcher import compile_lark
from constrain.grammars.earley import EarleyParser
from constrain.grammars.indenter import IndentingParser
from constrain.grammars.lalr import LALRParser, build_lalr
from constrain.grammars.lark_frontend import load_lark, translate_regex
from constrain.grammars.parser import make_parser

# ---------------------------------------------------------------------------------------
# reference recognizer


class Reference:
    """Decides `w in L(G)` and `w is a prefix of some sentence` by fixpoints over spans."""

    def __init__(self, grammar: Grammar):
        self.rules = grammar.rules
        self.nts = grammar.nonterminals
        self.start = grammar.start

    def _tables(self, w):
        """der: (sym, i, j) with sym =>* w[i:j]; pre: (sym, i) with w[i:] a prefix of L(sym)."""
        n = len(w)
        der = {(t, i, i + 1) for i, t in enumerate(w)}
        changed = True
        while changed:
            changed = False
            for r in self.rules:
                for i in range(n + 1):
                    ends = {i}
                    for sym in r.rhs:
                        ends = {j for m in ends for j in range(m, n + 1) if (sym, m, j) in der}
                    for j in ends:
                        if (r.lhs, i, j) not in der:
                            der.add((r.lhs, i, j))
                            changed = True
        pre = {(sym, n) for r in self.rules for sym in (r.lhs, *r.rhs)}
        if n:
            pre.add((w[-1], n - 1))
        changed = True
        while changed:
            changed = False
            for r in self.rules:
                for i in range(n + 1):
                    if (r.lhs, i) in pre:
                        continue
                    ends = {i}
                    for sym in r.rhs:
                        if any((sym, m) in pre for m in ends):
                            pre.add((r.lhs, i))
                            changed = True
                            break
                        ends = {j for m in ends for j in range(m, n + 1) if (sym, m, j) in der}
        return der, pre

    def sentence(self, w) -> bool:
        return (self.start, 0, len(w)) in self._tables(tuple(w))[0]

    def viable(self, w) -> bool:
        return (self.start, 0) in self._tables(tuple(w))[1]


def check_exact(parser, grammar: Grammar, depth: int):
    """Walk every viable prefix up to `depth` terminals; compare with the reference."""
    ref = Reference(grammar)
    terms = grammar.parser_terminals
    frontier = [((), parser.initial())]
    checked = 0
    for _ in range(depth + 1):
        nxt = []
        for w, state in frontier:
            assert state.can_end() == ref.sentence(w), w
            expected = {t for t in terms if ref.viable(w + (t,))}
            assert state.allowed_terminals() == expected, (w, state.allowed_terminals(), expected)
            assert expected or state.can_end(), "a state with no way forward"
            for t in terms:
                child = state.advance(t)
                assert (child is not None) == (t in expected), (w, t)
                if child is not None:
                    nxt.append((w + (t,), child))
            checked += 1
        frontier = nxt
    return checked


# ---------------------------------------------------------------------------------------
# exactness on small grammars

SMALL_GRAMMARS = {
    "balanced": ('start: "(" start ")" start |', "lalr"),
    "left_rec_nullable": ('start: start "a" | b\nb: "b" | ', "lalr"),
    "ambiguous_ss": ('start: start start | "a"', "earley"),
    "rr_conflict": ('start: a | b\na: "x" "y"\nb: "x" "y"', "earley"),
    "lr2": ('start: a "x" "z" | b "x" "y"\na: "w"\nb: "w"', "earley"),
    "palindromes": ('start: "a" start "a" | "b" start "b" | "a" | "b" |', "earley"),
    "nullable_chain": ('start: x y "c"\nx: y | "a"\ny: | "b" x', "earley"),
    "dangling_else": ('start: "i" start | "i" start "e" start | "s"', "earley"),
}


@pytest.mark.parametrize("name", sorted(SMALL_GRAMMARS))
def test_small_grammars_exact(name):
    text, kind = SMALL_GRAMMARS[name]
    grammar = load_lark(text)
    parser = make_parser(grammar)
    assert parser.kind == kind
    check_exact(parser, grammar, 6)
    check_exact(EarleyParser(grammar), grammar, 6)


@st.composite
def random_grammars(draw):
    return _draw_grammar(draw, ["start", "p", "q"], ['"a"', '"b"', '"c"'], min_alternatives=2)


def _draw_grammar(draw, nts: list[str], terminals: list[str], *, min_alternatives: int,
                  unit_rules: bool = False) -> str:
    """Lark text of a random grammar over `nts`; with `unit_rules`, each nonterminal but start
    may have one rule of one symbol instead (a unit chain)."""
    symbols = nts + terminals
    lines = []
    for nt in nts:
        if unit_rules and nt != "start" and draw(st.booleans()):
            lines.append(f"{nt}: {draw(st.sampled_from(symbols))}")
            continue
        alts = draw(st.lists(st.lists(st.sampled_from(symbols), max_size=3), min_size=min_alternatives, max_size=3))
        lines.append(f"{nt}: " + " | ".join(dict.fromkeys(" ".join(a) for a in alts)))
    return "\n".join(lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_grammars())
def test_random_grammars_exact(text):
    try:
        grammar = load_lark(text)
    except GrammarError as e:
        assert "generates no string" in str(e) or "defined twice" in str(e)
        return
    parser = make_parser(grammar)
    check_exact(parser, grammar, 5)
    if parser.kind == "lalr":
        check_exact(EarleyParser(grammar), grammar, 5)


def test_lalr_refuses_conflicts_and_earley_is_chosen():
    grammar = load_lark(SMALL_GRAMMARS["rr_conflict"][0])
    assert build_lalr(grammar).conflicts
    with pytest.raises(GrammarError, match="not LALR"):
        LALRParser(grammar)
    state = make_parser(grammar).initial().advance("X").advance("Y")
    assert state.can_end() and state.allowed_terminals() == frozenset()


def test_state_contract():
    parser = make_parser(load_builtin("arithmetic"))
    s0 = parser.initial()
    a = s0.advance("NUMBER", "1")
    b = s0.advance("NUMBER", "2")
    assert a.key == b.key and a is not b
    assert s0.advance("RPAR") is None                      # wrong terminal: None, no raise
    assert s0.allowed_terminals() == {"NUMBER", "LPAR", "MINUS", "PLUS"}   # s0 unchanged
    with pytest.raises(GrammarError, match="unknown terminal"):
        s0.advance("NOPE")
    assert "__IGNORE_0" not in a.allowed_terminals()
    fork1 = a.advance("PLUS").advance("NUMBER")
    fork2 = a.advance("STAR").advance("NUMBER")
    assert fork1.key != fork2.key and fork1.can_end() and fork2.can_end()
    assert a.advance_id(parser.terminal_id("PLUS")).key == a.advance("PLUS").key
    assert {parser.terminals[i] for i in a.allowed_ids()} == a.allowed_terminals()


# ---------------------------------------------------------------------------------------
# builtin grammars, lark token streams, LALR vs Earley


def lark_tokens(name: str, text: str):
    lexer = _lark(name, False)
    return [(t.type, str(t)) for t in lexer.lex(text)]


_LARKS: dict = {}


def _lark(name: str, postlex: bool) -> Lark:
    key = (name, postlex)
    if key not in _LARKS:
        spec = builtin_spec(name)
        _LARKS[key] = Lark(builtin_grammar(name), parser="lalr", lexer="basic", start=spec.start,
                           postlex=PythonIndenter() if postlex else None)
    return _LARKS[key]


def test_builtin_grammars_load_and_are_lalr():
    for name in BUILTIN_GRAMMARS:
        grammar = load_builtin(name)
        assert make_parser(grammar).kind == "lalr", name
        for term in grammar.terminals.values():
            assert not re.search(r"\(\?[P<=!]", term.pattern), (name, term)
            re.compile(term.pattern)
            assert set(term.flags) <= set("is")
    assert load_builtin("python").indenter == PYTHON_INDENTER
    with pytest.raises(GrammarError, match="available: arithmetic, go, json, python, sql"):
        builtin_grammar("cobol")


SAMPLES = {
    "arithmetic": ["1 + 2 * (3 - -4.5) / 6", "((1))", "-(2*3)+ +4"],
    "json": ['{"a": [1, -2.5e+3, true, false, null, {"b": "x\\"\\u00e9"}], "c": {}}', "[]", '"s"', "0"],
    "sql": [
        "SELECT a, b AS c, COUNT(*) FROM users u LEFT JOIN items i ON u.id = i.user_id "
        "WHERE u.age >= 18 AND i.price BETWEEN 1 AND 10 OR u.x IS NOT NULL "
        "GROUP BY a, b HAVING COUNT(*) > 1 ORDER BY a DESC, b LIMIT 10 OFFSET 5",
        "insert into t (a, b) values (1, 'x'), (2, 'it''s'); delete from t where a in (select b from u)",
        "UPDATE t SET a = a + 1, b = CASE WHEN a > 2 THEN 'big' ELSE 'small' END WHERE NOT a LIKE 'z%'",
        "SELECT * FROM (SELECT x FROM y) AS sub UNION ALL SELECT t.* FROM t CROSS JOIN w",
    ],
    "go": [
        'package main\n\nimport "fmt"\n\nfunc main() {\n\tx := []int{1, 2}\n\tfor i, v := range x {\n'
        '\t\tif v > 1 {\n\t\t\tfmt.Println(i,\n\t\t\t\tv)\n\t\t} else {\n\t\t\tcontinue\n\t\t}\n\t}\n}\n',
        "package p\ntype T struct {\n\ta, b int\n\tc string `tag`\n}\nfunc (t *T) M() (int, error) "
        "{ return t.a + t.b, nil }\nvar m = map[string]T{\"k\": {a: 1}}\n",
        "package p\nfunc f(ch chan<- int, xs ...int) {\n\tswitch y := xs[0]; {\n\tcase y > 0:\n\t\tch <- y\n"
        "\tdefault:\n\t}\n\tgo func() { defer recover() }()\n\tselect {\n\tcase <-time.After(1):\n\t}\n}",
    ],
}


def run_both(grammar, stream):
    """Feed `stream` to the LALR and the Earley parser, comparing at every step."""
    parsers = [LALRParser(grammar), EarleyParser(grammar)]
    if grammar.indenter:
        parsers = [IndentingParser(p, grammar.indenter) for p in parsers]
    states = [p.initial() for p in parsers]
    for ty, text in stream:
        assert states[0].allowed_terminals() == states[1].allowed_terminals()
        assert states[0].can_end() == states[1].can_end()
        assert ty in states[0].allowed_terminals(), (ty, text)
        states = [s.advance(ty, text) for s in states]
        assert None not in states
    assert states[0].can_end() and states[1].can_end()
    return states


@pytest.mark.parametrize("name", ["arithmetic", "json", "sql", "go"])
def test_samples_lalr_and_earley_agree(name):
    grammar = load_builtin(name)
    for text in SAMPLES[name]:
        _lark(name, False).parse(text)            # lark accepts the sample
        run_both(grammar, lark_tokens(name, text))


@pytest.mark.parametrize("name", sorted(BUILTIN_GRAMMARS))
def test_random_walks_lalr_and_earley_agree(name):
    grammar = load_builtin(name)
    rng = random.Random(name)
    parsers = [LALRParser(grammar), EarleyParser(grammar)]
    if grammar.indenter:
        parsers = [IndentingParser(p, grammar.indenter) for p in parsers]
    names = sorted(set(grammar.parser_terminals) - grammar.produced_terminals)
    for _ in range(15):
        states = [p.initial() for p in parsers]
        for _ in range(40):
            allowed = states[0].allowed_terminals()
            assert allowed == states[1].allowed_terminals()
            assert states[0].can_end() == states[1].can_end()
            assert allowed or states[0].can_end()
            t = rng.choice(sorted(allowed) if allowed and rng.random() < 0.9 else names)
            text = "\n" + " " * rng.choice([0, 4, 8]) if grammar.indenter and t == "_NEWLINE" else ""
            if grammar.indenter is None:                    # lookahead == advancing
                seq = tuple(rng.choice(range(len(grammar.parser_terminals))) for _ in range(2))
                for s in states:
                    after = s
                    for tid in seq:
                        after = after and after.advance_id(tid)
                    expected = after and (after.allowed_ids(), after.can_end())
                    assert s.lookahead(seq) == (expected or None)
            nxt = [s.advance(t, text) for s in states]
            assert (nxt[0] is None) == (nxt[1] is None)
            if t in allowed and grammar.indenter is None:
                assert nxt[0] is not None
            if nxt[0] is None:
                break
            states = nxt


def test_terminal_patterns_compile_and_match_lark_tokens():
    """Every builtin terminal compiles with our regex compiler; lark's lexemes match them."""
    streams = {name: [tok for text in SAMPLES.get(name, []) for tok in lark_tokens(name, text)]
               for name in BUILTIN_GRAMMARS}
    streams["python"] = lark_tokens("python", PY_SNIPPET)
    for name in BUILTIN_GRAMMARS:
        grammar = load_builtin(name)
        dfas = {t.name: regex_to_dfa(t.pattern, flags=t.flags) for t in grammar.terminals.values()}
        assert streams[name]
        for ty, text in streams[name]:
            assert dfas[ty].matches(text.encode()), (name, ty, text)
    rejected = [("json", "STRING", '"a"b"'), ("json", "STRING", '"\t"'), ("json", "NUMBER", "01"),
                ("python", "LONG_STRING", '"""a""""'), ("python", "STRING", "ur'x'"),
                ("go", "RUNE", "'ab'"), ("sql", "STRING", "'a'b'")]
    for name, ty, text in rejected:
        terminal = load_builtin(name).terminals[ty]
        assert not regex_to_dfa(terminal.pattern, flags=terminal.flags).matches(text.encode())


def json_files_on_machine(max_size: int = 4000) -> list[str]:
    """Small JSON files no one here wrote: the interpreter's (and a venv's base interpreter's)
    installed packages, plus the shared tokenizer configs."""
    roots = {*site.getsitepackages(), sys.prefix, sys.base_prefix, str(data_dir() / "tokenizers")}
    files = {f for root in roots for f in glob.glob(os.path.join(root, "**/*.json"), recursive=True)}
    return sorted(f for f in files if os.path.getsize(f) < max_size)


def test_json_files_from_site_packages():
    files = json_files_on_machine()
    rng = random.Random(0)
    rng.shuffle(files)
    parser = make_parser(load_builtin("json"))
    done = 0
    for path in files[:40]:
        text = open(path, encoding="utf-8").read()
        try:
            json.loads(text)
        except ValueError:
            continue
        stream = lark_tokens("json", text)
        state = parser.initial()
        for ty, _ in stream:
            state = state.advance(ty)
            assert state is not None, path
        assert state.can_end(), path
        for cut in ("RSQB", "RBRACE", "COLON", "COMMA"):       # corrupted: one token dropped
            idx = [i for i, (ty, _) in enumerate(stream) if ty == cut]
            if idx:
                assert not accepts(parser, stream[:idx[0]] + stream[idx[0] + 1:]), (path, cut)
        done += 1
    assert done >= 20


def accepts(parser, stream) -> bool:
    state = parser.initial()
    for ty, text in stream:
        state = state.advance(ty, text)
        if state is None:
            return False
    return state.can_end()


# ---------------------------------------------------------------------------------------
# Python: stdlib files through lark's lexer and our indenter


def stdlib_sample(n: int):
    libdir = os.path.dirname(os.__file__)
    files = sorted(f for f in glob.glob(os.path.join(libdir, "*.py")) if os.path.getsize(f) < 25000)
    random.Random(3).shuffle(files)
    return files[:n]


def test_python_stdlib_files():
    parser = make_parser(load_builtin("python"))
    assert isinstance(parser, IndentingParser) and parser.kind == "lalr"
    ref = _lark("python", True)
    accepted = 0
    for path in stdlib_sample(55):
        text = open(path, encoding="utf-8").read()
        try:
            ref.parse(text)
        except Exception:               # lark's grammar lacks some syntax (e.g. match)
            continue
        stream = lark_tokens("python", text)
        state = parser.initial()
        for i, (ty, tok) in enumerate(stream):
            assert ty in state.allowed_terminals(), (path, i, ty)
            assert "_INDENT" not in state.allowed_terminals()
            state = state.advance(ty, tok)
            assert state is not None, (path, i, ty)
        assert state.can_end(), path
        brackets = [i for i, (ty, _) in enumerate(stream) if ty in ("RPAR", "RSQB", "RBRACE")]
        if brackets:
            k = brackets[len(brackets) // 2]
            assert not accepts(parser, stream[:k] + stream[k + 1:]), path
            assert not accepts(parser, stream[:k] + [("RPAR", ")")] + stream[k:]), path
        accepted += 1
    assert accepted >= 40


PY_SNIPPET = ("import os\n\nclass A(B):\n    '''doc'''\n    def f(self, x=1, *a, **k):\n"
              "        if x: return [i for i in a if i]\n        elif (x and\n              k):\n"
              "            pass  # comment\n\n        else:\n            y = {1: 2}; z = x[1:2]\n"
              "        return lambda q: q ** -2 + 0x1F + 1.5e-3j + 0o7 + 0 + 00\n\n\n@dec\n"
              "async def g():\n    await h(rb'\\x', f\"{x}\", \"\"\"a\n\"b\"\"\")\n")


def test_python_lalr_and_earley_agree_on_a_snippet():
    _lark("python", True).parse(PY_SNIPPET)
    run_both(load_builtin("python"), lark_tokens("python", PY_SNIPPET))


# ---------------------------------------------------------------------------------------
# indenter


def py_state(*stream):
    state = make_parser(load_builtin("python")).initial()
    for ty, text in stream:
        state = state.advance(ty, text)
        if state is None:
            return None
    return state


IF_X = [("IF", "if"), ("NAME", "x"), ("COLON", ":")]
PASS = [("PASS", "pass")]


def test_indenter_blocks_and_dedents():
    body = py_state(*IF_X, ("_NEWLINE", "\n    "), *PASS)
    assert body.can_end()                                   # final newline + dedent added
    assert py_state(*IF_X, ("_NEWLINE", "\n"), *PASS) is None              # block needs an indent
    nested = py_state(*IF_X, ("_NEWLINE", "\n    "), *IF_X, ("_NEWLINE", "\n        "), *PASS)
    assert nested.advance("_NEWLINE", "\n    ").advance("PASS").can_end()
    bad = nested.advance("_NEWLINE", "\n  ")                # dedent to a width not on the stack
    assert bad is not None and bad.allowed_terminals() == frozenset() and bad.can_end()
    assert bad.advance("PASS") is None
    assert nested.advance("_NEWLINE", "\n").advance("NAME", "y") is not None
    assert nested.advance("_NEWLINE", "\n\t").advance("PASS") is not None    # a tab is 8 columns
    assert nested.advance("_NEWLINE", "\n  \t").advance("PASS") is None      # 10 columns: new indent


def test_indenter_trailing_lines_and_comments():
    one = py_state(("NAME", "x"))
    assert one.can_end()                                        # final _NEWLINE is implied
    trailing = one.advance("_NEWLINE", "\n    ")
    assert trailing.can_end() and trailing.allowed_terminals() == frozenset()
    comment = py_state(*IF_X, ("_NEWLINE", "\n    "), *PASS, ("_NEWLINE", "\n  # note"))
    assert comment.can_end() and comment.allowed_terminals() == frozenset()
    blank = py_state(*IF_X, ("_NEWLINE", "\n    # c\n\n    "), *PASS, ("_NEWLINE", "\n\n"))
    assert blank.advance("NAME", "y").can_end()


def test_indenter_parens_and_allowed():
    inside = py_state(("NAME", "f"), ("LPAR", "("), ("NAME", "a"), ("COMMA", ","))
    assert "_NEWLINE" in inside.allowed_terminals()
    assert inside.advance("_NEWLINE", "\n").key == inside.key     # ignored inside brackets
    assert not inside.can_end()
    closed = inside.advance("_NEWLINE", "\n   ").advance("NAME", "b").advance("RPAR", ")")
    assert closed.can_end() and "_NEWLINE" in closed.allowed_terminals()
    start = py_state()
    assert "_INDENT" not in start.allowed_terminals() and "_DEDENT" not in start.allowed_terminals()
    with pytest.raises(GrammarError):
        start.advance("_INDENT")
    header = py_state(*IF_X)
    assert header.allowed_terminals() >= {"_NEWLINE", "PASS", "NAME"}
    assert header.newline_prefix_viable("\n")
    assert header.newline_prefix_viable("\n  ", more_lines=False)
    assert not header.newline_prefix_viable("# c", more_lines=False)     # only the end could follow
    expr = py_state(("NAME", "x"), ("PLUS", "+"))
    assert "_NEWLINE" not in expr.allowed_terminals()
    assert not expr.newline_prefix_viable("\n")


def test_indenter_newline_allowed_only_if_some_indentation_works():
    # after `if x:\n    pass` a newline may dedent (back to 0) or stay; after a top-level
    # statement only width 0 or the end work, but the newline itself is allowed
    body = py_state(*IF_X, ("_NEWLINE", "\n    "), *PASS)
    assert body.newline_prefix_viable("\n    ", more_lines=False)
    assert body.newline_prefix_viable("\n", more_lines=False)
    top = py_state(("NAME", "x"))
    assert top.newline_prefix_viable("\n", more_lines=False)
    assert top.newline_prefix_viable("\n  ", more_lines=False)      # trailing blank line at EOF


# ---------------------------------------------------------------------------------------
# front end: errors and terminal translation


@pytest.mark.parametrize("text, start, line, column, match", [
    ("start: a\na: (\n", "start", 2, None, "Expecting a value"),
    ("start: /a\n", "start", 1, 8, "Unexpected input"),
    ("start: \"a\" ++\n", "start", 1, 13, "Misplaced operator"),
    ("start: \"\"\n", "start", 1, 8, "Empty terminals"),
    ("start: foo\n", "start", 1, 8, "foo"),
    ("start: a B\na: \"x\"\n", "start", 1, 10, "B"),
    ("start: \"x\"\nstart: \"y\"\n", "start", 2, 1, "more than once"),
    ("start: A\n%declare A\n", "start", 2, 10, "declared but has no pattern"),
    ("start: start \"a\"\n", "start", 1, 1, "generates no string"),
    ("start: X\nX: /(a)\\1/\n", "start", 2, 1, "backreference"),
    ("start: X\nX: /a(?=b)c/\n", "start", 2, 1, "lookahead"),
    ("start: \"a\"\n", "main", None, None, "start rule 'main' is not defined"),
    ("start: \"a\"\n%import nowhere.X\n", "start", 2, 9, "cannot load"),
])
def test_grammar_errors(text, start, line, column, match):
    with pytest.raises(GrammarError, match=match) as info:
        load_lark(text, start)
    assert info.value.line == line
    if column is not None:
        assert info.value.column == column


@pytest.mark.parametrize("text, line", [
    ("start: A\nA: /a*/\n", 2),
    ("start: A B\n\nA: \"a\"?\nB: \"b\"\n", 3),
])
def test_terminals_matching_the_empty_string_are_located(text, line):
    vocab = Vocabulary([b"a", b"b", b"<eos>"], [2])
    with pytest.raises(GrammarError, match="matches the empty string") as info:
        compile_lark(text, vocab)
    assert (info.value.line, info.value.column) == (line, 1)


def test_lark_features():
    grammar = load_lark(r'''
        start: _item+ pair{NAME, NUMBER}
        _item: kw | CNAME
        ?kw: "select"i
        pair{a, b}: a "=" b
        NAME.3: /[a-z]+/
        %import common.CNAME
        %import common.NUMBER
        %import common.ESCAPED_STRING
        %import common.WS
        %ignore WS
        %ignore ESCAPED_STRING
    ''')
    sel = grammar.terminals["SELECT"]
    assert (sel.literal, sel.flags, sel.pattern) == ("select", "i", "select")
    assert grammar.terminals["NAME"].priority == 3
    esc = grammar.terminals["ESCAPED_STRING"].pattern
    for s in ['"a\\"b"', '""', '"\\\\"']:
        assert re.fullmatch(esc, s)
    assert not re.fullmatch(esc, '"a" "b"')
    assert grammar.ignore == {"WS", "ESCAPED_STRING"}
    parser = make_parser(grammar)
    assert accepts(parser, [("SELECT", "select"), ("CNAME", "x"), ("NAME", "a"), ("EQUAL", "="),
                            ("NUMBER", "1")])


def test_reduction_and_regex_flags():
    grammar = load_lark('start: "a" | b | W | D\nb: b "x"\nc: "y"\nW: /[a-z]+/i\nD: /a.b/s\n')
    assert {str(r) for r in grammar.rules} == {"start -> A", "start -> W", "start -> D"}
    assert set(grammar.terminals) == {"A", "W", "D"}
    assert (grammar.terminals["W"].flags, grammar.terminals["D"].flags) == ("i", "s")


def test_indenter_declared_terminals():
    text = 'start: (_NL | "x" _NL _INDENT "y" _NL _DEDENT)+\n_NL: /\\n[ ]*/\n%declare _INDENT _DEDENT\n'
    spec = IndenterSpec("_NL", "_INDENT", "_DEDENT", frozenset(), frozenset(), 4)
    grammar = load_lark(text, indenter=spec)
    assert "_INDENT" not in grammar.terminals and "_INDENT" in grammar.parser_terminals
    with pytest.raises(GrammarError, match="declared but has no pattern"):
        load_lark(text)
    state = make_parser(grammar).initial().advance("X").advance("_NL", "\n  ").advance("Y")
    assert state.can_end()


PY_PATTERNS = [
    (r"[^\W\d]\w*", 0), (r"(?i:ab)c", 0), (r"abc", re.I), (r"a.b", 0), (r"a.b", re.S),
    (r"0(?:_?0)*(?![1-9])", 0), (r"a*+b", 0), (r"\d+(\.\d*)?", 0), (r"\d+", re.A),
    (r"(?x) a b  # comment", 0), (r"[^a-c\s]+", 0), (r"(?i)[a-z]+", 0), (r"x{2,3}|y?z*", 0),
    (r"(?i)k(?-i:k)", 0),
]
ALPHABET = "aAbBcCkK\u212a0123_ .\n\u00e9\u0661xyz"


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(PY_PATTERNS), st.text(alphabet=ALPHABET, max_size=6))
def test_translated_regex_has_the_same_language(case, s):
    pattern, flags = case
    ecma, eflags = translate_regex(pattern, flags)
    pyflags = (re.I if "i" in eflags else 0) | (re.S if "s" in eflags else 0)
    assert bool(re.fullmatch(ecma, s, pyflags)) == bool(re.fullmatch(pattern, s, flags))


LAZY_PATTERNS = [r'".*?(?<!\\)(\\\\)*?"', r"/\*(.|\n)*?\*/", r"<!--.*?-->", r"x[ab]{2,}?ab", r"'''.*?'''"]


@pytest.mark.parametrize("pattern", LAZY_PATTERNS)
def test_lazy_delimited_terminals_stop_at_the_first_delimiter(pattern):
    ecma, eflags = translate_regex(pattern)
    alphabet = sorted(set(re.sub(r"[\\()|?*{}\[\]<!,]|\d", "", pattern)) | {"\\", "\n", "a"})
    for n in range(7):
        for chars in itertools.product(alphabet, repeat=n):
            s = "".join(chars)
            m = re.match(pattern, s)
            assert bool(re.fullmatch(ecma, s, re.S if "s" in eflags else 0)) == bool(m and m.end() == n), s


def test_ebnf_expander_rules_and_bad_bodies():
    from constrain.errors import GrammarError
    from constrain.grammars.ebnf import expand_rules
    rules = expand_rules({"start": "A (B C)* D? | ", "unused": "A"}, "start")
    bodies = {(r.lhs, r.rhs) for r in rules}
    assert ("start", ("A",)) in bodies and ("start", ("A", "D")) in bodies and ("start", ()) in bodies
    assert ("start", ("A", "start__rep0")) in bodies and ("start__rep0", ("start__rep0", "B", "C")) in bodies
    assert all(r.lhs != "unused" for r in rules)                  # reduced like load_lark's rules
    for body in ("A (B", "A )", "A | ?", "A $"):
        with pytest.raises(GrammarError):
            expand_rules({"start": body}, "start")


def test_a_terminal_too_large_on_its_own_is_named_and_located():
    from constrain import Vocabulary
    from constrain.grammars.cfg_matcher import compile_lark

    vocab = Vocabulary([b"a", b"b"], eos_token_ids=[2], size=3)
    with pytest.raises(GrammarError, match="terminal X") as info:
        compile_lark('start: "a" X\nX: /(a|b)*a(a|b){20}/\n', vocab)
    assert info.value.line == 2


@st.composite
def grammars_with_unit_rules(draw):
    return _draw_grammar(draw, ["start", "p", "q", "r", "s"], ['"a"', '"b"'], min_alternatives=1, unit_rules=True)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grammars_with_unit_rules())
@example("start:  | q\np: start\nq: start | p\nr: \ns: start")    # inlining p leaves q -> start alone
def test_inline_unit_rules_keeps_the_language(text):
    from constrain.grammars.cfg import inline_unit_rules
    try:
        grammar = load_lark(text)
    except GrammarError:
        return
    rules = inline_unit_rules(grammar.rules, grammar.start)
    inlined = Grammar(grammar.terminals, rules, grammar.start)
    counts = {}
    for r in rules:
        counts[r.lhs] = counts.get(r.lhs, 0) + 1
    assert not any(len(r.rhs) == 1 and counts[r.lhs] == 1 and r.lhs != grammar.start for r in rules)
    before, after = Reference(grammar), Reference(inlined)
    terms = grammar.parser_terminals
    for n in range(5):
        for w in itertools.product(terms, repeat=n):
            assert before.sentence(w) == after.sentence(w), w
