"""Several parties per side: patrons, allies, direct talks, suspensions and side deals
(docs/model.md, "Allies, patrons and who decides"). Each rule is held to its formula on
small configs, and every capability, switched off, leaves the 2022 tables as they are."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_cfg, negsim, one_line_error
from omegaconf import open_dict

from sim import simulate
from sim.agents.model import NegotiationModel
from sim.schema.checks import validate
from sim.schema.config import EventConfig, IssueConfig, PartyConfig, TacticConfig, to_config
from sim.worlds.resolve import resolve

DYAD = ("scenario=symmetric_dyad", "replications=20")


def model_of(cfg) -> NegotiationModel:
    config = validate(to_config(cfg))
    W = config.replications
    return NegotiationModel(config, resolve(config, np.zeros(W, dtype=int), np.arange(W)))


def with_party(cfg, name: str, **fields):
    with open_dict(cfg):
        cfg.scenario.parties[name] = PartyConfig(**fields)
    return cfg


def patron(ideal: float, influence: float, resupply: float = 0.0, side: str = "A") -> dict:
    return dict(side=side, role="patron", belligerent=False, ideal={"border": ideal}, salience={"border": 1.0},
                capability=0.0, resupply=resupply, influence=influence, tactic=TacticConfig(name="faratin"))


# -- switched off: the 2022 tables exactly as they were ----------------------------------------

def test_allies_and_patrons_switched_off_leave_the_2022_tables_as_they_are():
    """Belarus as an ally of Russia that never spoils, the United States as a patron of Ukraine
    with no pull and no supply: every column of the 2022 tables is what it is without them."""
    base = simulate(make_cfg("replications=40"))
    cfg = make_cfg("replications=40")
    ideal = dict(cfg.scenario.parties.ukraine.ideal)
    salience = dict(cfg.scenario.parties.ukraine.salience)
    with_party(cfg, "belarus", side="A", role="ally", belligerent=False, ideal=dict(cfg.scenario.parties.russia.ideal),
               salience=dict(cfg.scenario.parties.russia.salience), spoil=0.0)
    with_party(cfg, "usa", side="B", role="patron", belligerent=False, ideal=ideal, salience=salience, influence=0.0)
    more = simulate(cfg)
    for name in ("outcomes", "worlds", "timeline", "rounds"):
        a, b = getattr(base, name), getattr(more, name)
        if name == "rounds":  # the new parties' rows are added; the others' are the same
            b = b[b["party"].isin(["russia", "ukraine"])].reset_index(drop=True)
            b["party"] = b["party"].cat.remove_unused_categories()
        assert len(a) == len(b), name
        pd.testing.assert_frame_equal(a, b[a.columns], check_categorical=False, obj=name)


# -- patrons --------------------------------------------------------------------------------

@pytest.mark.parametrize("w", [0.0, 0.25, 0.5, 1.0])
def test_a_patron_pulls_its_sides_first_position_by_its_influence(w):
    """(1 - w) x + w x_patron: side A's opening 1 and a patron at 0 give 1 - w in round 1."""
    res = simulate(with_party(make_cfg(*DYAD), "p", **patron(0.0, w)))
    first = res.rounds[(res.rounds["round"] == 1) & (res.rounds["party"] == "a")]
    np.testing.assert_allclose(first["position"], 1.0 - w, atol=1e-12)


def test_a_patrons_supply_goes_to_its_sides_first_belligerent():
    m = model_of(with_party(make_cfg(*DYAD), "p", **patron(1.0, 0.0, resupply=0.02)))
    np.testing.assert_allclose(m.supply(), [[0.01 + 0.02] * 20, [0.01] * 20])


def test_a_patrons_answer_counts_by_its_influence():
    """A patron whose every item falls short of its war value by far outweighs, at w = 1, a
    table party that would accept: side A then agrees to nothing."""
    plain = simulate(make_cfg(*DYAD))
    assert plain.outcomes["agreed"].all()
    vetoed = simulate(with_party(make_cfg(*DYAD), "p", **patron(1.0, 1.0) | {"cost": 0.0, "horizon": 0.0}))
    assert not vetoed.outcomes["agreed"].any()


def test_a_patron_shock_moves_its_sides_positions_from_its_day_on():
    """An event that sets the patron's ideal on day 12 moves side A's positions in the rounds
    after it, not before."""
    cfg = with_party(make_cfg(*DYAD, "scenario.days=40"), "p", **patron(1.0, 0.5))
    base = simulate(cfg)
    with open_dict(cfg):
        cfg.scenario.events["new_leader"] = EventConfig(day=12, set={"scenario.parties.p.ideal.border": 0.0})
    shocked = simulate(cfg)
    pos = lambda r: r.rounds[r.rounds["party"] == "a"].set_index(["replication", "round"])[["day", "position"]]  # noqa: E731
    both = pos(base).merge(pos(shocked), left_index=True, right_index=True, suffixes=("", "_shocked"))
    early = both["day"] < 12
    np.testing.assert_array_equal(both.loc[early, "position"], both.loc[early, "position_shocked"])
    assert (both.loc[~early, "position_shocked"] < both.loc[~early, "position"] - 1e-9).any()


# -- allies -----------------------------------------------------------------------------------

def test_the_spoil_hazard_of_several_allies_is_one_less_the_product_of_their_misses():
    cfg = make_cfg(*DYAD)
    for name, s in (("x", 0.1), ("y", 0.3)):
        with_party(cfg, name, side="B", role="ally", belligerent=False, ideal={"border": 0.0}, salience={"border": 1.0}, spoil=s)
    m = model_of(cfg)
    m.opposed[0, :, 0], m.opposed[1, :10, 0] = True, True
    hazard = m.spoil_hazard()[:, 0]
    np.testing.assert_allclose(hazard[:10], 1 - 0.9 * 0.7)
    np.testing.assert_allclose(hazard[10:], 0.1)


def test_an_ally_that_rejects_the_deal_breaks_it_and_the_war_goes_on():
    """An ally of B at B's own ideal rejects the terms A and B agree; spoiling at hazard 1, it
    breaks them the day they are agreed, so the war does not end; at 0 it never does."""
    ally = dict(side="B", role="ally", belligerent=False, ideal={"border": 0.0}, salience={"border": 1.0}, cost=0.0,
                optimism=1.0)  # sure of victory: its war value is its ideal's, so it rejects every compromise
    calm = simulate(with_party(make_cfg(*DYAD), "x", **ally, spoil=0.0))
    assert calm.outcomes["held"].all() and (calm.outcomes["spoiled"] == 0).all()
    spoiled = simulate(with_party(make_cfg(*DYAD), "x", **ally, spoil=1.0))
    assert spoiled.outcomes["agreed"].all()
    assert (spoiled.outcomes["spoiled"] >= 1).all() and not spoiled.outcomes["held"].any()
    assert spoiled.worlds["at_war_end"].all()


# -- direct talks, suspensions, side deals --------------------------------------------------------

def test_without_a_mediator_the_sides_leads_propose_in_turn():
    res = simulate(make_cfg(*DYAD, "scenario.talks=alternating", "scenario.days=60",
                            "scenario.parties.a.tactic.deadline=20", "scenario.parties.b.tactic.deadline=20"))
    r = res.rounds.pivot_table(index=["replication", "round"], columns="party", values=["position", "proposal"],
                               observed=True)
    rounds = r.index.get_level_values("round")
    odd = rounds % 2 == 1  # every world holds every round here, so its n-th round is round n
    np.testing.assert_allclose(r[("proposal", "a")][odd], r[("position", "a")][odd])
    np.testing.assert_allclose(r[("proposal", "a")][~odd], r[("position", "b")][~odd])


def suspending(*more: str):
    """The dyad with direct talks, a daily round and a side B that walks out for 5 days."""
    return make_cfg(*DYAD, "scenario.talks=alternating", "scenario.days=40", "scenario.policy.interval=1",
                    "scenario.parties.b.suspend.days=5", "scenario.parties.b.suspend.gap=0", "scenario.parties.a.tactic.deadline=30",
                    "scenario.parties.b.tactic.deadline=30", *more)


def test_a_walk_out_suspends_the_talks_for_its_days_and_the_tables_say_so():
    res = simulate(suspending())
    tl = res.timeline
    assert res.worlds["days_suspended"].gt(0).all()
    for rep, one in tl.groupby("replication"):
        flags = one.sort_values("day")["suspended"].to_numpy()
        starts = np.flatnonzero(flags & ~np.r_[False, flags[:-1]])
        for s in starts:
            run = flags[s:s + 6]
            assert run[:5].all() and (len(run) < 6 or not run[5])  # five days, then talks again
        suspended_days = one.loc[one["suspended"], "day"]
        on_table = res.rounds[(res.rounds["replication"] == rep) & res.rounds["on_table"]]["day"]
        assert not on_table.isin(suspended_days).any()  # no plenary while suspended
    rounds = res.rounds
    assert rounds["suspended"].any() and not rounds.loc[rounds["suspended"], "on_table"].any()


def test_a_side_deal_is_agreed_during_a_suspension_and_the_war_ends_without_it():
    cfg = suspending()
    with open_dict(cfg):
        cfg.scenario.issues["exchange"] = IssueConfig(poles=["none", "exchange"], side_deal=True)
        for name, ideal in (("a", 0.0), ("b", 1.0)):
            cfg.scenario.parties[name].ideal["exchange"] = ideal
            cfg.scenario.parties[name].salience = {"border": 0.9, "exchange": 0.1}
    res = simulate(cfg)
    rounds = res.rounds
    during = rounds[rounds["suspended"] & rounds["on_table"]]
    assert len(during) and set(during["issue"]) == {"exchange"}
    m = model_of(cfg)
    m.in_force[:, 0] = True  # the border alone: the war is over, the side deal open
    m.settle(np.zeros_like(m.in_force), m.terms, 0, 0)
    assert m.done.all()


# -- one-line errors ---------------------------------------------------------------------------

@pytest.mark.parametrize("override, words", [
    ("scenario.parties.a.side=C", ["scenario.parties.a.side", "A, B"]),
    ("scenario.parties.a.side=null", ["scenario.parties.a.side"]),
])
def test_a_party_on_no_side_is_one_line(override, words):
    run = negsim(*DYAD, override, "plots=false", "hydra.run.dir=/tmp/never")
    assert run.returncode == 2
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and all(w in lines[0] for w in words), run.stderr


def test_an_ally_of_a_side_with_no_party_at_the_table_is_one_line():
    cfg = make_cfg(*DYAD)
    with open_dict(cfg):
        cfg.scenario.parties.b.role = "ally"
    one_line_error(lambda: simulate(cfg), "scenario.parties.b.side", "no party at the table", "allowed: A")


def test_a_suspension_past_the_horizon_is_one_line():
    one_line_error(lambda: simulate(make_cfg(*DYAD, "scenario.parties.b.suspend.days=30")),
                   "scenario.parties.b.suspend.days=30", "past the horizon", "[0, 29]")


@pytest.mark.parametrize("override, words", [
    ("scenario.parties.a.influence=0.2", ["scenario.parties.a.influence", "patron"]),
    ("scenario.parties.a.spoil=0.2", ["scenario.parties.a.spoil", "ally"]),
    ("mediator.bias=0.3", ["mediator.bias", "scenario.talks=alternating"]),
])
def test_keys_of_another_role_or_of_a_mediator_are_one_line(override, words):
    one_line_error(lambda: simulate(make_cfg(*DYAD, "scenario.talks=alternating", override)), *words)


def test_a_patron_that_fights_is_one_line():
    cfg = with_party(make_cfg(*DYAD), "p", **patron(1.0, 0.2) | {"belligerent": True, "capability": 1.0})
    one_line_error(lambda: simulate(cfg), "scenario.parties.p.belligerent", "false for a patron")


def test_the_patrons_of_a_side_pull_at_most_in_full():
    cfg = with_party(with_party(make_cfg(*DYAD), "p", **patron(1.0, 0.6)), "q", **patron(1.0, 0.6))
    one_line_error(lambda: simulate(cfg), "influence", "at most 1")


def test_a_side_deal_in_a_package_is_one_line():
    one_line_error(lambda: simulate(make_cfg(*DYAD, "scenario.issues.border.side_deal=true",
                                             "scenario.issues.border.protocol=package")),
                   "scenario.issues.border.side_deal", "issue_by_issue")


def test_a_design_axis_on_the_suspension_switches_walk_outs_on_and_records_them():
    cfg = make_cfg(*DYAD, "scenario.talks=alternating", "scenario.days=40", "scenario.policy.interval=1",
                   "scenario.parties.b.suspend.gap=0", "scenario.parties.a.tactic.deadline=30",
                   "scenario.parties.b.tactic.deadline=30", "+design.axes={scenario.parties.b.suspend.days: [0, 5]}")
    worlds = simulate(cfg).worlds
    by_point = worlds.groupby("scenario.parties.b.suspend.days")["days_suspended"].min()
    assert by_point[0] == 0 and by_point[5] > 0


def test_under_private_information_a_pulled_partys_answers_rule_out_no_type():
    """Answers a patron pulls are not the party's type's alone: the others learn nothing from
    them, so its true type is never ruled out (ruling out all types made its war value -inf)."""
    cfg = make_cfg("replications=60")
    u = cfg.scenario.parties.ukraine
    with_party(cfg, "usa", side="B", role="patron", belligerent=False, ideal=dict(u.ideal), salience=dict(u.salience),
               influence=0.5, cost=0.0)
    m = model_of(cfg).run()
    ukraine = next(p for p in m.parties if p.name == "ukraine")
    assert ukraine.beliefs.possible.all()
    true = np.take_along_axis(ukraine.beliefs.possible, ukraine.beliefs.true[None, :], axis=0)
    assert true.all()
