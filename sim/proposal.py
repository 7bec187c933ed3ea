"""Proposal rules: the terms a mediator puts on the table.

Every rule maps the parties' stated positions (n, R, K) and what it needs besides to
terms (R, K). `nash` and `kalai` measure gains over each party's reservation point on
each issue (where its utility falls to its war value). Items agreed one by one get the
solution of their own issue; the items of a package, agreed together, get the solution
over the whole package, trading one issue against another, when two parties with
linear utilities are concerned (the frontier is then exact); otherwise issue by issue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.utility import issue_utility

_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


@dataclass
class Table:
    """What the mediator knows when it drafts terms."""

    positions: np.ndarray  # (n, R, K) stated positions
    concerned: np.ndarray  # (n, K) bool: the party must accept terms on this issue
    salience: np.ndarray  # (n, K)
    capability: np.ndarray  # (n, R)
    ideal: np.ndarray  # (n, K)
    rho: np.ndarray  # (n,)
    reservation: np.ndarray  # (n, R, K) reservation points
    together: np.ndarray | None = None  # (R, K) bool: open items of a package


def split(t: Table) -> np.ndarray:
    """Midpoint of the stated positions of the parties concerned."""
    c = t.concerned[:, None, :]
    hi = np.where(c, t.positions, -np.inf).max(axis=0)
    lo = np.where(c, t.positions, np.inf).min(axis=0)
    return (hi + lo) / 2.0


def compromise(t: Table) -> np.ndarray:
    """Capability x salience weighted mean of positions (the 'compromise model')."""
    weight = t.capability[:, :, None] * (t.salience * t.concerned)[:, None, :]
    total = weight.sum(axis=0)
    mean = (weight * t.positions).sum(axis=0) / np.where(total > 0, total, 1.0)
    return np.where(total > 0, mean, split(t))


def _bargaining_range(t: Table):
    """Per issue, the terms every concerned party prefers to war: [lo, hi], maybe empty."""
    radius = np.abs(t.reservation - t.ideal[:, None, :])
    c = t.concerned[:, None, :]
    lo = np.where(c, t.ideal[:, None, :] - radius, -np.inf).max(axis=0).clip(0.0, 1.0)
    hi = np.where(c, t.ideal[:, None, :] + radius, np.inf).min(axis=0).clip(0.0, 1.0)
    return lo, hi, radius


def _gains(t: Table, a: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """(n, R, K) utility gain of terms a over each party's reservation point, issue by issue."""
    rho = t.rho[:, None, None]
    return issue_utility(a[None], t.ideal[:, None, :], rho) - (1.0 - radius**rho)


def _golden_max(f, lo: np.ndarray, hi: np.ndarray, iterations: int = 60) -> np.ndarray:
    """Vectorised golden-section search for the maximum of a concave f on [lo, hi]."""
    a, b = lo.copy(), hi.copy()
    c, d = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iterations):
        left = fc >= fd  # the maximum lies in [a, d]; else in [c, b]
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        x = np.where(left, b - _GOLDEN * (b - a), a + _GOLDEN * (b - a))
        fx = f(x)
        c, d = np.where(left, x, d), np.where(left, c, x)
        fc, fd = np.where(left, fx, fd), np.where(left, fc, fx)
    return (a + b) / 2.0


def nash(t: Table) -> np.ndarray:
    """Maximises the product of gains over the war values (Nash bargaining solution)."""
    lo, hi, radius = _bargaining_range(t)
    c = t.concerned[:, None, :]

    def log_product(a):
        g = _gains(t, a, radius)
        return np.where(c, np.log(np.maximum(g, 1e-300)), 0.0).sum(axis=0)

    inside = _golden_max(log_product, lo, np.maximum(hi, lo))
    return _package(t, np.where(lo <= hi, inside, (lo + hi) / 2.0), _nash_on_segments)


def kalai(t: Table) -> np.ndarray:
    """Equal shares of each party's possible gain (Kalai-Smorodinsky)."""
    return _package(t, _kalai_by_issue(t), _kalai_on_segments)


def _kalai_by_issue(t: Table) -> np.ndarray:
    lo, hi, radius = _bargaining_range(t)
    c = t.concerned[:, None, :]
    top = np.clip(t.ideal[:, None, :], lo, np.maximum(hi, lo))  # (n, R, K) each party's best term in range
    rho = t.rho[:, None, None]
    best = issue_utility(top, t.ideal[:, None, :], rho) - (1.0 - radius**rho)

    def min_share(a):
        share = _gains(t, a, radius) / np.where(best > 0, best, 1.0)
        return np.where(c, share, np.inf).min(axis=0)

    inside = _golden_max(min_share, lo, np.maximum(hi, lo))
    return np.where(lo <= hi, inside, (lo + hi) / 2.0)


# -- packages: two parties, linear utilities ---------------------------------------------------
#
# Write each package item as a_k = x_Ak + s_k (x_Bk - x_Ak), s_k in [0, 1]. Then A's gain
# is G_A = g_A - sum alpha_k s_k and B's is G_B = g_B + sum beta_k s_k, with alpha_k and
# beta_k the saliences times the distance between the ideals. The Pareto frontier moves
# items to B's side in the order of alpha_k / beta_k (what A loses per unit B gains):
# segment j has the items before it at s = 1, item j at s = t, the rest at 0.


def _package(t: Table, by_issue: np.ndarray, on_segments) -> np.ndarray:
    together = t.together
    if together is None or not together.any():
        return by_issue
    parties = np.flatnonzero((t.concerned & together.any(axis=0)).any(axis=1))
    if len(parties) != 2 or np.any(t.rho[parties] != 1.0):
        return by_issue
    a, b = parties
    sign = np.sign(t.ideal[b] - t.ideal[a])
    d = np.abs(t.ideal[b] - t.ideal[a])
    floor = 1.0 - np.abs(t.reservation - t.ideal[:, None, :])  # utility at each reservation point
    alpha = np.where(together, t.salience[a] * d, 0.0)
    beta = np.where(together, t.salience[b] * d, 0.0)
    g_a = np.where(together, t.salience[a] * (1.0 - floor[a]), 0.0).sum(axis=-1)
    g_b = np.where(together, t.salience[b] * (1.0 - d - floor[b]), 0.0).sum(axis=-1)
    movable = together & (beta > 0)  # an item B does not care about stays at A's ideal
    ratio = np.where(movable, alpha / np.where(beta > 0, beta, 1.0), np.inf)
    order = np.argsort(ratio, axis=-1, kind="stable")
    al = np.where(movable, alpha, 0.0)
    al, be = (np.take_along_axis(x, order, axis=-1) for x in (al, np.where(movable, beta, 0.0)))
    start_a = g_a[:, None] - np.cumsum(al, axis=-1) + al  # gains where each segment starts
    start_b = g_b[:, None] + np.cumsum(be, axis=-1) - be
    seg, step, feasible = on_segments(start_a, al, start_b, be)
    filled = np.arange(al.shape[-1])[None, :]
    s_sorted = np.where(filled < seg[:, None], 1.0, np.where(filled == seg[:, None], step[:, None], 0.0))
    s = np.empty_like(s_sorted)
    np.put_along_axis(s, order, s_sorted, axis=-1)
    joint = t.ideal[a] + s * sign * d
    return np.where(together & feasible[:, None], joint, by_issue)


def _nash_on_segments(a0, al, b0, be):
    """On each segment, the t in [0, 1] maximising (a0 - al t)(b0 + be t); the best segment."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where((al > 0) & (be > 0), (be * a0 - al * b0) / (2 * al * be), np.where(be > 0, 1.0, 0.0))
    t = np.clip(np.nan_to_num(t), 0.0, 1.0)
    ga, gb = a0 - al * t, b0 + be * t
    product = np.where((ga >= 0) & (gb >= 0), ga * gb, -np.inf)
    seg = product.argmax(axis=-1)
    pick = np.take_along_axis(t, seg[:, None], axis=-1)[:, 0]
    return seg, pick, np.isfinite(product.max(axis=-1))


def _kalai_on_segments(a0, al, b0, be):
    """The frontier point where both gains are the same share of their best (individually
    rational) value: A's best is where B's gain reaches 0, B's where A's does."""
    end_a, end_b = a0 - al, b0 + be  # gains where each segment ends
    best_a = np.where(b0[:, :1] >= 0, a0[:, :1], 0.0)[:, 0]
    best_b = np.where(end_a[:, -1:] >= 0, end_b[:, -1:], 0.0)[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing_b = (b0 < 0) & (end_b >= 0)  # where G_B becomes 0: A's best
        at_b = np.where(crossing_b, a0 - al * (-b0 / be), np.nan)
        crossing_a = (a0 >= 0) & (end_a < 0)  # where G_A becomes 0: B's best
        at_a = np.where(crossing_a, b0 + be * (a0 / al), np.nan)
    best_a = np.where(crossing_b.any(axis=-1), np.nanmax(np.where(crossing_b, at_b, -np.inf), axis=-1), best_a)
    best_b = np.where(crossing_a.any(axis=-1), np.nanmax(np.where(crossing_a, at_a, -np.inf), axis=-1), best_b)
    A, B = best_a[:, None], best_b[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (a0 * B - b0 * A) / (al * B + be * A)
    valid = (t >= 0) & (t <= 1) & ((al > 0) | (be > 0)) & np.isfinite(t)
    seg = np.where(valid.any(axis=-1), valid.argmax(axis=-1), 0)
    pick = np.take_along_axis(np.where(valid, t, 0.0), seg[:, None], axis=-1)[:, 0]
    feasible = valid.any(axis=-1) & (best_a > 0) & (best_b > 0)
    return seg, pick, feasible


RULES = {"split": split, "compromise": compromise, "nash": nash, "kalai": kalai}


def tilt(terms: np.ndarray, toward: np.ndarray, away: np.ndarray, bias: float) -> np.ndarray:
    """Mediator bias (Kydd 2003): move terms a share |bias| of the way toward one party."""
    target = toward if bias > 0 else away
    return terms + abs(bias) * (target - terms)
