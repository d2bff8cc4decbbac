"""make_parser: the incremental parser for a Grammar — LALR(1) when the grammar has no
LALR conflict, Earley otherwise — wrapped in the indenter when the grammar has one.

The contract every parser state follows (`ParserState`):
- immutable and cheap to keep; `advance` returns a new state or None, never raising for a
  terminal that cannot come next (only for a name the grammar does not know);
- `allowed_terminals()` is exact: t is in it iff some complete sentence continues the
  current prefix with t; `%ignore` terminals are never in it (the lexer skips them);
- `can_end()` iff the prefix is a complete sentence;
- LALR and Earley states (not the indenter's) also offer `lookahead(ids)` = (allowed ids,
  can_end) after the terminal ids `ids`, memoized without building states; None when the
  ids cannot come next;
- `key` is hashable, and equal keys mean the states behave identically (cache on it).
Terminal ids are indexes in `parser.terminals` (= `grammar.parser_terminals`).
"""
from __future__ import annotations

from typing import Callable, Hashable, Protocol

from constrain.grammars.cfg import Grammar, Rule
from constrain.grammars.earley import EarleyParser
from constrain.grammars.indenter import IndentingParser
from constrain.grammars.lalr import LALRParser, LALRTables, PendingLALR


class ParserState(Protocol):
    def advance(self, terminal: str, text: str = "") -> ParserState | None: ...

    def advance_id(self, tid: int) -> ParserState | None: ...

    def allowed_terminals(self) -> frozenset[str]: ...

    def allowed_ids(self) -> frozenset[int]: ...

    def can_end(self) -> bool: ...

    @property
    def key(self) -> Hashable: ...


class Parser(Protocol):
    kind: str                    # "lalr" or "earley"
    grammar: Grammar
    terminals: tuple[str, ...]

    def terminal_id(self, name: str) -> int: ...

    def initial(self) -> ParserState: ...


def make_parser(grammar: Grammar) -> Parser:
    return start_parser(grammar.rules, grammar.start)(grammar)


def start_parser(rules: tuple[Rule, ...], start: str) -> Callable[[Grammar], Parser]:
    """`make_parser` in two steps: the LALR tables of `rules` start building (on a thread of
    their own for a large grammar, lalr.PendingLALR), and the function returned waits for
    them and gives the parser of the grammar whose rules and start these are."""
    pending = PendingLALR(rules, start)
    return lambda grammar: _parser(grammar, pending.tables())


def _parser(grammar: Grammar, tables: LALRTables) -> Parser:
    parser = EarleyParser(grammar) if tables.conflicts else LALRParser(grammar, tables)
    if grammar.indenter is not None:
        return IndentingParser(parser, grammar.indenter)
    return parser
