"""Fake engines for the jsonschemabench runner tests, importable by its worker subprocesses.

Each one misbehaves in exactly one documented way; `ConstrainEngine` supplies the real
compile so that the well-behaved parts are real.
"""
from __future__ import annotations

import os
import time

from constrain import SchemaError
from jsonschemabench.engines import ConstrainEngine

CRASH_MARK = "crash-me"
HANG_MARK = "hang-me"


class AcceptAll(ConstrainEngine):
    """Allows every token and may always end."""

    name = "accept_all"

    def accept(self, m, token: int) -> bool:
        return True

    def can_end(self, m) -> bool:
        return True


class RejectAll(ConstrainEngine):
    """Forbids every token."""

    name = "reject_all"

    def accept(self, m, token: int) -> bool:
        return False


class CrashOnMark(ConstrainEngine):
    """Kills its process (like a segfault) when the schema's title is CRASH_MARK."""

    name = "crasher"

    def compile(self, schema):
        if schema.get("title") == CRASH_MARK:
            os._exit(139)
        return super().compile(schema)


class HangOnMark(ConstrainEngine):
    """Sleeps forever in mask when the schema's title is HANG_MARK."""

    name = "hanger"

    def compile(self, schema):
        return schema.get("title") == HANG_MARK, super().compile(schema)

    def start(self, grammar):
        hang, compiled = grammar
        return hang, compiled.matcher()

    def mask(self, m):
        hang, matcher = m
        while hang:
            time.sleep(60)
        matcher.next_token_mask()

    def accept(self, m, token: int) -> bool:
        return m[1].accept_token(token)

    def can_end(self, m) -> bool:
        return m[1].can_end()


class RefuseToCompile(ConstrainEngine):
    """Raises SchemaError (a ConstrainError) for every schema."""

    name = "refuser"

    def compile(self, schema):
        raise SchemaError("this engine compiles nothing")


class RaiseInAccept(ConstrainEngine):
    """Raises an ordinary exception while teacher-forcing (a bug, not a dead process)."""

    name = "raiser"

    def accept(self, m, token: int) -> bool:
        raise RuntimeError("accept exploded")
