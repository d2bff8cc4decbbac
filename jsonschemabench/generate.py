"""`python -m jsonschemabench generate`: the paper's protocol with a model, constrained and not.

For each sampled schema the prompt is `PROMPT` with the schema appended (constrain's own
`schema_prompt`, through the chat template). Constrained: the schema is compiled (GCT) and
decoded with constrain's sampler; unconstrained: plain `model.generate`. Each output is
parsed and validated with `jsonschema`. Reported per mode:
- declared coverage: schemas compiled / schemas (unconstrained: all);
- empirical coverage: schemas whose output is valid / schemas;
- compliance: valid outputs / compiled schemas;
- GCT (grammar compile time), TTFT (generation start to first new token: prefill and first
  mask), TPOT (mean time per later token), from per-token timestamps of a streamer.
TTFT / TPOT are measured for the samplers driven by `model.generate` (greedy, mask).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from constrain import ConstrainError
from constrain.generation import (DEFAULT_MAX_NEW_TOKENS, compile_schema, decode, prompt_ids, resolve_model,
                                  schema_prompt, vocabulary_of)
from jsonschemabench.maskbench import add_selection_args, select_rows

PROMPT = "Generate a JSON value for the following request."
STREAMED_SAMPLERS = ("greedy", "mask")


class TokenClock:
    """A transformers streamer that timestamps each batch of new tokens (the first put is the prompt)."""

    def __init__(self):
        self.start = time.perf_counter()
        self.times: list[float] = []
        self._prompt_seen = False

    def put(self, value) -> None:
        if not self._prompt_seen:
            self._prompt_seen = True
            return
        self.times.append(time.perf_counter())

    def end(self) -> None:
        pass

    def ttft(self) -> float | None:
        return self.times[0] - self.start if self.times else None

    def tpot(self) -> float | None:
        return (self.times[-1] - self.times[0]) / (len(self.times) - 1) if len(self.times) > 1 else None


@dataclass
class ModeStats:
    """One mode (constrained or unconstrained) over the sampled schemas."""

    schemas: int = 0
    compiled: int = 0
    valid: int = 0
    gct: list[float] = field(default_factory=list)
    ttft: list[float] = field(default_factory=list)
    tpot: list[float] = field(default_factory=list)

    def add_timing(self, clock: TokenClock | None) -> None:
        if clock is not None and clock.ttft() is not None:
            self.ttft.append(clock.ttft())
            if clock.tpot() is not None:
                self.tpot.append(clock.tpot())


def parse_output(text: str):
    """The JSON value in a model's text: the whole text, else inside a ``` fence; raises ValueError."""
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[-1].rsplit("```", 1)[0]
    return json.loads(stripped)


def is_valid(text: str, schema: dict) -> bool:
    import jsonschema
    try:
        jsonschema.validate(parse_output(text), schema)
    except (ValueError, jsonschema.ValidationError, jsonschema.SchemaError):
        return False
    return True


def constrained(row: dict, model, tokenizer, args, stats: ModeStats) -> None:
    stats.schemas += 1
    vocab = vocabulary_of(tokenizer)  # built once per tokenizer: not part of GCT
    t0 = time.perf_counter()
    try:
        grammar = compile_schema(row["schema"], vocab)
    except ConstrainError:
        return
    stats.gct.append(time.perf_counter() - t0)
    stats.compiled += 1
    clock = TokenClock() if args.sampler in STREAMED_SAMPLERS else None
    kwargs = {"streamer": clock} if clock is not None else {}
    try:
        text = decode(grammar, model, tokenizer, schema_prompt(PROMPT, row["schema"]), sampler=args.sampler,
                      max_new_tokens=args.max_new_tokens, **kwargs)
    except ConstrainError:  # incomplete after max_new_tokens
        text = ""
    stats.add_timing(clock)
    stats.valid += is_valid(text, row["schema"])


def unconstrained(row: dict, model, tokenizer, args, stats: ModeStats) -> None:
    import torch
    stats.schemas += 1
    stats.compiled += 1
    ids = torch.tensor([prompt_ids(tokenizer, schema_prompt(PROMPT, row["schema"]))], dtype=torch.long)
    clock = TokenClock()
    eos = list(vocabulary_of(tokenizer).eos_token_ids)
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=args.max_new_tokens,
                             do_sample=args.sampler == "mask", eos_token_id=eos, pad_token_id=eos[0], streamer=clock)
    stats.add_timing(clock)
    stats.valid += is_valid(tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True), row["schema"])


def _ms(xs: list[float], p: float | None = None) -> str:
    if not xs:
        return "-"
    return f"{1e3 * (np.mean(xs) if p is None else np.percentile(xs, p)):.1f}"


def table(modes: dict[str, ModeStats]) -> str:
    lines = ["| mode | schemas | declared coverage | empirical coverage | compliance | GCT p50 ms | TTFT mean ms "
             "| TTFT p50 ms | TPOT mean ms |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, s in modes.items():
        n = max(s.schemas, 1)
        lines.append(f"| {name} | {s.schemas} | {100.0 * s.compiled / n:.1f}% | {100.0 * s.valid / n:.1f}% | "
                     f"{100.0 * s.valid / max(s.compiled, 1):.1f}% | {_ms(s.gct, 50)} | {_ms(s.ttft)} | "
                     f"{_ms(s.ttft, 50)} | {_ms(s.tpot)} |")
    return "\n".join(lines)


def run_generate(rows: list[dict], model, tokenizer, args, progress: bool = True) -> dict[str, ModeStats]:
    from tqdm import tqdm
    modes = {"constrained": ModeStats(), "unconstrained": ModeStats()}
    for row in tqdm(rows, desc="generate", unit="schema", disable=not progress, file=sys.stderr):
        constrained(row, model, tokenizer, args, modes["constrained"])
        unconstrained(row, model, tokenizer, args, modes["unconstrained"])
    return modes


def add_arguments(ap: argparse.ArgumentParser) -> None:
    add_selection_args(ap, sample_flags=("--n", "--per-subset"), tokenizer=False)
    ap.set_defaults(per_subset=5)
    ap.add_argument("--model", default=None, help="model name or path (default: constrain's default model)")
    ap.add_argument("--sampler", default="greedy", help="constrain sampler (greedy, mask, asap, awrs, smc)")
    ap.add_argument("--max-new-tokens", type=int, default=DEFAULT_MAX_NEW_TOKENS)
    ap.add_argument("--out", default=None, help="file for the markdown table")
    ap.add_argument("--no-progress", action="store_true")


def main(args) -> int:
    model, tokenizer = resolve_model(args.model)
    rows = select_rows(args)
    modes = run_generate(rows, model, tokenizer, args, progress=not args.no_progress)
    text = table(modes)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0
