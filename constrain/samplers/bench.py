"""`python -m constrain.samplers.bench`: how faithful and how cheap the samplers are.

1. KL(empirical or posterior ‖ exact Q) against the number of samples, for GCD ("mask"),
   ASAp and SMC (exact-mask and AWRS weights) on the toy grammars (constrain/samplers/toy.py),
   mean over seeds. GCD and ASAp: the first n samples of one stream (and, at the end, the
   window of the last n/4 as in the GAD protocol); SMC: one run with n particles.
2. AWRS constraint checks per token (mean / p50 / p99 over draws) against a full mask
   (|V| evaluations per token), and wall time per token spent outside the model (constraint
   work + sampling; mean over runs), in SMC with AWRS vs exact-mask weights, on a
   1000-token toy LM and on SmolLM2 with the builtin JSON grammar (skipped with --no-model
   or when the model is missing).

Writes `<out>/samplers.md` (tables) and `<out>/samplers_kl.png` (the KL plot) and prints
the tables. KL figures are means over `--seeds` seeds.
"""
from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np

import constrain
from constrain.samplers.asap import ASAp
from constrain.samplers.lm import LanguageModel, as_language_model
from constrain.samplers.sampling import sample_constrained
from constrain.samplers.smc import smc
from constrain.samplers.toy import ExactTarget, ToyLM, binary_vocab, kl_divergence

SAMPLE_COUNTS = (10, 20, 50, 100, 200, 500, 1000, 2000)
METHODS = ("GCD", "ASAp", "SMC-exact", "SMC-AWRS")
PROMPT = 'Reply with only a JSON object, no prose: a cat with keys "name", "age" and "colors".'


def toy_problems():
    """name -> (lm, grammar, exact target, max_new_tokens)."""
    out = {}
    for name, pattern, lm, extra, limit in (
        ("skewed 5-bit, P(0)=0.75", "00000|1[01]{4}", ToyLM.iid([0.675, 0.225, 0.1]), (), 6),
        ("(0|1)(00|1){0,3}, context LM", "(0|1)(00|1){0,3}", ToyLM.random(5, seed=9, concentration=2.0), (b"00", b"10"), 9),
    ):
        vocab = binary_vocab(extra)
        compiled = re.compile(pattern.encode())
        target = ExactTarget(lm, vocab, lambda text: compiled.fullmatch(text) is not None, limit)
        out[name] = (lm, constrain.compile_regex(pattern, vocab), target, limit)
    return out


def kl_curves(lm, grammar, target, limit, seeds: int) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Per method, mean KL at each SAMPLE_COUNTS entry; and the last-quarter window KL at the end."""
    curves = {m: np.zeros(len(SAMPLE_COUNTS)) for m in METHODS}
    window = {"GCD": 0.0, "ASAp": 0.0}
    top = SAMPLE_COUNTS[-1]
    for seed in range(seeds):
        streams = {
            "GCD": sample_constrained(lm, grammar, sampler="mask", n=top, max_new_tokens=limit, seed=seed),
            "ASAp": ASAp(lm, grammar, max_new_tokens=limit, seed=seed, persistent=False).sample(top),
        }
        for method, stream in streams.items():
            texts = [s.text for s in stream]
            for i, n in enumerate(SAMPLE_COUNTS):
                curves[method][i] += kl_divergence(Counter(texts[:n]), target.q_text) / seeds
            window[method] += kl_divergence(Counter(texts[-top // 4 :]), target.q_text) / seeds
        for method, proposal in (("SMC-exact", "exact"), ("SMC-AWRS", "awrs")):
            for i, n in enumerate(SAMPLE_COUNTS):
                result = smc(lm, grammar, n_particles=n, proposal=proposal, max_new_tokens=limit, seed=seed * 7919 + n)
                curves[method][i] += kl_divergence(result.posterior, target.q_text) / seeds
    return curves, window


class TimedLM(LanguageModel):
    """Counts the seconds spent in the model, so constraint time = total - model time."""

    def __init__(self, lm: LanguageModel):
        self.lm, self.vocab_size, self.seconds = lm, lm.vocab_size, 0.0

    def next_logprobs(self, prefixes):
        t0 = time.perf_counter()
        out = self.lm.next_logprobs(prefixes)
        self.seconds += time.perf_counter() - t0
        return out


def check_costs(lm, grammar, prompt, limit: int, particles: int, seeds: int) -> list[dict]:
    """Per proposal: checks per token and constraint wall time per token (model time removed)."""
    rows = []
    for proposal in ("awrs", "exact"):
        per_token_us, counts = [], []
        for seed in range(seeds):
            timed = TimedLM(lm)
            t0 = time.perf_counter()
            result = smc(timed, grammar, prompt, n_particles=particles, proposal=proposal, max_new_tokens=limit, seed=seed)
            spent = time.perf_counter() - t0 - timed.seconds
            counts += result.check_counts if proposal == "awrs" else [grammar.vocab.size] * result.token_draws
            per_token_us.append(1e6 * spent / max(result.token_draws, 1))
        rows.append({"proposal": proposal, "evals": np.array(counts), "us": np.array(per_token_us)})
    return rows


def toy_check_problem():
    """999 random tokens of 1-5 characters over "01ab," + EOS, a comma-separated list grammar,
    and a peaked toy LM (Dirichlet(0.3) rows)."""
    rng = np.random.default_rng(0)
    alphabet = np.frombuffer(b"01ab,", dtype=np.uint8)
    tokens = sorted({bytes(rng.choice(alphabet, size=rng.integers(1, 6))) for _ in range(4000)})[:999]
    vocab = constrain.Vocabulary(tokens + [None], eos_token_ids=[len(tokens)])
    lm = ToyLM.random(vocab.size, seed=1, concentration=0.3, depth=4)
    return lm, constrain.compile_regex("[01]+(,[01a]+){0,8}", vocab), ()


def smollm2_check_problem():
    from constrain.models import load_model

    model, tok = load_model()
    vocab = constrain.Vocabulary.from_hf(tok)
    text = tok.apply_chat_template([{"role": "user", "content": PROMPT}],
                                   tokenize=False, add_generation_prompt=True)
    return as_language_model(model), constrain.compile_builtin("json", vocab), tok(text, add_special_tokens=False)["input_ids"]


def kl_table(name: str, curves, window) -> str:
    head = "| samples | " + " | ".join(METHODS) + " |\n|---|" + "---|" * len(METHODS) + "\n"
    body = "".join(
        f"| {n} | " + " | ".join(f"{curves[m][i]:.4f}" for m in METHODS) + " |\n" for i, n in enumerate(SAMPLE_COUNTS)
    )
    last = SAMPLE_COUNTS[-1]
    note = f"\nKL of the last {last // 4} of {last} samples: GCD {window['GCD']:.4f}, ASAp {window['ASAp']:.4f}\n"
    return f"### {name}\n\n{head}{body}{note}"


def cost_table(name: str, rows, vocab_size: int) -> str:
    out = (f"### {name} (|V| = {vocab_size})\n\n| weights | constraint evaluations / token (mean, p50, p99) | "
           "mean vs full mask | time / token outside the model (us) | tokens |\n|---|---|---|---|---|\n")
    for r in rows:
        evals, us = r["evals"], r["us"]
        awrs = r["proposal"] == "awrs"
        label, ratio = ("AWRS checks", f"{vocab_size / evals.mean():.0f}x fewer") if awrs else ("full mask", "-")
        out += (f"| {label} | {evals.mean():.1f}, {np.percentile(evals, 50):.0f}, {np.percentile(evals, 99):.0f} | "
                f"{ratio} | {us.mean():.0f} | {evals.size} |\n")
    return out


def plot(all_curves: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(all_curves), figsize=(6 * len(all_curves), 4.2), squeeze=False)
    for ax, (name, curves) in zip(axes[0], all_curves.items()):
        for method in METHODS:
            ax.plot(SAMPLE_COUNTS, np.maximum(curves[method], 1e-5), marker="o", label=method)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("samples (SMC: particles)")
        ax.set_ylabel("KL(empirical ‖ exact Q)")
        ax.set_title(name)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--no-model", action="store_true", help="skip SmolLM2")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    report = ["# Sampler benchmark\n"]
    all_curves = {}
    for name, (lm, grammar, target, limit) in toy_problems().items():
        curves, window = kl_curves(lm, grammar, target, limit, args.seeds)
        all_curves[name] = curves
        report.append(kl_table(f"KL to exact Q: {name} (Z = {target.Z:.4g}, mean of {args.seeds} seeds)", curves, window))
    plot(all_curves, args.out / "samplers_kl.png")
    lm, grammar, prompt = toy_check_problem()
    report.append(cost_table("AWRS vs full mask: toy LM, list regex, 8 particles, 32 tokens",
                             check_costs(lm, grammar, prompt, 32, 8, args.seeds), grammar.vocab.size))
    if not args.no_model:
        try:
            lm, grammar, prompt = smollm2_check_problem()
        except constrain.ConstrainError as exc:
            report.append(f"SmolLM2 skipped: {exc}\n")
        else:
            import torch

            torch.set_num_threads(1)
            report.append(cost_table("AWRS vs full mask: SmolLM2-135M, builtin JSON grammar, 4 particles, 48 tokens",
                                     check_costs(lm, grammar, prompt, 48, 4, max(1, args.seeds // 2)), grammar.vocab.size))
    text = "\n".join(report)
    (args.out / "samplers.md").write_text(text)
    print(text)
    print(f"wrote {args.out / 'samplers.md'} and {args.out / 'samplers_kl.png'}")


if __name__ == "__main__":
    main()
