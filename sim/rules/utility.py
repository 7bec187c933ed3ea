"""Utility of settlements, the war value (outside option) and points of given utility.

All functions are pure and broadcast over leading axes: a settlement `a`, an ideal `x`
and saliences `w` are (..., K) arrays (K issues); a party's exponent `rho` has the
leading shape of `a` without the issue axis (or is a number).
"""

from __future__ import annotations

import numpy as np


def across(a: np.ndarray, combine=np.add) -> np.ndarray:
    """Reduce the last (issue) axis column by column, left to right: a few elementwise
    operations instead of numpy's per-row reduction, which is slow over a short last axis.
    `combine` may be np.add, np.maximum, np.logical_and, np.logical_or."""
    out = a[..., 0]
    for k in range(1, a.shape[-1]):
        out = combine(out, a[..., k])
    return out


def power(d: np.ndarray, exponent) -> np.ndarray:
    """d ** exponent element by element, and exactly d where the exponent is 1 (linear
    utility, the default, needs no power: cheaper, and the same bits in any ensemble)."""
    d = np.asarray(d, dtype=float)
    e = np.asarray(exponent, dtype=float)
    shape = np.broadcast_shapes(d.shape, e.shape)
    if shape == d.shape and (e == 1.0).all():  # the common case, at no cost
        return d
    e = np.broadcast_to(e, shape)
    d = np.broadcast_to(d, e.shape)
    curved = e != 1.0
    if not curved.any():
        return d
    out = d.copy()
    out[curved] = d[curved] ** e[curved]
    return out


def _per_issue(rho):
    return np.asarray(rho, dtype=float)[..., None]


def issue_utility(a: np.ndarray, x: np.ndarray, rho=1.0) -> np.ndarray:
    """u_k(a_k) = 1 - |a_k - x_k| ** rho, issue by issue."""
    return 1.0 - power(np.abs(a - x), _per_issue(rho))


def utility(a: np.ndarray, x: np.ndarray, w: np.ndarray, rho=1.0) -> np.ndarray:
    """U(a) = 1 - sum_k w_k |a_k - x_k| ** rho (docs/model.md, utility)."""
    return 1.0 - across(w * power(np.abs(a - x), _per_issue(rho)))


def war_value(belief, u_own_terms, u_opp_terms, cost_per_day, horizon):
    """Fearon's costly lottery [Fearon1995]: V = p U(own terms) + (1 - p) U(their terms) - kappa H."""
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
    loss_at_y = across(w * power(np.abs(step), _per_issue(rho)))
    room = np.maximum(1.0 - fixed_loss - level, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(loss_at_y > 0, power(room / loss_at_y, 1.0 / np.asarray(rho, dtype=float)), 0.0)
    t = np.maximum(t, 0.0) if beyond else np.clip(t, 0.0, 1.0)
    return np.clip(x + t[..., None] * step, 0.0, 1.0)
