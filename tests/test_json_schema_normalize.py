"""normalized(): older spellings rewritten into the 2020-12 ones in new dicts, never in the
schema as written (which is the caller's object, and which the emitter reads again)."""
from __future__ import annotations

import json

import constrain
from constrain.grammars.json_schema.normalize import normalized
from tests.test_json_schema import llama3  # noqa: F401 (a fixture)

BOTH_SPELLINGS = {"type": "object", "dependentRequired": {"a": ["b"]},
                  "dependencies": {"c": ["d"], "e": {"required": ["f"]}},
                  "dependentSchemas": {"g": {"required": ["h"]}}}


def test_dependencies_join_the_new_keywords_in_new_dicts():
    schema = json.loads(json.dumps(BOTH_SPELLINGS))
    out = normalized(schema, legacy=False)
    assert out["dependentRequired"] == {"a": ["b"], "c": ["d"]}
    assert out["dependentSchemas"] == {"g": {"required": ["h"]}, "e": {"required": ["f"]}}
    assert "dependencies" not in out
    assert schema == BOTH_SPELLINGS


def test_compiling_leaves_the_schema_as_written(llama3):
    vocab, _ = llama3
    schema = json.loads(json.dumps(BOTH_SPELLINGS))
    constrain.compile_json_schema(schema, vocab)
    assert schema == BOTH_SPELLINGS
