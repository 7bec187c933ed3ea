"""Issues: the K scales [0, 1] under negotiation, and how agreeing on each changes the war.

Nothing here knows an issue by name: the scenario's config declares them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import IssueConfig


@dataclass(frozen=True)
class Issues:
    names: tuple[str, ...]
    poles: tuple[tuple[str, str], ...]
    stops_fighting: np.ndarray  # (K,) bool: an agreed term a pauses fighting to intensity 1 - a
    cost_relief: np.ndarray  # (K,) share of daily war cost removed while the item is in force
    breakdown: np.ndarray  # (K,) per-day hazard of collapse once agreed
    package: np.ndarray  # (K,) bool: nothing in the package is agreed until all of it is

    @classmethod
    def from_config(cls, issues: dict[str, IssueConfig]) -> Issues:
        cfgs = list(issues.values())
        return cls(
            names=tuple(issues),
            poles=tuple((c.poles[0], c.poles[1]) for c in cfgs),
            stops_fighting=np.array([c.stops_fighting for c in cfgs], dtype=bool),
            cost_relief=np.array([c.cost_relief for c in cfgs], dtype=float),
            breakdown=np.array([c.breakdown for c in cfgs], dtype=float),
            package=np.array([c.protocol == "package" for c in cfgs], dtype=bool),
        )

    def __len__(self) -> int:
        return len(self.names)

    def vector(self, values: dict[str, float], default: float | np.ndarray = 0.0) -> np.ndarray:
        """A (K,) array from a name -> value mapping, in the scenario's issue order."""
        out = np.broadcast_to(np.asarray(default, dtype=float), (len(self),)).copy()
        for k, name in enumerate(self.names):
            if name in values:
                out[k] = values[name]
        return out


def fighting_intensity(in_force: np.ndarray, terms: np.ndarray, stops_fighting: np.ndarray) -> np.ndarray:
    """(R,) share of full fighting left: an agreed ceasefire with term a leaves 1 - a."""
    pause = np.where(in_force & stops_fighting, terms, 0.0)
    return 1.0 - pause.max(axis=-1)


def cost_factor(in_force: np.ndarray, cost_relief: np.ndarray) -> np.ndarray:
    """(R,) share of the daily war cost still paid, after the relief of items in force."""
    return np.clip(1.0 - (in_force * cost_relief).sum(axis=-1), 0.0, 1.0)
