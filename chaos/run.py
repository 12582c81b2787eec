"""``make chaos``: a seeded run of a ~1,000-task DAG set while scheduler, store service, fork
server, zygotes and task processes are SIGKILLed at planned moments; then the checks.

    .venv/bin/python chaos/run.py                                  # SQLite and PostgreSQL, 1,000 tasks, 50 kills
    .venv/bin/python chaos/run.py --backend sqlite --seed 7 --kills 20 --tasks 300
    .venv/bin/python chaos/run.py --kinds task,scheduler           # only these kinds of kills
    .venv/bin/python chaos/run.py --readme                         # also write the table into README.md

Checks, per backend: every run ended ``success``, every task instance ``success``, no row left
``queued`` or ``running``, no task body finished twice (duplicated lines), none without a line
(lost), every kill recovered from and the longest stall under ``--stall-limit`` seconds (the
time from a kill until a try queued after it has started). Exit code 1 when a check fails, 2
when the harness itself cannot run. See chaos/README.md.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from chaos.harness import ChaosRun, Options, Result  # noqa: E402
from chaos.processes import KINDS  # noqa: E402
from chaos.report import details, stalls_by_kind, table  # noqa: E402

README = HERE.parent / "README.md"
TABLE_START, TABLE_END = "<!-- chaos table: start -->", "<!-- chaos table: end -->"


def _kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown kind(s) {', '.join(unknown)}; choose among {', '.join(KINDS)}")
    return kinds


def _seconds_range(text: str) -> tuple[float, float]:
    try:
        low, high = (float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give MIN,MAX seconds, e.g. 0.1,1.0") from None
    if not 0 < low <= high:
        raise argparse.ArgumentTypeError(f"{text!r}: need 0 < MIN <= MAX")
    return low, high


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="Seeds the DAG shapes, body durations and kill plan.")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--tasks", type=int, default=1000, help="Task instances in the DAG set (at least 40).")
    parser.add_argument("--kills", type=int, default=50, help="SIGKILLs per backend.")
    parser.add_argument("--kinds", type=_kinds, default=KINDS, help=f"Comma-separated, among {','.join(KINDS)}.")
    parser.add_argument("--body-seconds", type=_seconds_range, default=(0.1, 1.0), help="MIN,MAX of a task body.")
    parser.add_argument("--parallelism", type=int, default=16, help="[core] parallelism of the scheduler.")
    parser.add_argument("--timeout", type=float, default=1200.0, help="Seconds for all runs to finish.")
    parser.add_argument("--stall-limit", type=float, default=15.0, help="Longest stall after a kill that passes.")
    parser.add_argument("--give-up", type=float, default=60.0,
                        help="Seconds after a kill with no recovery before the harness stops waiting for it.")
    parser.add_argument("--keep", action="store_true", help="Keep the work folder even when every check passes.")
    parser.add_argument("--quiet", action="store_true", help="Do not narrate each kill on stderr.")
    parser.add_argument("--json", type=Path, help="Also write the results to this JSON file.")
    parser.add_argument("--readme", action="store_true", help="Also write the table into README.md.")
    return parser.parse_args(argv)


def render(results: list[Result], options: argparse.Namespace, argv: list[str]) -> str:
    shown, skip = [], False
    for arg in argv:  # what changes the run, not where its report goes
        if skip or arg in ("--readme", "--quiet", "--keep") or arg.startswith("--json="):
            skip = False
        elif arg == "--json":
            skip = True
        else:
            shown.append(arg)
    command = f"make chaos CHAOS_ARGS='{shlex.join(shown)}'" if shown else "make chaos"
    return "\n\n".join([f"`{command}`:", table(results, options.stall_limit), stalls_by_kind(results)])


def write_readme(text: str, readme: Path = README) -> None:
    content = readme.read_text()
    start, end = content.index(TABLE_START) + len(TABLE_START), content.index(TABLE_END)
    readme.write_text(content[:start] + "\n" + text + "\n" + content[end:])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    options = Options(
        seed=args.seed, tasks=args.tasks, kills=args.kills, kinds=args.kinds, body_seconds=args.body_seconds,
        parallelism=args.parallelism, timeout=args.timeout, stall_limit=args.stall_limit, stall_give_up=args.give_up,
        keep=args.keep, verbose=not args.quiet,
    )
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = []
    try:
        for backend in backends:
            results.append(ChaosRun(backend, options).run())
    except (RuntimeError, ValueError, OSError) as err:
        print(f"chaos: the harness could not run: {err}", file=sys.stderr)
        return 2
    text = render(results, args, argv)
    for result in results:
        print(details(result, args.stall_limit))
    print()
    print(text)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2, default=str))
    if args.readme:
        write_readme(text)
    return 1 if any(r.failures(args.stall_limit) for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
