"""Proposal rules: the terms a mediator puts on the table.

Every rule maps the parties' stated positions (n, W, K: parties, worlds, issues) and what
it needs besides to terms (W, K). `nash` and `kalai` measure gains over each party's reservation point on
each issue (where its utility falls to its war value). Items agreed one by one get the
solution of their own issue; the items of a package, agreed together, get the solution
over the whole package, trading one issue against another, when two parties with
linear utilities are concerned (the frontier is then exact); otherwise issue by issue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from sim.rules.utility import issue_utility

_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
# Package gains are sums of products of numbers in [0, 1]: one within rounding of 0 is 0, so
# that a side which accepts nothing short of its ideal is not decided by the last bit.
_ROUNDING = 1e-12


@dataclass
class Table:
    """What the mediator knows when it drafts terms; n parties, W worlds, K issues."""

    positions: np.ndarray  # (n, W, K) stated positions
    concerned: np.ndarray  # (n, W, K) bool: the party must accept terms on this issue
    salience: np.ndarray  # (n, W, K)
    capability: np.ndarray  # (n, W)
    ideal: np.ndarray  # (n, W, K)
    rho: np.ndarray  # (n, W)
    reservation: np.ndarray  # (n, W, K) reservation points
    together: np.ndarray | None = None  # (W, K) bool: open items of a package

    def __post_init__(self):
        # per-party values the same in every world may come as (n, K) or (n,): broadcast views
        n, W, K = self.positions.shape
        for name in ("concerned", "salience", "ideal"):
            value = np.asarray(getattr(self, name))
            setattr(self, name, np.broadcast_to(value[:, None, :] if value.ndim == 2 else value, (n, W, K)))
        rho = np.asarray(self.rho, dtype=float)
        self.rho = np.broadcast_to(rho[:, None] if rho.ndim == 1 else rho, (n, W))

    def subset(self, worlds: np.ndarray) -> Table:
        """The same table for some of its worlds only."""
        per_party = ("positions", "concerned", "salience", "capability", "ideal", "rho", "reservation")
        return replace(
            self, **{name: getattr(self, name)[:, worlds] for name in per_party},
            together=None if self.together is None else self.together[worlds],
        )


def split(t: Table) -> np.ndarray:
    """Midpoint of the stated positions of the parties concerned."""
    hi = np.where(t.concerned, t.positions, -np.inf).max(axis=0)
    lo = np.where(t.concerned, t.positions, np.inf).min(axis=0)
    return (hi + lo) / 2.0


def compromise(t: Table) -> np.ndarray:
    """Capability x salience weighted mean of positions: the compromise model [Thomson2006]."""
    weight = t.capability[:, :, None] * (t.salience * t.concerned)
    total = weight.sum(axis=0)
    mean = (weight * t.positions).sum(axis=0) / np.where(total > 0, total, 1.0)
    return np.where(total > 0, mean, split(t))


def _bargaining_range(t: Table):
    """Per issue, the terms every concerned party prefers to war: [lo, hi], maybe empty."""
    radius = np.abs(t.reservation - t.ideal)
    lo = np.where(t.concerned, t.ideal - radius, -np.inf).max(axis=0).clip(0.0, 1.0)
    hi = np.where(t.concerned, t.ideal + radius, np.inf).min(axis=0).clip(0.0, 1.0)
    return lo, hi, radius


def _gains(t: Table, a: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """(n, W, K) utility gain of terms a over each party's reservation point, issue by issue."""
    return issue_utility(a[None], t.ideal, t.rho) - issue_utility(radius, 0.0, t.rho)


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
    """Maximises the product of gains over the war values [Nash1950]."""
    lo, hi, radius = _bargaining_range(t)

    def log_product(a):
        g = _gains(t, a, radius)
        return np.where(t.concerned, np.log(np.maximum(g, 1e-300)), 0.0).sum(axis=0)

    inside = _golden_max(log_product, lo, np.maximum(hi, lo))
    return _package(t, np.where(lo <= hi, inside, (lo + hi) / 2.0), _nash_on_segments)


def kalai(t: Table) -> np.ndarray:
    """Equal shares of each party's possible gain [Kalai1975]."""
    return _package(t, _kalai_by_issue(t), _kalai_on_segments)


def _kalai_by_issue(t: Table) -> np.ndarray:
    lo, hi, radius = _bargaining_range(t)
    top = np.clip(t.ideal, lo, np.maximum(hi, lo))  # (n, W, K) each party's best term in range
    best = issue_utility(top, t.ideal, t.rho) - issue_utility(radius, 0.0, t.rho)

    def min_share(a):
        share = _gains(t, a, radius) / np.where(best > 0, best, 1.0)
        return np.where(t.concerned, share, np.inf).min(axis=0)

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
    """Where exactly two parties with linear utilities are concerned by a world's package,
    its items get the joint solution; elsewhere the issue-by-issue terms stand."""
    together = t.together
    if together is None or not together.any():
        return by_issue
    involved = (t.concerned & together[None]).any(axis=-1)  # (n, W)
    pair = np.argsort(~involved, axis=0, kind="stable")[:2]  # the first two involved parties
    take = lambda x: np.take_along_axis(x, pair.reshape(2, -1, *([1] * (x.ndim - 2))), axis=0)  # noqa: E731
    rho, x, w = take(t.rho), take(t.ideal), take(t.salience)
    res = take(t.reservation)
    valid = (involved.sum(axis=0) == 2) & (rho == 1.0).all(axis=0)
    sign = np.sign(x[1] - x[0])
    d = np.abs(x[1] - x[0])
    floor = 1.0 - np.abs(res - x)  # utility at each reservation point
    alpha = np.where(together, w[0] * d, 0.0)
    beta = np.where(together, w[1] * d, 0.0)
    g_a = np.where(together, w[0] * (1.0 - floor[0]), 0.0).sum(axis=-1)
    g_b = np.where(together, w[1] * (1.0 - d - floor[1]), 0.0).sum(axis=-1)
    movable = together & (beta > 0)  # an item B does not care about stays at A's ideal
    ratio = np.where(movable, alpha / np.where(beta > 0, beta, 1.0), np.inf)
    order = np.argsort(ratio, axis=-1, kind="stable")
    al = np.where(movable, alpha, 0.0)
    al, be = (np.take_along_axis(v, order, axis=-1) for v in (al, np.where(movable, beta, 0.0)))
    start_a = g_a[:, None] - np.cumsum(al, axis=-1) + al  # gains where each segment starts
    start_b = g_b[:, None] + np.cumsum(be, axis=-1) - be
    seg, step, feasible = on_segments(start_a, al, start_b, be)
    filled = np.arange(al.shape[-1])[None, :]
    s_sorted = np.where(filled < seg[:, None], 1.0, np.where(filled == seg[:, None], step[:, None], 0.0))
    s = np.empty_like(s_sorted)
    np.put_along_axis(s, order, s_sorted, axis=-1)
    joint = x[0] + s * sign * d
    return np.where(together & (feasible & valid)[:, None], joint, by_issue)


def _nash_on_segments(a0, al, b0, be):
    """On each segment, the t in [0, 1] maximising (a0 - al t)(b0 + be t); the best segment."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where((al > 0) & (be > 0), (be * a0 - al * b0) / (2 * al * be), np.where(be > 0, 1.0, 0.0))
    t = np.clip(np.nan_to_num(t), 0.0, 1.0)
    ga, gb = a0 - al * t, b0 + be * t
    product = np.where((ga >= -_ROUNDING) & (gb >= -_ROUNDING), np.maximum(ga, 0.0) * np.maximum(gb, 0.0), -np.inf)
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
    feasible = valid.any(axis=-1) & (best_a > _ROUNDING) & (best_b > _ROUNDING)  # shares of a best gain 0 are undefined
    return seg, pick, feasible


@dataclass(frozen=True)
class Rule:
    """A proposal rule: its name in config, the function, and its source (docs/bibliography.md)."""

    name: str
    propose: Callable[[Table], np.ndarray]
    reference: str


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule("split", split, "Raiffa1982"),
        Rule("compromise", compromise, "Thomson2006"),
        Rule("nash", nash, "Nash1950"),
        Rule("kalai", kalai, "Kalai1975"),
    )
}


def propose(t: Table, code: np.ndarray) -> np.ndarray:
    """(W, K) terms by the rule each world's mediator uses (`code` indexes RULES)."""
    rules = list(RULES.values())
    used = np.unique(code)
    if len(used) == 1:
        return rules[used[0]].propose(t)
    out = np.empty(t.positions.shape[1:])
    for c in used:  # each rule on its own worlds: nash and kalai are the costly ones
        worlds = np.flatnonzero(code == c)
        out[worlds] = rules[c].propose(t.subset(worlds))
    return out


def tilt(terms: np.ndarray, toward: np.ndarray, away: np.ndarray, bias) -> np.ndarray:
    """Mediator bias [Kydd2003]: move terms a share |bias| of the way toward one party."""
    bias = np.asarray(bias, dtype=float)[..., None]
    target = np.where(bias > 0, toward, away)
    return terms + np.abs(bias) * (target - terms)
