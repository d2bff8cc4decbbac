"""`python -m jsonschemabench walk`: random token walks through constrain's masks, every
finished output validated: an exactness audit on real schemas.

A walk starts at a compiled schema's start state and takes a random allowed token at each
step (`TokenPicker`: often one of the short tokens or of those that close a string, array or
object, so that most walks end); at a state that can end it stops with probability END_P.
Its output must then be valid under the schema (jsonschema, with the schema's patterns read
as ECMA-262 where `ecma_schema` translates them, as written otherwise). A state with no
allowed token that cannot end is a dead end. Either finding is a mask that allowed a token
after which no valid output was reachable. A walk that reaches `max_tokens` is unfinished,
which is no verdict.

What the validator cannot see: jsonschema checks only the formats whose libraries are
installed, where constrain enforces every format it compiles, so inside `not` or `oneOf` a
format can flip a verdict; a schema whose patterns do not translate is validated in Python's
regex dialect. Such findings are listed with the others: read them before calling them bugs.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from jsonschema import Draft202012Validator, validators

from constrain import ConstrainError, Vocabulary
from constrain.grammars.json_schema import compile_json_schema
from constrain.samplers.distribution import allowed_array, output_bytes
from jsonschemabench.ecma_patterns import ecma_schema
from jsonschemabench.maskbench import positive_int, add_selection_args, resolve_tokenizer, select_rows

END_P = 0.3              # chance of stopping at a state that can end
SHORT_P = 0.4            # chance of picking among the short allowed tokens
CLOSING_P = 0.3          # chance of picking among the allowed tokens that close something
SHORT_BYTES = 2
CLOSERS = b'"]},'


@dataclass
class Finding:
    id: str
    text: str
    problem: str


@dataclass
class WalkFindings:
    schemas: int = 0
    walks: int = 0
    finished: int = 0
    unfinished: int = 0
    invalid: list[Finding] = field(default_factory=list)
    dead_ends: list[Finding] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.schemas} schemas, {self.walks} walks: {self.finished} finished, {self.unfinished} unfinished; "
                f"{len(self.invalid)} invalid outputs, {len(self.dead_ends)} dead ends")


class TokenPicker:
    """Random choices among allowed tokens (EOS ids never: ending is decided apart), with
    `rng`: one of the short tokens (at most SHORT_BYTES bytes) with probability SHORT_P, one
    that closes a string, array or object with CLOSING_P, else any; from all allowed ones
    where the chosen kind has none."""

    def __init__(self, vocab: Vocabulary, rng: random.Random):
        tokens = vocab.tokens + [None] * (vocab.size - len(vocab.tokens))
        self.short = np.array([t is not None and len(t) <= SHORT_BYTES for t in tokens])
        self.closing = np.array([t is not None and len(t) <= SHORT_BYTES + 1 and any(c in t for c in CLOSERS)
                                 for t in tokens])
        self.eos = np.array(sorted(vocab.eos_token_ids), dtype=np.int64)
        self.size = vocab.size
        self.rng = rng

    def allowed(self, mask: np.ndarray) -> np.ndarray:
        """The token ids a bitmask allows, EOS ids left out."""
        ids = np.flatnonzero(allowed_array(mask, self.size))
        return ids[~np.isin(ids, self.eos)]

    def pick(self, allowed: np.ndarray) -> int:
        u = self.rng.random()
        kind = self.closing if u < CLOSING_P else self.short if u < CLOSING_P + SHORT_P else None
        pool = allowed if kind is None else allowed[kind[allowed]]
        pool = pool if pool.size else allowed
        return int(pool[self.rng.randrange(pool.size)])


def walk_once(grammar, vocab: Vocabulary, picker: TokenPicker, max_tokens: int) -> tuple[str | None, bool]:
    """(the output of one walk: at an end it chose, or at a dead end the text read up to it;
    None when unfinished; whether it stopped at a dead end)."""
    m = grammar.matcher()
    ids: list[int] = []
    for _ in range(max_tokens):
        can_end = m.can_end()
        if can_end and picker.rng.random() < END_P:
            return output_bytes(vocab, ids).decode("utf-8", "replace"), False
        allowed = picker.allowed(m.next_token_mask())
        if not allowed.size:
            return output_bytes(vocab, ids).decode("utf-8", "replace"), not can_end
        token = picker.pick(allowed)
        if not m.accept_token(token):
            raise AssertionError(f"the matcher refused token {token}, which its mask allowed")
        ids.append(token)
    return None, False


def schema_validator(schema):
    """The validator of `schema`'s draft (formats checked), its patterns read as ECMA-262
    where they translate."""
    readable = ecma_schema(schema)
    cls = validators.validator_for(schema, default=Draft202012Validator)
    return cls(schema if readable is None else readable, format_checker=cls.FORMAT_CHECKER)


def audit(rows: list[dict], vocab: Vocabulary, walks: int, max_tokens: int, seed: int = 0,
          compile_schema=compile_json_schema) -> WalkFindings:
    """`walks` walks per row whose schema `compile_schema(schema, vocab)` compiles (the others
    are left out), each finished output checked against the row's schema."""
    findings = WalkFindings()
    picker = TokenPicker(vocab, random.Random(seed))
    for row in rows:
        try:
            grammar = compile_schema(row["schema"], vocab)
        except ConstrainError:
            continue
        findings.schemas += 1
        validator = schema_validator(row["schema"])
        for _ in range(walks):
            findings.walks += 1
            text, dead = walk_once(grammar, vocab, picker, max_tokens)
            if dead:
                findings.dead_ends.append(Finding(row["id"], text, "no allowed token and cannot end"))
            elif text is None:
                findings.unfinished += 1
            else:
                findings.finished += 1
                problem = _problem(validator, text)
                if problem is not None:
                    findings.invalid.append(Finding(row["id"], text, problem))
    return findings


def _problem(validator, text: str) -> str | None:
    """Why `text` is not a valid instance (None when it is)."""
    try:
        instance = json.loads(text)
    except ValueError as e:
        return f"not JSON: {e}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # jsonschema's `regex` format compiles patterns
        error = next(iter(validator.iter_errors(instance)), None)
    return None if error is None else f"{error.message} (at schema path {'/'.join(map(str, error.absolute_schema_path))})"


def add_arguments(ap: argparse.ArgumentParser) -> None:
    add_selection_args(ap)
    ap.add_argument("--walks", type=positive_int, default=4, help="walks per schema (default 4)")
    ap.add_argument("--max-tokens", type=positive_int, default=400, help="tokens after which a walk is unfinished")
    ap.add_argument("--walk-seed", type=int, default=0, help="seed of the random walks")
    ap.add_argument("--out", type=Path, default=None, help="write the findings here as JSON")


def main(args) -> int:
    """Exit status 1 when some output was invalid or some walk met a dead end."""
    rows = select_rows(args)
    vocab = Vocabulary.from_file(resolve_tokenizer(args.tokenizer)).prepare()
    findings = audit(rows, vocab, args.walks, args.max_tokens, args.walk_seed)
    for finding in findings.invalid + findings.dead_ends:
        print(f"{finding.id}: {finding.problem}\n    {finding.text[:300]!r}")
    print(findings.summary())
    if args.out is not None:
        args.out.write_text(json.dumps(asdict(findings), ensure_ascii=False, indent=1))
        print(f"wrote {args.out}", file=sys.stderr)
    return 1 if findings.invalid or findings.dead_ends else 0
