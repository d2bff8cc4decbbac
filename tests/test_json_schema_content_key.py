"""Subschemas equal but for what asserts nothing (annotations, vendor keywords) share one rule;
subschemas that differ in anything asserted, or in names and data that look like annotations,
do not; and sharing never lets an assertion slip past the checks of the emitter."""
from __future__ import annotations

import copy
import json
import random

import pytest

import constrain
from constrain import UnsupportedSchemaError
from constrain.data import data_dir
from constrain.grammars.json_schema.content_key import ContentKeys
from constrain.grammars.json_schema.emit import Emitter, Options
from constrain.grammars.json_schema.normalize import SchemaDoc, load_schema
from jsonschemabench.data import load_rows
from tests.conftest import require_path
from tests.test_json_schema import accepts, llama3  # noqa: F401 (a fixture)

REF = {"type": "object", "properties": {"curie": {"type": "string", "pattern": "^[a-z]+:[a-z]+$"},
                                        "id": {"type": "string", "maxLength": 20}},
       "required": ["curie", "id"], "additionalProperties": False}


def _annotated(description: str) -> dict:
    return {**REF, "description": description, "title": description, "x-vendor": {"rule": description},
            "properties": {name: {**sub, "$comment": description} for name, sub in REF["properties"].items()}}


def _rule_count(schema) -> int:
    return sum(1 for line in constrain.json_schema_to_lark(schema).splitlines() if ": " in line and line[0].islower())


def test_annotations_and_vendor_keywords_do_not_split_rules():
    keys = ContentKeys()
    assert keys.key(_annotated("made by"), "") == keys.key(REF, "")
    same = {"type": "object", "properties": {"creator": REF, "updater": REF}}
    annotated = {"type": "object", "properties": {"creator": _annotated("made by"), "updater": _annotated("changed by")}}
    assert _rule_count(annotated) == _rule_count(same) < _rule_count(
        {"type": "object", "properties": {"creator": REF, "updater": {**REF, "required": ["id"]}}})


@pytest.mark.parametrize("a,b", [
    ({"properties": {"title": {"type": "string"}}}, {"properties": {"description": {"type": "string"}}}),
    ({"enum": [{"title": 1}]}, {"enum": [{"title": 2}]}),
    ({"type": "string"}, {"type": "string", "contentEncoding": "base64"}),
    ({"$ref": "#/$defs/a"}, {"$id": "other.json", "$ref": "#/$defs/a"}),
    ({"dependencies": {"a": ["b"]}}, {"dependencies": {"a": ["c"]}}),
    ({"items": [{"type": "string"}]}, {"items": [{"type": "string", "minLength": 1}]}),
])
def test_what_looks_like_an_annotation_but_is_a_name_or_data_keeps_its_own_key(a, b):
    keys = ContentKeys()
    assert keys.key(a, "") != keys.key(b, "")


def test_keys_follow_content_not_identity_and_base():
    """Nodes are remembered by identity, keys interned by content: an equal copy, or the same
    subschema met inside another, has the key of the original; another base does not."""
    keys = ContentKeys()
    outer = {"type": "array", "items": REF}
    assert keys.key(copy.deepcopy(REF), "") == keys.key(REF, "") != keys.key(REF, "other.json")
    assert keys.key(outer, "") == keys.key(copy.deepcopy(outer), "") != keys.key({"type": "array", "items": True}, "")
    assert keys.key({"items": [REF]}, "") != keys.key({"items": REF}, "")


def test_names_that_look_like_annotations_keep_their_own_rules(llama3):
    vocab, tok = llama3
    schema = {"type": "object", "additionalProperties": False, "required": ["a", "b"], "properties": {
        "a": {"type": "object", "properties": {"title": {"type": "string"}}, "additionalProperties": False},
        "b": {"type": "object", "properties": {"description": {"type": "string"}}, "additionalProperties": False}}}
    grammar = constrain.compile_json_schema(schema, vocab)
    assert accepts(grammar, tok, json.dumps({"a": {"title": "x"}, "b": {"description": "y"}}))
    assert not accepts(grammar, tok, json.dumps({"a": {"description": "y"}, "b": {"title": "x"}}))


def test_an_old_draft_content_assertion_is_refused_after_an_equal_schema_without_it(llama3):
    vocab, _ = llama3
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {
        "plain": {"type": "string", "description": "text"},
        "encoded": {"type": "string", "contentEncoding": "base64"}}}
    with pytest.raises(UnsupportedSchemaError) as e:
        constrain.compile_json_schema(schema, vocab)
    assert e.value.keyword == "contentEncoding" and e.value.pointer == "#/properties/encoded"
    lenient = constrain.compile_json_schema(schema, vocab, lenient=True)
    assert ("contentEncoding", "#/properties/encoded") in lenient.ignored_keywords


def test_a_shared_rule_keeps_its_body_after_a_sibling_admits_no_value(llama3):
    # "bad" requires a name it forbids: its rule is dropped after the integer rule inside it
    # was made and memoized; "again" shares that rule, so it must still read integers >= 3
    # (rule names were once taken from the rule count, which the drop lowered, and the next
    # rule made, outer's additional members, took the integer rule's name)
    vocab, tok = llama3
    bad = {"type": "object", "properties": {"score": {"type": "integer", "minimum": 3}},
           "additionalProperties": False, "required": ["score", "missing"]}
    schema = {"type": "object", "properties": {"outer": {"type": "object", "properties": {"first": {}, "bad": bad}},
                                               "again": {"type": "integer", "minimum": 3}},
              "additionalProperties": False}
    grammar = constrain.compile_json_schema(schema, vocab)
    assert accepts(grammar, tok, '{"again": 5}')
    assert accepts(grammar, tok, '{"outer": {"first": 1, "x": 2}, "again": 3}')
    assert not accepts(grammar, tok, '{"again": 2}')
    assert not accepts(grammar, tok, '{"again": "x": 1}')


class _NamedOnce(dict):
    """Emitter rules that fail when a name is given a second body (a placeholder "" may be
    filled once)."""

    def __setitem__(self, name, body):
        if self.get(name, "") not in ("", body):
            raise AssertionError(f"rule {name} given a second body: {self[name]!r}, then {body!r}")
        super().__setitem__(name, body)


COLLIDED = ["Github_hard/o10293", "Github_hard/o10296", "Github_ultra/o39449", "Github_ultra/o65975",
            "JsonSchemaStore/typo3"]     # dev-split schemas whose rules were once overwritten


def test_no_rule_name_is_given_two_bodies_on_dev_split_schemas():
    folder = require_path(data_dir() / "jsonschemabench")
    rows = load_rows(["Github_hard", "Github_ultra", "JsonSchemaStore"], None, 0, folder)
    picked = [r for r in rows if r["id"] in COLLIDED] + random.Random(1).sample(rows, 60)
    assert {r["id"] for r in picked} >= set(COLLIDED)
    emitted = 0
    for row in picked:
        try:
            doc = SchemaDoc(load_schema(row["schema"]))
            emitter = Emitter(doc, Options(), for_compile=True)
            emitter.rules = _NamedOnce()
            emitter.value(doc.root, "#")
        except (constrain.ConstrainError, RecursionError):
            continue
        emitted += 1
    assert emitted >= 50
