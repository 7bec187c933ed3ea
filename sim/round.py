"""A negotiation round: what its format can settle, and what the answers agree.

Formats are ordered levels (delegation < ministers < leaders). A format settles an
issue only if no concerned party's salience on it exceeds the format's
`max_salience`; a package needs a format that can close packages and covers every
open item of the package.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.config import FORMATS, FormatConfig


@dataclass(frozen=True)
class Formats:
    names: tuple[str, ...]
    max_salience: np.ndarray  # (L,)
    packages: np.ndarray  # (L,) bool

    @classmethod
    def from_config(cls, formats: dict[str, FormatConfig]) -> Formats:
        return cls(
            names=FORMATS,
            max_salience=np.array([formats[f].max_salience for f in FORMATS]),
            packages=np.array([formats[f].packages for f in FORMATS]),
        )

    def level(self, name: str) -> int:
        return self.names.index(name)


def coverage(level: np.ndarray, issue_salience: np.ndarray, max_salience: np.ndarray) -> np.ndarray:
    """(R, K) bool: issues the format of each world can settle."""
    return issue_salience[None, :] <= max_salience[level][:, None] + 1e-12


def agree(accept, concerned, on_table, open_, package, packages_allowed) -> np.ndarray:
    """(R, K) bool: the items agreed this round.

    An item is agreed only if it is on the table and every concerned party said yes;
    package items only all together, in a format that closes packages.
    """
    all_yes = on_table & (accept | ~concerned[:, None, :]).all(axis=0)
    single = all_yes & ~package
    pkg_open = open_ & package
    whole = packages_allowed & pkg_open.any(axis=-1) & (all_yes | ~pkg_open).all(axis=-1)
    return single | (whole[:, None] & pkg_open)


@dataclass
class RoundLog:
    """Per-round arrays, kept only when the run records rounds."""

    rounds: list[dict] = field(default_factory=list)

    def add(self, **arrays) -> None:
        self.rounds.append({k: np.copy(v) if isinstance(v, np.ndarray) else v for k, v in arrays.items()})
