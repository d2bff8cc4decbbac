"""A small EBNF expander for grammars built in code (the JSON Schema emitter), so that
they reach the IR without a round trip through Lark's grammar loader.

`expand_rules({name: body}, start)` reads bodies in the subset of Lark syntax the emitter
writes: symbols (`[A-Za-z_][A-Za-z0-9_]*`) separated by ASCII whitespace, `|` between
alternatives (an empty one allowed), parentheses, and `?` `*` `+` after a symbol or a group.
It returns BNF `Rule`s, reduced like `load_lark`'s, and with `inline_units` without unit
rules (`cfg.inline_unit_rules`). The work is done in C++ (csrc/bnf.cc).

Invariants: the language is the one Lark gives the same text (`x?` is two alternatives,
`x*` / `x+` a left-recursive helper rule `lhs__repN`, N counting the helpers of all bodies);
rules are unique and come in the order of their first appearance, a body's helper rules
before its own alternatives.
"""
from __future__ import annotations

from constrain._core import expand_ebnf
from constrain.grammars.cfg import BNFRules, Rule, bnf_rules


def expand_rules(bodies: dict[str, str], start: str, *, inline_units: bool = False) -> BNFRules:
    return bnf_rules(expand_ebnf(bodies, start, inline_units, Rule), start, list(bodies.items()))
