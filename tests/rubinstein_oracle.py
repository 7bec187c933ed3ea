"""Test oracle: two Rubinstein players split a pie of 1 by alternating offers.

Kept here, with the tests, because the model never plays the game out: it only uses the
first proposer's equilibrium share. The tests hold that share to the outcome of this game.
"""

from __future__ import annotations

import numpy as np


def equilibrium_share(d_first: float, d_second: float) -> float:
    """The first proposer's stationary demand: x1 = 1 - d2 x2 and x2 = 1 - d1 x1 solved as a
    linear system, not by the closed form the model uses."""
    x1, _ = np.linalg.solve([[1.0, d_second], [d_first, 1.0]], [1.0, 1.0])
    return float(x1)


def alternating_offers(d_first: float, d_second: float, max_rounds: int = 100):
    """Returns (share of the first proposer, round in which an offer was accepted).

    Each proposer demands its equilibrium share; the responder accepts when what is left
    is at least the discounted value of proposing next round. (None, None) if no offer is
    accepted within `max_rounds`.
    """
    demand = {0: equilibrium_share(d_first, d_second), 1: equilibrium_share(d_second, d_first)}
    discount = {0: d_first, 1: d_second}
    for rnd in range(max_rounds):
        proposer, responder = rnd % 2, 1 - rnd % 2
        offered = 1.0 - demand[proposer]
        if offered >= discount[responder] * demand[responder] - 1e-12:
            first_share = demand[proposer] if proposer == 0 else offered
            return first_share, rnd + 1
    return None, None
