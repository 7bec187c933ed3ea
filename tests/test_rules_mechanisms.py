"""The mechanisms' rule functions held to their definitions (docs/model.md, section 9):
when the other side breaks a deal (sim/mechanisms/commitment.py), the private types and what the
others believe about them (sim/mechanisms/information.py), red lines and indivisible issues
(sim/mechanisms/red_lines.py), and what a leader concedes at home (sim/mechanisms/audience.py).

test_mechanisms.py runs each mechanism in the model; these hold each rule world by world to
the formula or the rule docs/model.md states, with the expected values computed here.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from sim.mechanisms import audience, commitment, information, red_lines

# ------------------------------------------------------- commitment.renege_share [Powell2006]


def test_a_deal_breaks_on_the_first_check_day_the_other_side_prefers_war():
    """Check days j = 1..CHECKS (column 0 is today, not a check day): the deal breaks on the
    first j with V_other(j) > U_other(deal), strictly; f = j / CHECKS, or 1 if never."""
    n = commitment.CHECKS
    rng = np.random.default_rng(3)
    v = rng.random((600, n + 1))
    u = rng.random(600)
    v[:50, 1] = u[:50]  # a tie is no breach
    v[50:100, 0] = u[50:100] + 0.5  # preferring war today is not a check day
    share, at = commitment.renege_share(v, u)
    never = 0
    for w in range(len(u)):
        breach = [j for j in range(1, n + 1) if v[w, j] > u[w]]
        never += not breach
        assert at[w] == (breach[0] if breach else n)
        assert share[w] == (breach[0] / n if breach else 1.0)
    assert 20 < never < len(u) - 20  # worlds that break and worlds that never do, side by side


# ------------------------------------------------ information [Fearon1995; Slantchev2003]


def test_the_types_are_the_priors_quantiles_around_the_stated_optimism():
    """o_m = optimism + spread * z_m, z_m the standard normal quantile at (m + 1/2) / M:
    ordered, type 0 the least optimistic, all equal with no spread."""
    optimism, spread, M = np.array([0.1, 0.3, -0.2]), np.array([0.0, 0.2, 0.05]), 7
    got = information.type_offsets(optimism, spread, M)
    z = norm.ppf((np.arange(M) + 0.5) / M)
    np.testing.assert_allclose(got, optimism[None, :] + spread[None, :] * z[:, None], rtol=0, atol=1e-12)
    assert (got[:, 0] == 0.1).all()
    assert (np.diff(got[:, 1:], axis=0) > 0).all()


@pytest.mark.parametrize("M", [1, 2, 7])
def test_the_true_type_is_the_uniform_draws_share_of_the_types(M):
    """Type k for a draw u in [k/M, (k+1)/M); a draw of exactly 1 is the last type."""
    k = np.arange(M)
    lows, mids, highs = k / M, (k + 0.5) / M, np.nextafter((k + 1) / M, 0.0)
    for u in (lows, mids, highs):
        np.testing.assert_array_equal(information.true_type(u, M), k)
    assert information.true_type(np.array([1.0]), M)[0] == M - 1


@pytest.mark.parametrize("seed", range(4))
def test_the_others_state_the_toughest_and_price_the_middle_possible_type(seed):
    """Over the types still possible in a world: the toughest is the highest value, the middle
    the ceil(count / 2)-th in order (docs/model.md, 9.2), the spread of beliefs max - min;
    ruling out keeps the types consistent with the answers."""
    rng = np.random.default_rng(seed)
    M, W = 7, 400
    possible = rng.random((M, W)) < 0.4
    possible[rng.integers(0, M, W), np.arange(W)] = True  # the true type is always possible
    values, balance = rng.random((M, W)), rng.random((M, W))
    beliefs = information.Beliefs(balance=balance, possible=possible.copy(), true=np.zeros(W, dtype=int))
    middle, toughest, spread = beliefs.middle(values), beliefs.toughest(values), beliefs.spread()
    for w in range(W):
        types = np.flatnonzero(possible[:, w])
        assert middle[w] == values[types[int(np.ceil(len(types) / 2)) - 1], w]
        assert toughest[w] == values[types, w].max()
        assert spread[w] == balance[types, w].max() - balance[types, w].min()
    consistent = rng.random((M, W)) < 0.7
    beliefs.rule_out(consistent)
    np.testing.assert_array_equal(beliefs.possible, possible & consistent)


# ---------------------------------------------- red_lines [Fearon1995; Toft2003; Hassner2003]

IDEAL = np.array([0.0, 1.0, 0.3, 0.3])
LINE = np.array([0.4, 0.25, 0.5, np.nan])  # the last: no red line


def test_a_red_line_reaches_as_far_from_the_ideal_as_the_line_is():
    np.testing.assert_array_equal(red_lines.reach(IDEAL, LINE), [0.4, 0.75, 0.2, np.inf])
    terms = np.array([[0.4, 0.25, 0.1, 1.0], [0.41, 0.24, 0.51, 0.0]])
    np.testing.assert_array_equal(red_lines.within(terms, IDEAL, LINE), [[True, True, True, True],
                                                                        [False, False, False, True]])


def test_terms_beyond_a_red_line_move_to_it_on_either_side_and_others_stay():
    terms = np.array([[0.7, 0.1, 0.05, 0.9], [0.2, 0.6, 0.9, 0.0]])
    np.testing.assert_allclose(red_lines.keep_within(terms, IDEAL, LINE), [[0.4, 0.25, 0.1, 0.9],
                                                                          [0.2, 0.6, 0.5, 0.0]], rtol=0, atol=1e-15)


def test_an_indivisible_issue_goes_to_the_nearer_pole_and_a_half_to_one():
    terms = np.array([0.0, 0.2, 0.49, 0.5, 0.51, 0.8, 1.0])
    np.testing.assert_array_equal(red_lines.to_pole(terms, True), [0, 0, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(red_lines.to_pole(terms, False), terms)


# --------------------------------------------------------------- audience [Fearon1994]


def test_a_leader_concedes_what_the_terms_go_past_its_opening_toward_the_other_side():
    """c_k = max(0, (a_k - s_k) sign(y_k - x_k)); nothing when the other side asks the leader's
    own ideal (there is no side to concede toward)."""
    opening, ideal = np.array([0.2, 0.8, 0.5]), np.array([0.0, 1.0, 0.5])
    their = np.array([1.0, 0.0, 0.5])
    terms = np.array([[0.5, 0.6, 0.9], [0.1, 0.9, 0.1]])
    np.testing.assert_allclose(audience.conceded(terms, opening, ideal, their), [[0.3, 0.2, 0.0], [0.0, 0.0, 0.0]],
                               rtol=0, atol=1e-15)
