"""Randomness: each replication's noise for the whole run, drawn up front from its own stream.

Replication r's stream is `SeedSequence(seed, spawn_key=(r,))`, the r-th child that
`SeedSequence(seed).spawn(...)` would give, so replication r draws the same numbers
whether it runs alone, in an ensemble of any size, or in any worker of a sweep.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from sim.worlds import streams


@dataclass
class Noise:
    """Each replication's draws once (rows: its replications in sorted order); `rows[w]` is
    world w's row, or None when the worlds are those rows in that order."""

    attrition: np.ndarray  # (n, days, n_belligerents) standard normal
    battle: np.ndarray  # (n, days) uniform: the day's battle signal
    fighting: np.ndarray  # (n, days) uniform: whether a battle happens at reduced intensity
    breakdown: np.ndarray  # (n, days, K) uniform: collapse of agreed items
    rows: np.ndarray | None = None

    def day(self, d: int):
        """Day d's draws of every world, (W, ...) each."""
        draws = self.attrition[:, d], self.battle[:, d], self.fighting[:, d], self.breakdown[:, d]
        # np.take: fancy indexing of a 2-d slice by rows is ~10x slower
        return draws if self.rows is None else tuple(np.take(x, self.rows, axis=0) for x in draws)


def draw(seed: int, replication_ids: np.ndarray, days: int, n_belligerents: int, n_issues: int) -> Noise:
    """One block of uniform draws per replication, laid out (n, days, ...).

    One call per replication keeps the per-stream cost low; worlds that share a
    replication (the points of a design: common random numbers) share its draws, drawn
    and transformed once and gathered day by day. The normal shocks are the inverse
    normal CDF of their uniforms, computed at once.
    """
    width = n_belligerents + 2 + n_issues
    unique, back = np.unique(np.asarray(replication_ids), return_inverse=True)
    # single precision halves the memory the block touches; 2**-24 resolution is ample
    block = np.empty((len(unique), days, width), dtype=np.float32)
    streams.fill_uniform(seed, unique, block)  # each row: the PCG64 stream of SeedSequence(seed, (r,))
    b = n_belligerents
    return Noise(
        attrition=ndtri(np.clip(block[:, :, :b].astype(float), 2.0**-26, 1.0 - 2.0**-26)),  # no infinite shocks
        battle=block[:, :, b],
        fighting=block[:, :, b + 1],
        breakdown=block[:, :, b + 2 :],
        rows=None if np.array_equal(back.ravel(), np.arange(len(back))) else back.ravel(),
    )
