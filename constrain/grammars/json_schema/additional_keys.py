"""The additional members of an object (a mixin of the Emitter): their key terminals and value
rules, the keys `propertyNames` allows and the regions `patternProperties` cut them into.

Invariant: the key languages of one object's additional members are disjoint and exclude
its named keys (keys.py builds them as automata when compiling; the grammar shown writes
their regex where one is small, else declares them), so every member has one rule.
"""
from __future__ import annotations

import json

from constrain.automata.regex_parser import Alt
from constrain.grammars.json_schema.keys import key_language, key_partition
from constrain.grammars.json_schema.normalize import ALSO_MATCHING, ANNOTATIONS, pointer_join, type_set
from constrain.grammars.json_schema.scalars import count
from constrain.grammars.json_schema.strings import (
    NotExpressible,
    any_text,
    complement,
    excluding,
    intersect,
    literal_ast,
    pattern_ast,
    string_regex,
    with_length,
)


class AdditionalKeys:
    """Emitter methods for the additional members of an object (see the module docstring)."""

    def member_groups(self, node: dict, names: list[str], extra, patterns: dict, pointer: str) -> list[tuple[str, str]]:
        """[(key terminal, value rule)] of the additional members: disjoint key languages that
        exclude the named keys (patternProperties regions, then the other keys when allowed)."""
        keys = None                 # the keys propertyNames allows, named ones included (None: any)
        if "propertyNames" in node:
            keys = self.property_keys(node["propertyNames"], pointer_join(pointer, "propertyNames"))
            if keys is None:
                return []
        allowed_regex = None if keys is None else string_regex(keys)
        if not patterns:
            if extra is False:
                return []
            value = self.value(extra, pointer_join(pointer, "additionalProperties"))
            if value is None:
                return []
            if keys is not None and not names:      # a regex terminal, compiled only if a rule uses it
                return [(self.term(allowed_regex), value)]
            try:
                term = self.key_region_term((), names, allowed_regex, {frozenset()},
                                            lambda: excluding(any_text() if keys is None else keys, names))
            except NotExpressible as e:
                self.skip("propertyNames", pointer_join(pointer, "propertyNames"), str(e))
                return []
            return [] if term is None else [(term, value)]
        pats = list(patterns)
        try:
            regions = key_partition(tuple(pats), tuple(names), allowed_regex).regions()
        except NotExpressible as e:
            self.skip("patternProperties", pointer, str(e))
            return []
        by_schema: dict[str, tuple[object, str, set]] = {}
        for region in sorted(regions, key=sorted):
            if region:
                parts = [patterns[pats[i]] for i in sorted(region)]
                schema = parts[0] if len(parts) == 1 else {"allOf": parts}
                at = pointer_join(pointer, "patternProperties", pats[min(region)])
            elif extra is False:
                continue
            else:
                schema, at = extra, pointer_join(pointer, "additionalProperties")
            by_schema.setdefault(json.dumps(schema), (schema, at, set()))[2].add(region)
        out = []
        for schema, at, group in by_schema.values():
            value = self.value(schema, at)
            if value is not None:
                out.append((self.key_region_term(tuple(pats), names, allowed_regex, group), value))
        return out

    def key_region_term(self, patterns: tuple[str, ...], names: list[str], allowed: str | None,
                        regions: set[frozenset[int]], display=None) -> str | None:
        """The terminal of the keys in `regions` of key_partition(patterns, names, allowed), its
        DFA built directly (None: there are none). The grammar text names it by a placeholder
        for compilation, shows the regex of `display()` (an AST, built only for the text) when
        given, else declares it (no regex is written)."""
        if display is not None and not self.for_compile:
            shown = display()
            return None if shown is None else self.term(string_regex(shown))
        what = ""               # compiling, nothing is declared: no description is written
        if not self.for_compile:
            described = ", ".join("none" if not r else " and ".join(patterns[i] for i in sorted(r)) for r in regions)
            what = f"keys matching exactly the patterns: {described}; not {names}" + (
                "" if allowed is None else f"; within {allowed}")
        return self.automaton_term(("keys", patterns, tuple(names), allowed, frozenset(regions)),
                                   lambda: key_language(list(patterns), names, allowed, regions), what)

    def property_keys(self, schema, pointer: str):
        """The AST of the keys `schema` (a propertyNames value) allows (None: no key)."""
        flat = self.flatten(schema, pointer, 0)
        if flat is True or flat == {}:
            return any_text()
        if flat is False:
            return None
        if set(flat) - ANNOTATIONS == {"not"}:        # the keys the negated schema does not allow
            inner = self.property_keys(flat["not"], pointer_join(pointer, "not"))
            try:
                return any_text() if inner is None else complement(inner)
            except NotExpressible as e:
                self.skip("propertyNames", pointer, str(e))
                return None
        if "enum" in flat:
            words = [v for v in self.doc.enum_values(flat) if isinstance(v, str)]
            if not words:
                return None
            return Alt(tuple(literal_ast(w) for w in words)) if len(words) > 1 else literal_ast(words[0])
        if set(flat) - ANNOTATIONS - {"type"} <= {"pattern", "minLength", "maxLength", ALSO_MATCHING} \
                and "string" in type_set(flat):
            try:
                patterns = ([flat["pattern"]] if "pattern" in flat else []) + flat.get(ALSO_MATCHING, [])
                keys = with_length(pattern_ast(patterns[0]) if patterns else any_text(),
                                   count(flat, "minLength", 0), count(flat, "maxLength", None))
                for pattern in patterns[1:]:
                    keys = None if keys is None else intersect(keys, pattern_ast(pattern))
                return keys
            except NotExpressible as e:
                self.skip("propertyNames", pointer, str(e))
                return None
        self.skip("propertyNames", pointer)
        return any_text()
