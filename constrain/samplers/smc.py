"""Sequential Monte Carlo over constrained particles: a consistent sampler of Q ∝ P·1[L].

N particles advance in lockstep; each step is one batched model call over the live
particles (the HF adapter reuses its KV cache), then one token draw per particle from the
locally constrained distribution g/Z_t with an incremental weight ŵ_t properly weighted
for Z_t: the exact mask mass (`proposal="exact"`) or the AWRS estimate (`"awrs"`, few
constraint checks). A particle's weight is Π_t ŵ_t, so for a finished output w,
E[weight · 1{output = w}] = P(w)·1[w ∈ L]: the weighted particles target Q. When the
effective sample size falls below `ess_threshold`·N, particles are resampled (stratified)
and every weight is set to the mean weight, which keeps the final mean weight an unbiased
estimate of Z = P(L) (`log_Z` is the log of that mean).

`proposal="greedy"` (argmax over the allowed tokens, weight 1) shares this loop for the
greedy sampler; with it and with `ess_threshold=0` the particles are independent decodes.
`max_new_tokens` counts generated tokens with the closing EOS: at the last position every
other token is pruned a priori (log P = -inf, so AWRS never checks it and no weight counts
it), so the target language is L cut to that length.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from constrain.errors import ConstrainError
from constrain.matcher import CompiledGrammar, Matcher
from constrain.samplers.awrs import NOTHING_VALID, TokenDraw, awrs_draw, exact_draw
from constrain.samplers.distribution import Sample, SamplingConfig, allowed_array, logsumexp, output_bytes
from constrain.samplers.lm import LanguageModel, fit_width

PROPOSALS = ("awrs", "exact", "greedy")


@dataclass
class Particle:
    tokens: list[int]
    matcher: Matcher
    log_weight: float = 0.0
    logp: float = 0.0  # log P of the tokens under the sampling distribution
    done: bool = False  # ended with EOS, or died (log_weight = -inf)

    def copy(self) -> "Particle":
        return Particle(list(self.tokens), self.matcher.fork(), self.log_weight, self.logp, self.done)


@dataclass
class SMCResult:
    particles: list[Sample]  # finished outputs with their final log-weights (dead ones dropped)
    log_Z: float  # log of the mean final weight: an unbiased estimate of Z in the linear domain
    posterior: dict[bytes, float]  # normalised weight per distinct output text
    resamples: int = 0
    token_draws: int = 0
    check_counts: list[int] = field(default_factory=list)  # constraint evaluations per AWRS draw
    ess: list[float] = field(default_factory=list)  # effective sample size after each step

    @property
    def checks(self) -> int:
        return sum(self.check_counts)

    def sample(self, n: int, rng: np.random.Generator) -> list[Sample]:
        """n outputs drawn from the weighted particles (with replacement)."""
        if not self.particles:
            raise ConstrainError("every particle died: no output of the language was found")
        logw = np.array([s.log_weight for s in self.particles])
        probs = np.exp(logw - logsumexp(logw))
        return [self.particles[i] for i in rng.choice(len(self.particles), size=n, p=probs / probs.sum())]


class _Step:
    """What one particle may emit next, by full mask or by one-token check."""

    def __init__(self, particle: Particle, size: int):
        self.matcher, self.size = particle.matcher, size

    def allowed(self) -> np.ndarray:
        return allowed_array(self.matcher.next_token_mask(), self.size)

    def check(self, token: int) -> bool:
        if self.matcher.accept_token(token):
            self.matcher.rollback(1)
            return True
        return False


def smc(
    lm: LanguageModel,
    grammar: CompiledGrammar,
    prompt_ids: Sequence[int] = (),
    *,
    n_particles: int = 16,
    proposal: str = "awrs",
    ess_threshold: float = 0.5,
    max_new_tokens: int = 256,
    config: SamplingConfig = SamplingConfig(),
    max_rejects: int | None = None,
    seed: int | None = None,
) -> SMCResult:
    if proposal not in PROPOSALS:
        raise ConstrainError(f"unknown SMC proposal {proposal!r}; choose one of {PROPOSALS}")
    if n_particles < 1 or max_new_tokens < 1:
        raise ConstrainError(f"n_particles and max_new_tokens must be >= 1, got {n_particles}, {max_new_tokens}")
    if not 0.0 <= ess_threshold <= 1.0:
        raise ConstrainError(f"ess_threshold must be in [0, 1], got {ess_threshold}")
    rng = np.random.default_rng(seed)
    vocab = grammar.vocab
    eos = allowed_array(vocab.eos_mask, vocab.size)
    prompt = list(int(t) for t in prompt_ids)
    particles = [Particle([], grammar.matcher()) for _ in range(n_particles)]
    result = SMCResult([], -np.inf, {})
    for position in range(max_new_tokens):
        live = [p for p in particles if not p.done]
        if not live:
            break
        rows = lm.next_logprobs([prompt + p.tokens for p in live])
        logps = config.apply(fit_width(rows, vocab.size))
        if position + 1 >= max_new_tokens:  # the last position: only EOS (pruned a priori)
            logps = np.where(eos, logps, -np.inf)
        for particle, logp in zip(live, logps):
            draw = _draw(proposal, logp, _Step(particle, vocab.size), rng, max_rejects)
            result.token_draws += 1
            result.check_counts.append(draw.checks)
            _advance(particle, draw, logp, eos)
        particles = _maybe_resample(particles, ess_threshold, rng, result)
    _finish(particles, vocab, result)
    return result


def _draw(proposal: str, logp: np.ndarray, step: _Step, rng, max_rejects) -> TokenDraw:
    if proposal == "awrs":
        return awrs_draw(logp, step.check, rng, max_rejects=max_rejects, fallback=step.allowed)
    allowed = step.allowed()
    if proposal == "exact":
        return exact_draw(logp, allowed, rng)
    scores = np.where(allowed, logp, -np.inf)  # greedy
    best = int(np.argmax(scores))
    return TokenDraw(best, 0.0, 0) if np.isfinite(scores[best]) else TokenDraw(NOTHING_VALID, -np.inf, 0)


def _advance(particle: Particle, draw: TokenDraw, logp: np.ndarray, eos: np.ndarray) -> None:
    if draw.token == NOTHING_VALID:
        particle.log_weight, particle.done = -np.inf, True
        return
    particle.log_weight += draw.log_weight
    particle.logp += float(logp[draw.token])
    particle.tokens.append(draw.token)
    if eos[draw.token]:
        particle.done = True
    elif not particle.matcher.accept_token(draw.token):
        raise ConstrainError(f"matcher refused token {draw.token} that its own check allowed")


def _maybe_resample(particles: list[Particle], threshold: float, rng, result: SMCResult) -> list[Particle]:
    logw = np.array([p.log_weight for p in particles])
    total = logsumexp(logw)
    if not np.isfinite(total):
        result.ess.append(0.0)
        return particles
    w = np.exp(logw - total)
    ess = 1.0 / float(np.sum(w * w))
    result.ess.append(ess)
    n = len(particles)
    if ess >= threshold * n or all(p.done for p in particles):
        return particles
    result.resamples += 1
    mean = total - np.log(n)
    chosen = stratified_indices(w, rng)
    out = [particles[i].copy() for i in chosen]
    for p in out:
        p.log_weight = mean
    return out


def stratified_indices(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """N indices, one uniform draw in each of N equal strata of the weights' CDF."""
    n = len(weights)
    cdf = np.cumsum(weights / weights.sum())
    cdf[-1] = 1.0
    points = (np.arange(n) + rng.random(n)) / n
    return np.searchsorted(cdf, points, side="right")


def _finish(particles: list[Particle], vocab, result: SMCResult) -> None:
    logw = np.array([p.log_weight for p in particles])
    result.log_Z = logsumexp(logw) - np.log(len(particles))
    result.particles = [
        Sample(tuple(p.tokens), output_bytes(vocab, p.tokens), p.logp, p.log_weight)
        for p in particles
        if np.isfinite(p.log_weight)
    ]
    if not result.particles:
        return
    norm = logsumexp([s.log_weight for s in result.particles])
    for s in result.particles:
        result.posterior[s.text] = result.posterior.get(s.text, 0.0) + float(np.exp(s.log_weight - norm))
