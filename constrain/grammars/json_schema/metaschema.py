"""Metaschema validation (the `SchemaError` check), fast for the vocabulary-split drafts.

The Draft 2020-12 and 2019-09 metaschemas are a root that `allOf`s one document per
vocabulary, linked by `$dynamicRef: "#meta"` / `$recursiveRef: "#"`. jsonschema resolves
those dynamically at every step, which made the check several times slower than a Draft 7
check. `flattened(meta)` is the same metaschema as one document: each vocabulary document is
embedded under `$defs`, every `$ref` points into the one document, and the dynamic
references become `$ref: "#"`. That is exact when the metaschema is the entry point: the
outermost schema with the dynamic anchor is then its root. The vocabularies' properties are
then merged into the root (they are disjoint), which makes the check as fast as Draft 7's.

Invariant: `metaschema_validator(cls)` reports an error for a schema iff `cls.check_schema`
does (tests/test_json_schema_metaschema.py checks this on the benchmark's schemas).
"""
from __future__ import annotations

import functools
from urllib.parse import urldefrag, urljoin

from jsonschema import validators
from jsonschema_specifications import REGISTRY

_EMBEDDED = "__vocabulary_"
_DYNAMIC = ("$dynamicRef", "$recursiveRef")
_DROPPED = ("$id", "$schema", "$vocabulary", "$dynamicAnchor", "$recursiveAnchor")
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies")
_LITERALS = ("enum", "const", "default", "examples", "type", "required")


@functools.lru_cache(maxsize=None)
def metaschema_validator(cls):
    """A validator of schemas of `cls`'s draft (what `cls.check_schema` validates with), built once."""
    meta = validators.validator_for(cls.META_SCHEMA, default=cls)
    schema = flattened(cls.META_SCHEMA) if _is_split(cls.META_SCHEMA) else cls.META_SCHEMA
    return meta(schema=schema, format_checker=meta.FORMAT_CHECKER)


def _is_split(meta: dict) -> bool:
    return any(isinstance(part, dict) and "$ref" in part for part in meta.get("allOf", ()))


def flattened(meta: dict) -> dict:
    """`meta` (a metaschema with an `$id`) with the documents it references embedded."""
    root_uri = meta["$id"]
    documents = {root_uri: ""}             # document URI -> JSON pointer of its copy
    pending = [root_uri]
    out: dict = {}
    while pending:
        uri = pending.pop()
        body = _rewrite(REGISTRY.contents(uri) if uri != root_uri else meta, uri, documents, pending)
        if uri == root_uri:
            out.update(body)
        else:
            out.setdefault("$defs", {})[documents[uri].rsplit("/", 1)[1]] = body
    return _merged_vocabularies(out)


def _merged_vocabularies(meta: dict) -> dict:
    """`meta` with its `allOf` of vocabulary documents merged into the root where that is the
    same schema: each part only adds properties the root and the other parts do not constrain
    (and repeats the root's `type`). A `$ref` costs jsonschema a lookup per validated node."""
    parts = [meta["$defs"][ref.rsplit("/", 1)[1]] for ref in (p.get("$ref", "") for p in meta.get("allOf", ()))
             if ref.startswith("#/$defs/" + _EMBEDDED)]
    if len(parts) != len(meta.get("allOf", ())):
        return meta
    properties = dict(meta.get("properties", {}))
    for part in parts:
        if set(part) - {"properties", "type", "title", "$comment", "$defs"} or part.get("type", meta.get("type")) != meta.get("type"):
            return meta
        if set(part.get("properties", {})) & set(properties):
            return meta
        properties.update(part.get("properties", {}))
    merged = {k: v for k, v in meta.items() if k != "allOf"}
    merged["properties"] = properties
    return merged


def _rewrite(schema, base: str, documents: dict, pending: list):
    """A copy of `schema` whose references point into the flattened document."""
    if isinstance(schema, list):
        return [_rewrite(item, base, documents, pending) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in _DROPPED:
            continue
        if key in _DYNAMIC:
            out["$ref"] = "#"
        elif key == "$ref":
            uri, fragment = urldefrag(urljoin(base, value))
            if uri not in documents:
                documents[uri] = f"/$defs/{_EMBEDDED}{len(documents)}"
                pending.append(uri)
            out["$ref"] = "#" + documents[uri] + fragment
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _rewrite(sub, base, documents, pending) for name, sub in value.items()}
        elif key in _LITERALS:
            out[key] = value
        else:
            out[key] = _rewrite(value, base, documents, pending)
    return out
