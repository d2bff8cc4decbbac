"""constrain: make a language model's output follow a regex, a grammar, a JSON Schema or a
knowledge-graph path — exactly, fast, and without distorting the model's distribution.

Where things live: `constrain/vocab.py` (token bytes), `constrain/automata/` (byte DFAs and
the mask store: `mask_store.py` is where a token mask is computed), `constrain/matcher.py`
(the Matcher contract), `constrain/grammars/` (front ends), `csrc/` (the C++ trie walks).
"""
from constrain.errors import (
    AutomatonTooLargeError,
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
from constrain.grammars.regex import compile_regex
from constrain.matcher import CompiledGrammar, Matcher
from constrain.vocab import Vocabulary

__all__ = [
    "AutomatonTooLargeError",
    "CompiledGrammar",
    "Matcher",
    "builtin_grammar",
    "compile_builtin",
    "compile_lark",
    "compile_regex",
    "ConstrainError",
    "GrammarError",
    "RegexError",
    "SchemaError",
    "TokenError",
    "UnsupportedRegexError",
    "UnsupportedSchemaError",
    "Vocabulary",
    "VocabularyError",
]
__version__ = "0.1.0"
