"""Randomness: each replication's noise for the whole run, drawn up front from its own stream.

Replication r's stream is `SeedSequence(seed, spawn_key=(r,))`, the r-th child that
`SeedSequence(seed).spawn(...)` would give, so replication r draws the same numbers
whether it runs alone, in an ensemble of any size, or in any worker of a sweep.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Noise:
    attrition: np.ndarray  # (R, days, n_belligerents) standard normal
    battle: np.ndarray  # (R, days) uniform: the day's battle signal
    fighting: np.ndarray  # (R, days) uniform: whether a battle happens at reduced intensity
    breakdown: np.ndarray  # (R, days, K) uniform: collapse of agreed items

    def day(self, d: int):
        return self.attrition[:, d], self.battle[:, d], self.fighting[:, d], self.breakdown[:, d]


def replication_stream(seed: int, r: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(int(r),))))


def draw(seed: int, replication_ids: np.ndarray, days: int, n_belligerents: int, n_issues: int) -> Noise:
    """One block of draws per replication, laid out (R, days, ...)."""
    width = n_belligerents + 2 + n_issues
    block = np.empty((len(replication_ids), days, width))
    for row, r in enumerate(replication_ids):
        gen = replication_stream(seed, r)
        block[row, :, :n_belligerents] = gen.standard_normal((days, n_belligerents))
        block[row, :, n_belligerents:] = gen.random((days, 2 + n_issues))
    b = n_belligerents
    return Noise(
        attrition=block[:, :, :b],
        battle=block[:, :, b],
        fighting=block[:, :, b + 1],
        breakdown=block[:, :, b + 2 :],
    )
