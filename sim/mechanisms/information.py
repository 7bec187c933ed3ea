"""Private information: how optimistic a party is, only it knows [Fearon1995; Powell1999; Slantchev2003].

With `scenario.mechanisms.private_information` on, each party's optimism is its private
type: one of M types o_m = optimism + private_spread * z_m (z_m the standard normal
quantiles at (m + 1/2) / M), drawn per world. The others (the opponent and the mediator)
know only the prior: they follow each type's belief about the balance through the public
battle record (the same learning rule, so the types' beliefs converge as battles reveal the
balance [Slantchev2003]) and keep the set of types still consistent with what the party
did. The incentive to misrepresent: every type states the positions of the most resolute
type the others still think possible; the mediator prices the party at the middle type it
still thinks possible; the party answers by its true type. A proposal that would satisfy
a weaker type is then rejected by a resolute one, and the rejection rules the weaker
types out (truncation). With a spread of 0 every type is the true one: no effect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri


def type_offsets(optimism, spread, types: int) -> np.ndarray:
    """(M, W) the optimism of each type (types first, so that per-world arrays broadcast)."""
    z = ndtri((np.arange(types) + 0.5) / types)
    return np.asarray(optimism)[None, :] + np.asarray(spread)[None, :] * z[:, None]


def true_type(uniform, types: int) -> np.ndarray:
    """(W,) each world's type index, uniform over the M types."""
    return np.minimum((np.asarray(uniform) * types).astype(int), types - 1)


@dataclass
class Beliefs:
    """What the others believe about one party: each type's belief about the balance, and
    which types are still possible. (M, W) arrays: types first."""

    balance: np.ndarray  # each type's belief that the party's side prevails
    possible: np.ndarray  # bool
    true: np.ndarray  # (W,) the type the party is
    optimism: np.ndarray | float = 0.0  # (M, W) each type's optimism, with which it reads bad news

    def toughest(self, values: np.ndarray) -> np.ndarray:
        """(W,) the highest of a per-type quantity over the types still possible."""
        return np.where(self.possible, values, -np.inf).max(axis=0)

    def middle(self, values: np.ndarray) -> np.ndarray:
        """(W,) a per-type quantity at the middle type still possible (types are ordered)."""
        count = self.possible.sum(axis=0)
        rank = np.cumsum(self.possible, axis=0)
        pick = (rank == (count + 1) // 2) & self.possible
        return np.take_along_axis(values, pick.argmax(axis=0)[None, :], axis=0)[0]

    def rule_out(self, consistent: np.ndarray) -> None:
        """Keep the types whose answers would have been the party's own."""
        self.possible &= consistent

    def spread(self) -> np.ndarray:
        """(W,) the range of the types' beliefs that are still possible."""
        hi = np.where(self.possible, self.balance, -np.inf).max(axis=0)
        lo = np.where(self.possible, self.balance, np.inf).min(axis=0)
        return hi - lo
