"""The seeded kill plan: which kind of process to kill, and after how much progress.

Moments are counted in finished task bodies (lines in the lines file), not in seconds, so the
same seed gives the same plan on a fast or a loaded machine. The kinds are spread evenly (each
kind gets ``kills / len(kinds)`` kills, the remainder to the first kinds) and shuffled. ``pick``
chooses the victim among the candidates found at that moment (sorted by pid).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST_SHARE, LAST_SHARE = 0.03, 0.9


@dataclass(frozen=True)
class PlannedKill:
    after_lines: int
    kind: str
    pick: float  # in [0, 1): index into the candidates = int(pick * len(candidates))


def make_plan(seed: int, kills: int, kinds: tuple[str, ...], total_tasks: int) -> list[PlannedKill]:
    if kills < 0:
        raise ValueError(f"--kills {kills}: give a number of kills >= 0")
    if not kinds:
        raise ValueError("--kinds: name at least one kind of process to kill")
    rng = random.Random(f"chaos-plan:{seed}")
    kind_list = [kinds[i % len(kinds)] for i in range(kills)]
    rng.shuffle(kind_list)
    low, high = int(total_tasks * FIRST_SHARE), max(int(total_tasks * LAST_SHARE), 1)
    moments = sorted(rng.randint(low, high) for _ in range(kills))
    return [PlannedKill(moment, kind, rng.random()) for moment, kind in zip(moments, kind_list, strict=True)]


def choose(candidates: list, pick: float):  # noqa: ANN001, ANN201 - any sorted list
    return candidates[min(int(pick * len(candidates)), len(candidates) - 1)]
