"""A small EBNF expander for grammars built in code (the JSON Schema emitter), so that
they reach the IR without a round trip through Lark's grammar loader.

`expand_rules({name: body}, start)` reads bodies in the subset of Lark syntax the emitter
writes: symbols separated by spaces, `|` between alternatives (an empty one allowed),
parentheses, and `?` `*` `+` after a symbol or a group. It returns BNF `Rule`s, reduced like
`load_lark`'s. Invariant: the language is the one Lark gives the same text (`x?` is two
alternatives, `x*` / `x+` a left-recursive helper rule `name__repN`).
"""
from __future__ import annotations

import re

from constrain.errors import GrammarError
from constrain.grammars.cfg import Rule, reduce_rules

_TOKEN = re.compile(r"\s*([()|?*+]|[A-Za-z_][A-Za-z0-9_]*)")
# a body without groups or repetition: alternatives of plain symbol sequences (most bodies)
_FLAT_BODY = re.compile(r"[\s|]*(?:[A-Za-z_][A-Za-z0-9_]*(?:[\s|]+|\Z))*")


def expand_rules(bodies: dict[str, str], start: str) -> tuple[Rule, ...]:
    expander = _Expander()
    for lhs, body in bodies.items():
        for alt in expander.parse(lhs, body):
            expander.rules.append(Rule(lhs, alt))
    return reduce_rules(tuple(dict.fromkeys(expander.rules)), start)


class _Expander:
    def __init__(self):
        self.rules: list[Rule] = []
        self.helpers = 0

    def parse(self, lhs: str, body: str) -> list[tuple[str, ...]]:
        if _FLAT_BODY.fullmatch(body):
            return list(dict.fromkeys(tuple(alt.split()) for alt in body.split("|")))
        tokens = [m.group(1) for m in _TOKEN.finditer(body)]
        if "".join(tokens) != re.sub(r"\s+", "", body):
            raise GrammarError(f"rule {lhs!r}: unexpected text in {body!r}")
        self.lhs, self.tokens, self.pos = lhs, tokens, 0
        alts = self.alternatives()
        if self.pos != len(tokens):
            raise GrammarError(f"rule {lhs!r}: unbalanced {body!r}")
        return alts

    def alternatives(self) -> list[tuple[str, ...]]:
        alts = self.sequence()
        while self.pos < len(self.tokens) and self.tokens[self.pos] == "|":
            self.pos += 1
            alts += self.sequence()
        return list(dict.fromkeys(alts))

    def sequence(self) -> list[tuple[str, ...]]:
        seqs: list[tuple[str, ...]] = [()]
        while self.pos < len(self.tokens) and self.tokens[self.pos] not in ("|", ")"):
            item = self.item()
            seqs = [s + i for s in seqs for i in item]
        return seqs

    def item(self) -> list[tuple[str, ...]]:
        tok = self.tokens[self.pos]
        self.pos += 1
        if tok == "(":
            inner = self.alternatives()
            if self.pos >= len(self.tokens) or self.tokens[self.pos] != ")":
                raise GrammarError(f"rule {self.lhs!r}: missing ')'")
            self.pos += 1
        elif tok in ("?", "*", "+", ")", "|"):
            raise GrammarError(f"rule {self.lhs!r}: unexpected {tok!r}")
        else:
            inner = [(tok,)]
        op = self.tokens[self.pos] if self.pos < len(self.tokens) else None
        if op == "?":
            self.pos += 1
            return [()] + inner
        if op in ("*", "+"):
            self.pos += 1
            helper = f"{self.lhs}__rep{self.helpers}"
            self.helpers += 1
            for seq in inner:
                self.rules += [Rule(helper, seq), Rule(helper, (helper,) + seq)]
            return [(helper,)] + ([()] if op == "*" else [])
        return inner
