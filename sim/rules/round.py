"""A negotiation round: what its format can settle, and what the answers agree.

Formats are ordered levels (delegation < ministers < leaders, `sim.schema.config.Format`). A
format settles an issue only if no concerned party's salience on it exceeds the format's
`max_salience`; a package needs a format that can close packages and covers every open
item of the package. What each format reaches may differ between worlds: (W, L) arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.rules.utility import across


def coverage(level: np.ndarray, issue_salience: np.ndarray, max_salience: np.ndarray) -> np.ndarray:
    """(W, K) bool: the issues the format of each world can settle."""
    reach = np.take_along_axis(max_salience, level[:, None], axis=-1)
    return issue_salience <= reach + 1e-12


def agree(accept, concerned, on_table, open_, package, packages_allowed) -> np.ndarray:
    """(W, K) bool: the items agreed this round.

    `accept` and `concerned` are (n, W, K). An item is agreed only if it is on the table
    and every concerned party said yes; package items only all together, in a format that
    closes packages.
    """
    if concerned.ndim == 2:  # (n, K): the same in every world
        concerned = concerned[:, None, :]
    all_yes = on_table & (accept | ~concerned).all(axis=0)
    single = all_yes & ~package
    pkg_open = open_ & package
    whole = packages_allowed & across(pkg_open, np.logical_or) & across(all_yes | ~pkg_open, np.logical_and)
    return single | (whole[:, None] & pkg_open)


@dataclass
class RoundLog:
    """Per-round arrays, kept only when the run records rounds."""

    rounds: list[dict] = field(default_factory=list)

    def add(self, **arrays) -> None:
        self.rounds.append({k: np.copy(v) if isinstance(v, np.ndarray) else v for k, v in arrays.items()})
