"""gc_paused: the collector is off inside (nested, across threads) and back on after the last."""
from __future__ import annotations

import gc
import threading

from constrain import Vocabulary, compile_json_schema
from constrain.gc_pause import gc_paused
from constrain.grammars.cfg_matcher import compile_lark


def test_pause_nests_and_restores():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_pause_leaves_a_disabled_collector_disabled():
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pauses_in_threads_end_with_the_last():
    inside, release = threading.Event(), threading.Event()

    def hold():
        with gc_paused():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    inside.wait(10)
    with gc_paused():
        pass
    assert not gc.isenabled()          # the thread's pause is still on
    release.set()
    t.join()
    assert gc.isenabled()


def test_compile_restores_the_collector_even_on_error():
    vocab = Vocabulary([b"a", b"{", b"}"], eos_token_ids=[3], size=4)
    compile_json_schema({"type": "object"}, vocab)
    assert gc.isenabled()
    try:
        compile_json_schema({"type": "object", "minProperties": "x"}, vocab)
    except Exception:
        pass
    assert gc.isenabled()


def test_compiling_and_masking_leave_no_reference_cycles():
    """Nothing that compiling builds is kept alive by a reference cycle: garbage is freed
    when dropped, and a cached grammar is not one the cyclic collector must keep rescanning
    to free. An ambiguous grammar (the Earley parser) over a non-ASCII class (the UTF-8
    byte trie) covers the two cycles this once had."""
    vocab = Vocabulary([b"a", "α".encode(), "ω".encode(), b"b"], eos_token_ids=[4], size=5)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        grammar = compile_lark("start: start start | X\nX: /[α-ω]+|a/\n", vocab)
        assert grammar.parser.kind == "earley"
        matcher = grammar.matcher()
        assert matcher.accept_token(1) and matcher.next_token_mask()[0]
        del grammar, matcher
        gc.collect()
        ours = [type(o).__qualname__ for o in gc.garbage if type(o).__module__.startswith("constrain")]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert ours == []


def test_the_token_table_is_not_rescanned_by_the_collector():
    """A vocabulary's bytes per id (128k entries for Llama-3) hold no container, so after one
    pass the cyclic collector no longer tracks them: a full collection does not visit every
    token of every vocabulary in the process."""
    vocab = Vocabulary([b"a", "α".encode(), None, b"b"], eos_token_ids=[2], size=5)
    gc.collect()
    assert not gc.is_tracked(vocab._tokens)
    assert vocab.tokens == [b"a", "α".encode(), None, b"b"] and vocab.token_bytes(4) is None
