"""constrain.LogitsProcessor: constrained decoding inside `transformers` `model.generate()`.

Invariant: after every call, `_rows[r].matcher` has accepted exactly the tokens row r has
generated so far (`input_ids[r, prompt_len:]`), and the scores returned allow exactly the
tokens its mask allows (EOS and the pad id only, once the row is finished).

How rows are followed from one call to the next (`generate()` hands the processor
`input_ids` of shape `[batch * beams_or_sequences, length]`, one token longer each step):
- a row's history is `input_ids[r, :-1]`; its parent is the row of the previous call whose
  `input_ids` equal that history. Greedy search and sampling keep rows in place (parent = r,
  checked with one tensor comparison); beam search reorders and duplicates rows, so parents
  are then found by comparing whole rows (prompt included). The row takes over its parent's
  matcher (a fork when a parent has several children), then accepts its newest token;
- a call starts a new generation (all matchers reset, prompt length = this call's length)
  when it is the first one, when the length did not grow by exactly one, when the number of
  rows changed, or when some row has no parent. So one processor can be passed to many
  `generate()` calls; `reset()` forces a fresh start (needed only when a new call's prompts are
  exactly the previous call's sequences minus their last token, which looks like one more step);
- a generated token the row's matcher refuses is a bug (of the model wrapper or of a mask) and
  raises ConstrainError. Exception: once a row is finished (its matcher accepted EOS) or the
  generator stopped it (it wrote the pad id, which the matcher refused), later tokens are the
  generator's padding and are not checked.

Grammars: one CompiledGrammar for every row, or a list with one per row or one per prompt
(`generate()` expands prompt i into rows `i*k .. i*k+k-1`, k = beams or return sequences).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import transformers

from constrain.errors import ConstrainError
from constrain.matcher import CompiledGrammar, Matcher
from constrain.samplers.apply_mask import MaskBuffer


class _Row:
    """One sequence being generated: its matcher, and whether the generator stopped it."""

    __slots__ = ("matcher", "stopped")

    def __init__(self, matcher: Matcher, stopped: bool = False):
        self.matcher = matcher
        self.stopped = stopped

    def fork(self) -> "_Row":
        return _Row(self.matcher.fork(), self.stopped)

    @property
    def done(self) -> bool:
        return self.stopped or self.matcher.is_finished()


class LogitsProcessor(transformers.LogitsProcessor):
    """Masks the scores of each row of `generate()` to the tokens its constraint allows."""

    def __init__(self, grammars: CompiledGrammar | Sequence[CompiledGrammar], *, pad_token_id: int | None = None):
        self._grammars = [grammars] if isinstance(grammars, CompiledGrammar) else list(grammars)
        if not self._grammars or not all(isinstance(g, CompiledGrammar) for g in self._grammars):
            raise ConstrainError("LogitsProcessor needs a CompiledGrammar or a non-empty list of them")
        vocab = self._grammars[0].vocab
        if any(g.vocab.size != vocab.size for g in self._grammars):
            raise ConstrainError("every grammar given to one LogitsProcessor must use the same vocabulary size")
        self.vocab = vocab
        self.pad_token_id = pad_token_id
        done_mask = vocab.eos_mask.copy()
        if pad_token_id is not None and 0 <= pad_token_id < vocab.size:
            done_mask.view(np.uint32)[pad_token_id >> 5] |= np.uint32(1 << (pad_token_id & 31))
        done_mask.setflags(write=False)
        self._done_mask = done_mask
        self._buffer = MaskBuffer(vocab.n_words)
        self.reset()

    # --- state ---------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the current generation: the next call starts a new one."""
        self._rows: list[_Row] = []
        self._last_ids: np.ndarray | None = None
        self.prompt_length: int | None = None

    @property
    def matchers(self) -> list[Matcher]:
        """The matcher of every row, in row order (after the latest call)."""
        return [row.matcher for row in self._rows]

    @property
    def finished(self) -> list[bool]:
        """Per row: finished (EOS accepted) or stopped by the generator."""
        return [row.done for row in self._rows]

    def _grammar_of_rows(self, n_rows: int) -> list[CompiledGrammar]:
        n = len(self._grammars)
        if n == 1:
            return self._grammars * n_rows
        if n_rows % n:
            raise ConstrainError(f"{n} grammars cannot be spread over {n_rows} rows: give one grammar, "
                                 "one per prompt or one per row")
        k = n_rows // n
        return [self._grammars[r // k] for r in range(n_rows)]

    def _start(self, ids: np.ndarray) -> None:
        self._rows = [_Row(g.matcher()) for g in self._grammar_of_rows(ids.shape[0])]
        self.prompt_length = ids.shape[1]

    def _parents(self, ids: np.ndarray) -> list[int] | None:
        """Row of the previous call each row continues, or None when this is a new generation."""
        last = self._last_ids
        if last is None or ids.shape[0] != last.shape[0] or ids.shape[1] != last.shape[1] + 1:
            return None
        history = ids[:, :-1]
        if np.array_equal(history, last):
            return list(range(ids.shape[0]))
        index: dict[bytes, int] = {}
        for p, row in enumerate(last):
            index.setdefault(row.tobytes(), p)
        parents = [index.get(row.tobytes()) for row in history]
        return None if None in parents else parents

    def _advance(self, parents: list[int], new_tokens: list[int]) -> None:
        claimed = [False] * len(self._rows)
        rows = []
        for p in parents:  # fork before any row accepts, so every child starts from its parent
            rows.append(self._rows[p].fork() if claimed[p] else self._rows[p])
            claimed[p] = True
        for r, (row, token) in enumerate(zip(rows, new_tokens)):
            if row.done or row.matcher.accept_token(token):
                continue
            if token == self.pad_token_id:
                row.stopped = True
                continue
            raise ConstrainError(
                f"row {r} generated token {token} ({self.vocab.token_bytes(token)!r}), which its constraint "
                f"does not allow after {row.matcher.num_accepted} tokens: the scores were changed after "
                "this processor masked them (another processor or a sampler not respecting -inf)"
            )
        self._rows = rows

    # --- the transformers hook -----------------------------------------------------------------
    def fill_masks(self, input_ids: torch.LongTensor) -> int:
        """Follow the rows to `input_ids` and write their masks into the buffer; returns the row count."""
        ids = input_ids.detach().cpu().numpy()
        parents = self._parents(ids)
        if parents is None:
            self._start(ids)
        else:
            self._advance(parents, ids[:, -1].tolist())
        self._last_ids = ids.copy()
        n = len(self._rows)
        masks = self._buffer.rows(n)
        for r, row in enumerate(self._rows):
            np.copyto(masks[r], self._done_mask if row.done else row.matcher.next_token_mask())
        return n

    def apply_masks(self, scores: torch.FloatTensor, n: int) -> torch.FloatTensor:
        """Mask `scores` (in place) with the first `n` rows of the buffer."""
        return self._buffer.apply_(scores, n)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if scores.shape[-1] < self.vocab.size:
            raise ConstrainError(f"the logits have {scores.shape[-1]} columns but the vocabulary has "
                                 f"{self.vocab.size} ids: build the Vocabulary from the model's tokenizer")
        return self.apply_masks(scores, self.fill_masks(input_ids))
