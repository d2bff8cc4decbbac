"""Fragment-only `$ref`s and `$id` anchors inside resources named by non-hierarchical URIs
(`urn:`, `tag:`): they resolve within that resource, as the spec (and `jsonschema`) says,
not against the root document (urllib's urljoin leaves such bases out)."""
from __future__ import annotations

import json

import jsonschema
import pytest

import constrain
from constrain.grammars.json_schema.normalize import split_reference
from tests.test_json_schema import accepts, llama3  # noqa: F401 (a fixture)

# "#/$defs/b" inside urn:example:a is that resource's b (an integer), not the root's (a string)
URN_POINTER = {"$defs": {"b": {"type": "string"},
                         "a": {"$id": "urn:example:a", "$defs": {"b": {"type": "integer"}},
                               "type": "object", "properties": {"x": {"$ref": "#/$defs/b"}}, "required": ["x"]}},
               "$ref": "#/$defs/a"}
TAG_ANCHOR = {"$defs": {"a": {"$id": "tag:example.com,2026:a", "type": "array", "items": {"$ref": "#num"},
                              "$defs": {"n": {"$anchor": "num", "type": "integer"}}}},
              "$ref": "#/$defs/a"}
OLD_DRAFT_ID_ANCHOR = {"$schema": "http://json-schema.org/draft-07/schema#",
                       "definitions": {"a": {"$id": "urn:example:b", "type": "array", "items": {"$ref": "#num"},
                                             "definitions": {"n": {"$id": "#num", "type": "integer"}}}},
                       "allOf": [{"$ref": "#/definitions/a"}]}


@pytest.mark.parametrize("schema, good, bad", [
    (URN_POINTER, {"x": 1}, {"x": "s"}),
    (TAG_ANCHOR, [1, 2], ["s"]),
])
def test_fragment_refs_stay_in_their_urn_or_tag_resource(llama3, schema, good, bad):
    vocab, tok = llama3
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert validator.is_valid(good) and not validator.is_valid(bad)
    grammar = constrain.compile_json_schema(schema, vocab)
    assert accepts(grammar, tok, json.dumps(good)) and not accepts(grammar, tok, json.dumps(bad))


def test_an_id_next_to_a_ref_sets_the_base_from_2019_09_on(llama3):
    """From Draft 2019-09 `$ref` is one keyword among others: an `$id` beside it still names
    the resource, so "nested.json" below is http://x.org/s/nested.json. Before 2019-09 the
    `$ref` overrides its siblings, `$id` included: the same reference is then remote."""
    vocab, tok = llama3
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "http://x.org/s/root",
              "$ref": "http://x.org/s/nested.json#foo",
              "$defs": {"A": {"$id": "nested.json", "$defs": {"B": {"$anchor": "foo", "type": "integer"}}}}}
    grammar = constrain.compile_json_schema(schema, vocab)
    assert accepts(grammar, tok, "1") and not accepts(grammar, tok, '"a"')
    old = {"$schema": "http://json-schema.org/draft-07/schema#", "$id": "http://x.org/s/root",
           "$ref": "http://x.org/s/nested.json#/definitions/B",
           "definitions": {"A": {"$id": "nested.json", "definitions": {"B": {"type": "integer"}}}}}
    with pytest.raises(constrain.UnsupportedSchemaError, match="remote reference"):
        constrain.compile_json_schema(old, vocab)


def test_a_resource_merged_into_another_place_refuses_its_fragment_refs(llama3):
    """allOf/$ref merging writes a resource's keywords where the reference is, outside the
    resource, so its references would be read against the wrong base: an explicit error,
    never a grammar of the root's same-named anchor; lenient mode drops and reports it."""
    vocab, _ = llama3
    clash = {**OLD_DRAFT_ID_ANCHOR, "definitions": {**OLD_DRAFT_ID_ANCHOR["definitions"],
                                                    "s": {"$id": "#num", "type": "string"}}}
    for schema in (OLD_DRAFT_ID_ANCHOR, clash):
        with pytest.raises(constrain.UnsupportedSchemaError, match="another resource") as info:
            constrain.compile_json_schema(schema, vocab)
        assert info.value.pointer == "#/allOf/0"
    assert ("$ref", "#/allOf/0") in constrain.compile_json_schema(clash, vocab, lenient=True).ignored_keywords


@pytest.mark.parametrize("base, ref, expected", [
    ("urn:example:a", "#/$defs/b", ("urn:example:a", "/$defs/b")),
    ("tag:x,2026:a", "#num", ("tag:x,2026:a", "num")),
    ("", "#/a", ("", "/a")),
    ("http://x.org/s.json", "#/a", ("http://x.org/s.json", "/a")),
    ("http://x.org/dir/s.json", "t.json#/b", ("http://x.org/dir/t.json", "/b")),
    ("urn:example:a", "urn:example:c#/d", ("urn:example:c", "/d")),
])
def test_references_split_against_their_base(base, ref, expected):
    assert split_reference(base, ref) == expected
