"""The chaos table: one row per backend, then the stalls by kind of kill."""

from __future__ import annotations

import statistics

from chaos.harness import Result
from chaos.processes import KIND_NAMES, KINDS


def _seconds(value: float) -> str:
    return f"{value:.1f} s"


def table(results: list[Result], stall_limit: float) -> str:
    lines = [
        "| backend | tasks | kills: " + " / ".join(KIND_NAMES[k] for k in KINDS)
        + " | longest stall | median stall | duplicated | lost | not success | left queued/running | wall | result |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        by_kind = r.kills_by_kind
        kills = " / ".join(str(by_kind.get(k, 0)) for k in KINDS) + f" = {len(r.kills)}"
        not_success = sum(n for s, n in r.task_states.items() if s != "success")
        not_success += sum(1 for s in r.runs.values() if s != "success")
        verdict = "pass" if not r.failures(stall_limit) else "**FAIL**"
        never = sum(1 for k in r.kills if k.stall is None)
        longest = f"never ({never} of {len(r.kills)})" if never else _seconds(r.longest_stall)
        lines.append(
            f"| {r.backend} | {r.tasks} | {kills} | {longest} | {_seconds(r.median_stall)} | "
            f"{len(r.duplicated)} | {len(r.lost)} | {not_success} | {r.rows_active} | {r.wall:.0f} s | {verdict} |"
        )
    return "\n".join(lines)


def stalls_by_kind(results: list[Result]) -> str:
    lines = ["| backend | killed | kills | longest stall | median stall |", "|---|---|---|---|---|"]
    for r in results:
        for kind in KINDS:
            stalls = [k.stall for k in r.kills if k.kind == kind and k.stall is not None]
            count = sum(1 for k in r.kills if k.kind == kind)
            if not count:
                continue
            longest = _seconds(max(stalls)) if stalls else "-"
            median = _seconds(statistics.median(stalls)) if stalls else "-"
            lines.append(f"| {r.backend} | {KIND_NAMES[kind]} | {count} | {longest} | {median} |")
    return "\n".join(lines)


def details(result: Result, stall_limit: float) -> str:
    out = [f"{result.backend}: seed {result.seed}, {len(result.kills)} kills of {result.planned} planned, "
           f"longest pause in progress (any cause) {result.longest_pause:.1f} s"]
    for kill in result.kills:
        stall = f"{kill.stall:.2f} s" if kill.stall is not None else "never"
        note = f" ({kill.note})" if kill.note else ""
        out.append(f"  #{kill.number:<3} {KIND_NAMES[kill.kind]:<13} pid {kill.pid:<7} at {kill.lines_before:>5} "
                   f"lines: stall {stall}{note}")
    out += [f"  {note}" for note in result.stop_notes]
    if result.leftovers:
        out.append(f"  processes still alive 5 s after the scheduler stopped (killed now): {result.leftovers}")
    failures = result.failures(stall_limit)
    out += [f"  FAIL: {f}" for f in failures] or ["  all checks passed"]
    if failures:
        out.append(f"  work folder kept: {result.workdir}")
    return "\n".join(out)
