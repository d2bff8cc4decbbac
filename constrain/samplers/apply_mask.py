"""Token bitmasks applied to logits: set every disallowed logit to -inf, in place.

A bitmask is int32 `[rows, words]`; bit `t % 32` of word `t // 32` set means token `t` is
allowed (the Matcher contract). Invariant of every path here: after `apply_token_bitmask_`,
`logits[r, t]` is unchanged where the bit is set and -inf elsewhere, including every column
at or past `32 * words` (logits wider than the vocabulary keep their extra columns
disallowed). Rows whose mask allows every column are skipped (the "all allowed" fast path).

Paths: on CPU, per row in numpy: a sparse mask keeps its few allowed logits and fills the rest,
a dense one adds biases looked up per mask byte (a 256 x 8 table of 0/-inf, branch-free); on
CUDA, one Triton kernel when Triton is importable, else torch bit unpacking on the device. `MaskBuffer` owns the host buffer the matchers fill
(pinned when CUDA is present, so the copy to the device is asynchronous).
"""
from __future__ import annotations

import numpy as np
import torch

from constrain.errors import ConstrainError


def _bias_table() -> np.ndarray:
    """`table[b, i]` is 0.0 when bit i of byte b is set, else -inf."""
    bits = (np.arange(256, dtype=np.uint8)[:, None] >> np.arange(8, dtype=np.uint8)) & 1
    return np.where(bits == 1, np.float32(0.0), np.float32(-np.inf)).astype(np.float32)


_BIAS = _bias_table()
_SHIFTS: dict[torch.device, torch.Tensor] = {}


def _full_rows(bitmask: np.ndarray, width: int) -> np.ndarray:
    """Bool per row: the mask allows every one of the first `width` columns."""
    whole, rest = divmod(width, 32)
    if whole + (1 if rest else 0) > bitmask.shape[1]:
        return np.zeros(bitmask.shape[0], dtype=bool)
    full = (bitmask[:, :whole] == -1).all(axis=1)
    if rest:
        low = (1 << rest) - 1
        full &= (bitmask[:, whole] & low) == low
    return full


_SPARSE = 8  # a row with under 1/_SPARSE of its words nonzero takes the sparse path
_BIT_OFFSETS = np.arange(32)


def _apply_row_np(row: np.ndarray, mask: np.ndarray, covered: int) -> None:
    """One float32 row, in place: sparse masks keep the allowed logits and fill the rest with
    -inf; others add the byte-table biases (branch-free). Single-threaded numpy on purpose: on a
    busy CPU, torch's intra-op threads turn a 50 us step into milliseconds of waiting."""
    if np.count_nonzero(mask) * _SPARSE < mask.size:
        words = np.flatnonzero(mask)
        bits = np.unpackbits(mask[words].view(np.uint8), bitorder="little").reshape(-1, 32).view(bool)
        ids = (words[:, None] * 32 + _BIT_OFFSETS)[bits]
        ids = ids[ids < covered]
        kept = row[ids]
        row.fill(-np.inf)
        row[ids] = kept
        return
    row[:covered] += np.take(_BIAS, mask.view(np.uint8), axis=0, mode="clip").reshape(-1)[:covered]
    row[covered:] = -np.inf


def _apply_cpu(logits: torch.Tensor, bitmask: np.ndarray) -> None:
    width = logits.shape[1]
    covered = min(width, bitmask.shape[1] * 32)
    rows = np.flatnonzero(~_full_rows(bitmask, width))
    if logits.dtype == torch.float32:
        values = logits.detach().numpy()
        for r in rows:
            _apply_row_np(values[r], bitmask[r], covered)
        return
    for r in rows:  # other float types: the same biases through torch
        bias = np.take(_BIAS, bitmask[r].view(np.uint8), axis=0, mode="clip").reshape(-1)[:covered]
        logits[r, :covered] += torch.from_numpy(bias)
        logits[r, covered:] = float("-inf")


def _apply_torch_device(logits: torch.Tensor, bitmask: torch.Tensor) -> None:
    shifts = _SHIFTS.get(bitmask.device)
    if shifts is None:
        shifts = _SHIFTS.setdefault(bitmask.device, torch.arange(32, dtype=torch.int32, device=bitmask.device))
    width = logits.shape[1]
    covered = min(width, bitmask.shape[1] * 32)
    allowed = ((bitmask.unsqueeze(-1) >> shifts) & 1).reshape(bitmask.shape[0], -1)[:, :covered]
    logits[:, :covered].masked_fill_(allowed == 0, float("-inf"))
    if covered < width:
        logits[:, covered:] = float("-inf")


def _load_triton_kernel():
    """The Triton kernel, or None when Triton (or CUDA) is unavailable."""
    if not torch.cuda.is_available():
        return None
    try:
        import triton
        import triton.language as tl
    except ImportError:
        return None

    @triton.jit
    def apply_bitmask_kernel(logits_ptr, bitmask_ptr, n_cols, n_words, logits_stride, bitmask_stride,
                             BLOCK: tl.constexpr):
        row = tl.program_id(0)
        cols = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
        words = tl.load(bitmask_ptr + row * bitmask_stride + cols // 32, mask=cols < n_words * 32, other=0)
        allowed = ((words >> (cols % 32)) & 1) != 0
        tl.store(logits_ptr + row * logits_stride + cols, float("-inf"), mask=(cols < n_cols) & ~allowed)

    def run(logits: torch.Tensor, bitmask: torch.Tensor) -> None:
        block = 2048
        grid = (logits.shape[0], triton.cdiv(logits.shape[1], block))
        apply_bitmask_kernel[grid](logits, bitmask, logits.shape[1], bitmask.shape[1],
                                   logits.stride(0), bitmask.stride(0), BLOCK=block)

    return run


_TRITON: list = []


def _triton_kernel():
    if not _TRITON:
        _TRITON.append(_load_triton_kernel())
    return _TRITON[0]


def apply_token_bitmask_(logits: torch.Tensor, bitmask, *, use_triton: bool = True) -> torch.Tensor:
    """Set `logits[r, t] = -inf` wherever bit t of row r of `bitmask` is clear; returns `logits`.

    `logits`: float `[rows, width]` on any device; `bitmask`: int32 `[rows, words]` as a numpy
    array or tensor (CPU or the logits' device). `use_triton=False` forces the torch path on CUDA.
    """
    if logits.dim() != 2:
        raise ConstrainError(f"logits must be 2-D [rows, vocab], got shape {tuple(logits.shape)}")
    mask = torch.from_numpy(bitmask) if isinstance(bitmask, np.ndarray) else bitmask
    if mask.dtype != torch.int32 or mask.dim() != 2 or mask.shape[0] != logits.shape[0]:
        raise ConstrainError(f"bitmask must be int32 [{logits.shape[0]}, words], "
                             f"got {mask.dtype} {tuple(mask.shape)}")
    if logits.device.type == "cpu":
        _apply_cpu(logits, mask.cpu().numpy())
        return logits
    if mask.device.type == "cpu" and bool(_full_rows(mask.numpy(), logits.shape[1]).all()):
        return logits
    mask = mask.to(logits.device, non_blocking=True)
    kernel = _triton_kernel() if use_triton and logits.device.type == "cuda" else None
    if kernel is not None and logits.is_contiguous():
        kernel(logits, mask.contiguous())
    else:
        _apply_torch_device(logits, mask)
    return logits


class MaskBuffer:
    """A reusable int32 `[rows, words]` host buffer for the matchers to fill.

    Pinned when CUDA is present; `apply_` copies it to the logits' device without blocking and
    waits for that copy to finish before the buffer is handed out for filling again.
    """

    def __init__(self, n_words: int):
        self.n_words = n_words
        self._pinned = torch.cuda.is_available()
        self._allocate(1)
        self._copy_done = None

    def _allocate(self, rows: int) -> None:
        self._tensor = torch.zeros((rows, self.n_words), dtype=torch.int32, pin_memory=self._pinned)
        self._array = self._tensor.numpy()

    def rows(self, n: int) -> np.ndarray:
        """A `[n, words]` numpy view of the buffer, safe to overwrite."""
        if self._copy_done is not None:
            self._copy_done.synchronize()
            self._copy_done = None
        if self._array.shape[0] < n:
            self._allocate(n)
        return self._array[:n]

    def apply_(self, logits: torch.Tensor, n: int) -> torch.Tensor:
        """Apply the first `n` rows of the buffer to `logits` (in place)."""
        if logits.device.type == "cpu":
            return apply_token_bitmask_(logits, self._array[:n])
        apply_token_bitmask_(logits, self._tensor[:n])
        if logits.device.type == "cuda":
            self._copy_done = torch.cuda.Event()
            self._copy_done.record()
        return logits
