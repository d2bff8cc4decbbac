"""dependentRequired/dependentSchemas (and `dependencies`), a mixin of the Emitter: an object
node with them is split into disjoint variants, one per set of optional trigger names present
(a present trigger required with its dependencies and its dependent schema merged in, an
absent one forbidden), each built as objects.

Invariant: the variants' union is exactly the objects the node accepts; nothing a dependent
schema says is dropped (what only `plain` reads goes through it), and what cannot be merged
exactly is an error, or ignored when lenient.
"""
from __future__ import annotations

import itertools

from constrain.errors import UnsupportedSchemaError
from constrain.grammars.json_schema.negation import EXCLUDED, value_types
from constrain.grammars.json_schema.normalize import BRANCH_GROUPS, NotMergeable, merge, pointer_join
from constrain.grammars.json_schema.unevaluated import closed_part, evaluated_names, held_unevaluated

MAX_DEPENDENCY_TRIGGERS = 4
#: dependent schemas nested in dependent schemas (each level splits the object again)
MAX_DEPENDENCY_DEPTH = 32
# the keywords `plain` reads before it turns to the node's types (an object is built from a
# node without them)
_READ_BY_PLAIN = frozenset({"enum", "anyOf", "oneOf", BRANCH_GROUPS, "not", EXCLUDED})


class Dependencies:
    """Mixin of the Emitter: needs `declared`, `flatten`, `object`, `plain`, `rule` and `skip`."""

    def dependent_objects(self, node: dict, pointer: str, depth: int) -> str | None:
        """The rule of the objects `node` (with dependentRequired/dependentSchemas) accepts:
        its variants' objects; `depth`: how many dependency splits led here."""
        variants = self.dependency_variants(node, pointer, depth)
        return self.rule([r for r in (self.object_variant(v, pointer, depth + 1) for v in variants) if r is not None])

    def object_variant(self, variant: dict, pointer: str, depth: int) -> str | None:
        """The objects of a dependency variant. A dependent schema merged in may bring what only
        `plain` reads (anyOf/oneOf, an if/then/else, `not`, `enum`, a type without object):
        such a variant goes through `plain`, restricted to objects."""
        if "object" not in value_types(variant):
            return None
        if _READ_BY_PLAIN.isdisjoint(variant):
            return self.object(variant, pointer, depth)
        objects = merge(variant, {"type": "object"})
        return None if objects is False else self.plain(objects, pointer)

    def dependency_variants(self, node: dict, pointer: str, depth: int) -> list[dict]:
        """`node` without dependentRequired/dependentSchemas as disjoint variants, one per set of
        optional trigger names present: a present trigger is required together with its
        dependencies and its dependent schema, an absent one is forbidden."""
        if depth > MAX_DEPENDENCY_DEPTH:
            raise UnsupportedSchemaError("dependentSchemas", pointer, "dependent schemas that keep adding dependencies")
        names, schemas = node.get("dependentRequired", {}), node.get("dependentSchemas", {})
        base = {k: v for k, v in node.items() if k not in ("dependentRequired", "dependentSchemas")}
        triggers = list(dict.fromkeys([*names, *schemas]))
        mentioned = [*triggers, *(d for deps in names.values() for d in deps)]
        for dependent in schemas.values():
            if isinstance(dependent, dict):
                mentioned += [*dependent.get("properties", {}), *dependent.get("required", [])]
        written = base
        base = self.declared(base, mentioned)
        # the names declared here that nothing of `written` evaluates: a present trigger's
        # dependent schema may (then unevaluatedProperties does not apply to them), else they
        # meet it (unevaluated.py)
        added = [k for k in base.get("properties", {}) if k not in evaluated_names(written, base["properties"])]
        extra = base.get("unevaluatedProperties") if "additionalProperties" not in base else None
        optional = [k for k in triggers if k not in base.get("required", [])]
        if len(optional) > MAX_DEPENDENCY_TRIGGERS:
            self.skip("dependentRequired" if names else "dependentSchemas", pointer,
                      f"more than {MAX_DEPENDENCY_TRIGGERS} optional trigger properties")
            return [held_unevaluated(base, added, extra)]
        variants = []
        for present in itertools.product((True, False), repeat=len(optional)):
            absent = {k for k, here in zip(optional, present) if not here}
            variant, evaluated = base, set()
            try:
                for k in triggers:
                    if k in absent:
                        variant = merge(variant, {"properties": {k: False}})
                        continue
                    variant = merge(variant, {"required": [k, *names.get(k, [])]})
                    if k in schemas:
                        at = pointer_join(pointer, "dependentSchemas", k)
                        dependent = closed_part(self.flatten(schemas[k], at, 0))
                        evaluated |= evaluated_names(dependent, added)
                        variant = merge(variant, dependent)
            except NotMergeable as e:
                self.skip(e.args[0], pointer, "cannot intersect a dependent schema exactly")
                return [held_unevaluated(base, added, extra)]
            if variant is not False:
                variants.append(held_unevaluated(variant, [k for k in added if k not in evaluated], extra))
        return variants
