"""`AutomatonCache`: a process-wide cache of automata by a key that determines them.

Compiling a schema or a grammar builds terminal automata that other schemas use again (the
same pattern, format or key set); each cache keeps them across compilations.

Invariants: a key maps to the automaton its builder returns for it (or None, an empty
language), and ByteDFAs are immutable, so a cached one may be shared by every grammar; the
cache holds at most `max_entries` entries and, when `max_states` is given, automata of at
most that many states in all: the least recently used entries go first (a hit counts as
a use, so the automata every schema shares, such as punctuation and plain numbers, stay
while one-off keys pass through), and an automaton larger than the whole budget is not
kept. Thread-safe.
"""
from __future__ import annotations

import threading

MISSING = object()


class AutomatonCache:
    def __init__(self, max_entries: int, max_states: int | None = None):
        self.max_entries = max_entries
        self.max_states = max_states
        self._entries: dict = {}
        self._states = 0
        self._lock = threading.Lock()

    def get(self, key):
        """The cached automaton (None: an empty language), or MISSING; a hit moves it to the
        newest end of the eviction order."""
        found = self._entries.get(key, MISSING)
        if found is not MISSING:
            with self._lock:
                if self._entries.pop(key, MISSING) is not MISSING:
                    self._entries[key] = found
        return found

    def put(self, key, dfa) -> None:
        size = 0 if dfa is None else dfa.n_states
        if self.max_states is not None and size > self.max_states:
            return
        with self._lock:
            if key in self._entries:
                return
            while self._entries and (len(self._entries) >= self.max_entries or
                                     self.max_states is not None and self._states + size > self.max_states):
                old = self._entries.pop(next(iter(self._entries)))
                self._states -= 0 if old is None else old.n_states
            self._entries[key] = dfa
            self._states += size

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._states = 0
