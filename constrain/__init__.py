"""constrain: make a language model's output follow a regex, a grammar, a JSON Schema or a
knowledge-graph path — exactly, fast, and without distorting the model's distribution.

Where things live: `constrain/vocab.py` (token bytes), `constrain/automata/` (byte DFAs and
the mask store: `mask_store.py` is where a token mask is computed), `constrain/matcher.py`
(the Matcher contract), `constrain/grammars/` (front ends), `csrc/` (the C++ trie walks).
"""
from constrain.errors import (
    AutomatonTooLargeError,
    CompileTimeLimitError,
    ConstrainError,
    GrammarError,
    RegexError,
    SchemaError,
    TokenError,
    UnsupportedRegexError,
    UnsupportedSchemaError,
    VocabularyError,
)
from constrain.grammars.builtin import builtin_grammar
from constrain.grammars.cfg_matcher import compile_builtin, compile_lark
from constrain.grammars.json_schema import compile_json_schema, json_schema_to_lark
from constrain.grammars.regex import compile_regex
from constrain.matcher import CompiledGrammar, Matcher
from constrain.vocab import Vocabulary

__all__ = [
    "AutomatonTooLargeError",
    "CompiledGrammar",
    "CompileTimeLimitError",
    "Matcher",
    "builtin_grammar",
    "compile_builtin",
    "compile_json_schema",
    "compile_lark",
    "compile_regex",
    "ConstrainError",
    "generate",
    "generate_json",
    "load_model",
    "LogitsProcessor",
    "GrammarError",
    "json_schema_to_lark",
    "RegexError",
    "SchemaError",
    "TokenError",
    "UnsupportedRegexError",
    "UnsupportedSchemaError",
    "Vocabulary",
    "VocabularyError",
]
__version__ = "0.1.0"

from constrain.grammars.kg import KnowledgeGraph, compile_kg_paths  # noqa: E402

__all__ += ["KnowledgeGraph", "compile_kg_paths"]

# Decoding with a model: loaded on first use, so `import constrain` stays free of torch/transformers.
_LAZY = {
    "LogitsProcessor": "constrain.samplers.logits_processor",
    "generate": "constrain.generation",
    "generate_json": "constrain.generation",
    "load_model": "constrain.models",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'constrain' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
