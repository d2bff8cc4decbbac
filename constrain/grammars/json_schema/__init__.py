"""JSON Schema -> constraint: `json_schema_to_lark` (the grammar text) and
`compile_json_schema` (that grammar compiled against a vocabulary).

Pipeline: load (dict / JSON text / pydantic model) -> metaschema check (`SchemaError`) ->
`emit.Emitter` (normalize.py: `$ref`, draft spellings, `allOf`; numeric.py and strings.py:
leaf regexes) -> grammar IR (ebnf.py expands the emitter's rules directly; json_schema_to_lark
writes the same rules as Lark text) -> CFGGrammar.

What the output looks like (documented policy):
- whitespace "flexible": up to 12 JSON whitespace characters on each side of `{ } [ ] , :`
  (so at most 24 in a row, e.g. in `[ ]`), none before or after the top-level value;
  "compact": none; any other string is a Python regex used on each side instead;
- object members in the order the schema text first names them (optional ones may be left
  out): a node's `properties` (placed where `properties` or `additionalProperties` is
  written, whichever comes first), its `allOf` parts and `$ref` target, and the branch an
  anyOf/oneOf takes each add their names where their keyword is written, recursively (the
  order llguidance follows, and so MaskBench's reordered instances); then
  required names missing from `properties`, then additional members (allowed unless the
  schema or `additional_properties=False` forbids them); `property_order="any"`: named
  members in any order for objects with at most 6 of them, additional members still last;
- strings spelled as `json.dumps(..., ensure_ascii=False)` spells them when they carry a
  constraint (pattern, length, format, property names); unconstrained strings take any escape;
- bounded numbers as decimals without exponent or in normalized scientific notation (one
  non-zero digit before the point, any exponent spelling: `1.5e+20`, `1E-05`, as Python and
  JavaScript print very large and small numbers; not `15e19`), the exponent within ±307 (a
  double reads `1e-400` as 0.0); integers, and numbers with a multipleOf, without exponent;
  integers without `-0` or a fraction.

Invariant: the grammar accepts only instances valid under the schema (an invalid instance is
never accepted); a keyword that cannot be enforced exactly raises UnsupportedSchemaError,
or, with `lenient=True`, is listed in `grammar.ignored_keywords` as (keyword, json pointer).
"""
from __future__ import annotations

import json
import marshal

from constrain.deadline import MAX_COMPILE_SECONDS, checked_seconds, time_limit
from constrain.errors import GrammarError, SchemaError, UnsupportedSchemaError
from constrain.grammar_cache import GrammarCache
from constrain.grammars.cfg_matcher import CFGGrammar
from constrain.grammars.distinct_items import DistinctItems
from constrain.grammars.json_schema.emit import Emitter, Options
from constrain.grammars.json_schema.normalize import SchemaDoc, load_schema, pointer_join
from constrain.grammars.parser import start_parser
from constrain.vocab import Vocabulary

MAX_GRAMMAR_CHARS = 4_000_000
_CACHE = GrammarCache(128)


def _emit(schema, options: Options, for_compile: bool = False) -> tuple[str | None, Emitter, str]:
    doc = SchemaDoc(load_schema(schema))
    emitter = Emitter(doc, options, for_compile=for_compile)
    try:
        start = emitter.value(doc.root, "#")
    except RecursionError:
        raise UnsupportedSchemaError("schema", "#", "nesting too deep") from None
    except TypeError as e:         # a value json.dumps refuses (marshal, the cache key, took it)
        if not _not_json_at(doc.root, "#"):
            raise
        raise _not_json(doc.root, e) from None
    if start is None:
        raise UnsupportedSchemaError("schema", "#", "the schema admits no value")
    # compiling needs no text: the size of its rules and regexes stands in for it
    text = None if for_compile else emitter.lark(start)
    size = emitter.size() if for_compile else len(text)
    if size > MAX_GRAMMAR_CHARS:
        raise UnsupportedSchemaError("schema", "#", f"grammar too large ({size} characters)")
    return text, emitter, start


def json_schema_to_lark(schema, *, whitespace: str = "flexible", lenient: bool = False,
                        additional_properties: bool = True, property_order: str = "schema",
                        max_compile_seconds: float | None = MAX_COMPILE_SECONDS) -> str:
    """The Lark grammar (start rule `start`) of the JSON texts valid under `schema`
    (options as in `compile_json_schema`)."""
    options = Options(whitespace, lenient, additional_properties, property_order)
    with time_limit(max_compile_seconds):
        return _emit(schema, options)[0]


def compile_json_schema(schema, vocab: Vocabulary, *, whitespace: str = "flexible", lenient: bool = False,
                        additional_properties: bool = True, property_order: str = "schema",
                        max_compile_seconds: float | None = MAX_COMPILE_SECONDS) -> CFGGrammar:
    """Compile `schema` (dict, JSON text or pydantic model class) against `vocab`.

    whitespace: "flexible" (bounded JSON whitespace around punctuation), "compact", or a
    regex; lenient: compile anyway and list what is not enforced in `.ignored_keywords`;
    additional_properties=False forbids members the schema does not name even where the
    schema leaves additionalProperties unset; property_order="any" lets the named properties of
    objects with at most 6 of them come in any order (larger objects keep the schema order);
    max_compile_seconds: past it, CompileTimeLimitError naming the subschema it was compiling
    (checked between steps, deadline.py; None: no limit). Grammar size is limited too
    (UnsupportedSchemaError past MAX_GRAMMAR_CHARS, automata past their state limits).
    Cached per (schema, options, vocabulary): found while the caller holds it, kept once the
    same key is compiled again (constrain/grammar_cache.py)."""
    if property_order not in ("schema", "any"):
        raise ValueError(f"property_order must be 'schema' or 'any', not {property_order!r}")
    checked_seconds(max_compile_seconds)
    options = Options(whitespace, lenient, additional_properties, property_order)
    loaded = load_schema(schema)
    key = (_schema_key(loaded), options, vocab.fingerprint)
    return _CACHE.get_or_compile(key, lambda: _compile(loaded, options, vocab, max_compile_seconds))


def _schema_key(loaded) -> bytes:
    """The schema as bytes that equal values give and no other value does, key order kept
    (schemas that differ only in their `properties` order differ in member order): marshal's
    format 2, which has no back references (so the bytes do not depend on which objects are
    shared) and is several times faster than json.dumps on large schemas; JSON text where
    marshal gives up (nesting over its depth limit). SchemaError for a value that is not JSON
    data, UnsupportedSchemaError for nesting too deep for json.dumps too."""
    try:
        return marshal.dumps(loaded, 2)
    except ValueError:
        try:
            return b"json:" + json.dumps(loaded).encode()      # what marshal's format cannot start with
        except RecursionError:
            raise UnsupportedSchemaError("schema", "#", "nesting too deep") from None
        except (TypeError, ValueError) as e:
            raise _not_json(loaded, e) from None


def _not_json(loaded, error: Exception) -> SchemaError:
    return SchemaError(f"the schema is not JSON data: {error}", _not_json_at(loaded, "#"))


def _not_json_at(value, pointer: str) -> str:
    """The JSON pointer of the first value within `value` that is not JSON data (a dict with a
    key that is not a string counts as one), or "" when there is none."""
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return pointer
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return "" if value is None or isinstance(value, (str, int, float)) else pointer
    return next((found for k, v in items if (found := _not_json_at(v, pointer_join(pointer, k)))), "")


def _compile(loaded, options: Options, vocab: Vocabulary,
             max_compile_seconds: float | None = MAX_COMPILE_SECONDS) -> CFGGrammar:
    with time_limit(max_compile_seconds):
        return _compile_in_time(loaded, options, vocab)


def _compile_in_time(loaded, options: Options, vocab: Vocabulary) -> CFGGrammar:
    _, emitter, start = _emit(loaded, options, for_compile=True)
    prebuilt = emitter.prebuilt
    try:
        rules = emitter.bnf(start)
        finish_parser = start_parser(rules, "start")    # a large grammar's tables build meanwhile
        distinct = None
        if emitter.guard_terms:
            distinct = DistinctItems(emitter.guard_domains, frozenset({emitter.punct[","]}),
                                     frozenset(emitter.punct.values()), vocab)
        grammar = CFGGrammar(emitter.grammar(start, rules), vocab, all_readings=True,
                             terminal_dfas=prebuilt, distinct=distinct, finish_parser=finish_parser)
    except GrammarError as e:
        raise UnsupportedSchemaError("schema", "#", f"the generated grammar does not compile: {e}") from None
    grammar.ignored_keywords = emitter.ignored
    return grammar


__all__ = ["compile_json_schema", "json_schema_to_lark"]
