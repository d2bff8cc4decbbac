"""KG path constraint: graph and path enumeration, the token trie, and the matcher's masks
against a brute-force oracle on real byte-level BPE (llama3) and SentencePiece (llama2)
tokenizers, plain-string and special-token delimiters, and bad input."""
from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest

from constrain import ConstrainError, Vocabulary
from constrain.errors import KnowledgeGraphError
from constrain.grammars.kg import KnowledgeGraph, compile_kg_paths, synthetic_graph
from constrain.grammars.kg.token_trie import PathTokenTrie
from tests.conftest import require_tokenizer

FACTS = [
    ("Barack Obama", "people.person.spouse", "Michelle Obama"),
    ("Barack Obama", "born in", "Honolulu"),
    ("Barack Obama", "child", "Malia Obama"),
    ("Barack Obama", "child", "Sasha Obama"),
    ("Michelle Obama", "born in", "Chicago"),
    ("Michelle Obama", "spouse", "Barack Obama"),  # a cycle: simple paths must not revisit
    ("Honolulu", "located in", "Hawaii"),
    ("Chicago", "located in", "(Illinois)"),  # "(" after "->" / straddles "<PATH>" for (x) heads
    ("(Illinois)", "capital", "Springfield"),
    ("Malia Obama", "attended", "Harvard"),
    ("Malia Obama", "lives in", "New York"),
    ("Sasha Obama", "lives in", "New York City"),  # a name that extends another
    ("Café Zoë", "serves", "crème brûlée"),
    ("Café Zoë", "near", "Barack Obama"),
]
QUESTION = ["Barack Obama", "(Illinois)", "Café Zoë"]
OPEN, CLOSE = "<PATH>", "</PATH>"


def _kg(**kw):
    return KnowledgeGraph(FACTS, **kw)


def _bits(mask: np.ndarray) -> set[int]:
    return set(np.flatnonzero(np.unpackbits(mask.view(np.uint8), bitorder="little")).tolist())


# --- KnowledgeGraph ------------------------------------------------------------------------
def _brute_paths(facts, starts, max_hops):
    out = set()

    def extend(path, seen):
        if path:
            out.add(tuple(path))
        if len(path) == max_hops:
            return
        last = path[-1][2] if path else None
        for h, r, t in set(facts):
            if h == last and t not in seen:
                extend(path + [(h, r, t)], seen | {t})

    for s in starts:
        for h, r, t in set(facts):
            if h == s and t != s:
                extend([(h, r, t)], {s, t})
    return out


@pytest.mark.parametrize("max_hops", [1, 2, 3])
def test_paths_are_all_simple_paths_in_bfs_order(max_hops):
    kg = _kg()
    paths = list(kg.paths(QUESTION, max_hops=max_hops))
    assert len(paths) == len(set(paths))
    assert set(paths) == _brute_paths(FACTS, QUESTION, max_hops)
    assert [len(p) for p in paths] == sorted(len(p) for p in paths)  # breadth first
    assert paths == list(_kg().paths(QUESTION, max_hops=max_hops))  # deterministic


def test_random_graph_paths_match_brute_force():
    rng = random.Random(3)
    facts = [(f"e{rng.randrange(12)}", f"r{rng.randrange(3)}", f"e{rng.randrange(12)}") for _ in range(60)]
    facts = [f for f in facts if f[0] != f[2]]
    kg = KnowledgeGraph(facts)
    starts = sorted({f[0] for f in facts})[:3]
    assert set(kg.paths(starts, max_hops=3)) == _brute_paths(facts, starts, 3)


def test_inverse_edges_tsv_and_networkx_agree(tmp_path):
    kg = _kg(add_inverse=True)
    assert kg.has_triple("Michelle Obama", "~people.person.spouse", "Barack Obama")
    assert kg.has_triple("Barack Obama", "people.person.spouse", "Michelle Obama")
    assert not kg.has_triple("Honolulu", "born in", "Barack Obama")
    tsv = tmp_path / "kg.tsv"
    tsv.write_text("# facts\n" + "\n".join("\t".join(f) for f in FACTS) + "\n\n", encoding="utf-8")
    g = nx.MultiDiGraph()
    for h, r, t in FACTS:
        g.add_edge(h, t, relation=r)
    for other in (KnowledgeGraph.from_tsv(tsv), KnowledgeGraph.from_networkx(g)):
        assert set(other.paths(QUESTION, max_hops=2)) == set(_kg().paths(QUESTION, max_hops=2))
    undirected = KnowledgeGraph.from_networkx(nx.Graph([("a", "b", {"relation": "r"})]))
    assert undirected.has_triple("b", "r", "a") and undirected.has_triple("a", "r", "b")


def test_graph_bad_input():
    kg = _kg()
    with pytest.raises(KnowledgeGraphError, match="unknown start entity: 'Nobody'"):
        kg.paths(["Nobody"])
    with pytest.raises(KnowledgeGraphError, match="max_fanout=2"):
        kg.paths(["Barack Obama"], max_fanout=2)
    cut = kg.paths(["Barack Obama"], max_fanout=2, on_limit="truncate")
    assert cut.truncated and "max_fanout=2" in cut.truncation[0]
    first_two = kg.edges("Barack Obama")[:2]
    assert [p[0][1:] for p in cut if len(p) == 1] == first_two
    with pytest.raises(KnowledgeGraphError, match="max_paths=3"):
        kg.paths(["Barack Obama"], max_paths=3)
    assert len(kg.paths(["Barack Obama"], max_paths=3, on_limit="truncate")) == 3
    with pytest.raises(KnowledgeGraphError, match="max_hops"):
        kg.paths(["Barack Obama"], max_hops=0)
    with pytest.raises(KnowledgeGraphError, match="triple 1"):
        KnowledgeGraph([("a", "r", "b"), ("a", "r")])
    with pytest.raises(KnowledgeGraphError, match="non-empty str"):
        KnowledgeGraph([("a", "", "b")])
    with pytest.raises(KnowledgeGraphError, match="no 'relation' attribute"):
        KnowledgeGraph.from_networkx(nx.DiGraph([("a", "b")]))


def test_tsv_bad_line(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tr\tb\nc\td\n", encoding="utf-8")
    with pytest.raises(KnowledgeGraphError, match=r"bad.tsv:2: expected 3"):
        KnowledgeGraph.from_tsv(bad)


def test_synthetic_graph_is_reproducible_and_power_law():
    a, b = synthetic_graph(20_000, seed=1), synthetic_graph(20_000, seed=1)
    assert len(a) == len(b) and a.edges("Entity 0") == b.edges("Entity 0")
    degrees = sorted((a.out_degree(e) for e in a.entity_names), reverse=True)
    assert degrees[0] > 50 * np.median(degrees)  # hubs


# --- PathTokenTrie -------------------------------------------------------------------------
def test_token_trie_children_are_brute_force_next_tokens():
    rng = random.Random(0)
    seqs = [[rng.randrange(6) for _ in range(rng.randint(1, 6))] + [99] for _ in range(300)]
    trie = PathTokenTrie(seqs)
    prefixes = {tuple(s[:k]) for s in seqs for k in range(len(s))}
    for prefix in prefixes:
        node = 0
        for t in prefix:
            node = trie.child(node, t)
        assert set(trie.children(node).tolist()) == {s[len(prefix)] for s in seqs if tuple(s[:len(prefix)]) == prefix}
    for i, s in enumerate(seqs):
        node = 0
        for t in s:
            node = trie.child(node, t)
        assert trie.is_leaf(node) and seqs[trie.leaf_sequence[node]] == s
    with pytest.raises(ConstrainError, match="prefix"):
        PathTokenTrie([[1, 2], [1, 2, 3]])


# --- the matcher against a brute-force oracle ----------------------------------------------
class Oracle:
    """The language of compile_kg_paths written directly over token lists: outside text is
    free until the bytes contain `open`; the token holding its last byte then starts one of
    the paths' in-context encodings (tokenizer output for open + path + close)."""

    def __init__(self, tok, vocab, texts, open_id=None):
        self.vocab, self.tokens, self.open_id = vocab, vocab.tokens, open_id
        self.clean, self.straddle = [], []  # sequences after the open; (sequence, rest) from the open's token
        opener = OPEN.encode()
        for text in texts:
            ids = tok.encode(OPEN + text + CLOSE, add_special_tokens=False).ids
            if open_id is not None:
                assert ids[0] == open_id
                self.clean.append(tuple(ids[1:]))
                continue
            spelled = b""
            for j, i in enumerate(ids):
                spelled += self.tokens[i]
                if opener in spelled:
                    rest = len(spelled) - spelled.index(opener) - len(opener)
                    if rest:
                        self.straddle.append((tuple(ids[j:]), rest))
                    else:
                        self.clean.append(tuple(ids[j + 1:]))
                    break

    def allowed(self, ids) -> set[int]:
        inside, buf = None, b""  # inside: (candidate sequences, offset of the next token)
        for t in ids:
            if inside is not None:
                cands, off = inside
                if t in {s[off] for s in cands}:
                    cands = [s for s in cands if s[off] == t]
                    inside = None if len(cands[0]) == off + 1 else (cands, off + 1)
                    buf = b""
                    continue
                last = self._last(cands, off)
                assert last and self.tokens[t].startswith(last) and len(self.tokens[t]) > len(last)
                inside, buf = None, b""
                data = self.tokens[t][len(last):]
            else:
                data = self.tokens[t] if t != self.open_id else None
            entered = self._enter(buf, data)
            assert entered is not False
            if entered is None:
                buf += data
            else:
                inside = None if entered == "done" else entered
                buf = b""
        if inside is not None:
            cands, off = inside
            out = {s[off] for s in cands}
            last = self._last(cands, off)
            if last:
                out |= {t for t, d in enumerate(self.tokens) if d and len(d) > len(last) and d.startswith(last)
                        and self._enter(b"", d[len(last):]) is not False}
            return out
        out = set(self.vocab.eos_token_ids)
        for t, data in enumerate(self.tokens):
            if t == self.open_id or (data is not None and self._enter(buf, data) is not False):
                out.add(t)
        return out

    def _last(self, cands, off):
        """The bytes of the span's last token when it is the only continuation, else None."""
        if len({s[off] for s in cands}) == 1 and len(cands[0]) == off + 1:
            return self.tokens[cands[0][off]]
        return None

    def _enter(self, buf, data):
        """For outside text `data` (None: the special open token): None: still outside;
        False: not allowed; "done": a one-token span; else the span's (candidates, offset)."""
        if self.open_id is not None:
            return (self.clean, 0) if data is None else None
        text = buf + data
        at = text.find(OPEN.encode())
        if at < 0:
            return None
        rest = len(text) - at - len(OPEN)
        if rest == 0:
            return (self.clean, 0) if self.clean else False
        cands = [s for s, r in self.straddle if self.tokens[s[0]][-r:] == text[-rest:]]
        if not cands:
            return False
        return (cands, 1) if len(cands[0]) > 1 else "done"


def _setup(name, max_hops=2, special=False, tmp_path=None):
    from tokenizers import Tokenizer

    path = require_tokenizer(name)
    tok = Tokenizer.from_file(str(path))
    if special:
        tok.add_special_tokens([OPEN, CLOSE])
        path = tmp_path / "tokenizer.json"
        tok.save(str(path))
    vocab = Vocabulary.from_file(path)
    grammar = compile_kg_paths(_kg(), QUESTION, vocab, max_hops=max_hops, tokenizer=tok)
    oracle = Oracle(tok, vocab, grammar.texts, tok.token_to_id(OPEN) if special else None)
    return tok, vocab, grammar, oracle


def _walk(tok, vocab, grammar, oracle, rng, n_spans, check_outside=True):
    """Random text, then spans entered in varied ways, choosing random allowed tokens; checks
    the mask against the oracle at every step; returns the ids."""
    m = grammar.matcher()
    ids: list[int] = []

    def step(t):
        assert m.is_token_allowed(t), (t, vocab.token_bytes(t))
        assert m.accept_token(t)
        ids.append(t)

    def check():
        assert _bits(m.next_token_mask()) == oracle.allowed(ids)

    for _ in range(n_spans):
        for t in tok.encode(rng.choice([" so", "\n", " Path:"]), add_special_tokens=False).ids:
            step(t)
        if oracle.open_id is not None:
            step(oracle.open_id)
        else:
            for t in tok.encode(" <PATH", add_special_tokens=False).ids:
                step(t)
            if check_outside:
                check()
            closers = [t for t in _bits(m.next_token_mask()) if (vocab.token_bytes(t) or b"").startswith(b">")]
            step(rng.choice(closers))
        while m.state >= 0:
            check()
            step(rng.choice(sorted(_bits(m.next_token_mask()))))
        if check_outside:
            check()
    return m, ids


@pytest.mark.parametrize("name", ["llama3", "llama2"])
def test_masks_equal_oracle_and_spans_are_paths(name):
    tok, vocab, grammar, oracle = _setup(name)
    rng = random.Random(7)
    kg = _kg()
    m, ids = _walk(tok, vocab, grammar, oracle, rng, n_spans=12)
    assert m.can_end()
    m.accept_token(vocab.eos_token_ids[0])
    assert m.is_finished() and not _bits(m.next_token_mask())
    spans = grammar.paths_in(ids)
    assert len(spans) == 12
    text = b"".join(vocab.token_bytes(t) for t in ids).decode()
    written = [s.split(CLOSE)[0] for s in text.split(OPEN)[1:]]
    assert written == [grammar.texts[list(grammar.paths).index(p)] for p in spans]
    for path in spans:
        assert path[0][0] in QUESTION and 1 <= len(path) <= 2
        assert all(kg.has_triple(*hop) for hop in path)
        assert all(a[2] == b[0] for a, b in zip(path, path[1:]))
        assert len({path[0][0]} | {hop[2] for hop in path}) == len(path) + 1


def test_straddling_open_token_llama3():
    tok, vocab, grammar, oracle = _setup("llama3")
    assert b"(" in grammar._straddle, "'(Illinois)' paths start with the '>(' token in context"
    m = grammar.matcher()
    ids = tok.encode("x <PATH>(Illinois) -> capital -> Springfield</PATH>", add_special_tokens=False).ids
    assert m.accept_tokens(ids) == len(ids) and m.can_end()
    # the span's last token may merge with the text after it; the next span still counts
    m = grammar.matcher()
    ids = tok.encode("<PATH>Chicago", add_special_tokens=False).ids  # not a start entity
    assert m.accept_tokens(ids) < len(ids)
    text = "<PATH>Café Zoë -> serves -> crème brûlée</PATH>\n<PATH>Barack Obama -> child -> Malia Obama</PATH>."
    ids = tok.encode(text, add_special_tokens=False).ids
    assert b">\n" in [vocab.token_bytes(i) for i in ids]
    m = grammar.matcher()
    assert m.accept_tokens(ids) == len(ids) and m.can_end()
    assert [p[-1][2] for p in grammar.paths_in(ids)] == ["crème brûlée", "Malia Obama"]
    # completing "<PATH" with a token that then writes no path's first bytes is masked
    m = grammar.matcher()
    m.accept_tokens(tok.encode("x <PATH", add_special_tokens=False).ids)
    for bad in (">\n", ">."):
        t = tok.token_to_id(bad.replace("\n", "Ċ"))
        assert t is not None and not m.is_token_allowed(t) and not m.accept_token(t)


def test_special_token_delimiters(tmp_path):
    tok, vocab, grammar, oracle = _setup("llama3", special=True, tmp_path=tmp_path)
    open_id, close_id = tok.token_to_id(OPEN), tok.token_to_id(CLOSE)
    assert grammar.open.token_id == open_id and grammar.close.token_id == close_id
    m, ids = _walk(tok, vocab, grammar, oracle, random.Random(1), n_spans=4, check_outside=False)
    assert ids.count(open_id) == 4 == ids.count(close_id) == len(grammar.paths_in(ids))
    outside = _bits(grammar.matcher().next_token_mask())
    assert open_id in outside and close_id not in outside
    assert not grammar.matcher().is_token_allowed(close_id)


def test_outside_text_is_free_and_eos_only_outside():
    tok, vocab, grammar, oracle = _setup("llama3", max_hops=1)
    text_ids = {i for i, b in enumerate(vocab.tokens) if b is not None}
    free = _bits(grammar.matcher().next_token_mask())
    assert free == (text_ids | set(vocab.eos_token_ids)) - {i for i in text_ids if b"<PATH>" in vocab.token_bytes(i)}
    m = grammar.matcher()
    m.accept_tokens(tok.encode("<PATH>Barack", add_special_tokens=False).ids)
    assert not m.can_end() and not m.accept_token(vocab.eos_token_ids[0])
    before = m.num_accepted
    assert not m.accept_token(tok.encode(" <", add_special_tokens=False).ids[0])  # fails closed, state unchanged
    assert m.num_accepted == before
    twin = m.fork()
    twin.accept_tokens(tok.encode(" Obama -> born in -> Honolulu</PATH>", add_special_tokens=False).ids)
    assert twin.can_end() and not m.can_end()
    twin.rollback(3)
    assert twin.state >= 0 and not twin.can_end()


def test_compile_bad_input():
    from tokenizers import Tokenizer

    path = require_tokenizer("llama3")
    vocab = Vocabulary.from_file(path)
    tok = Tokenizer.from_file(str(path))
    kg = _kg()
    with pytest.raises(KnowledgeGraphError, match="unknown start entity"):
        compile_kg_paths(kg, ["Nobody"], vocab, tokenizer=tok)
    with pytest.raises(KnowledgeGraphError, match="no paths"):
        compile_kg_paths(kg, ["Springfield"], vocab, tokenizer=tok)
    with pytest.raises(KnowledgeGraphError, match="max_fanout"):
        compile_kg_paths(kg, ["Barack Obama"], vocab, tokenizer=tok, max_fanout=1)
    with pytest.raises(ConstrainError, match="tokenizer="):
        compile_kg_paths(kg, ["Barack Obama"], vocab)
    with pytest.raises(KnowledgeGraphError, match="must contain exactly"):
        compile_kg_paths(kg, ["Barack Obama"], vocab, tokenizer=tok, format="{e0} {e1}")
    with pytest.raises(KnowledgeGraphError, match="delimiter"):
        compile_kg_paths(KnowledgeGraph([("a", "r", "b</PATH>")]), ["a"], vocab, tokenizer=tok)
    with pytest.raises(ConstrainError, match="non-empty"):
        compile_kg_paths(kg, ["Barack Obama"], vocab, tokenizer=tok, open="")


def test_custom_format_and_three_hops():
    path = require_tokenizer("llama3")
    vocab = Vocabulary.from_file(path)
    grammar = compile_kg_paths(_kg(), ["Barack Obama"], vocab, tokenizer=path, max_hops=3,
                               format="({e0}, {r1}, {e1})", open="[", close="]")
    assert "(Barack Obama, born in, Honolulu, located in, Hawaii)" in grammar.texts
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    ids = tok.encode("Answer: [(Barack Obama, child, Malia Obama, lives in, New York)] done",
                     add_special_tokens=False).ids
    m = grammar.matcher()
    assert m.accept_tokens(ids) == len(ids) and m.can_end()
    (found,) = grammar.paths_in(ids)
    assert found == (("Barack Obama", "child", "Malia Obama"), ("Malia Obama", "lives in", "New York"))


def test_beam_search_gives_distinct_grounded_paths():
    from constrain import LogitsProcessor
    from tests.hf_tiny import hf_tokenizer, tiny_llama

    tok = hf_tokenizer("llama2")
    model = tiny_llama(len(tok) + 8)
    vocab = Vocabulary.from_hf(tok, size=model.config.vocab_size)
    kg = _kg()
    grammar = compile_kg_paths(kg, ["Barack Obama"], vocab, tokenizer=tok, max_hops=2, start_inside=True,
                               end_after_close=True)
    k = 4
    inputs = tok("Path: <PATH>", return_tensors="pt")
    out = model.generate(**inputs, num_beams=k, num_return_sequences=k, do_sample=False, max_new_tokens=24,
                         logits_processor=[LogitsProcessor(grammar, pad_token_id=tok.pad_token_id)],
                         pad_token_id=tok.pad_token_id)
    found = []
    for row in out[:, inputs["input_ids"].shape[1]:].tolist():
        found += grammar.paths_in([t for t in row if t != tok.pad_token_id])[:1]
    assert len(found) == k and len(set(found)) == k, found
    for path in found:
        assert path[0][0] == "Barack Obama" and all(kg.has_triple(*hop) for hop in path)


def test_end_after_close_allows_only_eos_after_the_span():
    path = require_tokenizer("llama3")
    vocab = Vocabulary.from_file(path)
    grammar = compile_kg_paths(_kg(), ["Barack Obama"], vocab, tokenizer=path, max_hops=1, start_inside=True,
                               end_after_close=True)
    from tokenizers import Tokenizer

    ids = Tokenizer.from_file(str(path)).encode("Barack Obama -> child -> Sasha Obama</PATH>",
                                                add_special_tokens=False).ids
    m = grammar.matcher()
    assert m.accept_tokens(ids[:-1]) == len(ids) - 1
    assert _bits(m.next_token_mask()) == {ids[-1]}  # the close is forced; no ">\n" exit
    assert m.accept_token(ids[-1]) and m.can_end()
    assert _bits(m.next_token_mask()) == set(vocab.eos_token_ids)
    assert grammar.paths_in(ids) == [(("Barack Obama", "child", "Sasha Obama"),)]
