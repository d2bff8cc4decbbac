"""A compile's time limit, checked cooperatively: `time_limit(seconds)` around a compile and
`check_time()` at the steps that can add up to a long one (each subschema the JSON Schema
emitter writes, each subset construction and product of automata, each phase of a grammar's
compile); work in C++ that can take long on its own (the LALR tables) is given `seconds_left()`
and reads its own clock.

Invariant: inside `time_limit(s)`, `check_time` stops the compile once more than `s` seconds
have passed since the limit began, and `time_limit` then raises CompileTimeLimitError. No step
is interrupted, so a compile ends at most one step after its deadline (each step is bounded on
its own: an automaton by its state limit). Between the check and `time_limit` the compile
unwinds as `TimeUp`, a BaseException, so that no `except ConstrainError` or `except Exception`
on the way (a fallback taken when an automaton is too large, say) mistakes running out of time
for a property of the input. Nested limits: the earliest deadline wins. Outside any limit
`check_time` does nothing. A limit belongs to its context (a `ContextVar`): threads and tasks
compiling at once keep their own.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar

from constrain.errors import CompileTimeLimitError

#: the default limit on one compile, in seconds: the slowest of MaskBench's 9,021 JSON Schemas
#: takes under 10 s to compile or fail here (most take milliseconds)
MAX_COMPILE_SECONDS = 10.0

#: the innermost limit's deadline on the monotonic clock, or None
_deadline: ContextVar[float | None] = ContextVar("constrain_compile_deadline", default=None)


class TimeUp(BaseException):
    """The deadline passed (raised by `check_time`, turned into CompileTimeLimitError by the
    `time_limit` it belongs to). `pointer`: the innermost JSON Schema subschema it left, when
    the JSON Schema emitter noted one (`note_pointer`)."""

    pointer = ""

    def note_pointer(self, pointer: str) -> None:
        if not self.pointer:
            self.pointer = pointer


@contextmanager
def time_limit(seconds: float | None):
    """Limit what runs inside to `seconds` (None: no limit of its own; an outer one still
    holds); CompileTimeLimitError when it runs out."""
    if checked_seconds(seconds) is None:
        yield
        return
    outer = _deadline.get()
    deadline = time.monotonic() + seconds
    token = _deadline.set(deadline if outer is None else min(deadline, outer))
    try:
        yield
    except TimeUp as e:
        if outer is not None and outer <= deadline:
            raise                   # the outer limit's own deadline: its time_limit reports it
        raise CompileTimeLimitError(seconds, e.pointer) from None
    finally:
        _deadline.reset(token)


def checked_seconds(seconds: float | None) -> float | None:
    """`seconds` if it is a limit (a positive number) or None; ValueError otherwise."""
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                or not seconds > 0):
        raise ValueError(f"a compile time limit must be a positive number of seconds or None, not {seconds!r}")
    return seconds


def seconds_left() -> float | None:
    """Seconds until the innermost limit's deadline (0 once passed), or None outside every
    limit: for work done in C++, which reads its own clock (csrc/lalr.h)."""
    deadline = _deadline.get()
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def check_time() -> None:
    """Stop the compile (TimeUp) if the innermost limit's deadline has passed."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise TimeUp()
