"""Schema -> grammar rules (shown as Lark text, or turned into the IR directly).

One rule per distinct (sub)schema; negation lives in negation.py, anyOf/oneOf in one_of.py,
number and string terminals in scalars.py (string algebra in strings.py), object member chains
in members.py, `contains` chains in contains.py, the keys of additional members in
additional_keys.py (their languages in keys.py), dependentRequired/dependentSchemas in
dependencies.py; leaf values (strings with their constraints, bounded numbers, literals) are
single terminals; objects and arrays are chains of rules that count what was emitted. Punctuation terminals carry the whitespace policy on their sides.

Invariants:
- the grammar's language is a subset of the instances the schema accepts (never larger);
  anything that cannot be enforced exactly raises UnsupportedSchemaError, or under
  `lenient` is recorded in `ignored` and then *not* enforced;
- object members follow the schema's `properties` order (optional ones may be skipped),
  then required names not in `properties`, then additional members; keys are spelled
  canonically, and the key language of additional members excludes the named ones;
- a subschema that admits no value yields None (the alternative disappears).
"""
from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from constrain.automata.automaton_cache import MISSING, AutomatonCache
from constrain.automata.regex import words_dfa
from constrain.deadline import TimeUp, check_time
from constrain.errors import ConstrainError, UnsupportedSchemaError
from constrain.grammars.cfg import BNFRules, Grammar, Terminal, rule_terminals
from constrain.grammars.ebnf import expand_rules
from constrain.grammars.json_schema.content_key import ContentKeys
from constrain.grammars.lark_frontend import translate_regex
from constrain.grammars.json_schema import numeric
from constrain.grammars.json_schema.normalize import (
    ANNOTATIONS,
    BRANCH_GROUPS,
    BRANCH_PLACES,
    INTERNAL,
    SOME_MEMBER,
    STANDARD,
    NotMergeable,
    SchemaDoc,
    declared_names,
    json_text,
    merge,
    merge_applied,
    pointer_join,
    with_places,
)
from constrain.grammars.json_schema.additional_keys import AdditionalKeys
from constrain.grammars.json_schema.dependencies import Dependencies
from constrain.grammars.json_schema.contains import containing_array
from constrain.grammars.json_schema.members import ObjectMembers
from constrain.grammars.json_schema.one_of import OneOf, own_position
from constrain.grammars.json_schema.scalars import Scalars, count, meets_internal_keywords, spelled_terminal_dfa
from constrain.grammars.json_schema.negation import (
    EXCLUDED,
    Negations,
    has_value,
    numbers_between_excluded,
    value_types,
)
from constrain.grammars.json_schema.keys import open_ended, spelling_dfa
from constrain.grammars.json_schema.unevaluated import (
    UNEVALUATED,
    closed_part,
    evaluated_here,
    negated_members_unevaluated,
)
from constrain.grammars.json_schema.strings import (
    ANY_STRING,
    NotExpressible,
    lark_regex,
    literal_regex,
    pattern_dfa,
)

FLEXIBLE_WHITESPACE = r"[ \t\n\r]{0,12}"
MAX_FLATTEN_DEPTH = 32
MAX_COUNT = 512              # member counts (rules grow with slots x count)
MAX_ITEMS = 1024             # item counts (one rule per count)
ANY_ORDER_MAX = 6
MANY_VALUES = 2              # enum values read as one terminal when compiling
# automaton terminals by cache key, across schemas (up to 100k states: about 100 MB of byte
# tables; the state budget is what binds, the entry cap only bounds the keys)
BUILT_AUTOMATA = AutomatonCache(max_entries=4096, max_states=100_000)
_HANDLED = frozenset({
    "type", "enum", "$ref", "allOf", "anyOf", "oneOf", "not",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "pattern", "format",
    "items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains", "minContains", "maxContains",
    "properties", "required", "additionalProperties", "patternProperties", "propertyNames",
    "minProperties", "maxProperties", "dependentRequired", "dependentSchemas",
    "unevaluatedProperties", "unevaluatedItems",
})


@dataclass(frozen=True)
class Options:
    whitespace: str = "flexible"
    lenient: bool = False
    additional_properties: bool = True
    property_order: str = "schema"

    def whitespace_regex(self) -> str:
        if self.whitespace == "flexible":
            return FLEXIBLE_WHITESPACE
        if self.whitespace == "compact":
            return ""
        return f"(?:{self.whitespace})"


class Emitter(Negations, OneOf, Scalars, AdditionalKeys, Dependencies):
    """`for_compile`: the grammar text is for `compile_lark` together with `prebuilt`, so the
    terminals in `prebuilt` may be written as placeholders."""

    def __init__(self, doc: SchemaDoc, options: Options, *, for_compile: bool = False):
        self.doc = doc
        self.options = options
        self.ignored: list[tuple[str, str]] = []
        self.rules: dict[str, str] = {}
        self._names_made = itertools.count()         # rule names are never reused (see fresh_name)
        self._rule_of_body: dict[str, str] = {}        # body -> the rule `rule` made of it without a name
        self.terminals: dict[str, str] = {}        # python regex -> terminal name
        self.key_terms: dict[str, str] = {}        # object key -> its terminal's name
        self.memo: dict[object, str | None] = {}       # content key or 'ref:' target -> rule
        self.content_keys = ContentKeys()
        self.prebuilt: dict[str, object] = {}       # terminal name -> ByteDFA built without its regex
        self.automaton_terms: dict[tuple, str | None] = {}   # terminals built as automata, by content
        self.guard_terms: dict[str, str] = {}          # item regex -> terminal of items that must be distinct
        self.guard_domains: dict[str, frozenset | None] = {}   # its values when finite (an enum)
        self.declared_terms: dict[str, str] = {}       # terminal name -> what it is (no regex shown)
        self.string_asts: dict[str, object] = {}       # string terminal regex -> the code point AST it spells
        self.for_compile = for_compile
        ws = options.whitespace_regex()
        self.punct = {name: self.term(regex) for name, regex in (
            ("{", r"\{" + ws), ("}", ws + r"\}"), ("[", r"\[" + ws), ("]", ws + r"\]"),
            (",", ws + "," + ws), (":", ws + ":" + ws))}
        self._any = None

    # --- output --------------------------------------------------------------------------
    def bnf(self, start: str) -> BNFRules:
        """The BNF rules of the grammar `lark(start)` writes, reduced, unit rules inlined."""
        return expand_rules({"start": start, **self.rules}, "start", inline_units=True)

    def grammar(self, start: str, rules: BNFRules | None = None) -> Grammar:
        """The IR of the grammar `lark(start)` writes, built without parsing that text (the
        terminals in `prebuilt` keep their placeholder pattern; their automata are given);
        `rules`: `self.bnf(start)`, when the caller has them. The string terminals it uses that
        have an AST (`string_asts`) join `prebuilt`, their automata built from it
        (`string_terminal_dfa`) rather than from their regex."""
        rules = self.bnf(start) if rules is None else rules
        regex_of = {name: regex for table in (self.terminals, self.guard_terms) for regex, name in table.items()}
        terminals = {}
        for name in rule_terminals(rules):
            regex = regex_of[name]
            if name not in self.prebuilt and regex in self.string_asts:
                dfa = string_terminal_dfa(regex, self.string_asts[regex])
                if dfa is not None:
                    self.prebuilt[name] = dfa
            if name in self.prebuilt:
                terminals[name] = Terminal(name, regex)
            else:
                pattern, flags = translate_regex(regex)
                terminals[name] = Terminal(name, pattern, flags)
        return Grammar(terminals, rules, "start", reduced=True)    # expand_rules reduced them

    def lark(self, start: str) -> str:
        lines = [f"start: {start}"]
        lines += [f"{name}: {body}" for name, body in self.rules.items()]
        lines += [f"{name}: {lark_regex(regex)}" for regex, name in self.terminals.items()]
        lines += [f"{name}: {lark_regex(regex)}" for regex, name in self.guard_terms.items()]
        if self.guard_terms:
            lines += [f"// uniqueItems: the items read as {', '.join(self.guard_terms.values())} must be distinct "
                      "within each array (a run-time check; no grammar can say it)"]
        for name, what in self.declared_terms.items():
            lines += [f"// {name}: {what} (an automaton; no regex is written)", f"%declare {name}"]
        return "\n".join(lines) + "\n"

    def size(self) -> int:
        """Characters of the rule bodies and terminal regexes (about the size of `lark()`'s text)."""
        return sum(sum(map(len, texts)) for texts in (self.rules, self.rules.values(), self.terminals, self.guard_terms))

    def term(self, regex: str) -> str:
        name = self.terminals.get(regex)
        if name is None:
            name = self.terminals[regex] = f"T{len(self.terminals)}"
        return name

    def key_term(self, key: str) -> str:
        """The terminal of an object key, spelled canonically (remembered per key)."""
        if key not in self.key_terms:
            self.key_terms[key] = self.term(literal_regex(json_text(key)))
        return self.key_terms[key]

    def fresh_name(self, prefix: str) -> str:
        """A rule name (or name stem) never given before: counted, not taken from the number of
        rules, which falls when a memoized rule is dropped (its subschema admits no value),
        while rules made meanwhile, and named by that number, may still be in use."""
        return f"{prefix}{next(self._names_made)}"

    def rule(self, alternatives: list[str], name: str | None = None, kind: str = "r") -> str | None:
        """The rule of `alternatives` (None when there are none). Named `name`, or, without one,
        the rule made before without a name whose body is the same (equal bodies derive the
        same language: objects and arrays of one shape share their member and item chains),
        else a fresh name starting with `kind`."""
        if not alternatives:
            return None
        if len(alternatives) == 1:
            body = alternatives[0]
        elif len(alternatives) == 2:            # most rules (member chains): no dict for two
            first, second = alternatives
            body = first if first == second else f"{first} | {second}"
        else:
            body = " | ".join(dict.fromkeys(alternatives))
        if name is None:
            name = self._rule_of_body.get(body)
            if name is not None:
                return name
            name = self._rule_of_body[body] = self.fresh_name(kind)
        self.rules[name] = body
        return name

    def skip(self, keyword: str, pointer: str, detail: str = "") -> None:
        """A keyword that cannot be enforced: an error, or recorded and ignored when lenient."""
        if not self.options.lenient:
            raise UnsupportedSchemaError(keyword, pointer, detail)
        self.ignored.append((keyword, pointer))

    # --- schemas -------------------------------------------------------------------------
    def value(self, node, pointer: str) -> str | None:
        """Rule name of the values `node` accepts (None: no value). Past the compile's time
        limit (deadline.py), a CompileTimeLimitError naming the innermost subschema it met."""
        try:
            check_time()
            if node is True or node == {}:
                return self.any_value()
            if node is False:
                return None
            if isinstance(node, dict) and "$ref" in node and (set(node) - ANNOTATIONS == {"$ref"}
                                                              or self.doc.ref_only(node)):
                return self.ref(self.doc.resolve(node["$ref"], pointer))
            key = self.content_keys.key(node, self.doc.base_at(pointer))
            return self.memoized(key, lambda: self.plain(self.flatten(node, pointer, 0), pointer), pointer)
        except TimeUp as e:
            e.note_pointer(pointer)
            raise

    def ref(self, target: str) -> str | None:
        return self.memoized("ref:" + target, lambda: self.value(self.doc.get(target), target), target)

    def memoized(self, key: str, compute, pointer: str) -> str | None:
        """The rule for `key`, named before it is computed so that recursion refers to it."""
        if key in self.memo:
            return self.memo[key]
        name = self.memo[key] = f"v{len(self.memo)}"
        made_before = len(self.rules)
        self.rules[name] = ""                      # placeholder while computing
        inner = compute()
        if inner is None:
            # only rules made while computing can name it (they follow the placeholder)
            made_since = list(self.rules.values())[made_before + 1:]
            del self.rules[name]
            self.memo[key] = None
            if made_since and re.search(rf"\b{name}\b", "\n".join(made_since)):
                raise UnsupportedSchemaError("$ref", pointer, "a recursive schema that admits no value")
            return None
        self.rules[name] = inner
        return name

    def flatten(self, node, pointer: str, depth: int):
        """`node` normalized with its top-level `$ref` and `allOf` merged in. The parts are
        merged in the order their keywords are written (the node's own keywords at
        `own_position`), so members come in the order the text first names them; the
        names written before each anyOf/oneOf are recorded as its BRANCH_PLACES."""
        if depth > MAX_FLATTEN_DEPTH:
            raise UnsupportedSchemaError("$ref", pointer, "recursion through allOf/$ref siblings")
        node = self.doc.normalized(node)
        if isinstance(node, bool):
            return node
        if "$ref" not in node and "allOf" not in node:     # nothing to merge: own places only
            if "anyOf" not in node and "oneOf" not in node:
                return node
            keys, before = list(node), list(node.get("properties", {}))
            at = own_position(keys)
            places = {kw: before if at < keys.index(kw) else [] for kw in ("anyOf", "oneOf") if kw in node}
            return with_places(node, places)
        keys = list(node)
        own = {k: v for k, v in node.items() if k not in ("$ref", "allOf")}
        parts = [(keys.index("allOf"), branch, pointer_join(pointer, "allOf", i)) for i, branch in enumerate(node.get("allOf", []))]
        if "$ref" in node:
            target = self.doc.resolve(node["$ref"], pointer)
            parts.insert(0, (keys.index("$ref"), self.doc.get(target), target))
        pieces = []         # (where the part's keyword is written, the part)
        for at, part, where in parts:
            if self.doc.refs_move(part, where, pointer):
                self.skip("$ref", pointer, "merging another resource's subschema here would read its references against this base")
                continue
            pieces.append((at, self.flatten(part, where, depth + 1)))
        pieces.append((own_position(keys), own))
        out, named_at = {}, {}
        for at, part in sorted(pieces, key=lambda piece: piece[0]):
            try:
                merged = merge(out, part if part is own else closed_part(part))
            except NotMergeable as e:
                self.skip(e.args[0], pointer, "cannot intersect allOf/$ref branches exactly")
                continue
            if isinstance(merged, dict):
                names = list(merged.get("properties", {}))
                for name in names:
                    named_at.setdefault(name, at)
                if part is own:     # merge placed the parts' branches; own's go where written
                    before = out if isinstance(out, dict) else {}       # the parts merged: true
                    merged = with_places(merged, {**merged.get(BRANCH_PLACES, {}), **{
                        kw: [n for n in names if named_at[n] < keys.index(kw)]
                        for kw in ("anyOf", "oneOf") if kw in own and kw not in before}})
            out = merged
        return out

    def plain(self, node, pointer: str) -> str | None:
        if node is True or node == {}:
            return self.any_value()
        if node is False:
            return None
        for key in node:
            if key not in _HANDLED and key not in ANNOTATIONS and key in STANDARD:
                self.skip(key, pointer)
            elif self.doc.legacy and key in ("contentMediaType", "contentEncoding"):
                self.skip(key, pointer, "an assertion in drafts before 2019-09")
        if "enum" in node:
            return self.enum([v for v in self.doc.enum_values(node) if self.meets_internal(v, node, pointer)],
                             *self.zero_fractions(node))
        if "anyOf" in node or "oneOf" in node or BRANCH_GROUPS in node:
            return self.alternatives(node, pointer)
        if "not" in node:
            if "unevaluatedItems" in node:     # negation writes items no annotation evaluates
                node = self.unevaluated_refused(node, pointer, "next to `not`", ("unevaluatedItems",))
            variants = [negated_members_unevaluated(v, node) for v in self.apply_not(node, pointer)]
            return self.rule([r for r in (self.plain(v, pointer) for v in variants) if r is not None])
        if "unevaluatedItems" in node and "contains" in node:
            node = self.unevaluated_refused(node, pointer, "next to contains", ("unevaluatedItems",))
        types = value_types(node)
        excluded = node.get(EXCLUDED, [])
        if excluded and types & {"array", "object"} and any(isinstance(v, (list, dict)) for v in excluded):
            self.skip("not", pointer, "excluding array or object values")
        alts = []
        if "null" in types and None not in excluded:
            alts.append(self.term("null"))
        if "boolean" in types:
            alts += [self.term(w) for w, v in (("true", True), ("false", False)) if not has_value(excluded, v)]
        if "number" in types or "integer" in types:
            alts += [self.number(piece, "number" in types, "integer" in types, pointer)
                     for piece in numbers_between_excluded(node, excluded)]
        if "string" in types:
            alts.append(self.string(node, pointer))
        if "array" in types:
            alts.append(self.array(node, pointer))
        if "object" in types:
            alts.append(self.object(node, pointer))
        return self.rule([a for a in alts if a is not None])

    def unevaluated_refused(self, node: dict, pointer: str, why: str, keywords=tuple(UNEVALUATED)) -> dict:
        """`node` without its unevaluatedProperties/unevaluatedItems (among `keywords`), which
        cannot be enforced here: an error, or ignored when lenient (unevaluated.py)."""
        present = [k for k in keywords if k in node]
        for keyword in present:
            self.skip(keyword, pointer, why)
        return {k: v for k, v in node.items() if k not in present}

    def meets_internal(self, value, node: dict, pointer: str) -> bool:
        """`meets_internal_keywords`, with a negated string constraint that has no automaton (an
        unknown format) an error, or ignored when lenient."""
        try:
            met = meets_internal_keywords(value, node)
        except (NotExpressible, ConstrainError) as e:
            self.skip("not", pointer, str(e))
            met = True
        held = node.get(SOME_MEMBER)
        if met and held is not None and isinstance(value, dict):
            if INTERNAL in json.dumps(held["witnesses"]):      # unknown to the jsonschema validator
                self.skip("not", pointer, "an object enum next to a negated additionalProperties or propertyNames")
                return met
            return all(any(k not in held["names"] and self.doc.valid(k, w.get("keys", True))
                           and self.doc.valid(v, w.get("schema", True)) for k, v in value.items())
                       for w in held["witnesses"])
        return met

    # --- literals and any ----------------------------------------------------------------
    def literal(self, value, zero_fraction: bool = True, inner_zero_fractions: bool = True) -> str:
        """The terminals of `value`; its numbers in every spelling of their value (1, 1.0,
        1.00: one JSON Schema value), except that without `zero_fraction` an integer value is
        spelled without a fraction, and so are the integers inside it without
        `inner_zero_fractions`."""
        inner = inner_zero_fractions
        p = self.punct
        if isinstance(value, dict):
            if not value:
                return f"{p['{']} {p['}']}"
            members = f" {p[',']} ".join(f"{self.key_term(k)} {p[':']} "
                                         f"{self.literal(v, inner, inner)}" for k, v in value.items())
            return f"{p['{']} {members} {p['}']}"
        if isinstance(value, list):
            if not value:
                return f"{p['[']} {p[']']}"
            return f"{p['[']} " + f" {p[',']} ".join(self.literal(v, inner, inner) for v in value) + f" {p[']']}"
        text = json_text(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and "e" not in text.lower():
            text = format(Decimal(text).normalize(), "f") if "." in text else text
            zeros = "0*" if "." in text else r"(?:\.0+)?" if zero_fraction else ""
            return self.term(literal_regex(text) + zeros)
        return self.term(literal_regex(text))

    def zero_fractions(self, node: dict) -> tuple[bool, bool]:
        """Whether an integer value of `node`'s enum, and the integers inside its values, may
        be spelled with a zero fraction: always from draft 6 on; in drafts 3 and 4 (where 1.0
        is no integer) a value where the type admits other numbers, an inner one where no
        keyword but the enum and `type` asserts (no other can read inside a value)."""
        if self.doc.integral_floats:
            return True, True
        return "number" in value_types(node), set(node) - ANNOTATIONS <= {"enum", "type"}

    def enum(self, values: list, zero_fraction: bool = True, inner_zero_fractions: bool = True) -> str | None:
        """The rule of exactly `values` (`literal`). Compiling, the strings, booleans and nulls of
        an enum of two or more of them are one terminal, the trie of their spellings (a terminal
        each would cost the lexer a component each); the grammar shown keeps a literal per value."""
        words = [v for v in values if v is None or isinstance(v, (str, bool))]
        others = [v for v in values if not (v is None or isinstance(v, (str, bool)))]
        if not self.for_compile or len(words) < MANY_VALUES:
            return self.rule([self.literal(v, zero_fraction, inner_zero_fractions) for v in values])
        spellings = sorted({json_text(v) for v in words})
        one_of = self.automaton_term(("values", tuple(spellings)), lambda: words_dfa([w.encode() for w in spellings]),
                                     f"one of {len(spellings)} values")
        return self.rule([one_of] + [self.literal(v, zero_fraction, inner_zero_fractions) for v in others])

    def any_value(self) -> str:
        if self._any is None:
            self._any = "any"
            p = self.punct
            self.rules["any"] = ""
            s, n = self.term(ANY_STRING), self.term(numeric.JSON_NUMBER)
            self.rules["any_members"] = f"{s} {p[':']} any ({p[',']} {s} {p[':']} any)*"
            self.rules["any_items"] = f"any ({p[',']} any)*"
            self.rules["any"] = " | ".join([
                f"{p['{']} any_members? {p['}']}", f"{p['[']} any_items? {p[']']}", s, n,
                self.term("true"), self.term("false"), self.term("null")])
        return self._any

    # --- arrays --------------------------------------------------------------------------
    def array(self, node: dict, pointer: str) -> str | None:
        node = evaluated_here(node, ("unevaluatedItems",))
        p = self.punct
        prefix = [self.value(s, pointer_join(pointer, "prefixItems", i)) for i, s in enumerate(node.get("prefixItems", []))]
        rest = self.value(node.get("items", True), pointer_join(pointer, "items"))
        lo, hi = count(node, "minItems", 0), count(node, "maxItems", None)
        if node.get("uniqueItems") is True and (hi is None or hi > 1):
            guard = None if prefix else self.distinct_item(node.get("items", True), pointer_join(pointer, "items"))
            if guard is None:
                self.skip("uniqueItems", pointer, "only string items (an enum, or open-ended) can be checked distinct")
            elif self.guard_domains[guard] is not None:     # at most one item per value
                hi = len(self.guard_domains[guard]) if hi is None else min(hi, len(self.guard_domains[guard]))
                if lo > hi:
                    return None
            rest = guard or rest
        if max(lo, hi or 0) > MAX_ITEMS:
            self.skip("maxItems" if (hi or 0) > MAX_ITEMS else "minItems", pointer, "count too large")
            lo, hi = min(lo, MAX_ITEMS), None if (hi or 0) > MAX_ITEMS else hi
        if "contains" in node:
            if prefix or node.get("uniqueItems") is True:
                self.skip("contains", pointer, "contains together with prefixItems or uniqueItems")
            else:
                body = self.containing(node, lo, hi, pointer)
                return None if body is None else self.rule([f"{p['[']} {body} {p[']']}"])
        top = hi if hi is not None else max(lo, len(prefix))
        states: dict[int, str | None] = {}
        for i in range(top, -1, -1):          # states[i]: the rest after i items
            sep = f"{p[',']} " if i else ""
            alts = [""] if i >= lo else []
            item = prefix[i] if i < len(prefix) else rest
            if item is not None and (hi is None or i < hi):
                if i == top:
                    alts.append(f"{sep}{item} ({p[',']} {item})*")
                elif states[i + 1] is not None:
                    alts.append(f"{sep}{item} {states[i + 1]}")
            states[i] = self.rule(alts, kind="a")
        body = states[0]
        return None if body is None else self.rule([f"{p['[']} {body} {p[']']}"])

    def containing(self, node: dict, lo: int, hi: int | None, pointer: str) -> str | None:
        """The items of arrays with `contains` (minContains/maxContains from 2019-09 on)."""
        items, contains = node.get("items", True), node["contains"]
        cmin, cmax = (1, None) if self.doc.legacy else (count(node, "minContains", 1), count(node, "maxContains", None))
        if max(cmin, cmax or 0) > MAX_ITEMS:
            self.skip("maxContains" if (cmax or 0) > MAX_ITEMS else "minContains", pointer, "count too large")
            cmin, cmax = min(cmin, MAX_ITEMS), None if (cmax or 0) > MAX_ITEMS else cmax
        at = pointer_join(pointer, "contains")
        hit = self.value({"allOf": [items, contains]}, at)
        miss = self.value({"allOf": [items], "not": contains}, at)
        return containing_array(self, hit, miss, lo, hi, cmin, cmax)

    def distinct_item(self, items, pointer: str) -> str | None:
        """The guard terminal (distinct_items.py) of string items that must be distinct, or
        None. Either an enum of strings (its values are the guard's finite domain), or
        strings whose every unfinished spelling has infinitely many completions (so a pending
        item can never be forced into a repeat)."""
        flat = self.flatten(items, pointer, 0)
        if not isinstance(flat, dict) or not value_types(flat) & {"string"}:
            return None
        if "enum" in flat:
            values = [v for v in self.doc.enum_values(flat) if self.meets_internal(v, flat, pointer)]
            if not values or not all(isinstance(v, str) for v in values):
                return None
            spellings = sorted({json_text(v) for v in values})
            regex, domain = "(?:" + "|".join(literal_regex(x) for x in spellings) + ")", frozenset(values)
        else:
            if value_types(flat) != {"string"} or set(flat) - ANNOTATIONS - {"type", "pattern", "format", "minLength"}:
                return None
            term = self.string(flat, pointer, as_regex=True)
            regex = next((r for r, name in self.terminals.items() if name == term), None)
            if regex is None or not open_ended(spelling_dfa(regex)):
                return None
            domain = None
        name = self.guard_terms.get(regex)
        if name is None:
            name = self.guard_terms[regex] = f"U{len(self.guard_terms)}"
            self.guard_domains[name] = domain
            if self.for_compile and domain is not None:       # the trie of the values' spellings
                self.prebuilt[name] = words_dfa([w.encode() for w in spellings])
        return name

    # --- objects -------------------------------------------------------------------------
    def object(self, node: dict, pointer: str, depth: int = 0) -> str | None:
        if "dependentRequired" in node or "dependentSchemas" in node:
            return self.dependent_objects(node, pointer, depth)
        node = evaluated_here(node, ("unevaluatedProperties",))     # per dependency variant
        p = self.punct
        props = dict(node.get("properties", {}))
        required = set(node.get("required", []))
        extra = node.get("additionalProperties", True if self.options.additional_properties else False)
        patterns = node.get("patternProperties", {})
        if all(v is True or v == {} for v in patterns.values()) and extra in (True, {}):
            patterns = {}                          # every key with any value either way
        try:
            pattern_dfas = {pat: pattern_dfa(pat) for pat in patterns}
        except ConstrainError as e:
            self.skip("patternProperties", pointer, str(e))
            patterns, pattern_dfas = {}, {}
        names = declared_names(node)
        held = node.get(SOME_MEMBER)
        if held is not None and (set(held["names"]) != set(names)
                                 or patterns and any("schema" in w for w in held["witnesses"])):
            self.skip("additionalProperties", pointer, "a negated additionalProperties or propertyNames next to other names")
            held = None
        if "propertyNames" in node:
            allowed = [k for k in names if self.doc.valid(k, node["propertyNames"])]
            if any(k in required for k in names if k not in allowed):
                return None
            names = allowed
        slots = []
        for k in names:
            matching = [patterns[pat] for pat, dfa in pattern_dfas.items() if dfa.matches(k.encode())]
            parts = ([props[k]] if k in props else [] if matching else [extra]) + matching
            schema = parts[0] if len(parts) == 1 else {"allOf": parts}
            slots.append((k, self.value(schema, pointer_join(pointer, "properties", k)), k in required))
        if any(value is None and req for _, value, req in slots):
            return None
        groups = self.member_groups(node, names, extra, patterns, pointer)
        extra_rule = self.rule([f"{key} {p[':']} {value}" for key, value in groups])
        witness_rules = {}
        if held is not None:     # per set of witnesses: the additional members that meet them all
            for met in _nonempty_subsets(len(held["witnesses"])):
                keys, schema = node.get("propertyNames", True), extra
                for i in met:
                    keys = merge_applied(keys, held["witnesses"][i].get("keys", True))
                    schema = merge_applied(schema, held["witnesses"][i].get("schema", True))
                groups = self.member_groups(dict(node, propertyNames=keys), names, schema, patterns, pointer)
                witness_rules[met] = self.rule([f"{key} {p[':']} {value}" for key, value in groups])
        mn, mx = count(node, "minProperties", 0), count(node, "maxProperties", None)
        if extra_rule is not None and mn > sum(req for _, _, req in slots) + 1:
            # members are counted, properties are distinct names: one additional member is
            # one more property, but two may repeat a key
            self.skip("minProperties", pointer, "counting two or more additional properties (duplicate keys)")
            mn = 0
        if max(mn, mx or 0) > MAX_COUNT:
            self.skip("maxProperties", pointer, "count too large")
            mn, mx = 0, None
        members = ObjectMembers(self, slots, extra_rule, mn, mx, witness_rules)
        body = members.any_order() if self.options.property_order == "any" and len(slots) <= ANY_ORDER_MAX \
            else members.schema_order()
        return None if body is None else self.rule([f"{p['{']} {body} {p['}']}"])

    def declared(self, node: dict, names: list[str]) -> dict:
        """`node` with `names` added to its properties under the schema they have as additional
        members, so that the variants an object is split into name the same keys (their key
        terminals then never overlap, which the lexer's one-reading rule needs)."""
        props = dict(node.get("properties", {}))
        patterns = node.get("patternProperties", {})
        extra = node.get("additionalProperties", True if self.options.additional_properties else False)
        for k in names:
            if k not in props:
                matched = any(pattern_dfa(p).matches(k.encode()) for p in patterns)
                props[k] = True if matched else extra
        return dict(node, properties=props)

    def automaton_term(self, cache_key: tuple, build, what: str) -> str | None:
        """A terminal whose ByteDFA `build()` makes directly (None: empty language), kept across
        schemas in BUILT_AUTOMATA: `cache_key` names its language whole. For
        compilation the grammar text names it by a placeholder (`prebuilt` holds the DFA);
        json_schema_to_lark declares it, described by `what`, without a regex."""
        if cache_key in self.automaton_terms:
            return self.automaton_terms[cache_key]
        dfa = BUILT_AUTOMATA.get(cache_key)
        if dfa is MISSING:
            dfa = build()
            BUILT_AUTOMATA.put(cache_key, dfa)
        if dfa is None:
            name = None
        elif self.for_compile:
            name = self.term(f'"automaton-{len(self.automaton_terms)}"')
            self.prebuilt[name] = dfa
        else:
            name = f"AUTOMATON{len(self.automaton_terms)}"
            self.declared_terms[name] = what
        self.automaton_terms[cache_key] = name
        return name


def string_terminal_dfa(regex: str, ast):
    """The ByteDFA of the string terminal `regex` (`string_regex(ast)`), from the AST: no
    regex text is translated or parsed (kept across schemas in BUILT_AUTOMATA). None when it
    exceeds the lexer's limit on a terminal: the regex is then compiled, and fails, as before."""
    dfa = BUILT_AUTOMATA.get(("spelled", regex))
    if dfa is MISSING:
        dfa = spelled_terminal_dfa(ast)
        if dfa is None:
            return None
        BUILT_AUTOMATA.put(("spelled", regex), dfa)
    return dfa


def _nonempty_subsets(n: int) -> list[frozenset[int]]:
    return [frozenset(i for i in range(n) if bits >> i & 1) for bits in range(1, 1 << n)]
