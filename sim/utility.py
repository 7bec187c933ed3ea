"""Utility of settlements, the war value (outside option) and points of given utility.

All functions are pure and broadcast over a leading replication axis: a settlement
`a` is (..., K), an ideal `x` and salience `w` are (K,).
"""

from __future__ import annotations

import numpy as np


def issue_utility(a: np.ndarray, x: np.ndarray, rho: float = 1.0) -> np.ndarray:
    """u_k(a_k) = 1 - |a_k - x_k| ** rho, issue by issue."""
    return 1.0 - np.abs(a - x) ** rho


def utility(a: np.ndarray, x: np.ndarray, w: np.ndarray, rho: float = 1.0) -> np.ndarray:
    """U(a) = 1 - sum_k w_k |a_k - x_k| ** rho (MODEL.md section 3)."""
    return 1.0 - (w * np.abs(a - x) ** rho).sum(axis=-1)


def war_value(belief, u_own_terms, u_opp_terms, cost_per_day, horizon):
    """Fearon's costly lottery: V = p U(own terms) + (1 - p) U(their terms) - kappa H."""
    return belief * u_own_terms + (1.0 - belief) * u_opp_terms - cost_per_day * horizon


def point_of_utility(x, y, w, rho, level, open_=None, fixed_loss=0.0, beyond=False):
    """The point on the line from ideal `x` toward `y` where utility equals `level`.

    Only the open issues move (closed ones stay where `x` has them, and their utility
    loss is `fixed_loss`). Along the line U = 1 - fixed_loss - t**rho * D, with D the
    loss of going all the way to `y`, so t = ((1 - fixed_loss - level) / D) ** (1/rho).
    t stops at 1 (at `y`) unless `beyond`, when the line goes on past `y` (a party whose
    aspiration is below the proposal's utility asks for less than the proposal), held
    inside [0, 1]^K.
    """
    step = y - x
    if open_ is not None:
        step = np.where(open_, step, 0.0)
    loss_at_y = (w * np.abs(step) ** rho).sum(axis=-1)
    room = np.maximum(1.0 - fixed_loss - level, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(loss_at_y > 0, (room / loss_at_y) ** (1.0 / rho), 0.0)
    t = np.maximum(t, 0.0) if beyond else np.clip(t, 0.0, 1.0)
    return np.clip(x + t[..., None] * step, 0.0, 1.0)
