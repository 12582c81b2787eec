"""Compare revisions on the same machine, interleaved: ``bench/compare.py HEAD~3 HEAD WORKTREE``.

A 2-core VM's speed drifts by tens of percent within minutes, so figures taken one after the
other mean little. This runs one repetition of the chosen benchmarks for each revision in turn,
``--rounds`` times, and prints each metric's median per revision with its ratio to the first.
A revision is anything ``git`` names (checked out as a throwaway worktree) or ``WORKTREE`` (the
repository as it is now, uncommitted changes included). Every revision runs with this
repository's interpreter and installed dependencies, its own ``src`` first on the path.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CURRENT = "WORKTREE"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/compare.py", description=__doc__.splitlines()[0])
    parser.add_argument("revisions", nargs="+", metavar="REV", help=f"git revisions, or {CURRENT}")
    parser.add_argument("--rounds", type=int, default=5, metavar="N", help="repetitions per revision (default 5)")
    parser.add_argument("--only", action="append", metavar="NAME", help="benchmark to run (default: fanout500 and chain50)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def checkout(revision: str, into: Path) -> Path:
    """The source tree of ``revision``: a detached worktree under ``into``, or this repository."""
    if revision == CURRENT:
        return REPO
    tree = into / f"rev{sum(1 for p in into.iterdir() if p.name.startswith('rev'))}"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-f", str(tree), revision], check=True,
                   capture_output=True, text=True)
    return tree


def run_once(tree: Path, only: list[str], out: Path) -> dict[str, list[float]]:
    """One repetition of the benchmarks in ``tree``: {"benchmark.metric": [value]}."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    command = [sys.executable, str(tree / "bench" / "run.py"), "--repeat", "1", "--plain", "--json", str(out)]
    for name in only:
        command += ["--only", name]
    subprocess.run(command, cwd=tree, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not out.exists():
        return {}
    results = json.loads(out.read_text())["benchmarks"]
    return {
        f"{bench}.{metric}": list(figures["samples"])
        for bench, data in results.items() for metric, figures in data["metrics"].items()
    }


def summarize(revisions: list[str], samples: dict[str, dict[str, list[float]]]) -> list[str]:
    """One line per metric: each revision's median, its ratio to the first, and the samples."""
    metrics = sorted({m for per_rev in samples.values() for m in per_rev})
    lines = []
    for metric in metrics:
        base = samples[revisions[0]].get(metric)
        base_median = statistics.median(base) if base else None
        parts = []
        for revision in revisions:
            values = samples[revision].get(metric)
            if not values:
                parts.append(f"{revision}: -")
                continue
            median = statistics.median(values)
            ratio = f" ({median / base_median:.2f}x)" if base_median else ""
            parts.append(f"{revision}: {median:.4g}{ratio} [{', '.join(f'{v:.3g}' for v in sorted(values))}]")
        lines.append(f"{metric:45} " + "   ".join(parts))
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    only = args.only or ["fanout500", "chain50"]
    scratch = Path(tempfile.mkdtemp(prefix="slipstream-compare-"))
    # bench/scenarios.py finds the seed DAGs beside the repository: give the worktrees the same neighbour.
    if (REPO.parent / "shared").exists():
        (scratch / "shared").symlink_to(REPO.parent / "shared")
    trees = {}
    try:
        for revision in args.revisions:
            trees[revision] = checkout(revision, scratch)
        samples: dict[str, dict[str, list[float]]] = {r: {} for r in args.revisions}
        for round_number in range(1, args.rounds + 1):
            for index, revision in enumerate(args.revisions):
                out = scratch / f"round{round_number}-{index}.json"
                figures = run_once(trees[revision], only, out)
                for metric, values in figures.items():
                    samples[revision].setdefault(metric, []).extend(values)
            print(f"round {round_number}/{args.rounds} done", file=sys.stderr, flush=True)
        print("\n".join(summarize(args.revisions, samples)))
    finally:
        for tree in trees.values():
            if tree != REPO:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
