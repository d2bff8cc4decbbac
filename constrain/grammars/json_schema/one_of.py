"""anyOf/oneOf: the branches merged with their siblings (`alternatives`), and an exact
`oneOf` when the branches are not pairwise disjoint as written.

A value is valid when exactly one branch accepts it. Two ways to see that without negating
every branch against every other:
- one JSON type at a time: keywords of other types do not constrain a value (`required`
  says nothing of a string), so the branches restricted to one type may be disjoint, or
  two of them may accept every value of the type (then no value of the type is valid,
  since each matches both);
- a discriminator member: a property whose value schemas are pairwise disjoint across the
  branches separates the objects that have it (at most one branch matches each); the
  objects without it are the oneOf of the branches with the member forbidden, in turn.
What is left goes to `exclusive` (branch ∧ ¬every other, negation.py), which raises
CannotNegate or NotMergeable where it cannot negate a branch.

Invariant: the union of the returned nodes is exactly the values accepted by one branch
only, and the nodes are pairwise disjoint.
"""
from __future__ import annotations

from constrain.errors import UnsupportedSchemaError
from constrain.grammars.json_schema.disjoint import member_schema, pairwise_disjoint
from constrain.grammars.json_schema.negation import ONLY_TYPES, CannotNegate, value_types
from constrain.grammars.json_schema.unevaluated import closed_part
from constrain.grammars.json_schema.normalize import (
    BRANCH_GROUPS,
    BRANCH_PLACES,
    KEYWORD_TYPE,
    NotMergeable,
    asserting,
    json_equal,
    merge,
    pointer_join,
    with_places,
)

TYPE_CLASSES = ("null", "boolean", "object", "array", "number", "string")   # number: with integer
MAX_DISCRIMINATOR_DEPTH = 3
MAX_ALTERNATIVES = 256         # branches of one anyOf/oneOf after combining with siblings and other groups


def own_position(keys: list) -> int:
    """Where a node's own object keywords count as written among its `$ref`/`allOf`/anyOf/
    oneOf keywords (`keys`, in document order): at its `properties` or `additionalProperties`,
    whichever comes first, else after them all (llguidance's order)."""
    return min((keys.index(kw) for kw in ("properties", "additionalProperties") if kw in keys), default=len(keys))


def _placed(merged, base, branch, before: list[str], keep_shared: bool = False):
    """`merged` (base and a branch) with its property names in the order first named: base's
    names in `before` (those written before the keyword), then the branch's (with
    `keep_shared`, only those base does not name), then base's others; an anyOf/oneOf inside
    the branch gets that order's BRANCH_PLACES."""
    if not isinstance(merged, dict):
        return merged
    props = merged.get("properties", {})
    own = base.get("properties", {}) if isinstance(base, dict) else {}
    theirs = branch.get("properties", {}) if isinstance(branch, dict) else {}
    first = [k for k in props if k in own and k in before]
    order = dict.fromkeys(first + [k for k in theirs if k in props and not (keep_shared and k in own)] + list(props))
    recorded = branch.get(BRANCH_PLACES, {}) if isinstance(branch, dict) else {}
    places = {kw: first + [n for n in names if n not in first] for kw, names in recorded.items() if kw in merged}
    return with_places(dict(merged, properties={k: props[k] for k in order}) if props else merged, places)


def restricted(node, kind: str):
    """`node` for values of one type class only, without the keywords of other types
    (False when it accepts no value of that class)."""
    if node is False:
        return False
    node = merge({"type": [kind, "integer"] if kind == "number" else [kind]}, {} if node is True else node)
    if node is False or not value_types(node):
        return False
    return {k: v for k, v in node.items() if KEYWORD_TYPE.get(k, kind) == kind}


def accepts_all(node: dict, kind: str) -> bool:
    """Whether `node` (restricted to `kind`) accepts every value of the type class."""
    types = value_types(node)
    whole = {"number", "integer"} <= types if kind == "number" else kind in types
    return whole and not (asserting(node) - {"type", ONLY_TYPES})


class OneOf:
    """Mixin of the Emitter: needs `exclusive`, `flatten`, `plain`, `rule`, `skip` and
    `unevaluated_refused`."""

    def alternatives(self, node: dict, pointer: str) -> str | None:
        """Each anyOf/oneOf branch merged with its siblings; the branch's property names
        come right after the names written before its keyword (the node's BRANCH_PLACES, else
        all of `properties` or none, by `own_position`), unless named there already."""
        base = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf", BRANCH_GROUPS, BRANCH_PLACES)}
        branches, keys, places = [base], list(node), node.get(BRANCH_PLACES, {})
        groups = [(kw, node[kw], kw) for kw in ("anyOf", "oneOf") if kw in node]
        groups += [(kw, group, BRANCH_GROUPS) for kw, group in node.get(BRANCH_GROUPS, [])]
        for kw, group, written_as in groups:
            before = places.get(written_as)
            # no places: a node made here (a negation, merged groups), its key order not the
            # text's; the branch's new names go first or last by it, shared ones stay put
            keep_shared = before is None
            if keep_shared:
                before = [] if keys.index(written_as) < own_position(keys) else list(node.get("properties", {}))
            flat = [self.flatten(b, pointer_join(pointer, kw, i), 0) for i, b in enumerate(group)]
            merged = []
            for b in branches:
                combined, written = [], []
                for f in flat:
                    try:
                        combined.append(_placed(merge(b, closed_part(f)), b, f, before, keep_shared))
                        written.append(f)
                    except NotMergeable as e:
                        self.skip(e.args[0], pointer, f"cannot intersect {kw} branch with its siblings")
                if kw == "oneOf" and not pairwise_disjoint(combined, lambda n: self.flatten(n, pointer, 0)):
                    # negating the other branches writes items that no annotation evaluates
                    combined = [self.unevaluated_refused(c, pointer, "next to a oneOf whose branches overlap",
                                                         ("unevaluatedItems",))
                                if isinstance(c, dict) and "unevaluatedItems" in c else c for c in combined]
                    try:
                        combined = self.one_of(combined, written)
                    except (CannotNegate, NotMergeable):
                        self.skip("oneOf", pointer, "branches not provably disjoint")
                merged += combined
            if len(merged) > MAX_ALTERNATIVES:
                raise UnsupportedSchemaError(kw, pointer, "too many combined branches")
            branches = merged
        return self.rule([r for r in (self.plain(b, pointer) for b in branches) if r is not None])

    def one_of(self, combined: list, raw: list | None = None) -> list:
        """Disjoint nodes whose union is the values exactly one of `combined` accepts.
        `raw[i]`: branch i as written (combined[i] is it merged with what the values already
        meet), which is what the other branches are negated against."""
        out = []
        for kind in TYPE_CLASSES:
            pairs = [(r, w) for r, w in ((restricted(c, kind), w) for c, w in zip(combined, raw or combined))
                     if r is not False]
            out += self._one_of_kind(pairs, kind, 0)
        return out

    def _one_of_kind(self, pairs: list, kind: str, depth: int) -> list:
        """`pairs`: (branch restricted to the type class, branch as written)."""
        branches = [b for b, _ in pairs]
        if len(branches) <= 1 or self._disjoint(branches):
            return branches
        if sum(accepts_all(b, kind) for b in branches) >= 2:
            return []
        if _has_twins(branches):
            # a value of one twin matches the other too: only the rest can be matched once
            rest = [b for b in branches if sum(json_equal(b, o) for o in branches) == 1]
            twins = _unique([b for b in branches if sum(json_equal(b, o) for o in branches) > 1])
            if self._disjoint(rest + twins):
                return rest
        if kind == "object" and depth < MAX_DISCRIMINATOR_DEPTH:
            name = self._discriminator(branches)
            if name is not None:
                present = [merge(b, {"required": [name]}) for b in branches]
                absent = [(merge(b, {"properties": {name: False}}), w) for b, w in pairs
                          if name not in b.get("required", [])]
                return [b for b in present if b is not False] + self._one_of_kind(
                    [(b, w) for b, w in absent if b is not False], kind, depth + 1)
        return self.exclusive(pairs)

    def _disjoint(self, branches: list) -> bool:
        return pairwise_disjoint(branches, lambda n: self.flatten(n, "#", 0))

    def _discriminator(self, branches: list) -> str | None:
        """A property every branch constrains, its value schemas pairwise disjoint."""
        names = [k for k in branches[0].get("properties", {})
                 if all(k in b.get("properties", {}) for b in branches)]
        for name in names:
            schemas = [self.flatten(member_schema(b, name), "#", 0) for b in branches]
            if all(isinstance(s, dict) and s for s in schemas) and self._disjoint(schemas):
                return name
        return None


def _has_twins(branches: list) -> bool:
    return any(json_equal(a, b) for i, a in enumerate(branches) for b in branches[i + 1:])


def _unique(nodes: list) -> list:
    out = []
    for n in nodes:
        if not any(json_equal(n, o) for o in out):
            out.append(n)
    return out
