"""The reference results the model must reproduce (docs/model.md, "Closed forms"), items 1-5.

Every expected value here is computed in the test from the published formula or from
the definitions (a brute-force search on a grid, a derivation from the war values the
run itself reports), never copied from the model's output.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_cfg
from oracles import tactic_params
from rubinstein_oracle import alternating_offers

from sim.rules.proposal import Table, kalai, nash
from sim.rules.tactic import (
    TACTICS,
    Faratin,
    Rubinstein,
    TacticState,
    aspiration_from_alpha,
    faratin_alpha,
    rubinstein_share,
)
from sim.rules.utility import utility, war_value
from sim.runs.ensemble import simulate

# ----------------------------------------------------------------------------- 1. Faratin

BETAS = [0.2, 1.0, 5.0]


def _alpha_reference(r: float, deadline: float, beta: float, k: float) -> float:
    """Faratin, Sierra & Jennings (1998): alpha(r) = k + (1 - k) (min(r, R) / R) ** (1 / beta)."""
    return k + (1.0 - k) * (min(r, deadline) / deadline) ** (1.0 / beta)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("k", [0.0, 0.1])
@pytest.mark.parametrize("deadline", [4, 10])
def test_faratin_alpha_matches_formula(beta, k, deadline):
    rounds = [0, 1, 2, 3, deadline - 1, deadline, deadline + 1, 3 * deadline]
    for r in rounds:
        got = float(faratin_alpha(r, deadline, beta, k))
        assert got == pytest.approx(_alpha_reference(r, deadline, beta, k), rel=1e-12, abs=1e-15), (r, beta)
    # vectorised over rounds (the model calls it with an (R,) array of round indices)
    got = faratin_alpha(np.array(rounds), deadline, beta, k)
    want = np.array([_alpha_reference(r, deadline, beta, k) for r in rounds])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    # endpoints: k at the opening, 1 from the deadline on
    assert faratin_alpha(0, deadline, beta, k) == pytest.approx(k, abs=1e-15)
    assert faratin_alpha(deadline, deadline, beta, k) == pytest.approx(1.0, abs=1e-15)
    assert faratin_alpha(5 * deadline, deadline, beta, k) == pytest.approx(1.0, abs=1e-15)


def test_faratin_shapes_boulware_linear_conceder():
    """beta < 1 concedes late (below the linear curve), beta > 1 early (above it)."""
    deadline = 10
    inner = np.arange(1, deadline)  # strictly between opening and deadline
    linear = inner / deadline
    np.testing.assert_allclose(faratin_alpha(inner, deadline, 1.0), linear, rtol=1e-12)
    assert np.all(faratin_alpha(inner, deadline, 0.2) < linear)
    assert np.all(faratin_alpha(inner, deadline, 5.0) > linear)


@pytest.mark.parametrize("value", [0.0, 0.25, 0.6, 0.95])
def test_aspiration_from_alpha(value):
    assert aspiration_from_alpha(0.0, value) == pytest.approx(1.0, abs=1e-15)
    assert aspiration_from_alpha(1.0, value) == pytest.approx(value, abs=1e-15)
    for alpha in (0.1, 0.5, 0.9):
        assert aspiration_from_alpha(alpha, value) == pytest.approx(value + (1 - value) * (1 - alpha), abs=1e-15)


@pytest.mark.parametrize("beta", BETAS)
def test_faratin_tactic_follows_curve(beta):
    """The tactic a party plays reaches A(r) = V + (1 - V)(1 - alpha(r)) in every world."""
    deadline, k = 6, 0.05
    r = np.array([0, 1, 2, 5, 6, 9])
    v = np.array([0.1, 0.3, 0.5, 0.2, 0.7, 0.4])
    ones = np.ones_like(v)
    params = tactic_params(len(r), list(TACTICS).index("faratin"), beta=beta, deadline=deadline, k=k)
    got = Faratin.aspiration(TacticState(r, v, ones, ones, ones, 1.0 - v, ones > 0, ones * 0.9), params)
    want = [vi + (1 - vi) * (1 - _alpha_reference(ri, deadline, beta, k)) for ri, vi in zip(r, v)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


# -------------------------------------------------------------- 2. Nash / Kalai-Smorodinsky

# (v_A, v_B) with v_A + v_B <= 1, one per replication; the last is the degenerate range
PAIRS_LINEAR = [(0.1, 0.2), (0.3, 0.4), (0.2, 0.7), (0.0, 0.0), (0.25, 0.25), (0.6, 0.1), (0.45, 0.55)]
# for rho_B = 2 the range is [v_A, sqrt(1 - v_B)]: v_A <= sqrt(1 - v_B)
PAIRS_RHO2 = [(0.2, 0.3), (0.1, 0.5), (0.4, 0.2), (0.3, 0.6)]


def _one_issue_table(v_a, v_b, rho_b: float) -> Table:
    """Two parties, one issue; A's ideal 1 (U_A = a), B's ideal 0 (U_B = 1 - a ** rho_b)."""
    v_a, v_b = np.asarray(v_a, float), np.asarray(v_b, float)
    R = len(v_a)
    r_a = v_a  # U_A(r) = r = v_A
    r_b = (1.0 - v_b) ** (1.0 / rho_b)  # U_B(r) = 1 - r ** rho_b = v_B
    rng = np.random.default_rng(1)
    return Table(
        positions=rng.random((2, R, 1)),  # the bargaining rules must not depend on them
        concerned=np.ones((2, 1), dtype=bool),
        salience=np.ones((2, 1)),
        capability=np.ones((2, R)),
        ideal=np.array([[1.0], [0.0]]),
        rho=np.array([1.0, rho_b]),
        reservation=np.stack([r_a[:, None], r_b[:, None]]),
    )


def _grid_solutions(v_a: float, v_b: float, rho_b: float, points: int = 200001):
    """Nash and Kalai-Smorodinsky terms by brute force on a grid, from their definitions."""
    a = np.linspace(0.0, 1.0, points)
    gain_a = a - v_a
    gain_b = (1.0 - a**rho_b) - v_b
    rational = (gain_a >= 0) & (gain_b >= 0)
    nash_terms = a[np.argmax(np.where(rational, gain_a * gain_b, -np.inf))]
    best_a, best_b = gain_a[rational].max(), gain_b[rational].max()  # max feasible gains
    share = np.minimum(gain_a / best_a, gain_b / best_b)
    kalai_terms = a[np.argmax(np.where(rational, share, -np.inf))]
    return nash_terms, kalai_terms


def test_nash_linear_one_issue_is_midpoint_of_range():
    v_a, v_b = np.array(PAIRS_LINEAR).T
    terms = nash(_one_issue_table(v_a, v_b, 1.0))
    assert terms.shape == (len(v_a), 1)
    want = (v_a + 1.0 - v_b) / 2.0
    np.testing.assert_allclose(terms[:, 0], want, atol=1e-6)
    # in A's terms: A gets v_A plus half the surplus 1 - v_A - v_B
    np.testing.assert_allclose(terms[:, 0], v_a + (1.0 - v_a - v_b) / 2.0, atol=1e-6)


def test_kalai_linear_one_issue_coincides_with_nash():
    v_a, v_b = np.array(PAIRS_LINEAR).T
    terms = kalai(_one_issue_table(v_a, v_b, 1.0))
    assert terms.shape == (len(v_a), 1), "kalai must return terms (R, K), like the other rules"
    np.testing.assert_allclose(terms[:, 0], (v_a + 1.0 - v_b) / 2.0, atol=1e-6)


def test_nash_rho2_matches_grid_maximisation():
    v_a, v_b = np.array(PAIRS_RHO2).T
    terms = nash(_one_issue_table(v_a, v_b, 2.0))
    assert terms.shape == (len(v_a), 1)
    for i, (a, b) in enumerate(PAIRS_RHO2):
        want, _ = _grid_solutions(a, b, 2.0)
        assert terms[i, 0] == pytest.approx(want, abs=2e-5), (a, b)


def test_kalai_rho2_matches_grid_and_differs_from_nash():
    v_a, v_b = np.array(PAIRS_RHO2).T
    table = _one_issue_table(v_a, v_b, 2.0)
    terms = kalai(table)
    assert terms.shape == (len(v_a), 1), "kalai must return terms (R, K), like the other rules"
    nash_terms = nash(table)
    for i, (a, b) in enumerate(PAIRS_RHO2):
        want_nash, want_kalai = _grid_solutions(a, b, 2.0)
        assert abs(want_nash - want_kalai) > 1e-3  # the definitions differ here
        assert terms[i, 0] == pytest.approx(want_kalai, abs=2e-5), (a, b)
        assert abs(terms[i, 0] - nash_terms[i, 0]) > 1e-3, (a, b)


# ----------------------------------------------------------------------------- 3. Fearon


@pytest.mark.parametrize("p", [0.3, 0.5, 0.72])
@pytest.mark.parametrize("kappa_a,h_a,c_b", [(0.002, 50, 0.1), (0.001, 60, 0.03), (0.004, 25, 0.2)])
def test_fearon_bargaining_range(p, kappa_a, h_a, c_b):
    """With p_A = p, p_B = 1 - p, exactly the terms in (p - c_A, p + c_B) beat war for both."""
    x_a, x_b, w = np.array([1.0]), np.array([0.0]), np.array([1.0])
    c_a = kappa_a * h_a
    v_a = war_value(p, utility(x_a, x_a, w), utility(x_b, x_a, w), kappa_a, h_a)
    v_b = war_value(1.0 - p, utility(x_b, x_b, w), utility(x_a, x_b, w), c_b, 1.0)
    assert v_a == pytest.approx(p - c_a, abs=1e-12)
    assert v_b == pytest.approx(1.0 - p - c_b, abs=1e-12)

    lo, hi = p - c_a, p + c_b
    a = np.linspace(0.0, 1.0, 10001)
    a = a[(np.abs(a - lo) > 1e-9) & (np.abs(a - hi) > 1e-9)]  # leave out the two boundary points
    both = (utility(a[:, None], x_a, w) > v_a) & (utility(a[:, None], x_b, w) > v_b)
    inside = (a > lo) & (a < hi)
    np.testing.assert_array_equal(both, inside)
    assert inside.any()  # the range is never empty with positive costs


def _first_covering_round(cfg, issue: str):
    """(round number, day) of the first calendar round whose format can settle `issue`."""
    salience = max(p.salience.get(issue, 0.0) for p in cfg.scenario.parties.values())
    for number, rnd in enumerate(cfg.scenario.calendar, start=1):
        if salience <= cfg.mediator.formats[rnd.format].max_salience:
            return number, rnd.day
    raise AssertionError("no calendar round covers the issue")


FEARON_SETUPS = {
    # beliefs learn from the (common) battle signal, so p_A + p_B = 1 holds every day
    "learning": [],
    # beliefs held at the true opening balance p = 0.5
    "fixed_p050": ["war.learning_rate=0"],
    # beliefs held at p = 1.5 / 2.5 = 0.6
    "fixed_p060": ["war.learning_rate=0", "scenario.parties.a.capability=1.5"],
}


@pytest.mark.parametrize(
    "rule,setup",
    [
        pytest.param("split", "learning"),
        ("split", "fixed_p050"),
        pytest.param("split", "fixed_p060"),
        # with learning the Nash terms (V_i + surplus / 2) can fall short of a Conceder's
        # aspiration at round index 1 when beliefs have drifted far, so no closed form
        # promises agreement there; beliefs are held fixed instead
        ("nash", "fixed_p050"),
        ("nash", "fixed_p060"),
    ],
)
def test_fearon_conceder_pair_agrees_at_first_covering_round(rule, setup):
    cfg = make_cfg("scenario=symmetric_dyad", "replications=60", f"mediator.rule={rule}", *FEARON_SETUPS[setup])
    parties = cfg.scenario.parties
    assert all(p.optimism == 0 for p in parties.values())  # complete information
    assert all(p.tactic.name == "faratin" and p.tactic.beta > 1 for p in parties.values())  # Conceders
    number, day = _first_covering_round(cfg, "border")

    res = simulate(cfg)
    out = res.outcomes[res.outcomes["issue"] == "border"]
    assert len(out) == cfg.replications
    assert out["agreed"].all()
    assert (out["round"] == number).all(), out["round"].value_counts().to_dict()
    assert (out["day"] == day).all()

    rounds = res.rounds[(res.rounds["round"] == number) & (res.rounds["issue"] == "border")]
    v = rounds.pivot(index="replication", columns="party", values="war_value")
    terms = out.set_index("replication")["terms"].loc[v.index]
    # A's ideal is 1 (U_A = a), B's is 0 (U_B = 1 - a): the range is (V_A, 1 - V_B)
    assert (terms > v["a"]).all()
    assert (1.0 - terms > v["b"]).all()


@pytest.mark.parametrize("rule", ["split", "nash"])
def test_acceptance_is_utility_above_aspiration(rule):
    """AC_next in utility space: accept a iff U_i(a) >= A_i(r) (and never below V_i).

    One issue with no side effects (no ceasefire, no cost relief, no guarantees), so the
    rule is all that decides an answer.
    """
    res = simulate(make_cfg("scenario=symmetric_dyad", "replications=60", f"mediator.rule={rule}"))
    r = res.rounds[res.rounds["on_table"]].copy()
    assert len(r) > 0
    is_a = (r["party"] == "a").to_numpy()
    u = np.where(is_a, r["proposal"], 1.0 - r["proposal"])
    level = np.maximum(r["aspiration"].to_numpy(), r["war_value"].to_numpy())
    clear = np.abs(u - level) > 1e-9
    expected = u >= level
    np.testing.assert_array_equal(r["answer"].to_numpy(dtype=bool)[clear], expected[clear])


# -------------------------------------------------------------------------- 4. Rubinstein

DISCOUNTS = [(0.9, 0.8), (0.8, 0.9), (0.5, 0.95), (0.99, 0.6), (0.3, 0.7)]


@pytest.mark.parametrize("d1,d2", DISCOUNTS)
def test_rubinstein_share(d1, d2):
    want = (1.0 - d2) / (1.0 - d1 * d2)
    assert rubinstein_share(d1, d2) == pytest.approx(want, rel=1e-12)
    # independently: stationary SPE demands solve x1 = 1 - d2 x2, x2 = 1 - d1 x1
    x1, x2 = np.linalg.solve([[1.0, d2], [d1, 1.0]], [1.0, 1.0])
    assert rubinstein_share(d1, d2) == pytest.approx(x1, rel=1e-12)
    assert rubinstein_share(d2, d1) == pytest.approx(x2, rel=1e-12)


@pytest.mark.parametrize("d1,d2", DISCOUNTS)
def test_alternating_offers_accepted_at_once(d1, d2):
    # the game played out (tests/rubinstein_oracle.py) ends at once, at the model's share
    share, accepted_in = alternating_offers(d1, d2)
    assert accepted_in == 1
    assert share == pytest.approx((1.0 - d2) / (1.0 - d1 * d2), rel=1e-12)
    assert share == pytest.approx(rubinstein_share(d1, d2), rel=1e-12)


@pytest.mark.parametrize("d1,d2", DISCOUNTS)
def test_rubinstein_tactic_shares(d1, d2):
    first = Rubinstein.share(d1, d2, True)
    second = Rubinstein.share(d2, d1, False)
    assert first == pytest.approx((1.0 - d2) / (1.0 - d1 * d2), rel=1e-12)
    assert first + second == pytest.approx(1.0, abs=1e-12)


# ------------------------------------------------------------------------- 5. Convergence


def test_belief_gap_shrinks_over_days_of_fighting():
    """Common true p, different initial beliefs, no talks: the mean |p_A - (1 - p_B)| falls."""
    cfg = make_cfg(
        "scenario=symmetric_dyad",
        "scenario.calendar=[]",
        "scenario.policy.interval=0",  # no rounds: fighting goes on all run
        "scenario.parties.a.optimism=0.3",  # both sides over-optimistic
        "scenario.parties.b.optimism=0.2",
        "scenario.days=63",
        "replications=200",
    )
    res = simulate(cfg)
    assert not res.outcomes["agreed"].any()
    tl = res.timeline
    assert (tl["intensity"] > 0).all()  # every day is a day of fighting
    gap = (tl["belief_a"] - (1.0 - tl["belief_b"])).abs()
    mean_gap = gap.groupby(tl["day"]).mean().sort_index()
    assert len(mean_gap) == cfg.scenario.days + 1

    start, end = mean_gap.iloc[0], mean_gap.iloc[-1]
    assert start == pytest.approx(0.5, abs=1e-9)  # 0.5 + 0.3 versus 1 - (0.5 + 0.2)
    assert end < 0.5 * start
    weekly = mean_gap.groupby(mean_gap.index // 7).mean()
    weekly = weekly[mean_gap.groupby(mean_gap.index // 7).size() == 7]  # whole weeks only
    assert len(weekly) >= 8
    assert np.all(np.diff(weekly.to_numpy()) < 0), weekly.to_list()
