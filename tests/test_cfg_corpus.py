"""Real text no one here wrote, with the llama3 tokenizer: Python standard-library files through
the builtin Python grammar, and JSON files found on the machine through the builtin JSON grammar.

Every token of every sampled file must be accepted and the file must be able to end; at a fixed
stride of positions (all files, one warm grammar, so cached walks are reused across files) the
token must also be in `next_token_mask()` — a full mask per token would take hours on CI.
Corrupted files (a deleted closing bracket, a keyword swapped for another) must be rejected.
"""
from __future__ import annotations

import ast
import random
import sysconfig
from pathlib import Path

import pytest

from constrain import Vocabulary, compile_builtin
from tests.conftest import require_tokenizer

N_FILES = 200
MAX_CHARS = 6000
MASK_STRIDE = 211


def stdlib_sample() -> list[Path]:
    """A fixed sample of the running interpreter's `Lib/**/*.py` (third-party packages and test
    suites left out) that this Python parses."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(root.rglob("*.py"))
    picked = []
    for path in files:
        if {"site-packages", "test", "tests"} & set(path.relative_to(root).parts):
            continue
        try:
            text = path.read_text(encoding="utf-8")
            ast.parse(text)
        except (UnicodeDecodeError, SyntaxError, ValueError):
            continue
        if 0 < len(text) <= MAX_CHARS:
            picked.append(path)
    random.Random(0).shuffle(picked)
    return picked[:N_FILES]


@pytest.fixture(scope="module")
def python_llama3():
    from tokenizers import Tokenizer

    path = require_tokenizer("llama3")
    vocab = Vocabulary.from_file(path)
    return compile_builtin("python", vocab), Tokenizer.from_file(str(path))


def test_stdlib_files_are_accepted_token_by_token(python_llama3):
    grammar, tok = python_llama3
    files = stdlib_sample()
    assert len(files) >= N_FILES
    position = 0
    for path in files:
        ids = tok.encode(path.read_text(encoding="utf-8"), add_special_tokens=False).ids
        m = grammar.matcher()
        for i, t in enumerate(ids):
            position += 1
            if position % MASK_STRIDE == 0:
                assert m.is_token_allowed(t), (path.name, i, tok.decode(ids[max(0, i - 10):i + 1]))
            assert m.accept_token(t), (path.name, i, tok.decode(ids[max(0, i - 10):i + 1]))
        assert m.can_end(), path.name


def corruptions(text: str) -> list[str]:
    """Broken variants: the last closing bracket deleted, and the first `def` made `class`."""
    out = []
    close = max(text.rfind(")"), text.rfind("]"), text.rfind("}"))
    if close >= 0:
        out.append(text[:close] + text[close + 1:])
    if "\ndef " in text:
        out.append(text.replace("\ndef ", "\nclass ", 1).replace("):\n", ") ->:\n", 1))
    if "\nimport " in text:
        out.append(text.replace("\nimport ", "\nimport import ", 1))
    return out


def test_corrupted_stdlib_files_are_rejected(python_llama3):
    grammar, tok = python_llama3
    checked = 0
    for path in stdlib_sample()[:25]:
        for bad in corruptions(path.read_text(encoding="utf-8")):
            try:
                ast.parse(bad)
                continue  # the edit landed in a string or comment: still valid Python
            except SyntaxError:
                pass
            ids = tok.encode(bad, add_special_tokens=False).ids
            m = grammar.matcher()
            assert m.accept_tokens(ids) < len(ids) or not m.can_end(), path.name
            checked += 1
    assert checked >= 25


def masks_along(grammar, ids: list[int]) -> list[bytes]:
    m = grammar.matcher()
    out = []
    for t in ids:
        out.append(m.next_token_mask().tobytes())
        assert m.accept_token(t)
    return out


def test_masks_do_not_depend_on_what_the_grammar_saw_before(python_llama3):
    """Cached walks are shared across states; a cache key that misses part of the state shows
    up as a mask that changes with visit order. Newline lexemes inside brackets, reached
    with different pending whitespace, are the case that once collided."""
    from constrain.grammars.builtin import load_builtin
    from constrain.grammars.cfg_matcher import CFGGrammar

    grammar, tok = python_llama3
    first = "".join(f"x = f(\n{' ' * k}a,\n{' ' * (k + 3)}b)\n" for k in range(1, 30, 3))
    second = "".join(f"y = g(\n{' ' * k}c)\n" for k in range(2, 30, 2))
    fresh = CFGGrammar(load_builtin("python"), grammar.vocab)
    warm = CFGGrammar(load_builtin("python"), grammar.vocab)
    first_ids, second_ids = (tok.encode(t, add_special_tokens=False).ids for t in (first, second))
    masks_along(warm, first_ids)
    assert masks_along(warm, second_ids) == masks_along(fresh, second_ids)


def test_json_files_on_the_machine_are_accepted_token_by_token():
    from tokenizers import Tokenizer

    from constrain.bench_cfg import json_files

    path = require_tokenizer("llama3")
    grammar = compile_builtin("json", Vocabulary.from_file(path))
    tok = Tokenizer.from_file(str(path))
    texts = json_files(40, 20000)
    assert len(texts) >= 20
    for text in texts:
        ids = tok.encode(text, add_special_tokens=False).ids
        m = grammar.matcher()
        for i, t in enumerate(ids):
            assert m.is_token_allowed(t) and m.accept_token(t), tok.decode(ids[max(0, i - 10):i + 1])
        assert m.can_end()
        broken = text[:text.rfind("}")] if "}" in text else text[:text.rfind("]")]
        ids = tok.encode(broken, add_special_tokens=False).ids
        m = grammar.matcher()
        assert m.accept_tokens(ids) < len(ids) or not m.can_end()
