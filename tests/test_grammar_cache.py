"""The compiled-grammar cache: a grammar is kept once its key is compiled a second time,
found while in use before that, and never returned for another key."""
import gc
import weakref
from decimal import Decimal

import pytest

from constrain import SchemaError, UnsupportedSchemaError, compile_json_schema
from constrain.grammar_cache import GrammarCache
from tests.test_json_schema import llama3  # noqa: F401 (a fixture)


class Grammar:
    """A stand-in for a compiled grammar (weakly referenceable)."""


def test_a_key_compiled_once_is_found_only_while_in_use():
    cache = GrammarCache(4)
    grammar = Grammar()
    assert cache.put("a", grammar) is grammar
    assert cache.get("a") is grammar
    # that get was a second request: the grammar is kept now
    del grammar
    gc.collect()
    assert cache.get("a") is not None

    other = Grammar()
    cache.put("b", other)
    dropped = weakref.ref(other)
    del other
    gc.collect()
    assert dropped() is None
    assert cache.get("b") is None


def test_a_key_compiled_twice_is_kept():
    cache = GrammarCache(4)
    first = Grammar()
    cache.put("a", first)
    del first
    gc.collect()
    assert cache.get("a") is None
    second = Grammar()
    assert cache.put("a", second) is second
    del second
    gc.collect()
    assert isinstance(cache.get("a"), Grammar)


def test_kept_grammars_are_bounded_first_in_first_out():
    cache = GrammarCache(2)
    for key in "abc":
        cache.put(key, Grammar())
    for key in "abc":       # the second compile of each
        cache.put(key, Grammar())
    gc.collect()
    assert cache.get("a") is None
    assert cache.get("b") is not None and cache.get("c") is not None
    assert len(cache) == 2


def test_put_returns_the_grammar_recorded_first():
    cache = GrammarCache(2)
    first, racing = Grammar(), Grammar()
    assert cache.put("a", first) is first
    assert cache.put("a", racing) is first


def test_compile_json_schema_reuses_a_grammar_in_use_and_frees_one_off_schemas(llama3):
    vocab, _ = llama3
    schema = {"type": "object", "properties": {"cache_test_one_off": {"type": "integer"}}}
    grammar = compile_json_schema(schema, vocab)
    assert compile_json_schema(schema, vocab) is grammar
    one_off = compile_json_schema({"type": "array", "items": {"const": "cache_test_only_once"}}, vocab)
    freed = weakref.ref(one_off)
    del one_off
    gc.collect()
    assert freed() is None


def test_json_schema_keys_tell_values_apart_and_refuse_what_is_not_json(llama3):
    vocab, _ = llama3
    grammars = [compile_json_schema({"const": value}, vocab) for value in (1, True, 1.0, "1", [1], None)]
    assert len({id(g) for g in grammars}) == len(grammars)
    assert compile_json_schema({"const": 1.0}, vocab) is grammars[2]
    with pytest.raises(SchemaError, match="not JSON data: Object of type Decimal"):
        compile_json_schema({"const": Decimal(1)}, vocab)
    with pytest.raises(SchemaError, match=r"at #/properties/a~1b/enum/1\)") as raised:
        compile_json_schema({"properties": {"a/b": {"enum": ["x", Decimal("1.5")]}}}, vocab)
    assert raised.value.pointer == "#/properties/a~1b/enum/1"
    with pytest.raises(SchemaError, match=r"not JSON data: Object of type set .*at #/enum/1\)"):
        compile_json_schema({"enum": ["x", {1, 2}]}, vocab)         # a value marshal takes
    deep = {"type": "array"}
    for _ in range(3000):          # past marshal's depth limit, and json.dumps' recursion limit
        deep = {"type": "array", "items": deep}
    with pytest.raises(UnsupportedSchemaError, match="nesting too deep"):
        compile_json_schema(deep, vocab)
