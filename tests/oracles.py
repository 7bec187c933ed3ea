"""Reference implementations the tests hold the model to (not used by the model)."""

from __future__ import annotations

import numpy as np

from sim.tactic import rubinstein_share
from sim.worlds import TacticParams


def alternating_offers(d_first: float, d_second: float, max_rounds: int = 100):
    """Two Rubinstein players split a pie of 1 by alternating offers [Rubinstein1982].

    Returns (share of the first proposer, round in which an offer was accepted). Each
    proposer demands its equilibrium share; the responder accepts when what is left is
    at least the discounted value of proposing next round.
    """
    demand = {0: rubinstein_share(d_first, d_second), 1: rubinstein_share(d_second, d_first)}
    discount = {0: d_first, 1: d_second}
    for rnd in range(max_rounds):
        proposer, responder = rnd % 2, 1 - rnd % 2
        offered = 1.0 - demand[proposer]
        if offered >= discount[responder] * demand[responder] - 1e-12:
            return (demand[proposer] if proposer == 0 else offered), rnd + 1
    return None, None


def tactic_params(W: int, code: int = 0, beta=1.0, deadline=10, k=0.0, first_step=0.05, discount=0.9, eta=0.0) -> TacticParams:
    """A tactic's per-world parameters from numbers (or (W,) arrays)."""
    full = lambda v, dtype=float: np.broadcast_to(np.asarray(v, dtype=dtype), (W,)).copy()  # noqa: E731
    return TacticParams(full(code, int), full(beta), full(deadline, int), full(k), full(first_step), full(discount), full(eta))
