"""sim/rules/war.py held to its formulas: the contest success function, attrition and resupply,
battle signals, belief learning and the power shift of a pause.

Every expected value is computed here from the formula the rule states; arrays carry a
leading world axis (W,) as the model passes them (belligerents first where there are several).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.rules.war import (
    balance,
    battle_signal,
    biased_fixed_point,
    fight,
    learn,
    loss_share,
    next_capability,
    pause_shift,
    side_strength,
)


def day_of(c, a, r, pr, i, shock, noise, floor):
    """next_capability after the day's loss_share, as `fight` composes them."""
    return next_capability(c, loss_share(a, i, shock, noise), r, pr, i, floor)


# ------------------------------------------------------------------------------ balance


def test_balance_is_the_contest_success_function():
    assert balance(1.0, 1.0) == pytest.approx(0.5)
    assert balance(2.0, 1.0) == pytest.approx(2.0 / 3.0)  # g = 1 by default
    assert balance(2.0, 1.0, 2.0) == pytest.approx(0.8)  # 4 / (4 + 1)
    assert balance(2.0, 1.0, 0.5) == pytest.approx(np.sqrt(2) / (np.sqrt(2) + 1))


def test_balance_per_world_and_per_world_decisiveness():
    a, b = np.array([1.0, 2.0, 3.0, 0.5]), np.array([1.0, 1.0, 2.0, 2.0])
    g = np.array([1.0, 2.0, 3.0, 0.5])
    np.testing.assert_allclose(balance(a, b, g), a**g / (a**g + b**g), rtol=1e-14)
    np.testing.assert_allclose(balance(a, b), a / (a + b), rtol=1e-14)
    # side B's chance is the complement: the function is antisymmetric in the sides
    np.testing.assert_allclose(balance(b, a, g), 1.0 - balance(a, b, g), rtol=1e-14)


def test_balance_at_decisiveness_one_is_exactly_the_share_of_strength():
    # no power is taken where g = 1: the same bits as c_A / (c_A + c_B), world by world
    rng = np.random.default_rng(2)
    a, b = rng.uniform(0.01, 3.0, 50), rng.uniform(0.01, 3.0, 50)
    g = np.where(np.arange(50) % 2 == 0, 1.0, 2.5)
    got = balance(a, b, g)
    one = g == 1.0
    np.testing.assert_array_equal(got[one], a[one] / (a[one] + b[one]))
    np.testing.assert_allclose(got[~one], a[~one] ** 2.5 / (a[~one] ** 2.5 + b[~one] ** 2.5), rtol=1e-14)


def test_more_decisive_war_favours_the_stronger_side_more():
    assert 0.5 < balance(2.0, 1.0, 0.5) < balance(2.0, 1.0, 1.0) < balance(2.0, 1.0, 3.0) < 1.0


# ------------------------------------------------------------------------ next_capability


def reference_capability(c, a, r, pr, i, shock, noise, floor):
    """c' = max(c (1 - min(a i max(1 + noise shock, 0), 1)) + r (i + (1 - i) pr), floor)."""
    loss = min(a * i * max(1.0 + noise * shock, 0.0), 1.0)
    return max(c * (1.0 - loss) + r * (i + (1.0 - i) * pr), floor)


@pytest.mark.parametrize("intensity", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("pause", [0.0, 2.0])
def test_next_capability_without_noise(intensity, pause):
    c, a, r, floor = 0.8, 0.05, 0.02, 1e-3
    got = day_of(c, a, r, pause, intensity, 0.7, 0.0, floor)
    want = max(c * (1 - a * intensity) + r * (intensity + (1 - intensity) * pause), floor)
    assert got == pytest.approx(want, rel=1e-14)


def test_next_capability_per_world_with_noise():
    c = np.array([1.0, 0.5, 2.0, 0.3, 1.0])
    a = np.array([0.01, 0.2, 0.05, 0.5, 0.1])
    r = np.array([0.0, 0.01, 0.03, 0.0, 0.02])
    pr = np.array([1.0, 0.0, 3.0, 2.0, 0.5])
    i = np.array([1.0, 0.4, 0.0, 1.0, 0.7])
    shock = np.array([0.5, -1.0, 2.0, 1.5, -0.3])
    got = day_of(c, a, r, pr, i, shock, 0.3, 1e-3)
    want = [reference_capability(*args, 0.3, 1e-3) for args in zip(c, a, r, pr, i, shock)]
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_loss_share_is_attrition_times_intensity_with_noise_held_in_zero_one():
    a = np.array([0.1, 0.1, 0.1, 0.5, 0.2])
    i = np.array([1.0, 0.5, 1.0, 1.0, 0.0])
    shock = np.array([1.0, -2.0, -10.0, 10.0, 3.0])
    # 0.1 (1 + 0.3); 0.05 (1 - 0.6); a shock below -1/noise: no loss; 0.5 (1 + 3) > 1: all; no fighting
    want = [0.13, 0.02, 0.0, 1.0, 0.0]
    np.testing.assert_allclose(loss_share(a, i, shock, 0.3), want, rtol=1e-14, atol=1e-17)


def test_a_large_negative_shock_costs_nothing_and_never_adds_strength():
    # 1 + noise * shock < 0: no loss that day, and no gain beyond resupply
    got = day_of(np.array([1.0, 1.0]), 0.1, 0.0, 1.0, 1.0, np.array([-10.0, -1.0 / 0.3]), 0.3, 0.0)
    np.testing.assert_allclose(got, [1.0, 1.0], rtol=1e-14)


def test_a_loss_above_everything_leaves_resupply_only():
    # a * i * (1 + noise * shock) = 0.5 * 1 * 5 > 1: the whole capability is lost, not more
    got = day_of(np.array([2.0]), 0.5, 0.04, 1.0, 1.0, np.array([40.0 / 3.0]), 0.3, 1e-3)
    np.testing.assert_allclose(got, [0.04], rtol=1e-12)


def test_capability_never_falls_below_the_floor():
    got = day_of(np.array([0.01, 0.5]), 0.9, 0.0, 1.0, 1.0, np.zeros(2), 0.0, 0.02)
    np.testing.assert_allclose(got, [0.02, 0.05], rtol=1e-14)


def test_resupply_in_a_pause_is_scaled_by_pause_resupply():
    # intensity 0 (full ceasefire): no attrition, resupply times the pause multiplier
    got = day_of(np.ones(3), 0.2, 0.01, np.array([0.0, 1.0, 4.0]), 0.0, np.zeros(3), 0.3, 0.0)
    np.testing.assert_allclose(got, [1.0, 1.01, 1.04], rtol=1e-14)


# -------------------------------------------------------------------- battles and learning


def test_a_battle_happens_with_probability_intensity_and_a_wins_with_p():
    p = np.array([0.3, 0.3, 0.6, 0.6, 0.0, 1.0])
    battle = np.array([0.29, 0.3, 0.59, 0.61, 0.0, 0.999])
    fighting = np.array([0.49, 0.5, 0.0, 0.0, 0.1, 0.1])
    intensity = np.array([0.5, 0.5, 0.0, 1.0, 1.0, 1.0])
    happened, a_won = battle_signal(p, battle, fighting, intensity)
    # draws are uniform on [0, 1): an event of probability q is `draw < q`
    np.testing.assert_array_equal(happened, [True, False, False, True, True, True])
    np.testing.assert_array_equal(a_won, [True, False, True, False, False, True])


def test_battle_frequencies_match_their_probabilities():
    rng = np.random.default_rng(5)
    n = 200_000
    happened, a_won = battle_signal(np.full(n, 0.7), rng.random(n), rng.random(n), np.full(n, 0.4))
    assert happened.mean() == pytest.approx(0.4, abs=0.005)
    assert a_won.mean() == pytest.approx(0.7, abs=0.005)


def test_learning_moves_a_share_lambda_toward_the_signal_only_after_a_battle():
    belief = np.array([0.2, 0.2, 0.9, 0.5])
    signal = np.array([True, False, False, True])
    happened = np.array([True, True, True, False])
    got = learn(belief, signal, happened, 0.25)
    want = [0.2 + 0.25 * (1 - 0.2), 0.2 + 0.25 * (0 - 0.2), 0.9 + 0.25 * (0 - 0.9), 0.5]
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_learning_rate_per_world():
    got = learn(np.full(3, 0.5), np.ones(3, bool), np.ones(3, bool), np.array([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(got, [0.5, 0.75, 1.0], rtol=1e-14)


def test_motivated_learning_slows_only_bad_news_by_one_minus_m_times_optimism():
    belief = np.full(4, 0.6)
    signal = np.array([True, False, False, False])
    optimism = np.array([0.5, 0.5, 0.0, 0.5])
    motivated = np.array([1.0, 1.0, 1.0, 0.0])
    got = learn(belief, signal, np.ones(4, bool), 0.2, optimism, motivated)
    want = [0.6 + 0.2 * 0.4,  # good news at the full rate
            0.6 - 0.2 * (1 - 0.5) * 0.6,  # bad news at lambda (1 - m o)
            0.6 - 0.2 * 0.6,  # no optimism: plain convergence
            0.6 - 0.2 * 0.6]  # m = 0: plain convergence
    np.testing.assert_allclose(got, want, rtol=1e-14)
    # m = 0 is the rule of before, bit for bit, whatever the optimism
    np.testing.assert_array_equal(learn(belief, signal, np.ones(4, bool), 0.2, optimism, 0.0),
                                  learn(belief, signal, np.ones(4, bool), 0.2))


def test_a_pessimist_learns_bad_news_faster_but_never_past_the_signal():
    got = learn(np.full(2, 0.5), np.zeros(2, bool), np.ones(2, bool), np.array([0.5, 0.9]), -1.0, 1.0)
    np.testing.assert_allclose(got, [0.0, 0.0], atol=1e-15)  # rates 1.0 and 1.8 -> clipped to 1


@pytest.mark.parametrize("P, o", [(0.5, 0.3), (0.3, 0.6), (0.7, 0.0)])
def test_motivated_beliefs_settle_at_the_biased_fixed_point(P, o):
    """Against a constant chance P of winning each battle, the average belief over a long
    run is P / (P + (1 - o)(1 - P)): above the truth by what optimism keeps out."""
    rng = np.random.default_rng(7)
    n, days, rate = 4000, 600, 0.05
    belief = np.full(n, 0.5)
    kept = []
    for day in range(days):
        belief = learn(belief, rng.random(n) < P, np.ones(n, bool), rate, o, 1.0)
        if day >= 200:
            kept.append(belief.mean())
    # the mean of p is not exactly the fixed point of E[step] (the rate differs by outcome), but
    # within a few thousandths for small lambda; the plain-convergence value is far from it for o > 0
    assert np.mean(kept) == pytest.approx(biased_fixed_point(P, o, 1.0), abs=0.01)
    assert biased_fixed_point(P, 0.0, 1.0) == pytest.approx(P)


# ----------------------------------------------------------------------------- pause_shift


def test_pause_shift_is_the_change_in_balance_after_days_of_resupply():
    a, b = np.array([1.0, 2.0, 0.5]), np.array([1.0, 1.0, 1.5])
    sa, sb = np.array([0.02, 0.0, 0.01]), np.array([0.01, 0.03, 0.01])
    for g in (1.0, 2.0):
        got = pause_shift(a, b, sa, sb, 30.0, g)
        later_a, later_b = (a + 30 * sa) ** g, (b + 30 * sb) ** g
        want = later_a / (later_a + later_b) - a**g / (a**g + b**g)
        np.testing.assert_allclose(got, want, rtol=1e-12)
    # g = 1 by default
    np.testing.assert_allclose(pause_shift(a, b, sa, sb, 30.0), (a + 30 * sa) / (a + 30 * sa + b + 30 * sb) - a / (a + b))


def test_the_side_that_resupplies_faster_gains_from_a_pause():
    strength = np.ones(3)
    shift = pause_shift(strength, strength, np.array([0.02, 0.01, 0.0]), np.array([0.01, 0.01, 0.02]), 30.0)
    assert shift[0] > 0 and shift[2] < 0
    assert shift[1] == pytest.approx(0.0, abs=1e-15)
    # no days, no shift; more days, more shift
    assert pause_shift(1.0, 1.0, 0.02, 0.01, 0.0) == pytest.approx(0.0, abs=1e-15)
    assert pause_shift(1.0, 1.0, 0.02, 0.01, 60.0) > pause_shift(1.0, 1.0, 0.02, 0.01, 30.0) > 0


# ------------------------------------------------------------------------ a day of war


def test_side_strength_sums_the_belligerents_of_a_side():
    capability = np.array([[1.0, 2.0], [0.5, 0.25], [3.0, 4.0]])  # (m, W): two on side 0, one on side 1
    side = np.array([0, 1, 0])
    np.testing.assert_array_equal(side_strength(capability, side, 0), [4.0, 6.0])
    np.testing.assert_array_equal(side_strength(capability, side, 1), [0.5, 0.25])


def test_a_day_of_war_is_fought_at_the_dawn_balance_then_moves_every_capability():
    """Three belligerents (two on side A), four worlds: every output from the formulas."""
    c = np.array([[1.0, 0.5, 2.0, 1.0], [0.6, 1.5, 0.5, 1.0], [0.4, 0.5, 1.0, 0.2]])  # (m, W); rows 0, 2 are side A
    side = np.array([0, 1, 0])
    att = np.array([[0.02], [0.05], [0.1]]) * np.ones(4)
    sup = np.array([[0.01], [0.03], [0.0]]) * np.ones(4)
    pause = np.array([[1.0], [2.0], [0.5]]) * np.ones(4)
    intensity = np.array([1.0, 0.5, 0.0, 1.0])
    shock = np.array([[0.5, -1.0, 2.0], [0.0, 1.0, -0.5], [1.0, 1.0, 1.0], [-4.0, 0.3, 0.0]])  # (W, m)
    battle_draw = np.array([0.3, 0.9, 0.1, 0.55])
    fighting_draw = np.array([0.2, 0.6, 0.0, 0.99])
    g, noise, floor = np.array([1.0, 2.0, 1.0, 0.5]), 0.3, 1e-3
    day = fight(c, side, att, sup, pause, intensity, shock, battle_draw, fighting_draw, g, noise, floor)
    strength_a, strength_b = c[0] + c[2], c[1]
    p = strength_a**g / (strength_a**g + strength_b**g)
    np.testing.assert_allclose(day.balance, p, rtol=1e-14)
    np.testing.assert_array_equal(day.happened, fighting_draw < intensity)
    np.testing.assert_array_equal(day.a_won, battle_draw < p)
    for j in range(3):
        for w in range(4):
            args = (c[j, w], att[j, w], sup[j, w], pause[j, w], intensity[w], shock[w, j], noise, floor)
            assert day.capability[j, w] == pytest.approx(reference_capability(*args), rel=1e-14)
            lost = c[j, w] * min(att[j, w] * intensity[w] * max(1 + noise * shock[w, j], 0.0), 1.0)
            assert day.lost[j, w] == pytest.approx(lost, rel=1e-14, abs=1e-300)
    assert day.balance[0] == pytest.approx(1.4 / 2.0)  # (1 + 0.4) / (1 + 0.4 + 0.6)


def test_a_day_of_war_never_leaves_a_capability_below_the_floor():
    """A loss share of 0.9 takes 0.05 to 0.005 and 1.0 to 0.1: the floor 0.04 binds only the first."""
    c = np.array([[0.05, 1.0], [1.0, 0.05]])  # (m, W): one belligerent a side
    day = fight(c, np.array([0, 1]), np.full((2, 2), 0.9), np.zeros((2, 2)), np.ones((2, 2)), np.ones(2),
                np.zeros((2, 2)), np.zeros(2), np.zeros(2), 1.0, 0.3, 0.04)
    np.testing.assert_allclose(day.capability, [[0.04, 0.1], [0.1, 0.04]], rtol=1e-14)
