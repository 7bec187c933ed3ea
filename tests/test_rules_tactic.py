"""sim/rules/tactic.py held to its formulas, world by world: Faratin's time-dependent curve, the
reciprocal (tit-for-tat) step, Rubinstein's equilibrium demand, the choice of tactic per
world and war-driven aspirations. (The published closed forms themselves are in
test_closed_forms.py.)"""

from __future__ import annotations

import numpy as np
import pytest
from oracles import tactic_params
from rubinstein_oracle import alternating_offers, equilibrium_share

from sim.rules.tactic import (
    TACTICS,
    Faratin,
    Reciprocal,
    Ripeness,
    Rubinstein,
    Tactic,
    TacticState,
    aspiration,
    aspiration_from_alpha,
    faratin_alpha,
    rubinstein_share,
    war_driven,
)
from sim.schema.config import TacticConfig

FARATIN, RECIPROCAL, RUBINSTEIN = (list(TACTICS).index(name) for name in ("faratin", "reciprocal", "rubinstein"))


def state(round_index, war_value, last=1.0, opponent_last=1.0, opponent_before=1.0, opponent_war_value=0.0,
          first_mover=True, opponent_discount=0.9):
    """A TacticState of (W,) arrays; scalars are spread over the worlds of `round_index`."""
    r = np.asarray(round_index)
    spread = lambda v, dtype=float: np.broadcast_to(np.asarray(v, dtype=dtype), r.shape).copy()  # noqa: E731
    return TacticState(r, spread(war_value), spread(last), spread(opponent_last), spread(opponent_before),
                       spread(opponent_war_value), spread(first_mover, bool), spread(opponent_discount))


def test_faratin_alpha_k_defaults_to_zero_and_works_per_world():
    r = np.array([0, 3, 5, 8, 12])
    np.testing.assert_allclose(faratin_alpha(r, 10, 2.0), (np.minimum(r, 10) / 10) ** 0.5, rtol=1e-14)
    deadline, beta, k = np.array([4, 10, 6, 8, 12]), np.array([0.3, 1.0, 5.0, 2.0, 1.0]), np.array([0.0, 0.1, 0.2, 0.0, 0.5])
    want = k + (1 - k) * (np.minimum(r, deadline) / deadline) ** (1 / beta)
    np.testing.assert_allclose(faratin_alpha(r, deadline, beta, k), want, rtol=1e-14)
    np.testing.assert_allclose(aspiration_from_alpha(want, np.full(5, 0.3)), 0.3 + 0.7 * (1 - want), rtol=1e-14)


def test_faratin_tactic_reaches_the_war_value_at_the_deadline_and_stays():
    v = np.array([0.2, 0.35, 0.5, 0.6])
    got = Faratin.aspiration(state(np.array([0, 2, 4, 9]), v), tactic_params(4, FARATIN, beta=0.5, deadline=4, k=0.0))
    np.testing.assert_allclose(got, [1.0, 0.35 + 0.65 * (1 - 0.5**2), 0.5, 0.6], rtol=1e-14)


def test_faratin_parameters_per_world():
    # the same round in four worlds, each with its own beta, deadline and k
    beta, deadline, k = np.array([0.5, 2.0, 1.0, 1.0]), np.array([4, 4, 8, 2]), np.array([0.0, 0.0, 0.25, 0.0])
    v = np.full(4, 0.2)
    got = Faratin.aspiration(state(np.full(4, 2), v), tactic_params(4, FARATIN, beta=beta, deadline=deadline, k=k))
    alpha = np.array([0.5**2, 0.5**0.5, 0.25 + 0.75 * 0.25, 1.0])
    np.testing.assert_allclose(got, 0.2 + 0.8 * (1 - alpha), rtol=1e-14)


def test_reciprocal_per_world():
    s = state(
        round_index=np.array([0, 1, 2, 3, 4]),
        war_value=np.array([0.2, 0.2, 0.2, 0.5, 0.2]),
        last=np.array([1.0, 0.9, 0.8, 0.55, 0.6]),
        opponent_last=np.array([0.3, 0.7, 0.76, 0.5, 0.4]),
        opponent_before=np.array([0.9, 0.8, 0.75, 0.7, 0.65]),
    )
    # first round: its own opening step, whatever the opponent did; then the opponent's
    # last step (none for a retreat), never below its war value
    want = [1.0 - 0.05, 0.9 - 0.1, 0.8, 0.5, 0.6 - 0.25]
    np.testing.assert_allclose(Reciprocal.aspiration(s, tactic_params(5, RECIPROCAL, first_step=0.05)), want, rtol=1e-12)
    # the opening step may differ between worlds; later rounds do not read it
    steps = np.array([0.05, 0.3, 0.3, 0.3, 0.3])
    np.testing.assert_allclose(Reciprocal.aspiration(s, tactic_params(5, RECIPROCAL, first_step=steps)), want, rtol=1e-12)
    first = state(np.zeros(3, int), 0.1)
    np.testing.assert_allclose(Reciprocal.aspiration(first, tactic_params(3, RECIPROCAL, first_step=[0.0, 0.2, 0.95])),
                               [1.0, 0.8, 0.1], rtol=1e-12)


@pytest.mark.parametrize("d1,d2", [(0.9, 0.8), (0.5, 0.95), (0.99, 0.6)])
def test_rubinstein_demand_is_war_value_plus_its_share_of_the_surplus(d1, d2):
    v_a, v_b = np.array([0.1, 0.3, 0.0, 0.6]), np.array([0.2, 0.1, 0.0, 0.7])  # the last: no surplus
    a = Rubinstein.aspiration(state(np.arange(4), v_a, opponent_war_value=v_b, first_mover=True, opponent_discount=d2),
                              tactic_params(4, RUBINSTEIN, discount=d1))
    b = Rubinstein.aspiration(state(np.arange(4), v_b, opponent_war_value=v_a, first_mover=False, opponent_discount=d1),
                              tactic_params(4, RUBINSTEIN, discount=d2))
    share, _ = alternating_offers(d1, d2)  # the first proposer's share, from the game played out
    surplus = np.maximum(1 - v_a - v_b, 0.0)
    np.testing.assert_allclose(a, v_a + share * surplus, rtol=1e-12)
    np.testing.assert_allclose(b, v_b + (1 - share) * surplus, rtol=1e-12)
    # the demands split the surplus exactly, and add up to the whole where there is one
    np.testing.assert_allclose((a + b)[:3], 1.0, rtol=1e-12)
    np.testing.assert_allclose((a + b)[3], v_a[3] + v_b[3], rtol=1e-12)


def test_rubinstein_order_and_opponent_discount_per_world():
    # four worlds: first or second mover, against an equally patient or a less patient opponent
    d = 0.8
    first = np.array([True, False, True, False])
    theirs = np.array([d, d, 0.5, 0.5])
    got = Rubinstein.share(np.full(4, d), theirs, first)
    want = [1 / (1 + d), d / (1 + d), equilibrium_share(d, 0.5), 1 - equilibrium_share(0.5, d)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    s = state(np.zeros(4, int), 0.2, opponent_war_value=0.3, first_mover=first, opponent_discount=theirs)
    np.testing.assert_allclose(Rubinstein.aspiration(s, tactic_params(4, RUBINSTEIN, discount=d)),
                               0.2 + np.array(want) * 0.5, rtol=1e-12)


def test_rubinstein_share_per_world():
    d1, d2 = np.array([0.9, 0.5, 0.99]), np.array([0.8, 0.95, 0.6])
    want = [equilibrium_share(a, b) for a, b in zip(d1, d2)]
    np.testing.assert_allclose(rubinstein_share(d1, d2), want, rtol=1e-12)


# ------------------------------------------------------------------ the tactic of each world


def test_each_world_plays_its_own_tactic():
    codes = np.array([FARATIN, RECIPROCAL, RUBINSTEIN, FARATIN, RUBINSTEIN])
    p = tactic_params(5, codes, beta=1.0, deadline=4, first_step=0.1, discount=0.9)
    s = state(np.full(5, 1), 0.2, last=0.9, opponent_last=0.7, opponent_before=0.8, opponent_war_value=0.3,
              opponent_discount=0.9)
    faratin = 0.2 + 0.8 * (1 - 1 / 4)  # alpha = 1/4 at round 1 of 4, beta = 1
    reciprocal = 0.9 - 0.1  # the opponent's last step
    rubinstein = 0.2 + 1 / 1.9 * 0.5  # first mover, equal discounts: share 1 / (1 + d)
    np.testing.assert_allclose(aspiration(s, p), [faratin, reciprocal, rubinstein, faratin, rubinstein], rtol=1e-12)


@pytest.mark.parametrize("name", list(TACTICS))
def test_one_tactic_everywhere_is_that_tactics_aspiration_in_every_world(name):
    code = list(TACTICS).index(name)
    s = state(np.arange(3), np.array([0.1, 0.3, 0.5]), last=0.95, opponent_last=0.6, opponent_before=0.7,
              opponent_war_value=0.2)
    p = tactic_params(3, code, beta=2.0, deadline=5)
    got = aspiration(s, p)
    assert got.shape == (3,)
    np.testing.assert_array_equal(got, TACTICS[name].aspiration(s, p))


def test_war_driven_aspirations_move_by_eta_times_the_change_in_war_value():
    base = np.array([0.8, 0.8, 0.6, 0.7])
    change = np.array([0.1, -0.05, np.nan, 0.2])  # NaN: its first round, no change known
    eta = np.array([1.0, 2.0, 3.0, 0.0])
    np.testing.assert_allclose(war_driven(base, change, eta), [0.9, 0.7, 0.6, 0.7], rtol=1e-14)


def test_tactics_are_registered_by_name_with_their_source_and_parameters():
    assert TACTICS == {"faratin": Faratin, "reciprocal": Reciprocal, "rubinstein": Rubinstein, "ripeness": Ripeness}
    assert all(t.name == name for name, t in TACTICS.items())
    assert {t.reference for t in TACTICS.values()} == {"Faratin1998", "Rubinstein1982", "Zartman2000"}
    # each reads only `tactic.*` keys the config has
    keys = set(TacticConfig.__dataclass_fields__)
    assert all(set(t.parameters) <= keys for t in TACTICS.values())
    assert Faratin.parameters == ("beta", "deadline", "k")
    with pytest.raises(NotImplementedError):
        Tactic.aspiration(state(np.array([0]), 0.5), tactic_params(1))
