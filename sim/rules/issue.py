"""Issues: the K scales [0, 1] under negotiation, and how agreeing on each changes the war.

Nothing here knows an issue by name: the scenario's config declares them. What an issue
does (stops the fighting, relieves cost, breaks down, belongs to the package) may differ
between worlds: those values are `sim.worlds.params.IssueParams`, (W, K) arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.rules.utility import across
from sim.schema.config import IssueConfig


@dataclass(frozen=True)
class Issues:
    names: tuple[str, ...]
    poles: tuple[tuple[str, str], ...]

    @classmethod
    def from_config(cls, issues: dict[str, IssueConfig]) -> Issues:
        return cls(names=tuple(issues), poles=tuple((c.poles[0], c.poles[1]) for c in issues.values()))

    def __len__(self) -> int:
        return len(self.names)


def fighting_intensity(in_force: np.ndarray, terms: np.ndarray, stops_fighting: np.ndarray) -> np.ndarray:
    """(W,) share of full fighting left: an agreed ceasefire with term a leaves 1 - a."""
    pause = np.where(in_force & stops_fighting, terms, 0.0)
    return 1.0 - across(pause, np.maximum)


def cost_factor(in_force: np.ndarray, cost_relief: np.ndarray) -> np.ndarray:
    """(W,) share of the daily war cost still paid, after the relief of items in force."""
    return np.clip(1.0 - across(in_force * cost_relief), 0.0, 1.0)
