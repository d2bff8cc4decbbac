"""`constrain.generate` (constrained text) and `constrain.generate_json` (a validated object).

What the constraint is, by how it is given (exactly one source per call):
- `constraint=` a CompiledGrammar: used as is (it must be compiled against the tokenizer's
  vocabulary); a `str`: a regex (full match); a `dict` or a pydantic model class: a JSON Schema;
- or by keyword, which is how to say what a string means: `regex="..."`, `grammar="<Lark text>"`,
  `schema=<dict | pydantic class | JSON text>`.

The prompt goes through the tokenizer's chat template (one user message) when it has one, else
it is encoded as plain text; a list of `{"role", "content"}` messages is also accepted.
`generate_json` adds the schema to the prompt, and validates the parsed output with `jsonschema`
(a pydantic class gives an instance of it).

Decoding goes through `SAMPLERS`, the one dispatch point from a sampler name to the function
that runs it. Every sampler returns the generated token ids; `generate` checks them against a
fresh matcher (the output must be complete) and spells them with the vocabulary's exact bytes.
"""
from __future__ import annotations

import json
import weakref
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

from constrain.errors import ConstrainError, SchemaError
from constrain.matcher import CompiledGrammar
from constrain.samplers.sampling import tokens_for_request
from constrain.vocab import Vocabulary

DEFAULT_MAX_NEW_TOKENS = 256
SCHEMA_INSTRUCTION = "Reply with a JSON value that follows this JSON Schema:"


@dataclass
class DecodeRequest:
    """Everything a sampler needs to decode one constrained output."""

    model: Any
    tokenizer: Any
    grammar: CompiledGrammar
    prompt_ids: list[int]
    max_new_tokens: int
    generate_kwargs: dict = field(default_factory=dict)


def _hf_generate(request: DecodeRequest, *, do_sample: bool) -> list[int]:
    """One row through `model.generate()` with a `LogitsProcessor` masking every step."""
    import torch
    from transformers import LogitsProcessorList

    from constrain.samplers.logits_processor import LogitsProcessor

    vocab = request.grammar.vocab
    kwargs = dict(request.generate_kwargs)
    pad = kwargs.pop("pad_token_id", None)
    if pad is None:
        pad = getattr(request.tokenizer, "pad_token_id", None)
    if pad is None:
        pad = vocab.eos_token_ids[0]
    processors = LogitsProcessorList(kwargs.pop("logits_processor", None) or [])
    processors.append(LogitsProcessor(request.grammar, pad_token_id=pad))
    device = request.model.device
    input_ids = torch.tensor([request.prompt_ids], dtype=torch.long, device=device)
    with torch.no_grad():
        out = request.model.generate(
            input_ids=input_ids,
            attention_mask=torch.ones_like(input_ids),
            max_new_tokens=request.max_new_tokens,
            do_sample=do_sample,
            pad_token_id=pad,
            eos_token_id=list(vocab.eos_token_ids),
            logits_processor=processors,
            **kwargs,
        )
    return out[0, input_ids.shape[1]:].tolist()


#: sampler name -> function decoding one request. Samplers with their own decoding loop
#: (asap, awrs, smc) are registered here.
SAMPLERS: dict[str, Callable[[DecodeRequest], list[int]]] = {
    "greedy": lambda request: _hf_generate(request, do_sample=False),
    "mask": lambda request: _hf_generate(request, do_sample=True),
    **{name: partial(tokens_for_request, sampler=name) for name in ("asap", "awrs", "smc")},
}


def _sampler(name: str) -> Callable[[DecodeRequest], list[int]]:
    try:
        return SAMPLERS[name]
    except KeyError:
        raise ConstrainError(f"unknown sampler {name!r}; available: {', '.join(sorted(SAMPLERS))}") from None


# --- model, vocabulary, prompt -----------------------------------------------------------------
_VOCABS: "weakref.WeakKeyDictionary[Any, Vocabulary]" = weakref.WeakKeyDictionary()


def vocabulary_of(tokenizer) -> Vocabulary:
    """The Vocabulary of a transformers tokenizer (built once per tokenizer object)."""
    vocab = _VOCABS.get(tokenizer)
    if vocab is None:
        vocab = _VOCABS.setdefault(tokenizer, Vocabulary.from_hf(tokenizer))
    return vocab


def resolve_model(model=None, tokenizer=None):
    """`(model, tokenizer)`: the default model for None, `load_model(name)` for a name or path."""
    from constrain.models import load_model

    if model is None or isinstance(model, str):
        loaded_model, loaded_tokenizer = load_model(model)
        return loaded_model, tokenizer if tokenizer is not None else loaded_tokenizer
    if tokenizer is None:
        raise ConstrainError("a model object needs its tokenizer: pass tokenizer=...")
    return model, tokenizer


def prompt_ids(tokenizer, prompt) -> list[int]:
    """Token ids of `prompt` (a string or a list of chat messages), via the chat template if any."""
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
    if getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return tokenizer(text, add_special_tokens=False)["input_ids"]
    if not isinstance(prompt, str):
        raise ConstrainError("chat messages need a tokenizer with a chat template; give the prompt as text")
    return tokenizer(prompt)["input_ids"]


# --- what the constraint is --------------------------------------------------------------------
def schema_dict(schema) -> dict:
    """A JSON Schema as a dict, from a dict, a pydantic model class or JSON text."""
    if isinstance(schema, dict):
        return schema
    if isinstance(schema, bool):
        return {} if schema else {"not": {}}
    if isinstance(schema, str):
        try:
            value = json.loads(schema)
        except json.JSONDecodeError as exc:
            raise SchemaError(f"the schema is not valid JSON: {exc}") from None
        return schema_dict(value)
    if isinstance(schema, type) and hasattr(schema, "model_json_schema"):
        return schema.model_json_schema()
    raise SchemaError(f"a JSON Schema must be a dict, JSON text or a pydantic model class, not {type(schema).__name__}")


def compile_schema(schema, vocab: Vocabulary) -> CompiledGrammar:
    from constrain.grammars.json_schema import compile_json_schema

    return compile_json_schema(schema_dict(schema), vocab)


def compile_constraint(vocab: Vocabulary, constraint=None, *, regex=None, grammar=None, schema=None) -> CompiledGrammar:
    """The one CompiledGrammar named by exactly one of the arguments (see the module docstring)."""
    given = [(k, v) for k, v in (("constraint", constraint), ("regex", regex), ("grammar", grammar),
                                 ("schema", schema)) if v is not None]
    if len(given) != 1:
        raise ConstrainError("give exactly one constraint: a CompiledGrammar, a regex, grammar= (Lark) or schema=; "
                             f"got {', '.join(k for k, _ in given) or 'none'}")
    kind, value = given[0]
    if kind == "constraint":
        if isinstance(value, CompiledGrammar):
            if value.vocab.fingerprint != vocab.fingerprint:
                raise ConstrainError("the CompiledGrammar was compiled for another vocabulary than the tokenizer's")
            return value
        if isinstance(value, str):
            kind = "regex"
        elif isinstance(value, dict) or (isinstance(value, type) and hasattr(value, "model_json_schema")):
            kind = "schema"
        else:
            raise ConstrainError(f"cannot tell what constraint a {type(value).__name__} is: pass a CompiledGrammar, "
                                 "a regex string, a schema dict or pydantic class, or use regex=/grammar=/schema=")
    if kind == "regex":
        from constrain.grammars.regex import compile_regex

        return compile_regex(value, vocab)
    if kind == "grammar":
        from constrain.grammars.cfg_matcher import compile_lark

        return compile_lark(value, vocab)
    return compile_schema(value, vocab)


# --- the calls ---------------------------------------------------------------------------------
def decode(grammar: CompiledGrammar, model, tokenizer, prompt, *, sampler: str = "greedy",
           max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS, **generate_kwargs) -> str:
    """The text of one complete constrained output of `grammar` after `prompt`."""
    run = _sampler(sampler)
    ids = run(DecodeRequest(model, tokenizer, grammar, prompt_ids(tokenizer, prompt), max_new_tokens, generate_kwargs))
    matcher = grammar.matcher()
    vocab = grammar.vocab
    ends = [i for i, t in enumerate(ids) if t in vocab.eos_token_ids]
    text_ids = ids[: ends[0]] if ends else ids
    if matcher.accept_tokens(text_ids) != len(text_ids):
        raise ConstrainError(f"sampler {sampler!r} produced a token its constraint does not allow")
    if not matcher.can_end():
        raise ConstrainError(f"the output is incomplete after max_new_tokens={max_new_tokens}: raise max_new_tokens")
    data = b"".join(vocab.token_bytes(t) for t in text_ids)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConstrainError(f"the output is not valid UTF-8 ({exc}); the constraint allows raw bytes") from None


def generate(constraint=None, prompt=None, *, regex=None, grammar=None, schema=None, model=None, tokenizer=None,
             sampler: str = "greedy", max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS, **generate_kwargs) -> str:
    """Text generated after `prompt` that satisfies the constraint (see the module docstring).

    `model`: None (the default model), a name or path for `load_model`, or a transformers model
    (then `tokenizer` is required). `sampler`: a key of `SAMPLERS` ("greedy"; "mask" samples from
    the masked distribution, with `temperature`, `top_p`, ... passed on to `model.generate`).
    """
    if prompt is None:
        raise ConstrainError("generate() needs a prompt")
    model, tokenizer = resolve_model(model, tokenizer)
    compiled = compile_constraint(vocabulary_of(tokenizer), constraint, regex=regex, grammar=grammar, schema=schema)
    return decode(compiled, model, tokenizer, prompt, sampler=sampler, max_new_tokens=max_new_tokens,
                  **generate_kwargs)


def schema_prompt(prompt, schema: dict):
    """The prompt with the schema appended (to the last message, for a list of messages)."""
    note = f"\n\n{SCHEMA_INSTRUCTION}\n{json.dumps(schema)}"
    if isinstance(prompt, str):
        return prompt + note
    messages = [dict(m) for m in prompt]
    messages[-1]["content"] = messages[-1]["content"] + note
    return messages


def generate_json(schema, prompt, *, model=None, tokenizer=None, sampler: str = "greedy",
                  max_new_tokens: int = 512, **generate_kwargs):
    """The JSON value generated for `prompt` under `schema`, parsed and validated.

    `schema`: a dict, JSON text or a pydantic model class (then an instance of it is returned).
    """
    import jsonschema

    as_dict = schema_dict(schema)
    model, tokenizer = resolve_model(model, tokenizer)
    compiled = compile_schema(as_dict, vocabulary_of(tokenizer))
    text = decode(compiled, model, tokenizer, schema_prompt(prompt, as_dict), sampler=sampler,
                  max_new_tokens=max_new_tokens, **generate_kwargs)
    try:
        value = json.loads(text)
        jsonschema.validate(value, as_dict)
    except (json.JSONDecodeError, jsonschema.ValidationError) as exc:
        raise ConstrainError(f"the output does not follow the schema ({exc}): {text!r}") from exc
    if isinstance(schema, type) and hasattr(schema, "model_validate"):
        return schema.model_validate(value)
    return value
