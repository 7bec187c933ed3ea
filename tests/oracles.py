"""Reference implementations the tests hold the model to (not used by the model)."""

from __future__ import annotations

import numpy as np

from sim.rules.tactic import TacticParams


def tactic_params(W: int, code: int = 0, beta=1.0, deadline=10, k=0.0, first_step=0.05, discount=0.9, eta=0.0,
                  budget=0.05) -> TacticParams:
    """A tactic's per-world parameters from numbers (or (W,) arrays)."""
    full = lambda v, dtype=float: np.broadcast_to(np.asarray(v, dtype=dtype), (W,)).copy()  # noqa: E731
    return TacticParams(full(code, int), full(beta), full(deadline, int), full(k), full(first_step), full(discount), full(eta),
                        full(budget))
