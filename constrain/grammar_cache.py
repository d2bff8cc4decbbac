"""The cache of compiled grammars behind `compile_regex` and `compile_json_schema`.

Invariant: `get(key)` returns None or a grammar `put` under that very key.

Admission (a "doorkeeper", as in TinyLFU caches): a grammar is kept alive by the cache only
once its key has been compiled before. Until then the cache finds it only while its caller
still holds it (a weak reference), so compiling a stream of distinct schemas keeps nothing
alive: no grammar nobody asks for again is held, freed later inside another compile, or
rescanned by the garbage collector. Kept grammars are evicted first in, first out.
"""
from __future__ import annotations

import threading
import weakref

from constrain.gc_pause import gc_paused


class GrammarCache:
    """Compiled grammars by key: `size` kept (keys compiled at least twice), the rest found
    while in use; `seen_size` hashes of keys compiled once are remembered."""

    def __init__(self, size: int, seen_size: int = 4096):
        self.size = size
        self.seen_size = seen_size
        self._kept: dict = {}
        self._in_use: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self._seen: dict[int, None] = {}
        self._lock = threading.Lock()

    def get_or_compile(self, key, compile_grammar):
        """The grammar for `key`: found (`get`), or `compile_grammar()` run with the cyclic
        collector paused and recorded (`put`)."""
        hit = self.get(key)
        if hit is not None:
            return hit
        with gc_paused():
            grammar = compile_grammar()
        return self.put(key, grammar)

    def get(self, key):
        """The grammar compiled for `key`, if it is kept or still in use (then it is kept from
        now on: it was asked for a second time)."""
        with self._lock:
            hit = self._kept.get(key)
            if hit is None:
                hit = self._in_use.get(key)
                if hit is not None:
                    self._keep(key, hit)
            return hit

    def put(self, key, grammar):
        """Record `grammar`, just compiled for `key`; returns the grammar to use (one another
        thread recorded first, if any)."""
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                found = self._in_use.get(key)
            if found is not None:
                return found
            seen = hash(key)
            if seen in self._seen:
                self._keep(key, grammar)
            else:
                self._seen[seen] = None
                if len(self._seen) > self.seen_size:
                    self._seen.pop(next(iter(self._seen)))
            self._in_use[key] = grammar
            return grammar

    def _keep(self, key, grammar) -> None:
        if key not in self._kept and len(self._kept) >= self.size:
            self._kept.pop(next(iter(self._kept)))
        self._kept[key] = grammar

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._in_use.clear()
            self._seen.clear()

    def __len__(self) -> int:
        """Grammars the cache can return now (kept or in use)."""
        with self._lock:
            return len(set(self._kept) | set(self._in_use.keys()))
