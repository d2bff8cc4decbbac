"""Engines in worker subprocesses, so that a crash or a hang costs one schema, not the run.

An `EngineWorker` owns at most one live child process running `_serve`: the child builds the
engine once (its compile caches live as long as the child) and answers one `check_schema`
per row sent over a pipe. Invariant after every `check`: the child is idle and alive, or it
has been killed or has died and is gone — the next `check` starts a fresh one. A schema that
takes longer than `timeout` seconds is recorded as `timeout`, a child that dies as `crash`.
"""
from __future__ import annotations

import multiprocessing
from pathlib import Path

from tokenizers import Tokenizer

from jsonschemabench.check import CRASH, TIMEOUT, SchemaResult, check_schema
from jsonschemabench.engines import engine_class

STARTUP_TIMEOUT = 300.0


class WorkerStartError(RuntimeError):
    """The engine could not be built in the worker (not installed, bad tokenizer, ...)."""


def _serve(conn, spec: str, tokenizer_json: str, separators) -> None:
    try:
        engine = engine_class(spec)(Path(tokenizer_json))
        tok = Tokenizer.from_file(tokenizer_json)
    except Exception as e:  # noqa: BLE001 - reported to the parent
        conn.send(("error", f"{type(e).__name__}: {e}"))
        return
    conn.send(("ready", engine.name))
    while True:
        try:
            row = conn.recv()
        except EOFError:
            return
        conn.send(check_schema(row, engine, tok, separators))


class EngineWorker:
    """One engine (a name or `module:Class`) checked schema by schema in a child process."""

    def __init__(self, spec: str, tokenizer_json: Path, timeout: float, separators=None):
        self.spec = spec
        self.tokenizer_json = str(tokenizer_json)
        self.timeout = timeout
        self.separators = separators
        self.name = spec
        self.starts = 0
        self._process = None
        self._conn = None

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_serve, args=(child, self.spec, self.tokenizer_json, self.separators),
                              daemon=True)
        process.start()
        child.close()
        self._process, self._conn = process, parent
        self.starts += 1
        if not parent.poll(max(STARTUP_TIMEOUT, self.timeout)):
            self.close()
            raise WorkerStartError(f"{self.spec}: the worker did not start in {STARTUP_TIMEOUT:.0f} s")
        try:
            kind, value = parent.recv()
        except EOFError:
            self.close()
            raise WorkerStartError(f"{self.spec}: the worker died while starting") from None
        if kind == "error":
            self.close()
            raise WorkerStartError(f"{self.spec}: {value}")
        self.name = value

    def check(self, row: dict) -> SchemaResult:
        """The engine's result on the row, or a timeout / crash result (the child then replaced)."""
        if self._process is None:
            self._start()
        self._conn.send(row)
        if not self._conn.poll(self.timeout):
            self.close()
            return self._failure(row, TIMEOUT, f"no result in {self.timeout:g} s; worker killed")
        try:
            return self._conn.recv()
        except (EOFError, ConnectionError):
            self._process.join(5)
            code = self._process.exitcode
            self.close()
            return self._failure(row, CRASH, f"worker died (exit code {code})")

    def _failure(self, row: dict, status: str, detail: str) -> SchemaResult:
        return SchemaResult(self.name, row["id"], row.get("subset", ""), status, status, detail=detail)

    def close(self) -> None:
        """Stop the child (kill: it may be hung) and forget it."""
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(5)
            self._conn.close()
        self._process = self._conn = None
