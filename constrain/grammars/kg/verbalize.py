"""PathFormat: how a KG path is written as text inside the delimiters.

A format is a string with exactly the fields `{e0}`, `{r1}`, `{e1}` in this order:
`A{e0}B{r1}C{e1}D`. A path of L hops is written `A e0 (B r_i C e_i for i = 1..L) D`, i.e. the
hop part `B{r1}C{e1}` repeats once per hop. The default "{e0} -> {r1} -> {e1}" writes the
2-hop path (a, r, b), (b, s, c) as "a -> r -> b -> s -> c", as in GCR. Literal braces are
written `{{` and `}}`.
"""
from __future__ import annotations

import string

from constrain.errors import KnowledgeGraphError

_FIELDS = ("e0", "r1", "e1")


class PathFormat:
    def __init__(self, fmt: str):
        if not isinstance(fmt, str):
            raise KnowledgeGraphError(f"format must be a str, got {type(fmt).__name__}")
        try:
            parsed = list(string.Formatter().parse(fmt))
        except ValueError as e:
            raise KnowledgeGraphError(f"bad path format {fmt!r}: {e}") from None
        fields = [(name, spec, conv) for _, name, spec, conv in parsed if name is not None]
        if [f[0] for f in fields] != list(_FIELDS) or any(spec or conv for _, spec, conv in fields):
            raise KnowledgeGraphError(
                f"path format {fmt!r} must contain exactly {{e0}}, {{r1}}, {{e1}} in this order "
                "(no format specs); the part from {r1}'s prefix to {e1} repeats once per hop")
        literals = [lit for lit, _, _, _ in parsed]
        # A{e0}B{r1}C{e1}D -> literal pieces A, B, C and D (D is the trailing literal, if any)
        self.prefix, self.before_relation, self.before_entity = literals[0], literals[1], literals[2]
        self.suffix = literals[3] if len(literals) > 3 else ""
        self.text = fmt

    def write(self, entities: list[str], relations: list[str]) -> str:
        """The text of the path e0 -r1-> e1 -r2-> e2 ... (len(entities) == len(relations) + 1)."""
        parts = [self.prefix, entities[0]]
        for r, e in zip(relations, entities[1:]):
            parts += (self.before_relation, r, self.before_entity, e)
        parts.append(self.suffix)
        return "".join(parts)

    def __repr__(self) -> str:
        return f"PathFormat({self.text!r})"
