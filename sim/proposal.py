"""Proposal rules: the terms a mediator puts on the table, issue by issue.

Every rule maps the parties' stated positions (n, R, K) and what it needs besides to
terms (R, K). `nash` and `kalai` work on each issue's bargaining range, bounded by each
party's reservation point there (where its utility falls to its war value).
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
    return np.where(lo <= hi, inside, (lo + hi) / 2.0)


def kalai(t: Table) -> np.ndarray:
    """Equal shares of each party's possible gain (Kalai-Smorodinsky)."""
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


RULES = {"split": split, "compromise": compromise, "nash": nash, "kalai": kalai}


def tilt(terms: np.ndarray, toward: np.ndarray, away: np.ndarray, bias: float) -> np.ndarray:
    """Mediator bias (Kydd 2003): move terms a share |bias| of the way toward one party."""
    target = toward if bias > 0 else away
    return terms + abs(bias) * (target - terms)
