"""sim/tactic.py held to its formulas, world by world: Faratin's time-dependent curve, the
reciprocal (tit-for-tat) step, and Rubinstein's equilibrium demand with its defaults.
(The published closed forms themselves are in test_closed_forms.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from rubinstein_oracle import alternating_offers, equilibrium_share
from sim.config import TacticConfig
from sim.tactic import (
    TACTICS,
    Faratin,
    Reciprocal,
    Rubinstein,
    Tactic,
    TacticState,
    aspiration_from_alpha,
    faratin_alpha,
    rubinstein_share,
)


def state(round_index, war_value, last=1.0, opponent_last=1.0, opponent_before=1.0, opponent_war_value=0.0):
    """A TacticState of (R,) arrays; scalars are spread over the worlds of `round_index`."""
    r = np.asarray(round_index)
    spread = lambda v: np.broadcast_to(np.asarray(v, dtype=float), r.shape).copy()  # noqa: E731
    return TacticState(r, spread(war_value), spread(last), spread(opponent_last), spread(opponent_before),
                       spread(opponent_war_value))


def test_faratin_alpha_k_defaults_to_zero_and_works_per_world():
    r = np.array([0, 3, 5, 8, 12])
    np.testing.assert_allclose(faratin_alpha(r, 10, 2.0), (np.minimum(r, 10) / 10) ** 0.5, rtol=1e-14)
    deadline, beta, k = np.array([4, 10, 6, 8, 12]), np.array([0.3, 1.0, 5.0, 2.0, 1.0]), np.array([0.0, 0.1, 0.2, 0.0, 0.5])
    want = k + (1 - k) * (np.minimum(r, deadline) / deadline) ** (1 / beta)
    np.testing.assert_allclose(faratin_alpha(r, deadline, beta, k), want, rtol=1e-14)
    np.testing.assert_allclose(aspiration_from_alpha(want, np.full(5, 0.3)), 0.3 + 0.7 * (1 - want), rtol=1e-14)


def test_faratin_tactic_reaches_the_war_value_at_the_deadline_and_stays():
    tactic = Faratin(TacticConfig(name="faratin", beta=0.5, deadline=4, k=0.0))
    v = np.array([0.2, 0.35, 0.5, 0.6])
    got = tactic.aspiration(state(np.array([0, 2, 4, 9]), v))
    np.testing.assert_allclose(got, [1.0, 0.35 + 0.65 * (1 - 0.5**2), 0.5, 0.6], rtol=1e-14)


def test_reciprocal_per_world():
    tactic = Reciprocal(TacticConfig(name="reciprocal", first_step=0.05))
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
    np.testing.assert_allclose(tactic.aspiration(s), want, rtol=1e-12)


@pytest.mark.parametrize("d1,d2", [(0.9, 0.8), (0.5, 0.95), (0.99, 0.6)])
def test_rubinstein_demand_is_war_value_plus_its_share_of_the_surplus(d1, d2):
    first = Rubinstein(TacticConfig(name="rubinstein", discount=d1), first_mover=True, opponent_discount=d2)
    second = Rubinstein(TacticConfig(name="rubinstein", discount=d2), first_mover=False, opponent_discount=d1)
    v_a, v_b = np.array([0.1, 0.3, 0.0, 0.6]), np.array([0.2, 0.1, 0.0, 0.7])  # the last: no surplus
    a = first.aspiration(state(np.arange(4), v_a, opponent_war_value=v_b))
    b = second.aspiration(state(np.arange(4), v_b, opponent_war_value=v_a))
    share, _ = alternating_offers(d1, d2)  # the first proposer's share, from the game played out
    surplus = np.maximum(1 - v_a - v_b, 0.0)
    np.testing.assert_allclose(a, v_a + share * surplus, rtol=1e-12)
    np.testing.assert_allclose(b, v_b + (1 - share) * surplus, rtol=1e-12)
    # the demands split the surplus exactly, and add up to the whole where there is one
    np.testing.assert_allclose((a + b)[:3], 1.0, rtol=1e-12)
    np.testing.assert_allclose((a + b)[3], v_a[3] + v_b[3], rtol=1e-12)


def test_rubinstein_defaults_first_mover_against_an_equally_patient_opponent():
    d = 0.8
    tactic = Rubinstein(TacticConfig(name="rubinstein", discount=d))
    assert tactic.first_mover is True
    assert tactic.opponent_discount == d
    assert tactic.share() == pytest.approx(equilibrium_share(d, d), rel=1e-12)  # = 1 / (1 + d)
    assert tactic.share() == pytest.approx(1 / (1 + d), rel=1e-12)
    # only the opponent's discount given, or only the order
    assert Rubinstein(TacticConfig(discount=d), opponent_discount=0.5).share() == pytest.approx(equilibrium_share(d, 0.5))
    assert Rubinstein(TacticConfig(discount=d), first_mover=False).share() == pytest.approx(d / (1 + d))


def test_rubinstein_share_per_world():
    d1, d2 = np.array([0.9, 0.5, 0.99]), np.array([0.8, 0.95, 0.6])
    want = [equilibrium_share(a, b) for a, b in zip(d1, d2)]
    np.testing.assert_allclose(rubinstein_share(d1, d2), want, rtol=1e-12)


def test_tactics_are_registered_by_name_and_show_their_config():
    assert TACTICS == {"faratin": Faratin, "reciprocal": Reciprocal, "rubinstein": Rubinstein}
    cfg = TacticConfig(name="reciprocal", first_step=0.1)
    assert repr(Reciprocal(cfg)) == f"Reciprocal({cfg})"
    assert Reciprocal(cfg).cfg is cfg
    with pytest.raises(NotImplementedError):
        Tactic(cfg).aspiration(state(np.array([0]), 0.5))
