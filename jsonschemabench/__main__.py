"""`python -m jsonschemabench <subcommand>`: maskbench, testsuite, ratchet, generate, walk."""
from __future__ import annotations

import argparse
import importlib

SUBCOMMANDS = {
    "maskbench": "teacher-force valid/invalid instances through each engine (TTFM, TBM, correctness)",
    "testsuite": "pass rate per JSON Schema Test Suite file/category, per engine",
    "ratchet": "check constrain on a fixed sample against jsonschemabench/expected_sample.json",
    "generate": "the paper's protocol with a model: coverage, compliance, GCT, TTFT, TPOT",
    "walk": "random token walks through constrain's masks, every finished output validated (exactness audit)",
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m jsonschemabench", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    modules = {}
    for name, help_text in SUBCOMMANDS.items():
        modules[name] = importlib.import_module(f"jsonschemabench.{name}")
        modules[name].add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    args = ap.parse_args(argv)
    return modules[args.command].main(args)


if __name__ == "__main__":
    raise SystemExit(main())
