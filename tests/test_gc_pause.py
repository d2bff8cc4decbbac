"""gc_paused: the collector is off inside (nested, across threads) and back on after the last."""
from __future__ import annotations

import gc
import threading

from constrain import Vocabulary, compile_json_schema
from constrain.gc_pause import gc_paused


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
