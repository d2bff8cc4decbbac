"""One schema through one engine, MaskBench-style: compile, then teacher-force every instance.

Each instance is `json.dumps(instance, ensure_ascii=False)` tokenized as a continuation
(no special tokens). Before every token the mask is computed (and timed: TBM); the token must
be allowed. Time to first mask (TTFM) is compile + a first mask on a fresh matcher.

Two verdicts per schema, the first failing check deciding, in this order:
- `validation`: a valid instance was refused (MaskBench verdict: some token forbidden;
  strict verdict: also EOS not allowed after its last token);
- `invalidation`: an invalid instance was accepted: every token allowed and EOS allowed after
  it (both verdicts: an instance such as `3` under `"minimum": 5` can only be refused at its
  end, since `30` continues it);
- else `pass`. `compile` (the engine said it cannot compile the schema) and `crash` (any
  other exception) are the same in both verdicts; the worker adds `timeout` and a `crash`
  for a dead process.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

PASS, COMPILE, VALIDATION, INVALIDATION, TIMEOUT, CRASH = \
    "pass", "compile", "validation", "invalidation", "timeout", "crash"
STATUSES = (PASS, COMPILE, VALIDATION, INVALIDATION, TIMEOUT, CRASH)
LABELS = {PASS: "passing", COMPILE: "compile error", VALIDATION: "validation error",
          INVALIDATION: "invalidation error", TIMEOUT: "timeout", CRASH: "crash"}
DETAIL_CHARS = 200


@dataclass(frozen=True)
class InstanceRun:
    """How one instance went: every token allowed, and whether EOS was allowed after them."""

    tokens_allowed: bool
    can_end: bool
    text: str = ""


@dataclass
class SchemaResult:
    """The outcome of one engine on one schema (times in seconds)."""

    engine: str
    id: str
    subset: str
    status: str
    strict_status: str
    ttfm: float | None = None
    tbm: list[float] = field(default_factory=list)
    detail: str = ""


def classify(valid: list[InstanceRun], invalid: list[InstanceRun]) -> tuple[tuple[str, str], tuple[str, str]]:
    """((status, detail), (strict_status, detail)) of a compiled schema from its instance runs."""
    def verdict(valid_ok) -> tuple[str, str]:
        for run in valid:
            if not valid_ok(run):
                return VALIDATION, run.text
        for run in invalid:
            if run.tokens_allowed and run.can_end:
                return INVALIDATION, run.text
        return PASS, ""
    return verdict(lambda r: r.tokens_allowed), verdict(lambda r: r.tokens_allowed and r.can_end)


def run_instance(engine, grammar, ids: list[int], tbm: list[float], text: str = "") -> InstanceRun:
    """Teacher-force the ids on a fresh matcher, timing each mask into tbm."""
    m = engine.start(grammar)
    for t in ids:
        t0 = time.perf_counter()
        engine.mask(m)
        tbm.append(time.perf_counter() - t0)
        if not engine.accept(m, t):
            return InstanceRun(False, False, text)
    return InstanceRun(True, engine.can_end(m), text)


def check_schema(row: dict, engine, tok, separators=None) -> SchemaResult:
    """Compile row["schema"] with the engine and teacher-force its valid and invalid instances."""
    def result(status, strict=None, ttfm=None, tbm=(), detail=""):
        return SchemaResult(engine.name, row["id"], row.get("subset", ""), status, strict or status,
                            ttfm, list(tbm), detail[:DETAIL_CHARS])

    t0 = time.perf_counter()
    try:
        grammar = engine.compile(row["schema"])
        engine.mask(engine.start(grammar))
    except engine.compile_errors as e:
        return result(COMPILE, detail=f"{type(e).__name__}: {e}")
    except Exception as e:  # noqa: BLE001 - an engine bug is a result here
        return result(CRASH, detail=f"{type(e).__name__}: {e}")
    ttfm = time.perf_counter() - t0
    tbm: list[float] = []
    try:
        runs = {}
        for kind in ("valid", "invalid"):
            texts = [json.dumps(inst, ensure_ascii=False, separators=separators) for inst in row[kind]]
            runs[kind] = [run_instance(engine, grammar, tok.encode(text, add_special_tokens=False).ids, tbm, text)
                          for text in texts]
    except Exception as e:  # noqa: BLE001
        return result(CRASH, ttfm=ttfm, tbm=tbm, detail=f"{type(e).__name__}: {e}")
    (status, detail), (strict, strict_detail) = classify(runs["valid"], runs["invalid"])
    return result(status, strict, ttfm, tbm, detail or strict_detail)
