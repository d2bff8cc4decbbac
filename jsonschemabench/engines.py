"""Engine adapters: one interface for constrain and the peer libraries.

Every adapter is built from a local `tokenizer.json` (never the network) and offers

    compile(schema) -> grammar          raises one of `compile_errors` for an unsupported schema
    start(grammar) -> matcher           a fresh cursor at the start of the output
    mask(matcher)                       computes the next-token mask (the timed call)
    accept(matcher, token) -> bool      False (and no advance) for a forbidden token
    can_end(matcher) -> bool            whether EOS is allowed now

An exception outside `compile_errors` is a bug of the engine, recorded as a crash.
Engines are named in `ENGINES`; any other spec `module:Class` names a class taking the
tokenizer path (how tests plug in fake engines).
"""
from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path

import numpy as np

from constrain import ConstrainError, Vocabulary
from constrain.grammars.json_schema import compile_json_schema


class ConstrainEngine:
    """constrain.compile_json_schema; the base of the adapters (defaults: constrain's Matcher calls).

    An adapter sets `vocab` (constrain's view of the tokenizer: size and EOS ids) and overrides
    what its library does differently.
    """

    name = "constrain"
    compile_errors: tuple[type[BaseException], ...] = (ConstrainError,)

    def __init__(self, tokenizer_json: Path):
        self.vocab = Vocabulary.from_file(tokenizer_json)
        self.setup(tokenizer_json)

    def setup(self, tokenizer_json: Path) -> None:
        """Build what the engine needs once per tokenizer, before any schema is timed: here the
        vocabulary's token trie and fingerprint (built on first use otherwise, which would
        charge the first schema's time to first mask with them); a peer builds its library's
        tokenizer-side objects instead."""
        self.vocab.prepare()

    def compile(self, schema):
        return compile_json_schema(schema, self.vocab)

    def start(self, grammar):
        return grammar.matcher()

    def mask(self, m):
        m.next_token_mask()

    def accept(self, m, token: int) -> bool:
        return m.accept_token(token)

    def can_end(self, m) -> bool:
        return m.can_end()


def _hf_tokenizer(tokenizer_json: Path):
    from transformers import PreTrainedTokenizerFast
    return PreTrainedTokenizerFast(tokenizer_file=str(tokenizer_json))


class PeerEngine(ConstrainEngine):
    """A peer library's adapter: `module` is imported when it is built (ImportError when absent),
    and any exception while compiling is the library saying it cannot compile the schema."""

    module = ""
    compile_errors = (Exception,)

    def __init__(self, tokenizer_json: Path):
        self.lib = importlib.import_module(self.module)
        super().__init__(tokenizer_json)


class LLGuidanceEngine(PeerEngine):
    """llguidance: JSON Schema with flexible whitespace."""

    name = module = "llguidance"

    def setup(self, tokenizer_json: Path) -> None:
        import llguidance.hf
        import llguidance.numpy
        self.tokenizer = llguidance.hf.from_tokenizer(_hf_tokenizer(tokenizer_json), n_vocab=self.vocab.size,
                                                      eos_token=list(self.vocab.eos_token_ids))
        self.bitmask = llguidance.numpy.allocate_token_bitmask(1, self.tokenizer.vocab_size)

    def compile(self, schema):
        grammar = self.lib.LLMatcher.grammar_from_json_schema(schema, defaults={"whitespace_flexible": True})
        probe = self.lib.LLMatcher(self.tokenizer, grammar)
        if probe.is_error():
            raise ValueError(probe.get_error())
        return grammar

    def start(self, grammar):
        return self.lib.LLMatcher(self.tokenizer, grammar, log_level=0)

    def mask(self, m):
        self.lib.numpy.fill_next_token_bitmask(m, self.bitmask, 0)

    def accept(self, m, token: int) -> bool:
        return m.consume_token(token) and not m.is_error()

    def can_end(self, m) -> bool:
        return m.is_accepting()


class XGrammarEngine(PeerEngine):
    """xgrammar: any whitespace, strict mode (its default), one compiler thread."""

    name = module = "xgrammar"

    def setup(self, tokenizer_json: Path) -> None:
        xgrammar = self.lib
        info = xgrammar.TokenizerInfo.from_huggingface(_hf_tokenizer(tokenizer_json), vocab_size=self.vocab.size,
                                                       stop_token_ids=list(self.vocab.eos_token_ids))
        self.compiler = xgrammar.GrammarCompiler(info, max_threads=1)
        self.bitmask = xgrammar.allocate_token_bitmask(1, info.vocab_size)

    def compile(self, schema):
        return self.compiler.compile_json_schema(json.dumps(schema), any_whitespace=True, strict_mode=True)

    def start(self, grammar):
        return self.lib.GrammarMatcher(grammar)

    def mask(self, m):
        m.fill_next_token_bitmask(self.bitmask, 0)

    def can_end(self, m) -> bool:
        return m.is_completed()


class OutlinesCoreEngine(PeerEngine):
    """outlines_core: the schema's regex (default whitespace `[ ]?`) indexed over the vocabulary."""

    name = module = "outlines_core"

    def setup(self, tokenizer_json: Path) -> None:
        eos = self.vocab.eos_token_ids
        by_bytes: dict[bytes, list[int]] = {}
        for i, b in enumerate(self.vocab.tokens):
            if b is not None and i not in eos:
                by_bytes.setdefault(b, []).append(i)
        self.vocabulary = self.lib.Vocabulary(eos[0], by_bytes)
        self.bits = np.zeros(self.vocab.n_words, dtype=np.uint32)

    def compile(self, schema):
        regex = self.lib.json_schema.build_regex_from_schema(json.dumps(schema))
        return self.lib.Index(regex, self.vocabulary)

    def start(self, grammar):
        return self.lib.Guide(grammar)

    def mask(self, m):
        m.write_mask_into(self.bits.ctypes.data, self.bits.size, 4)

    def accept(self, m, token: int) -> bool:
        try:
            m.advance(token, return_tokens=False)
        except ValueError:  # "No next state found": a forbidden token, the state is unchanged
            return False
        return True

    def can_end(self, m) -> bool:
        return m.is_finished()


ENGINES = {cls.name: cls for cls in (ConstrainEngine, LLGuidanceEngine, XGrammarEngine, OutlinesCoreEngine)}


def engine_class(spec: str) -> type:
    """The adapter class for an engine name or a `module:Class` spec."""
    if spec in ENGINES:
        return ENGINES[spec]
    module, sep, cls = spec.partition(":")
    if not sep:
        raise ValueError(f"unknown engine {spec!r}: one of {sorted(ENGINES)} or module:Class")
    return getattr(importlib.import_module(module), cls)


def installed_engines() -> list[str]:
    """The named engines whose library can be imported here."""
    return [name for name, cls in ENGINES.items()
            if importlib.util.find_spec(getattr(cls, "module", "") or "constrain") is not None]
