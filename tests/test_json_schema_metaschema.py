"""The flattened 2020-12 / 2019-09 metaschemas (metaschema.py) judge schemas exactly as
jsonschema's own metaschema check does: on the Test Suite's schemas, on a fixed sample of
JSONSchemaBench schemas, and on hand-written invalid schemas."""
from __future__ import annotations

import json
import random

import pytest
from jsonschema import validators

from constrain.data import data_dir
from constrain.errors import SchemaError
from constrain.grammars.json_schema.metaschema import flattened, metaschema_validator
from constrain.grammars.json_schema.normalize import SchemaDoc
from jsonschemabench.data import load_rows, subsets
from tests.conftest import require_path

DRAFTS = [validators.Draft202012Validator, validators.Draft201909Validator]
INVALID = [
    {"type": "strin"}, {"type": 3}, {"minLength": -1}, {"minLength": 1.5}, {"required": "a"},
    {"properties": {"a": 3}}, {"items": [3]}, {"pattern": "(unclosed"}, {"enum": "x"},
    {"allOf": []}, {"anyOf": [{"type": "string"}, 7]}, {"$defs": {"a": {"maxItems": "1"}}},
    {"properties": {"a": {"properties": {"b": {"type": ["string", "strin"]}}}}},
    {"dependentRequired": {"a": [1]}}, {"$ref": 5}, {"uniqueItems": "yes"},
]


def _official(cls):
    meta = validators.validator_for(cls.META_SCHEMA, default=cls)
    return meta(schema=cls.META_SCHEMA, format_checker=meta.FORMAT_CHECKER)


def _schemas() -> list:
    folder = require_path(data_dir() / "jsonschemabench")
    suite = load_rows(["jsts_draft2020-12", "jsts_draft7"], None, 0, folder)
    bench = random.Random(0).sample(load_rows(subsets(folder), None, 0, folder), 150)
    return [row["schema"] for row in suite + bench]


def _references(node):
    """Every (keyword, string value) of a reference keyword in `node` (property names that
    spell a keyword map to schemas, not strings)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("$ref", "$dynamicRef", "$recursiveRef") and isinstance(v, str):
                yield k, v
            else:
                yield from _references(v)
    elif isinstance(node, list):
        for v in node:
            yield from _references(v)


@pytest.mark.parametrize("cls", DRAFTS, ids=lambda c: c.__name__)
def test_flattened_metaschema_agrees_with_jsonschema(cls):
    official, fast = _official(cls), metaschema_validator(cls)
    schemas = _schemas() + INVALID
    disagree = [s for s in schemas
                if (next(official.iter_errors(s), None) is None) != (next(fast.iter_errors(s), None) is None)]
    assert not disagree, disagree[:3]
    assert all(next(fast.iter_errors(s), None) is not None for s in INVALID)


@pytest.mark.parametrize("cls", DRAFTS, ids=lambda c: c.__name__)
def test_flattened_metaschema_is_one_document(cls):
    refs = list(_references(flattened(cls.META_SCHEMA)))
    assert refs and all(k == "$ref" and v.startswith("#") for k, v in refs)


@pytest.mark.parametrize("schema", INVALID, ids=str)
def test_invalid_schemas_raise_schema_error_with_pointer(schema):
    with pytest.raises(SchemaError) as info:
        SchemaDoc(schema)
    assert str(info.value)


def test_a_schema_invalid_in_several_places_names_the_one_at_the_least_path():
    """The reported error does not depend on jsonschema's order of errors (which varied with
    the hash seed): it is the one at the least path, here the first property's enum."""
    schema = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "properties": {
        "b": {"enum": ["y", "y"]}, "a": {"enum": ["x", "x"]}, "c": {"type": "nothing"}}}
    with pytest.raises(SchemaError) as info:
        SchemaDoc(schema)
    assert info.value.pointer == "#/properties/a/enum"
