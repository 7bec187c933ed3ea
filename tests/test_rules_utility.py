"""sim/rules/utility.py held to its formulas: U(a) = 1 - sum_k w_k |a_k - x_k|^rho, Fearon's war
value, and the point on a line where utility equals a given level."""

from __future__ import annotations

import numpy as np
import pytest

from sim.rules.utility import across, issue_utility, point_of_utility, power, utility, war_value

# the rules guard their divisions (a zero step, an item nobody trades, an empty range):
# no floating-point warning may escape them
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

X = np.array([1.0, 0.0, 0.3])  # an ideal
W = np.array([0.5, 0.3, 0.2])  # its saliences
RHOS = [0.5, 1.0, 2.0]


def reference_utility(a, x, w, rho):
    return 1.0 - sum(wk * abs(ak - xk) ** rho for ak, xk, wk in zip(a, x, w))


# ------------------------------------------------------------------- across and power


@pytest.mark.parametrize("K", [1, 2, 5])
def test_across_reduces_the_issue_axis_like_numpys_reductions(K):
    rng = np.random.default_rng(K)
    a = rng.random((3, 4, K))
    np.testing.assert_allclose(across(a), a.sum(axis=-1), rtol=1e-14)
    np.testing.assert_array_equal(across(a, np.maximum), a.max(axis=-1))
    b = a > 0.4
    np.testing.assert_array_equal(across(b, np.logical_and), b.all(axis=-1))
    np.testing.assert_array_equal(across(b, np.logical_or), b.any(axis=-1))
    assert across(a).shape == (3, 4)


def test_across_adds_left_to_right():
    # the model's sums must not depend on how numpy pairs terms: ((a0 + a1) + a2) + a3
    a = np.array([1e16, 1.0, -1e16, 1.0])
    assert across(a) == ((1e16 + 1.0) - 1e16) + 1.0


def test_power_is_the_elementwise_power_and_exactly_d_at_one():
    d = np.array([[0.25, 0.5, 0.0], [0.9, 0.04, 1.0]])
    e = np.array([[2.0], [1.0]])  # per row, broadcast over the issue axis
    got = power(d, e)
    np.testing.assert_allclose(got[0], d[0] ** 2.0, rtol=1e-15)
    np.testing.assert_array_equal(got[1], d[1])  # exponent 1: d itself, no pow
    np.testing.assert_allclose(power(d, 0.5), np.sqrt(d), rtol=1e-15)
    np.testing.assert_array_equal(power(d, 1.0), d)
    # a scalar exponent per element of a larger shape, and an exponent larger than d
    np.testing.assert_allclose(power(0.5, np.array([1.0, 2.0, 3.0])), [0.5, 0.25, 0.125], rtol=1e-15)
    before = d.copy()
    power(d, e)
    np.testing.assert_array_equal(d, before)  # the input is not written into


# --------------------------------------------------------------------------- utilities


@pytest.mark.parametrize("rho", RHOS)
def test_utility_is_one_minus_weighted_distance_to_the_power_rho(rho):
    rng = np.random.default_rng(0)
    a = rng.random((6, 3))  # (R, K)
    got = utility(a, X, W, rho)
    assert got.shape == (6,)
    np.testing.assert_allclose(got, [reference_utility(row, X, W, rho) for row in a], rtol=1e-13)
    # per issue, without weights
    np.testing.assert_allclose(issue_utility(a, X, rho), 1.0 - np.abs(a - X) ** rho, rtol=1e-13)


def test_rho_defaults_to_one():
    a = np.array([[0.2, 0.5, 0.3], [1.0, 0.0, 0.3]])
    np.testing.assert_allclose(utility(a, X, W), [1 - 0.5 * 0.8 - 0.3 * 0.5, 1.0], rtol=1e-14)
    np.testing.assert_allclose(issue_utility(a, X), [[0.2, 0.5, 1.0], [1.0, 1.0, 1.0]], rtol=1e-14)


def test_utility_of_one_settlement_is_a_number():
    assert utility(np.array([0.5, 0.5, 0.5]), X, W, 2.0) == pytest.approx(1 - 0.5 * 0.25 - 0.3 * 0.25 - 0.2 * 0.04)


def test_rho_per_world():
    # (W,) exponents: each world's utility with its own rho
    a = np.array([[0.5, 0.5, 0.5], [0.2, 0.9, 0.0], [0.0, 1.0, 1.0]])
    rho = np.array([0.5, 1.0, 2.0])
    want = [reference_utility(row, X, W, r) for row, r in zip(a, rho)]
    np.testing.assert_allclose(utility(a, X, W, rho), want, rtol=1e-13)
    np.testing.assert_allclose(issue_utility(a, X, rho), 1.0 - np.abs(a - X) ** rho[:, None], rtol=1e-13)


def test_rho_changes_how_small_and_large_distances_weigh():
    # a distance below 1 costs more with rho < 1 and less with rho > 1 than linearly
    a = np.array([0.5, 0.0, 0.3])
    assert utility(a, X, W, 0.5) < utility(a, X, W, 1.0) < utility(a, X, W, 2.0)


# --------------------------------------------------------------------------- war value


def test_war_value_is_fearons_costly_lottery():
    assert war_value(0.3, 0.8, 0.4, 0.01, 10) == pytest.approx(0.42)  # .3 .8 + .7 .4 - .1
    assert war_value(1.0, 1.0, 0.0, 0.0, 60) == pytest.approx(1.0)
    assert war_value(0.0, 1.0, 0.25, 0.002, 50) == pytest.approx(0.15)


def test_war_value_per_world():
    p = np.array([0.3, 0.5, 0.9, 0.0])
    own, their = np.array([0.8, 1.0, 0.6, 0.7]), np.array([0.4, 0.0, 0.1, 0.2])
    kappa, horizon = np.array([0.01, 0.0, 0.002, 0.003]), np.array([10.0, 60.0, 50.0, 20.0])
    np.testing.assert_allclose(
        war_value(p, own, their, kappa, horizon), p * own + (1 - p) * their - kappa * horizon, rtol=1e-14
    )


# ---------------------------------------------------------------------- point_of_utility


@pytest.mark.parametrize("rho", RHOS)
def test_the_point_has_the_utility_asked_for_and_lies_on_the_line(rho):
    y = np.array([0.0, 1.0, 0.8])  # the other side's terms
    level = np.array([0.95, 0.8, 0.6, 0.4, 0.2])  # (R,): all above U(y) = 1 - sum w |y - x|^rho
    assert np.all(level > reference_utility(y, X, W, rho))
    got = point_of_utility(np.tile(X, (5, 1)), np.tile(y, (5, 1)), W, rho, level)
    np.testing.assert_allclose(utility(got, X, W, rho), level, rtol=1e-12)
    # a + ... on the segment from x to y: the same share t of the way on every issue
    t = (got - X) / (y - X)
    np.testing.assert_allclose(t, np.repeat(t[:, :1], 3, axis=1), rtol=1e-12)
    assert np.all((t > 0) & (t < 1))


def test_the_point_of_each_world_has_its_own_level_at_its_own_rho():
    y = np.array([0.0, 1.0, 0.8])
    rho, level = np.array([0.5, 1.0, 2.0, 2.0]), np.array([0.6, 0.7, 0.5, 0.9])
    got = point_of_utility(np.tile(X, (4, 1)), np.tile(y, (4, 1)), np.tile(W, (4, 1)), rho, level, beyond=True)
    np.testing.assert_allclose([reference_utility(g, X, W, r) for g, r in zip(got, rho)], level, rtol=1e-12)
    t = ((1.0 - level) / (W * np.abs(y - X) ** rho[:, None]).sum(-1)) ** (1.0 / rho)
    np.testing.assert_allclose(got, X + t[:, None] * (y - X), rtol=1e-12)


@pytest.mark.parametrize("rho", RHOS)
def test_t_is_the_rho_th_root_of_the_room_over_the_full_loss(rho):
    y = np.array([0.0, 1.0, 0.8])
    loss = (W * np.abs(y - X) ** rho).sum()
    level = 0.7
    t = ((1.0 - level) / loss) ** (1.0 / rho)
    np.testing.assert_allclose(point_of_utility(X, y, W, rho, level), X + t * (y - X), rtol=1e-12)


@pytest.mark.parametrize("rho", RHOS)
def test_without_beyond_the_point_stops_at_the_target(rho):
    y = np.array([0.4, 0.4, 0.4])
    level = np.array([0.1, -1.0])  # below U(y): the line would go past y
    got = point_of_utility(np.tile(X, (2, 1)), np.tile(y, (2, 1)), W, rho, level)
    np.testing.assert_allclose(got, np.tile(y, (2, 1)), rtol=1e-14)


@pytest.mark.parametrize("rho", RHOS)
def test_beyond_goes_past_the_target_to_the_level(rho):
    x, y = np.array([1.0, 0.0]), np.array([0.8, 0.2])
    w = np.array([0.6, 0.4])
    level = 0.5  # below U(y) = 1 - 0.2^rho for each rho: the point lies past y
    assert level < utility(y, x, w, rho)
    got = point_of_utility(x, y, w, rho, level, beyond=True)
    want_t = ((1 - level) / (w * np.abs(y - x) ** rho).sum()) ** (1 / rho)
    np.testing.assert_allclose(got, x + want_t * (y - x), rtol=1e-12)
    assert utility(got, x, w, rho) == pytest.approx(level, rel=1e-12)
    assert want_t > 1


def test_beyond_is_held_inside_the_unit_cube():
    x, y, w = np.array([1.0, 0.0]), np.array([0.5, 0.5]), np.array([0.5, 0.5])
    # t = (1 - 0.0) / 0.5 = 2: x + 2 (y - x) = (0, 1) exactly; with level -1, t = 4 and it is clipped
    np.testing.assert_allclose(point_of_utility(x, y, w, 1.0, 0.0, beyond=True), [0.0, 1.0], atol=1e-14)
    np.testing.assert_allclose(point_of_utility(x, y, w, 1.0, -1.0, beyond=True), [0.0, 1.0], atol=1e-14)


def test_closed_issues_stay_at_the_ideal_and_fixed_loss_is_honoured():
    x = np.array([[1.0, 0.0, 0.3], [1.0, 0.0, 0.3]])
    y = np.array([[0.0, 1.0, 0.8], [0.0, 1.0, 0.8]])
    open_ = np.array([[True, False, True], [False, True, True]])
    fixed = np.array([0.1, 0.05])
    level = np.array([0.7, 0.8])
    for rho in RHOS:
        got = point_of_utility(x, y, W, rho, level, open_, fixed)
        np.testing.assert_array_equal(got[~open_], x[~open_])  # closed items do not move
        # utility on the open items plus the fixed loss of the closed ones gives the level
        open_loss = (np.where(open_, W, 0.0) * np.abs(got - x) ** rho).sum(axis=-1)
        np.testing.assert_allclose(1.0 - fixed - open_loss, level, rtol=1e-12)


def test_the_fixed_loss_already_spends_the_room():
    # with fixed_loss = 1 - level there is nothing left to give: the point is the ideal
    y = np.array([0.0, 1.0, 0.8])
    np.testing.assert_allclose(point_of_utility(X, y, W, 1.0, 0.6, fixed_loss=0.4, beyond=True), X, atol=1e-15)


@pytest.mark.parametrize("rho", RHOS)
def test_a_level_above_what_is_left_keeps_the_ideal(rho):
    y = np.array([0.0, 1.0, 0.8])
    for beyond in (False, True):
        np.testing.assert_array_equal(point_of_utility(X, y, W, rho, 1.2, beyond=beyond), X)
        np.testing.assert_array_equal(point_of_utility(X, y, W, rho, 0.95, fixed_loss=0.1, beyond=beyond), X)


@pytest.mark.parametrize("beyond", [False, True])
def test_nothing_to_move_keeps_the_ideal(beyond):
    # the target is the ideal, or every issue that differs is closed: no direction to move in
    y = np.array([[1.0, 0.0, 0.3], [0.0, 0.0, 0.3]])
    open_ = np.array([[True, True, True], [False, True, True]])
    for level in (1.0, 0.5):
        got = point_of_utility(np.tile(X, (2, 1)), y, W, 2.0, np.full(2, level), open_, beyond=beyond)
        np.testing.assert_array_equal(got, np.tile(X, (2, 1)))


def test_a_move_that_costs_nothing_leaves_the_ideal():
    # the target differs only on an issue of zero salience: no point of the line has a
    # utility below 1, so the level cannot be reached and t = 0 (the ideal), not the target
    x, y, w = np.array([[1.0, 0.5]]), np.array([[1.0, 0.0]]), np.array([1.0, 0.0])
    for beyond in (False, True):
        np.testing.assert_array_equal(point_of_utility(x, y, w, 1.0, np.array([0.6]), beyond=beyond), x)
