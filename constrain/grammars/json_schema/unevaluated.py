"""unevaluatedProperties and unevaluatedItems (Draft 2019-09 and later), read where the
members and items a schema evaluates are known.

A schema's unevaluatedProperties applies to the members that neither its own properties,
patternProperties and additionalProperties evaluate nor those of the subschemas it applies
in place whose annotations count: a `$ref` target, allOf, the anyOf/oneOf branches that
pass, the dependentSchemas whose trigger is present, `if` when it passes with then, else
when it fails. `not` keeps none. unevaluatedItems likewise, with prefixItems, items and
contains.

The emitter merges what a node applies in place into one schema per alternative (flatten:
`$ref` and allOf; `alternatives`: one anyOf/oneOf branch, if/then/else being two anyOf
branches; `dependency_variants`: the triggers present). So:
- two schemas applied to one value by different keywords meet as an allOf (normalize.py's
  `merge_applied`), whose parts flatten reads one at a time;
- a *part* about to be merged into other schemas (`closed_part`) evaluates what its own
  keywords name when it has no branches of its own: its unevaluatedProperties then reads as
  its additionalProperties (unevaluatedItems as its items), which `merge` applies to the
  members and items its siblings add. A part with branches of its own is NotMergeable;
- the node's own keywords read the same way once all its parts are merged (`evaluated_here`,
  when its members and items are written; with dependentSchemas, per dependency variant: the
  names the dependencies mention meet it unless a present dependent schema evaluates them,
  `held_unevaluated`). Next to `not`, and in a oneOf branch the other
  branches are negated against, the members the negation names (an `if` that fails, say)
  meet unevaluatedProperties as well (`negated_members_unevaluated`). The emitter refuses
  unevaluatedItems there (negation writes items that no annotation evaluates) and next to
  `contains`.

Invariant: the rules never accept an instance the schema rejects. With anyOf, an instance
that several branches accept is read through one branch, so the members only another branch
evaluates count as unevaluated: such instances may be rejected (a smaller language, never a
larger one).
"""
from __future__ import annotations

from constrain.errors import ConstrainError
from constrain.grammars.json_schema.normalize import BRANCH_GROUPS, NotMergeable, has_unevaluated, merge_applied
from constrain.grammars.json_schema.strings import pattern_dfa

# each keyword, and the keyword that reads the same where nothing else evaluates
UNEVALUATED = {"unevaluatedProperties": "additionalProperties", "unevaluatedItems": "items"}
# keywords under which a part evaluates more in some cases than in others
_BRANCHING = ("anyOf", "oneOf", BRANCH_GROUPS, "dependentSchemas")


def evaluated_here(node: dict, keywords=tuple(UNEVALUATED)) -> dict:
    """`node` with its unevaluatedProperties/unevaluatedItems (among `keywords`) read as
    additionalProperties/items (dropped where those are given: everything is evaluated
    then). For a node whose parts are merged and that has no branches, `not`, negated oneOf
    or dependencies left, and no `contains` next to unevaluatedItems."""
    if not has_unevaluated(node):
        return node
    out = dict(node)
    for keyword in keywords:
        plain = UNEVALUATED[keyword]
        if keyword in out:
            value = out.pop(keyword)
            if plain not in out:
                out[plain] = value
    return out


def closed_part(node):
    """A part (already flattened) as it constrains the schema it is merged into: its own
    unevaluated keywords read against its own members and items (`evaluated_here`).
    NotMergeable when it has branches, or `contains` next to unevaluatedItems."""
    if not has_unevaluated(node):
        return node
    for keyword in _BRANCHING:
        if keyword in node:
            raise NotMergeable(next(k for k in UNEVALUATED if k in node))
    if "unevaluatedItems" in node and "contains" in node:
        raise NotMergeable("unevaluatedItems")
    return evaluated_here(node)


def negated_members_unevaluated(variant, node: dict):
    """A piece of `node` ∧ ¬(something) (negation.py: `not`, the other oneOf branches) with
    the members the negation names that `node` does not (`not` evaluates nothing) held to
    node's unevaluatedProperties: the negation writes their schemas into `properties`, where
    `evaluated_here` would count them evaluated."""
    if "additionalProperties" in node or not isinstance(variant, dict):
        return variant
    named = node.get("properties", {})
    return held_unevaluated(variant, [k for k in variant.get("properties", {}) if k not in named],
                            node.get("unevaluatedProperties"))

def evaluated_names(part, names) -> set:
    """The members among `names` that `part` (a schema without branches, its own unevaluated
    keywords closed) evaluates: those its properties name or its patternProperties match, all
    of them with additionalProperties; with a pattern that has no automaton, those it names."""
    if not isinstance(part, dict):
        return set()
    if "additionalProperties" in part:
        return set(names)
    out = {k for k in names if k in part.get("properties", {})}
    for pattern in part.get("patternProperties", {}):
        try:
            out |= {k for k in names if pattern_dfa(pattern).matches(k.encode())}
        except ConstrainError:
            continue
    return out


def held_unevaluated(variant, names, extra):
    """`variant` with the members `names` (which nothing evaluates) held to `extra`, the
    unevaluatedProperties of a node with dependencies (`dependency_variants`)."""
    if extra is None or not isinstance(variant, dict) or not names:
        return variant
    props = variant.get("properties", {})
    return dict(variant, properties={k: merge_applied(v, extra) if k in names else v for k, v in props.items()})
