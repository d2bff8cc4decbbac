"""One entry point for every constrained sampler: `sample_constrained(..., sampler=NAME)`.

Samplers (all outputs are in the grammar's language and at most `max_new_tokens` long,
the closing EOS included):
- "greedy": argmax over the allowed tokens (deterministic; the n outputs are the same one);
- "mask": grammar-constrained decoding (GCD): each token from the masked, renormalised
  distribution. Fast, but *not* distributed as P(w | w ∈ L);
- "asap": grammar-aligned decoding with a persistent ẼFG trie (constrain/samplers/asap.py);
  repeated calls with the same (model, grammar, prompt, config) keep refining it, so the
  sample stream converges to Q(w) ∝ P(w)·1[w ∈ L];
- "awrs": SMC with adaptive weighted rejection draws (few constraint checks per token,
  unbiased weights): `n_particles` particles, n outputs drawn from the weighted posterior;
- "smc": the same SMC with exact-mask weights (log Z_t from the full mask).

Temperature, top-k and top-p (in that order) transform the model's next-token distribution
*before* anything else: the P that ASAp and SMC make the output faithful to is the
transformed one. The defaults (1, 0, 1) target the model's own conditional distribution.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from constrain.errors import ConstrainError
from constrain.matcher import CompiledGrammar
from constrain.samplers.asap import ASAp
from constrain.samplers.distribution import Sample, SamplingConfig
from constrain.samplers.lm import LanguageModel, as_language_model
from constrain.samplers.smc import smc

SAMPLERS = ("greedy", "mask", "asap", "awrs", "smc")
DEFAULT_PARTICLES = 8


def sample_constrained(
    lm: LanguageModel,
    grammar: CompiledGrammar,
    prompt_ids: Sequence[int] = (),
    *,
    sampler: str = "mask",
    n: int = 1,
    max_new_tokens: int = 256,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    seed: int | None = None,
    n_particles: int | None = None,
    ess_threshold: float = 0.5,
    max_rejects: int | None = None,
) -> list[Sample]:
    """n outputs of `lm` after `prompt_ids`, constrained to `grammar`, by `sampler`.

    `lm` is a LanguageModel or a transformers causal LM (wrapped in HFCausalLM).
    SMC samplers run `n_particles` (default max(n, 8)) particles; `ess_threshold` and
    `max_rejects` (AWRS only; exhausted budgets finish exactly from the mask) tune them.
    "mask"/"greedy" may return fewer than n outputs if some could not end in time.
    """
    if sampler not in SAMPLERS:
        raise ConstrainError(f"unknown sampler {sampler!r}; choose one of {SAMPLERS}")
    if n < 1:
        raise ConstrainError(f"n must be >= 1, got {n}")
    lm = as_language_model(lm)
    config = SamplingConfig(temperature, top_k, top_p)
    common = dict(max_new_tokens=max_new_tokens, config=config, seed=seed)
    if sampler == "asap":
        return ASAp(lm, grammar, prompt_ids, **common).sample(n)
    if sampler in ("greedy", "mask"):
        proposal, particles = ("greedy", 1) if sampler == "greedy" else ("exact", n)
        result = smc(lm, grammar, prompt_ids, n_particles=particles, proposal=proposal, ess_threshold=0.0, **common)
        if not result.particles:
            raise ConstrainError(f"no output of the language fits in max_new_tokens={max_new_tokens}")
        return result.particles * n if sampler == "greedy" else result.particles
    result = smc(
        lm,
        grammar,
        prompt_ids,
        n_particles=n_particles or max(n, DEFAULT_PARTICLES),
        proposal="awrs" if sampler == "awrs" else "exact",
        ess_threshold=ess_threshold,
        max_rejects=max_rejects,
        **common,
    )
    return result.sample(n, np.random.default_rng(None if seed is None else (seed, 1)))


def tokens_for_request(request, sampler: str) -> list[int]:
    """One output's token ids (EOS included) for a `constrain.generation.DecodeRequest`: the
    adapter that registers "asap", "awrs" and "smc" in generate's SAMPLERS table. The
    request's generate_kwargs are this module's options (temperature, top_k, top_p, seed,
    n_particles, ess_threshold, max_rejects)."""
    out = sample_constrained(
        request.model,
        request.grammar,
        request.prompt_ids,
        sampler=sampler,
        max_new_tokens=request.max_new_tokens,
        **request.generate_kwargs,
    )
    return list(out[0].tokens)
