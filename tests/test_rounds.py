"""Formats, packages, requests, guarantors, leverage and breakdown (docs/model.md, submodels)."""

from __future__ import annotations

import signal

import numpy as np
import pandas as pd
import pytest
from conftest import make_cfg
from omegaconf import open_dict
from oracles import tactic_params

from sim import simulate
from sim.rules.proposal import tilt
from sim.rules.tactic import TACTICS, Reciprocal, TacticState
from sim.schema.config import PartyConfig, TacticConfig


def agreed_rows(res) -> pd.DataFrame:
    return res.rounds[res.rounds["agreed"]].drop_duplicates(["replication", "round", "issue"])


def test_a_format_settles_only_issues_within_its_reach():
    cfg = make_cfg("replications=100")
    res = simulate(cfg)
    reach = {f.name: spec.max_salience for f, spec in cfg.mediator.formats.items()}
    top = {i: max(p.salience[i] for p in cfg.scenario.parties.values()) for i in cfg.scenario.issues}
    rows = agreed_rows(res)
    assert len(rows) > 0
    assert all(top[str(i)] <= reach[str(f)] for i, f in zip(rows["issue"], rows["format"]))


def test_package_items_are_agreed_together_and_only_by_leaders():
    cfg = make_cfg("replications=100", "scenario.parties.russia.format_conditions.leaders=1.0")
    res = simulate(cfg)
    package = [i for i, spec in cfg.scenario.issues.items() if spec.protocol.name == "package"]
    rows = agreed_rows(res)
    in_pkg = rows[rows["issue"].isin(package)]
    assert len(in_pkg) > 0
    assert (in_pkg["format"] == "leaders").all()
    per_round = in_pkg.groupby(["replication", "round"])["issue"].nunique()
    assert (per_round == len(package)).all()


def test_a_request_is_granted_only_if_every_party_attends():
    refused = simulate(make_cfg("replications=20"))
    first = refused.rounds[refused.rounds["round"] == 1]
    assert (first["format"] == "delegation").all()
    granted = simulate(make_cfg("replications=20", "scenario.parties.russia.format_conditions.leaders=1.0"))
    first = granted.rounds[granted.rounds["round"] == 1]
    assert (first["format"] == "leaders").all()


def guarantor_cfg():
    """The symmetric dyad plus an obstinate guarantor on side A that does not fight."""
    cfg = make_cfg("scenario=symmetric_dyad", "replications=30")
    with open_dict(cfg):
        cfg.scenario.parties.c = PartyConfig(
            side="A", belligerent=False, ideal={"border": 1.0}, salience={"border": 1.0},
            tactic=TacticConfig(name="faratin", beta=0.05, deadline=50),
        )
    return cfg


def test_a_guarantor_must_accept_the_terms_that_concern_it():
    res = simulate(guarantor_cfg())
    rows = res.rounds[res.rounds["on_table"]]
    # the obstinate guarantor says no in every round, so nothing is ever agreed ...
    assert not rows.loc[rows["party"] == "c", "answer"].astype(bool).any()
    assert not res.outcomes["agreed"].any()
    # ... while without it the two belligerents agree
    assert simulate(make_cfg("scenario=symmetric_dyad", "replications=30")).outcomes["agreed"].all()


def test_pressure_lowers_the_pressed_partys_war_value():
    plain = simulate(make_cfg("replications=30"))
    pressed = simulate(make_cfg("replications=30", "+mediator.pressure.russia=0.003"))
    v = lambda r: r.rounds[(r.rounds["party"] == "russia") & (r.rounds["round"] == 1)]["war_value"].to_numpy()  # noqa: E731
    assert np.allclose(v(plain) - v(pressed), 0.003 * make_cfg().scenario.parties.russia.horizon)


def test_a_guarantee_makes_its_term_more_acceptable():
    base = ["replications=100", "record.timeline=false"]
    plain = simulate(make_cfg(*base, "scenario.parties.russia.format_conditions.leaders=1.0"))
    backed = simulate(make_cfg(*base, "scenario.parties.russia.format_conditions.leaders=1.0",
                               "+mediator.guarantees.ukraine={neutrality: 0.3}"))

    def yes_rate(res):
        r = res.rounds
        return r.loc[(r["party"] == "ukraine") & (r["issue"] == "neutrality") & r["on_table"], "answer"].astype(bool).mean()

    assert yes_rate(backed) > yes_rate(plain)


def test_an_item_that_always_breaks_down_never_holds_and_reopens():
    # the scenario's Mariupol events set the corridors' breakdown themselves: off here
    res = simulate(make_cfg("replications=50", "scenario.issues.corridors.breakdown=1.0",
                            "scenario.events.mariupol_shelling.enabled=false",
                            "scenario.events.mariupol_shelling_ends.enabled=false"))
    corridors = res.outcomes[res.outcomes["issue"] == "corridors"].set_index("replication")
    # a world where everything is settled is frozen (its war is over); elsewhere it collapses
    over = res.outcomes.groupby("replication")["held"].all()
    assert corridors["agreed"].all()
    assert not corridors.loc[~over, "held"].any()
    assert (corridors.loc[~over, "breakdowns"] == corridors.loc[~over, "times_agreed"]).all()
    assert (corridors["times_agreed"] > 1).any()  # agreed again after collapsing


def test_reciprocal_concedes_what_the_opponent_conceded():
    params = tactic_params(1, list(TACTICS).index("reciprocal"), first_step=0.05)
    state = lambda r, last, o_last, o_before: TacticState(  # noqa: E731
        round_index=np.array([r]), war_value=np.array([0.2]), last=np.array([last]),
        opponent_last=np.array([o_last]), opponent_before=np.array([o_before]), opponent_war_value=np.array([0.2]),
        first_mover=np.array([True]), opponent_discount=np.array([0.9]),
    )
    aspiration = lambda *a: Reciprocal.aspiration(state(*a), params)[0]  # noqa: E731
    assert aspiration(0, 1.0, 1.0, 1.0) == 1.0 - 0.05
    assert np.isclose(aspiration(3, 0.8, 0.7, 0.75), 0.8 - 0.05)
    assert aspiration(3, 0.8, 0.76, 0.75) == 0.8  # no concession for a retreat
    assert aspiration(3, 0.25, 0.1, 0.5) == 0.2  # never below the war value


def test_bias_moves_terms_toward_the_favoured_party_by_its_share():
    terms, ours, theirs = np.array([[0.5]]), np.array([[0.9]]), np.array([[0.1]])
    assert np.isclose(tilt(terms, ours, theirs, 0.25)[0, 0], 0.5 + 0.25 * 0.4)
    assert np.isclose(tilt(terms, ours, theirs, -0.5)[0, 0], 0.5 - 0.5 * 0.4)
    assert tilt(terms, ours, theirs, 1.0)[0, 0] == 0.9


def test_format_choice_ends_when_worlds_differ_and_each_world_is_its_own():
    # Some worlds are refused the delegation format while others attend ministers: the
    # choice must settle per world (it once looped forever) and not depend on the others.
    overrides = [
        "scenario.calendar=[{day: 4, format: ministers}, {day: 7, format: ministers}, {day: 11, format: ministers}]",
        "scenario.policy.escalate_after=0", "+scenario.parties.russia.format_conditions.delegation=0.7",
        "scenario.parties.russia.format_conditions.leaders=0.7",
    ]
    def too_long(*_):
        raise TimeoutError("the format choice does not end")

    signal.signal(signal.SIGALRM, too_long)
    signal.alarm(60)
    try:
        ensemble = simulate(make_cfg("replications=40", *overrides))
    finally:
        signal.alarm(0)
    for r in (0, 3, 17):
        alone = simulate(make_cfg("replications=40", *overrides), replication_ids=[r])
        mine = ensemble.outcomes[ensemble.outcomes["replication"] == r].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone.outcomes, mine)


def test_pressure_is_paid_from_its_first_day_on():
    # no rounds, so the war is fought at full intensity every day
    base = ["scenario=symmetric_dyad", "replications=5", "scenario.calendar=[]", "scenario.policy.interval=0"]
    plain = simulate(make_cfg(*base)).timeline
    pressed = simulate(make_cfg(*base, "+mediator.pressure.a=0.01", "mediator.leverage_from_day=10")).timeline
    extra = (pressed["cost_a"] - plain["cost_a"]).to_numpy()
    # the timeline row of day d holds the costs of days 0..d-1
    expected = 0.01 * np.maximum(plain["day"].to_numpy() - 10, 0)
    assert np.allclose(extra, expected)
    assert np.allclose(pressed["cost_b"], plain["cost_b"])


def test_war_value_in_the_rounds_table_is_fearons_formula_on_that_days_beliefs():
    cfg = make_cfg("scenario=symmetric_dyad", "replications=30", "scenario.parties.a.optimism=0.2")
    res = simulate(cfg)
    rows = res.rounds.merge(res.timeline, on=["replication", "day"])
    for name, p in cfg.scenario.parties.items():
        mine = rows[rows["party"] == name]
        # one issue, ideals at 1 and 0: U(own terms) = 1, U(their terms) = 0
        expected = mine[f"belief_{name}"] * 1.0 + (1 - mine[f"belief_{name}"]) * 0.0 - p.cost * p.horizon
        assert np.allclose(mine["war_value"], expected)


def test_a_rubinstein_pair_agrees_at_once_on_the_equilibrium_split_of_the_surplus():
    d_a, d_b = 0.9, 0.8
    res = simulate(make_cfg("scenario=symmetric_dyad", "replications=100",
                            f"scenario.parties.a.tactic={{name: rubinstein, discount: {d_a}}}",
                            f"scenario.parties.b.tactic={{name: rubinstein, discount: {d_b}}}"))
    out = res.outcomes.set_index("replication")
    assert (out["round"] == 2).all()  # the first round whose format covers the issue
    v = res.rounds[res.rounds["round"] == 2].pivot(index="replication", columns="party", values="war_value")
    share = (1 - d_b) / (1 - d_a * d_b)  # side A proposes first
    expected = v["a"] + share * (1 - v["a"] - v["b"])
    assert np.allclose(out.loc[v.index, "terms"], expected)


def test_ripeness_is_the_faratin_curve_in_the_wars_hurt_over_its_budget():
    from sim.rules.tactic import Ripeness, hurt_today

    params = tactic_params(3, list(TACTICS).index("ripeness"), beta=0.5, k=0.1, budget=0.04)
    hurt, value = np.array([0.0, 0.01, 0.08]), np.array([0.2, 0.2, 0.3])
    state = TacticState(round_index=np.array([9, 0, 3]), war_value=value, last=np.ones(3), opponent_last=np.ones(3),
                        opponent_before=np.ones(3), opponent_war_value=value, first_mover=np.ones(3, bool),
                        opponent_discount=np.full(3, 0.9), hurt=hurt)
    alpha = 0.1 + 0.9 * np.array([0.0, (0.01 / 0.04) ** 2, 1.0])  # k + (1 - k)(min(H, B) / B)^(1/beta)
    np.testing.assert_allclose(Ripeness.aspiration(state, params), value + (1 - value) * (1 - alpha), rtol=1e-12)
    # a day hurts by its cost at an even belief, not at all to a party sure to win, twice to one sure to lose
    np.testing.assert_allclose(hurt_today(np.array([0.01, 0.01, 0.01]), np.array([0.5, 1.0, 0.0])), [0.01, 0.0, 0.02])


NO_DEAL = ("mediator.formats.delegation.max_salience=0", "mediator.formats.ministers.max_salience=0",
           "mediator.formats.leaders.max_salience=0", "record.timeline=false", "replications=30",
           "scenario.mechanisms.war_driven_aspirations.enabled=false")  # its eta moves demands by the change since the last round


@pytest.mark.parametrize("name", ["ripeness", "faratin", "the 2022 default"])
def test_more_rounds_give_more_chances_never_by_themselves_more_concession(name):
    """The same worlds with twice the rounds (a round every 3 days, not 6) reach the same
    aspirations on the same days under the war-driven tactic, which the 2022 scenario plays
    as it ships (every mechanism as it is set there); the calendar's tactic concedes by the
    round, so there it is the rounds that move it."""
    if name == "the 2022 default":
        cfg = make_cfg()
        assert {str(p.tactic.name) for p in cfg.scenario.parties.values()} == {"ripeness"}
        setup = [o for o in NO_DEAL if "war_driven" not in o]
    else:
        setup = [*NO_DEAL, *(f"scenario.parties.{p}.tactic.name={name}" for p in ("russia", "ukraine"))]
    few = simulate(make_cfg(*setup, "scenario.policy.interval=6")).rounds
    many = simulate(make_cfg(*setup, "scenario.policy.interval=3")).rounds
    assert many["round"].max() > 1.6 * few["round"].max()
    keys = ["replication", "day", "party", "issue"]
    both = few.merge(many, on=keys, suffixes=("_few", "_many"))
    assert both["day"].nunique() >= 10
    if name != "faratin":
        np.testing.assert_array_equal(both["aspiration_few"], both["aspiration_many"])
        assert (both["aspiration_few"] < 1).any()  # and the war did move it
    else:
        assert (both["aspiration_many"] < both["aspiration_few"] - 1e-9).any()
