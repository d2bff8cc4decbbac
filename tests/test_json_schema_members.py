"""Object members in schema order (members.py), against jsonschema as the oracle: every
member sequence of a small object (the named properties in schema order, then additional
members) is accepted exactly when it is valid, over every mix of required and optional
properties, member counts and additionalProperties."""
from __future__ import annotations

import itertools
import json

import jsonschema
import pytest

import constrain
from constrain.grammars.json_schema import json_schema_to_lark
from tests.test_json_schema import accepts, llama3  # noqa: F401 (a fixture)

NAMES = ("a", "b", "c")
EXTRA = {"x": 1, "y": 2}


def _instances():
    """Every subset of NAMES in order, followed by none, one or two additional members."""
    for size in range(len(NAMES) + 1):
        for named in itertools.combinations(NAMES, size):
            for more in range(len(EXTRA) + 1):
                yield {**{k: "v" for k in named}, **dict(list(EXTRA.items())[:more])}


@pytest.mark.parametrize("required", [list(r) for n in range(4) for r in itertools.combinations(NAMES, n)])
@pytest.mark.parametrize("extra", [True, False])
def test_members_in_schema_order_are_accepted_exactly_when_valid(llama3, required, extra):
    vocab, tok = llama3
    for mn, mx in itertools.product((0, 1, 2), (None, 1, 2, 3)):
        schema = {"type": "object", "properties": {k: {"type": "string"} for k in NAMES},
                  "required": required, "additionalProperties": extra, "minProperties": mn}
        if mx is not None:
            schema["maxProperties"] = mx
        try:
            grammar = constrain.compile_json_schema(schema, vocab, whitespace="compact")
        except constrain.UnsupportedSchemaError as e:
            empty = mx is not None and mx < max(mn, len(required))
            counted = extra and mn >= len(required) + 2         # two or more additional members
            assert (empty and e.keyword == "schema" and "admits no value" in str(e)
                    or counted and e.keyword == "minProperties"), (schema, e)
            continue
        for instance in _instances():
            text = json.dumps(instance, separators=(",", ":"))
            valid = jsonschema.Draft202012Validator(schema).is_valid(instance)
            assert accepts(grammar, tok, text) == valid, (schema, text, valid)


def test_the_members_before_the_first_are_one_rule_not_a_chain():
    """Which property comes first is one rule's choice (an alternative per property that may
    come first), not a chain of rules that skip one property each."""
    schema = {"type": "object", "properties": {f"p{i}": {"type": "integer"} for i in range(12)},
              "additionalProperties": False}
    first_rule = next(line for line in json_schema_to_lark(schema).splitlines()
                      if line.count("|") >= 12)
    assert first_rule.count("|") == 12, first_rule      # 12 first properties, or none
