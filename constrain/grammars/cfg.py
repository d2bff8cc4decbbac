"""The grammar IR: a context-free grammar over named terminals, as Lark means it once lark
has flattened the EBNF (see `lark_frontend.load_lark`).

Invariants (checked by `Grammar.__post_init__`, relied on by the parsers):
- a symbol is a nonterminal iff it is the lhs of some rule; every other rhs symbol is a
  terminal, and is either a key of `terminals` or the indent/dedent terminal of `indenter`
  (those are produced by the indenter from newline text and are never lexed);
- the grammar is *reduced*: `start` has rules, every nonterminal is reachable from `start`
  and derives at least one terminal string. Hence every viable prefix of a parse extends to
  a complete sentence, which is what makes the parsers' `allowed_terminals` exact;
- rules are unique; `ignore` names terminals of `terminals` (the lexer skips them between
  any two terminals; parsers never see them);
- a terminal's language is the set of strings its `pattern` matches *as a whole*.
"""
from __future__ import annotations

from dataclasses import InitVar, dataclass
from functools import cached_property
from itertools import chain
from typing import NamedTuple

from constrain._core import reduce_bnf
from constrain.errors import GrammarError


@dataclass(frozen=True)
class Terminal:
    """A lexical terminal.

    `pattern` is an ECMA-262 regex (full-match semantics, literals escaped) and `flags` a
    subset of "is" (case-insensitive, dot-all). `literal` is the string of a terminal
    written as a string literal (matched case-insensitively when "i" is in `flags`), else
    None. When several terminals match the same longest text, the higher `priority` wins,
    then a literal over a regex (Lark's rule).
    """

    name: str
    pattern: str
    flags: str = ""
    priority: int = 0
    literal: str | None = None


class Rule(NamedTuple):
    """A BNF rule (a named tuple: compiling hashes and compares many of them)."""

    lhs: str
    rhs: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.lhs} -> {' '.join(self.rhs) or '<empty>'}"


class BNFRules(tuple):
    """Rules as csrc/bnf.cc returns them (a tuple of `Rule`), with what it found of them on the
    way: `terminals`, the symbols they use and do not define (`rule_terminals`), and
    `nonterminals`, the symbols they define (`rule_nonterminals`), both sorted. Any other
    tuple of rules has these computed."""

    terminals: tuple[str, ...]
    nonterminals: tuple[str, ...]


@dataclass(frozen=True)
class IndenterSpec:
    """Python-style indentation (Lark's Indenter): `newline` is a lexed terminal whose text
    ends with the next line's indentation; `indent`/`dedent` are declared terminals the
    indenter emits after it; newlines inside `open_parens`/`close_parens` are ignored."""

    newline: str
    indent: str
    dedent: str
    open_parens: frozenset[str]
    close_parens: frozenset[str]
    tab_len: int = 8


PYTHON_INDENTER = IndenterSpec(
    newline="_NEWLINE", indent="_INDENT", dedent="_DEDENT",
    open_parens=frozenset({"LPAR", "LSQB", "LBRACE"}),
    close_parens=frozenset({"RPAR", "RSQB", "RBRACE"}), tab_len=8,
)


@dataclass(frozen=True)
class Grammar:
    """`reduced=True` says that `rules` come from `reduce_rules(rules, start)` (or from a
    rewrite that keeps its output reduced and distinct, such as `inline_unit_rules`): the
    reduction and duplicate checks, which would compute that again, are then skipped; the
    other checks run."""

    terminals: dict[str, Terminal]
    rules: tuple[Rule, ...]
    start: str
    ignore: frozenset[str] = frozenset()
    indenter: IndenterSpec | None = None
    reduced: InitVar[bool] = False

    def __post_init__(self, reduced: bool):
        unknown = set(self.parser_terminals) - self.terminals.keys() - self.produced_terminals
        if unknown:
            rule = next(r for r in self.rules if unknown.intersection(r.rhs))
            sym = next(sym for sym in rule.rhs if sym in unknown)
            raise GrammarError(f"symbol {sym!r} in rule {rule} is neither a rule nor a terminal")
        if not reduced:
            if len(set(self.rules)) != len(self.rules):
                raise GrammarError("duplicate rules")
            if reduce_rules(self.rules, self.start) != self.rules:
                raise GrammarError(f"grammar is not reduced (useless rules, or start {self.start!r} undefined)")
        for name in self.ignore:
            if name not in self.terminals:
                raise GrammarError(f"ignored terminal {name!r} is not defined")
        if self.indenter is not None and self.indenter.newline not in self.terminals:
            raise GrammarError(f"indenter newline terminal {self.indenter.newline!r} is not defined")

    @property
    def produced_terminals(self) -> frozenset[str]:
        """Terminals emitted by the indenter rather than lexed."""
        ind = self.indenter
        return frozenset() if ind is None else frozenset({ind.indent, ind.dedent})

    @cached_property
    def nonterminals(self) -> frozenset[str]:
        return frozenset(rule_nonterminals(self.rules))

    @cached_property
    def parser_terminals(self) -> tuple[str, ...]:
        """The terminals the parsers see, sorted; a terminal's id is its index here."""
        return rule_terminals(self.rules)


def rule_terminals(rules) -> tuple[str, ...]:
    """The terminals `rules` use (the symbols no rule defines), sorted: the parser terminals
    of a Grammar of these rules, computed before there is one (found by csrc/bnf.cc when it
    made them)."""
    if isinstance(rules, BNFRules):
        return rules.terminals
    return tuple(sorted(set(chain.from_iterable(r.rhs for r in rules)) - {r.lhs for r in rules}))


def rule_nonterminals(rules) -> tuple[str, ...]:
    """The symbols `rules` define, sorted (found by csrc/bnf.cc when it made them)."""
    if isinstance(rules, BNFRules):
        return rules.nonterminals
    return tuple(sorted({r.lhs for r in rules}))


def symbol_ids(rules) -> tuple[dict[str, int], dict[str, int]]:
    """(terminal ids, nonterminal ids) of `rules`: each symbol's index in `rule_terminals`
    and `rule_nonterminals`, the encoding the LALR builder and the Earley parser read."""
    terminals, nonterminals = rule_terminals(rules), rule_nonterminals(rules)
    return dict(zip(terminals, range(len(terminals)))), dict(zip(nonterminals, range(len(nonterminals))))


def reduce_rules(rules: tuple[Rule, ...], start: str) -> BNFRules:
    """Drop rules using unproductive symbols, then rules unreachable from `start` (order kept).

    Terminals count as productive. Raises GrammarError when the language is empty. (In C++:
    csrc/bnf.cc.)"""
    return bnf_rules(reduce_bnf(rules, start, False, Rule), start)


def inline_unit_rules(rules: tuple[Rule, ...], start: str) -> BNFRules:
    """Reduced `rules` without the nonterminals (other than `start`) whose one rule is
    `A -> X`, X one symbol: every use of A reads X instead (the language is the same; the
    parsers then make fewer reductions), and without rules `A -> A`. Repeated until none is
    left, since inlining can leave a nonterminal with one such rule (`A -> B | C` with `C -> B`).
    In reduced rules no chain of them is a cycle (its nonterminals would derive nothing), so
    following the chains ends; each round removes a nonterminal, so the rounds end. (In C++,
    after a reduction: csrc/bnf.cc.)"""
    return bnf_rules(reduce_bnf(rules, start, True, Rule), start)


# csrc/bnf.h's BNFError codes: those of a body, then those of the whole grammar
_BODY_ERRORS = {1: "unexpected text in {body!r}", 2: "unbalanced {body!r}", 3: "missing ')'",
                4: "unexpected {token!r}"}
_NO_START, _EMPTY_LANGUAGE = 5, 6


def bnf_rules(result: tuple, start: str, bodies: list[tuple[str, str]] = ()) -> BNFRules:
    """The rules of a csrc/bnf.cc result (rules, error, body index, token, terminals,
    nonterminals), or its error as a GrammarError (`bodies`: the (name, text) pairs the
    result's body index refers to)."""
    rules, error, at, token, terminals, nonterminals = result
    if rules is not None:
        out = BNFRules(rules)
        out.terminals, out.nonterminals = terminals, nonterminals
        return out
    if error == _NO_START:
        raise GrammarError(f"start rule {start!r} is not defined")
    if error == _EMPTY_LANGUAGE:
        raise GrammarError(f"the grammar generates no string (rule {start!r} never terminates)")
    lhs, body = bodies[at]
    raise GrammarError(f"rule {lhs!r}: {_BODY_ERRORS[error].format(body=body, token=token)}")


def lookup_terminal(ids: dict[str, int], name: str) -> int:
    """The id of terminal `name` in a parser's terminal table; GrammarError when unknown."""
    try:
        return ids[name]
    except KeyError:
        raise GrammarError(f"unknown terminal {name!r}; the parser's terminals are {', '.join(ids)}") from None
