"""AWRS token draws, SMC over toy LMs, the sampler interface and the sampling config."""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import constrain
from constrain.samplers.awrs import NOTHING_VALID, awrs_draw, exact_draw
from constrain.samplers.distribution import SamplingConfig
from constrain.samplers.sampling import SAMPLERS, sample_constrained
from constrain.samplers.smc import smc, stratified_indices
from constrain.samplers.toy import ExactTarget, ToyLM, binary_vocab, kl_divergence

SKEWED = "00000|1[01]{4}"


def oracle(pattern):
    compiled = re.compile(pattern.encode())
    return lambda text: compiled.fullmatch(text) is not None


# --- AWRS: one token draw -------------------------------------------------------------------

@st.composite
def local_targets(draw):
    """(probs, constraint bits) with at least one valid positive-probability token."""
    size = draw(st.integers(2, 7))
    weights = draw(st.lists(st.floats(0.05, 1.0), min_size=size, max_size=size))
    bits = draw(st.lists(st.booleans(), min_size=size, max_size=size).filter(any))
    zero = draw(st.one_of(st.none(), st.integers(0, size - 1)))  # maybe one token with P = 0
    probs = np.array(weights)
    if zero is not None and sum(b for i, b in enumerate(bits) if i != zero):
        probs[zero] = 0.0
    return probs / probs.sum(), np.array(bits)


def weighted_counts(probs, bits, n, seed, **options):
    """Monte-Carlo mean and standard error of ŵ·1{token = y} for every y."""
    rng = np.random.default_rng(seed)
    with np.errstate(divide="ignore"):
        logp = np.log(probs)
    contributions = np.zeros((n, probs.size))
    for i in range(n):
        d = awrs_draw(logp, lambda t: bool(bits[t]), rng, **options)
        assert d.token != NOTHING_VALID and bits[d.token] and probs[d.token] > 0
        contributions[i, d.token] = np.exp(d.log_weight)
    return contributions.mean(axis=0), contributions.std(axis=0) / np.sqrt(n)


@pytest.mark.parametrize("options", [{}, {"max_rejects": 1}], ids=["unlimited", "budget-then-mask"])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=local_targets(), seed=st.integers(0, 2**31))
def test_awrs_weights_are_proper(options, target, seed):
    probs, bits = target
    fallback = {"fallback": lambda: bits} if options else {}
    mean, err = weighted_counts(probs, bits, 2500, seed, **options, **fallback)
    g = probs * bits
    assert np.all(np.abs(mean - g) <= 5 * err + 2e-3), (mean, g, err)


def test_awrs_token_is_distributed_as_g_over_Z_without_weights():
    rng = np.random.default_rng(0)
    probs = np.array([0.4, 0.05, 0.3, 0.15, 0.1])
    bits = np.array([False, True, True, False, True])
    n = 20000
    counts = np.bincount(
        [awrs_draw(np.log(probs), lambda t: bool(bits[t]), rng, proper_weights=False).token for _ in range(n)],
        minlength=probs.size,
    )
    expected = n * probs * bits / (probs * bits).sum()
    chi2 = sum((counts[i] - expected[i]) ** 2 / expected[i] for i in np.flatnonzero(bits))
    assert counts[~bits].sum() == 0
    assert chi2 < 13.8  # 2 degrees of freedom, p = 0.001


def test_awrs_checks_scale_with_one_over_Z():
    rng = np.random.default_rng(1)
    size = 1000
    probs = rng.dirichlet(np.ones(size))
    bits = rng.random(size) < 0.22
    Z = float(probs[bits].sum())
    draws = [awrs_draw(np.log(probs), lambda t: bool(bits[t]), rng) for _ in range(3000)]
    until_accept = np.mean([d.rejections + 1 for d in draws])
    total = np.mean([d.checks for d in draws])
    assert until_accept <= 1 / Z + 0.15, (until_accept, 1 / Z)
    assert total <= 1 / Z + 1 + 0.15  # the weight's one extra check
    assert max(d.checks for d in draws) <= size


def test_awrs_nothing_valid_and_exhausted_budget():
    rng = np.random.default_rng(2)
    logp = np.log([0.5, 0.3, 0.2])
    d = awrs_draw(logp, lambda t: False, rng)
    assert (d.token, d.log_weight, d.checks) == (NOTHING_VALID, -np.inf, 3)
    d = awrs_draw(logp, lambda t: t == 2, rng, max_rejects=0)  # no budget, no fallback
    assert d.token == NOTHING_VALID and d.log_weight == -np.inf
    d = awrs_draw(logp, lambda t: t == 2, rng, max_rejects=0, fallback=lambda: np.array([False, False, True]))
    assert d.token == 2 and d.log_weight == pytest.approx(np.log(0.2))


def test_exact_draw_weight_is_log_Z():
    rng = np.random.default_rng(3)
    logp = np.log([0.5, 0.3, 0.2])
    allowed = np.array([False, True, True])
    draws = [exact_draw(logp, allowed, rng) for _ in range(4000)]
    assert all(d.log_weight == pytest.approx(np.log(0.5)) for d in draws)
    share = np.mean([d.token == 1 for d in draws])
    assert abs(share - 0.6) < 0.03
    assert exact_draw(logp, np.zeros(3, bool), rng).log_weight == -np.inf


# --- SMC ----------------------------------------------------------------------------------

def skewed(lm=None):
    vocab = binary_vocab()
    lm = lm or ToyLM.iid([0.675, 0.225, 0.1])
    return lm, constrain.compile_regex(SKEWED, vocab), ExactTarget(lm, vocab, oracle(SKEWED), 6)


@pytest.mark.parametrize("proposal", ["awrs", "exact"])
def test_smc_posterior_approaches_Q_as_particles_grow(proposal):
    lm, grammar, target = skewed()
    kls = []
    for n in (20, 2000):
        result = smc(lm, grammar, n_particles=n, proposal=proposal, max_new_tokens=6, seed=n)
        assert all(oracle(SKEWED)(s.text) for s in result.particles)
        kls.append(kl_divergence(result.posterior, target.q_text))
    assert kls[1] < 0.03 < kls[0], kls


@pytest.mark.parametrize("proposal", ["awrs", "exact"])
def test_smc_mean_weight_is_unbiased_for_Z(proposal):
    lm, grammar, target = skewed(ToyLM.random(3, seed=4, concentration=0.7))
    # ess_threshold=1 resamples at almost every step: the estimate must stay unbiased
    estimates = np.array(
        [
            np.exp(smc(lm, grammar, n_particles=4, proposal=proposal, ess_threshold=1.0, max_new_tokens=6, seed=s).log_Z)
            for s in range(400)
        ]
    )
    err = estimates.std() / np.sqrt(estimates.size)
    assert abs(estimates.mean() - target.Z) <= 4 * err + 1e-12, (estimates.mean(), target.Z, err)


def test_smc_resamples_when_ess_drops_and_dead_particles_die():
    # "0001" does not fit in 4 tokens: particles that start with 0 die (weight 0)
    vocab = binary_vocab()
    lm = ToyLM.iid([0.6, 0.3, 0.1])
    grammar = constrain.compile_regex("0001|1", vocab)
    result = smc(lm, grammar, n_particles=64, proposal="awrs", ess_threshold=0.9, max_new_tokens=4, seed=0)
    assert result.resamples >= 1
    assert set(result.posterior) == {b"1"}
    target = ExactTarget(lm, vocab, oracle("0001|1"), 4)
    assert set(target.q_text) == {b"1"}


def test_stratified_indices_follow_the_weights():
    rng = np.random.default_rng(0)
    w = np.array([0.5, 0.25, 0.125, 0.125])
    for _ in range(50):
        counts = np.bincount(stratified_indices(w, rng), minlength=4)
        assert np.all(np.abs(counts - 4 * w) < 1.0 + 1e-9)
    counts = np.bincount(stratified_indices(np.array([0.1, 0.0, 0.9]), rng), minlength=3)
    assert counts[1] == 0


# --- the sampler interface ------------------------------------------------------------------

@pytest.mark.parametrize("sampler", SAMPLERS)
def test_every_sampler_stays_in_the_language(sampler):
    vocab = binary_vocab([b"00", b"01"])
    lm = ToyLM.random(5, seed=3)
    pattern = "(0|1)(00|1)*"
    grammar = constrain.compile_regex(pattern, vocab)
    out = sample_constrained(lm, grammar, sampler=sampler, n=6, max_new_tokens=8, seed=1)
    assert out and all(oracle(pattern)(s.text) for s in out)
    assert all(s.tokens[-1] == 2 and len(s.tokens) <= 8 for s in out)


def test_greedy_takes_the_most_likely_allowed_token():
    vocab = binary_vocab()
    grammar = constrain.compile_regex("1[01]{2}", vocab)
    out = sample_constrained(ToyLM.iid([0.7, 0.2, 0.1]), grammar, sampler="greedy", n=2, max_new_tokens=8)
    assert [s.text for s in out] == [b"100", b"100"]


def test_bad_sampler_arguments_are_errors():
    grammar = constrain.compile_regex("0", binary_vocab())
    lm = ToyLM.iid([0.5, 0.4, 0.1])
    with pytest.raises(constrain.ConstrainError, match="unknown sampler"):
        sample_constrained(lm, grammar, sampler="beam")
    with pytest.raises(constrain.ConstrainError, match="temperature"):
        sample_constrained(lm, grammar, temperature=0)
    with pytest.raises(constrain.ConstrainError, match="proposal"):
        smc(lm, grammar, proposal="nope")
    with pytest.raises(constrain.ConstrainError, match="not a language model"):
        sample_constrained(object(), grammar)


def test_sampling_config_transforms_in_order():
    logp = np.log([0.5, 0.2, 0.15, 0.1, 0.05])
    assert np.allclose(np.exp(SamplingConfig().apply(logp)), np.exp(logp))
    hot = np.exp(SamplingConfig(temperature=2.0).apply(logp))
    assert np.allclose(hot, np.sqrt(np.exp(logp)) / np.sqrt(np.exp(logp)).sum())
    top2 = np.exp(SamplingConfig(top_k=2).apply(logp))
    assert np.allclose(top2, [5 / 7, 2 / 7, 0, 0, 0])
    nucleus = np.exp(SamplingConfig(top_p=0.8).apply(logp))  # 0.5 + 0.2 < 0.8: keep three
    assert np.allclose(nucleus, [0.5 / 0.85, 0.2 / 0.85, 0.15 / 0.85, 0, 0])
    both = np.exp(SamplingConfig(top_k=3, top_p=0.6).apply(logp))  # top-3 renormalised: 0.588 < 0.6 keeps the second
    assert np.allclose(both, [5 / 7, 2 / 7, 0, 0, 0])
