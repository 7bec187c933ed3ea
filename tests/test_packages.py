"""Nash and Kalai-Smorodinsky over a package: items agreed together may be traded.

Two parties, linear utilities, several items: the rule's terms are held to a direct
maximisation (a fine grid for Nash, linear programs for Kalai-Smorodinsky).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from sim.rules.proposal import Table, kalai, nash
from sim.rules.utility import point_of_utility

IDEAL = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.2]])  # A and B; the third item is not a pure conflict
R, K = 6, 3


def table(seed: int, together=True, rho=(1.0, 1.0)):
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(np.ones(K), size=2)
    v = rng.uniform(0.0, 0.4, size=(2, R))
    res = np.stack([
        point_of_utility(np.tile(IDEAL[i], (R, 1)), np.tile(IDEAL[1 - i], (R, 1)), w[i], rho[i], v[i]) for i in range(2)
    ])
    return Table(
        positions=np.stack([np.tile(IDEAL[i], (R, 1)) for i in range(2)]), concerned=w > 0, salience=w,
        capability=np.ones((2, R)), ideal=IDEAL, rho=np.array(rho), reservation=res,
        together=np.full((R, K), together),
    )


@pytest.mark.parametrize("seed", range(4))
def test_package_nash_beats_every_point_of_a_fine_grid(seed):
    t = table(seed)
    terms = nash(t)
    grid = np.array(list(itertools.product(np.linspace(0, 1, 51), repeat=K)))
    floor = 1.0 - np.abs(t.reservation - IDEAL[:, None, :])
    for r in range(R):
        g = np.stack([(t.salience[i, 0] * (1.0 - np.abs(grid - IDEAL[i]) - floor[i, r])).sum(-1) for i in range(2)])
        best = np.where((g >= 0).all(axis=0), g[0] * g[1], -np.inf).max()
        mine = [(t.salience[i, 0] * (1.0 - np.abs(terms[r] - IDEAL[i]) - floor[i, r])).sum() for i in range(2)]
        assert min(mine) >= 0
        assert mine[0] * mine[1] >= best - 1e-12


@pytest.mark.parametrize("seed", range(4))
def test_package_kalai_gives_equal_shares_of_the_best_rational_gains(seed):
    t = table(seed)
    terms = kalai(t)
    d = np.abs(IDEAL[1] - IDEAL[0])
    floor = 1.0 - np.abs(t.reservation - IDEAL[:, None, :])
    al, be = t.salience[0, 0] * d, t.salience[1, 0] * d  # gains are linear in s along the ideals' segment
    for r in range(R):
        ga0, gb0 = (t.salience[0, 0] * (1 - floor[0, r])).sum(), (t.salience[1, 0] * (1 - d - floor[1, r])).sum()
        best_a = ga0 - linprog(al, A_ub=[-be], b_ub=[gb0], bounds=[(0, 1)] * K).fun
        best_b = gb0 - linprog(-be, A_ub=[al], b_ub=[ga0], bounds=[(0, 1)] * K).fun
        ga, gb = ((t.salience[i, 0] * (1.0 - np.abs(terms[r] - IDEAL[i]) - floor[i, r])).sum() for i in range(2))
        assert ga / best_a == pytest.approx(gb / best_b, abs=1e-9)
        # and no point gives both a larger share (max-min, by linear programming)
        lp = linprog(np.r_[np.zeros(K), -1.0], A_ub=[np.r_[al / best_a, 1.0], np.r_[-be / best_b, 1.0]],
                     b_ub=[ga0 / best_a, gb0 / best_b], bounds=[(0, 1)] * K + [(None, None)])
        assert ga / best_a == pytest.approx(-lp.fun, abs=1e-9)


def test_a_package_trades_issues_that_items_alone_cannot():
    # Each side cares mostly about a different issue: the package gives each its issue.
    w = np.array([[0.8, 0.2], [0.2, 0.8]])
    ideal = np.array([[1.0, 1.0], [0.0, 0.0]])
    v = np.full((2, 1), 0.3)
    res = np.stack([point_of_utility(ideal[i][None], ideal[1 - i][None], w[i], 1.0, v[i]) for i in range(2)])
    common = dict(positions=ideal[:, None, :], concerned=w > 0, salience=w, capability=np.ones((2, 1)),
                  ideal=ideal, rho=np.ones(2), reservation=res)
    alone = nash(Table(**common, together=np.zeros((1, 2), bool)))
    package = nash(Table(**common, together=np.ones((1, 2), bool)))
    np.testing.assert_allclose(alone, [[0.5, 0.5]])
    np.testing.assert_allclose(package, [[1.0, 0.0]])


def test_other_utilities_fall_back_to_issue_by_issue():
    assert np.array_equal(nash(table(0, rho=(1.0, 2.0))), nash(table(0, together=False, rho=(1.0, 2.0))))
