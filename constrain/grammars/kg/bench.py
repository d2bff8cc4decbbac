"""KG-Trie benchmark: path enumeration, tokenization and trie build for 2-hop neighbourhoods of
hub entities in a synthetic 1M-triple graph, and per-token mask / advance times on random
walks through the trie.

    python -m constrain.grammars.kg.bench [--triples 1000000] [--paths 100000] [--tokenizer llama3]

Cold mask times clear the per-node mask cache before each call: what a step costs the first
time a beam reaches a node. A second set of walks keeps the cache, as generation does (the
first steps of a span are shared and hit it).
"""
from __future__ import annotations

import argparse
import random
import time
import tracemalloc

import numpy as np

from constrain.data import tokenizer_path
from constrain.grammars.kg.encode import Delimiter, batch_encoder, span_tokens
from constrain.grammars.kg.matcher import KGPathGrammar
from constrain.grammars.kg.synthetic import synthetic_graph
from constrain.grammars.kg.token_trie import PathTokenTrie
from constrain.grammars.kg.verbalize import PathFormat
from constrain.vocab import Vocabulary


def _stats(name: str, seconds: list[float]) -> None:
    us = np.array(seconds) * 1e6
    print(f"  {name}: mean {us.mean():.1f} µs, p50 {np.percentile(us, 50):.1f} µs, "
          f"p99 {np.percentile(us, 99):.1f} µs  (n={len(us)})")


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--paths", type=int, default=100_000, help="max_paths per hub (truncating)")
    ap.add_argument("--hubs", default="Entity 0,Entity 3,Entity 20")
    ap.add_argument("--tokenizer", default="llama3")
    ap.add_argument("--walks", type=int, default=300)
    args = ap.parse_args()

    kg, secs = _timed(lambda: synthetic_graph(args.triples))
    print(f"graph: {kg} built in {secs:.2f} s")
    path = tokenizer_path(args.tokenizer) / "tokenizer.json"
    vocab = Vocabulary.from_file(path)
    encode, _ = batch_encoder(path)
    open_, close = Delimiter("<PATH>"), Delimiter("</PATH>")
    fmt = PathFormat("{e0} -> {r1} -> {e1}")
    rng = random.Random(0)
    for hub in args.hubs.split(","):
        print(f"hub {hub!r} (out-degree {kg.out_degree(hub)}), max_hops=2, max_paths={args.paths}:")
        paths, t_paths = _timed(lambda: kg.paths([hub], max_hops=2, max_paths=args.paths, on_limit="truncate"))
        texts, t_text = _timed(lambda: [fmt.write(e, r) for e, r in paths.name_rows()])
        seqs, t_tok = _timed(lambda: span_tokens(texts, encode, vocab, open_, close))
        rows = [[-1] + s.ids for s in seqs]
        tracemalloc.start()
        trie, t_trie = _timed(lambda: PathTokenTrie(rows))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        grammar, t_grammar = _timed(lambda: KGPathGrammar(paths, texts, seqs, vocab, open_, close))
        n_tokens = sum(len(s.ids) for s in seqs)
        print(f"  {len(paths)} paths ({'truncated' if paths.truncated else 'complete'}), {n_tokens} tokens, "
              f"{trie.n_nodes} trie nodes, trie arrays {trie.nbytes / 2**20:.1f} MiB (build peak "
              f"{peak / 2**20:.1f} MiB)")
        print(f"  enumerate {t_paths * 1e3:.0f} ms, verbalize {t_text * 1e3:.0f} ms, tokenize {t_tok * 1e3:.0f} ms "
              f"({t_tok / len(paths) * 1e6:.0f} µs/path), "
              f"trie build {t_trie * 1e3:.0f} ms, grammar (trie + outside masks) {t_grammar * 1e3:.0f} ms")
        _walk_times(grammar, vocab, encode, rng, args.walks)


def _walk_times(grammar, vocab, encode, rng, n_walks) -> None:
    (opener,) = encode([" <PATH>"])
    for cold in (True, False):
        grammar._inside.clear()
        masks, advances, depth = [], [], []
        for _ in range(n_walks):
            m = grammar.matcher()
            m.accept_tokens(opener)
            steps = 0
            while m.state >= 0:
                if cold:
                    grammar._inside.clear()
                mask, secs = _timed(m.next_token_mask)
                masks.append(secs)
                allowed = np.flatnonzero(np.unpackbits(mask.view(np.uint8), bitorder="little"))
                t = int(allowed[rng.randrange(len(allowed))])
                ok, secs = _timed(lambda: m.accept_token(t))
                assert ok
                advances.append(secs)
                steps += 1
            depth.append(steps)
        if cold:
            print(f"  random walks: {n_walks} spans, {np.mean(depth):.1f} tokens per span")
            _stats("mask, cold (cache cleared every step)", masks)
            _stats("accept_token", advances)
        else:
            _stats("mask, cache kept (as in generation)", masks)


if __name__ == "__main__":
    main()
