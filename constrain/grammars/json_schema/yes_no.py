"""`yes_no(cls)`: a jsonschema validator class that only answers whether an instance is valid.

jsonschema's `anyOf` and `oneOf` keep the errors of the branches that failed, linked to the
error they explain (`context` one way, `parent` the other): reference cycles, which only the
cyclic garbage collector frees. Compiling validates enum values under such keywords often
(normalize.py's `enum_values`, negation.py's pruning), and one compile with a long enum under
nested anyOf left over 100,000 such objects to the collector, which then spent about 0.1 s on
them inside whatever ran next.

Invariant: `yes_no(cls)(schema).is_valid(x) == cls(schema).is_valid(x)`. Each branch is
checked as jsonschema's own keywords check it (through `descend`), and a failed anyOf or
oneOf is reported by one error of its own, without context, so a validation leaves no
cycle behind. Only the errors, which compiling never reads, differ.
"""
from __future__ import annotations

import functools

import jsonschema
from jsonschema import validators


def _passes(validator, instance, branch, index: int) -> bool:
    return next(validator.descend(instance, branch, schema_path=index), None) is None


def _any_of(validator, branches, instance, schema):
    if not any(_passes(validator, instance, b, i) for i, b in enumerate(branches)):
        yield jsonschema.ValidationError(f"{instance!r} is valid under none of the anyOf branches")


def _one_of(validator, branches, instance, schema):
    if sum(_passes(validator, instance, b, i) for i, b in enumerate(branches)) != 1:
        yield jsonschema.ValidationError(f"{instance!r} is not valid under exactly one of the oneOf branches")


@functools.lru_cache(maxsize=None)
def yes_no(cls):
    """`cls` (a jsonschema validator class) with the keywords above replaced, where it has them."""
    replaced = {k: f for k, f in (("anyOf", _any_of), ("oneOf", _one_of)) if k in cls.VALIDATORS}
    return validators.extend(cls, replaced)
