"""Where shared data lives: one setting, `CONSTRAIN_DATA_DIR`.

Default: `../shared/data` beside the checkout (i.e. `<repo>/../shared/data`), so a fresh
clone next to `shared/` finds the tokenizers and JSONSchemaBench files without any setup.
"""
from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The data folder: `$CONSTRAIN_DATA_DIR`, else `<checkout>/../shared/data`."""
    env = os.environ.get("CONSTRAIN_DATA_DIR")
    return Path(env) if env else _CHECKOUT.parent / "shared" / "data"


def tokenizer_path(name: str) -> Path:
    """Folder of one of the shared tokenizers (gpt2, llama3, qwen2.5, llama2, phi3, gemma3, ...)."""
    return data_dir() / "tokenizers" / name
