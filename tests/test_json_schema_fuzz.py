"""Differential fuzz: schemas generated from a keyword grammar (hypothesis); texts sampled
from the compiled constraint by walking random allowed tokens (llama3) must parse as JSON and
validate with `jsonschema` whenever the matcher allows the text to end."""
from __future__ import annotations

import json
import random

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import constrain
from constrain import UnsupportedSchemaError, Vocabulary
from jsonschemabench.walk import TokenPicker, walk_once
from tests.conftest import require_tokenizer

_leaf = st.one_of(
    st.just({"type": "boolean"}), st.just({"type": "null"}),
    st.builds(lambda lo, w: {"type": "integer", "minimum": lo, "maximum": lo + w},
              st.integers(-50, 50), st.integers(0, 120)),
    st.builds(lambda lo, ex: {"type": "number", "minimum" if not ex else "exclusiveMinimum": lo / 4, "maximum": lo / 4 + 3},
              st.integers(-20, 20), st.booleans()),
    st.builds(lambda a, b: {"type": "string", "minLength": a, "maxLength": a + b}, st.integers(0, 3), st.integers(0, 4)),
    st.sampled_from([{"type": "string", "pattern": "^[a-c]+x?$"}, {"type": "string", "pattern": "q"},
                     {"type": "string", "format": "date"}, {"enum": ["a", 1, None, [1, 2]]}, {"const": {"k": 1}}]),
)


def _object(children):
    return st.builds(lambda props, req, extra: {
        "type": "object", "properties": dict(zip(("a", "bb", "c\"", "é"), props)),
        "required": [k for k, r in zip(("a", "bb", "c\"", "é"), req) if r][: len(props)],
        "additionalProperties": extra},
        st.lists(children, min_size=0, max_size=3), st.lists(st.booleans(), min_size=3, max_size=3),
        st.sampled_from([False, True, {"type": "integer", "maximum": 3}]))


def _array(children):
    return st.builds(lambda items, lo, w, prefix: {"type": "array", "items": items, "minItems": lo, "maxItems": lo + w,
                                                   **({"prefixItems": prefix} if prefix else {})},
                     children, st.integers(0, 2), st.integers(0, 3), st.lists(children, max_size=2))


schemas = st.recursive(_leaf, lambda c: st.one_of(_object(c), _array(c), st.builds(
    lambda xs: {"anyOf": xs}, st.lists(c, min_size=1, max_size=3)), st.builds(
    lambda a, b: {"allOf": [a, b]}, c, c)), max_leaves=6)


@pytest.fixture(scope="module")
def vocab():
    return Vocabulary.from_file(require_tokenizer("llama3"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=schemas, seed=st.integers(0, 2**16))
def test_sampled_texts_validate(vocab, schema, seed):
    try:
        grammar = constrain.compile_json_schema(schema, vocab, whitespace="compact")
    except UnsupportedSchemaError:
        return
    picker = TokenPicker(vocab, random.Random(seed))
    for _ in range(3):
        text, dead_end = walk_once(grammar, vocab, picker, max_tokens=60)
        assert not dead_end, f"a dead end after {text!r}: no token is allowed and the text cannot end"
        if text is not None:
            jsonschema.validate(json.loads(text), schema, format_checker=jsonschema.FormatChecker())
