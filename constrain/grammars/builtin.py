"""The builtin grammars shipped as `constrain/grammars/<name>.lark`, by name.

Invariant: every entry of BUILTIN_GRAMMARS loads with `load_lark(text, spec.start,
indenter=spec.indenter)` into an LALR(1) grammar (tests check both).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from constrain.errors import GrammarError
from constrain.grammars.cfg import PYTHON_INDENTER, Grammar, IndenterSpec
from constrain.grammars.lark_frontend import load_lark


@dataclass(frozen=True)
class BuiltinSpec:
    start: str = "start"
    indenter: IndenterSpec | None = None


BUILTIN_GRAMMARS: dict[str, BuiltinSpec] = {
    "arithmetic": BuiltinSpec(),
    "go": BuiltinSpec(),
    "json": BuiltinSpec(),
    "python": BuiltinSpec("file_input", PYTHON_INDENTER),
    "sql": BuiltinSpec(),
}


def _spec(name: str) -> BuiltinSpec:
    try:
        return BUILTIN_GRAMMARS[name]
    except KeyError:
        raise GrammarError(f"unknown builtin grammar {name!r}; available: "
                           f"{', '.join(sorted(BUILTIN_GRAMMARS))}") from None


def builtin_grammar(name: str) -> str:
    """The Lark text of builtin grammar `name`."""
    _spec(name)
    return resources.files("constrain.grammars").joinpath(f"{name}.lark").read_text(encoding="utf-8")


def builtin_spec(name: str) -> BuiltinSpec:
    """Start symbol and indenter of builtin grammar `name`."""
    return _spec(name)


@lru_cache(maxsize=None)
def load_builtin(name: str) -> Grammar:
    """Builtin grammar `name` loaded into the IR (cached)."""
    spec = _spec(name)
    return load_lark(builtin_grammar(name), spec.start, indenter=spec.indenter)
