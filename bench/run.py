"""Slipstream benchmarks: ``make bench`` or ``.venv/bin/python bench/run.py [--repeat N] [--only NAME]``.

Prints, per benchmark and metric, the median over the repetitions with min..max, the target and
median/target. See bench/README.md for what each benchmark measures and why.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable for `bench.*`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import machine, measure, render, write_json
from bench.scenarios import BENCHMARKS


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, metavar="N",
        help="repetitions per benchmark (default: 5, and 3 for the slow seed DAG benchmark)",
    )
    parser.add_argument(
        "--only", action="append", metavar="NAME", choices=sorted(BENCHMARKS),
        help=f"run only this benchmark (may be given more than once): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--plain", action="store_true", help="plain-text table even when rich is installed")
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = args.only or list(BENCHMARKS)
    info = machine()
    print(f"machine: {info['cpu_count']} CPUs ({info['cpus_usable']} usable), Python {info['python']}", file=sys.stderr)
    results = {}
    failed = []
    for name in names:
        benchmark = BENCHMARKS[name]
        repeat = args.repeat or benchmark.default_repeat
        print(f"{name}: {benchmark.description} x{repeat}", file=sys.stderr)
        try:
            results[name] = measure(benchmark, repeat, log=lambda line: print(line, file=sys.stderr, flush=True))
        except Exception:  # report it and go on with the other benchmarks
            traceback.print_exc()
            failed.append(name)
    if results:
        render(results, info, plain=args.plain)
    if args.json is not None:
        write_json(args.json, results, {**info, "failed": failed})
        print(f"wrote {args.json}", file=sys.stderr)
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
