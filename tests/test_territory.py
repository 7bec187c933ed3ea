"""Territory (sim/rules/territory.py): the formulas, their wiring into a day of war and a round,
the timeline's area columns, and that the area changes nothing else unless a party counts
it in its war value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_cfg, one_line_error

from sim import simulate
from sim.agents.model import NegotiationModel
from sim.rules import territory
from sim.schema.checks import validate
from sim.schema.config import to_config
from sim.worlds.resolve import resolve

NO_TALKS = ("scenario.calendar=[]", "scenario.policy.interval=0", "record.rounds=false")


# -- the formulas ----------------------------------------------------------------------------------


def test_flow_is_pace_times_advantage_over_one_plus_depth_in_reach():
    T, a0, v, r = 1000.0, 100.0, 0.2, 0.1
    area = np.array([150.0, 100.0, 60.0, 60.0, 150.0, 100.0])
    p = np.array([0.7, 0.7, 0.7, 0.2, 0.2, 0.5])
    intensity = np.array([0.5, 1.0, 1.0, 0.5, 0.25, 1.0])
    got = territory.flow(area, a0, T, p, intensity, v, r)
    expected = [
        0.2 * 1000 * 0.5 * 0.4 / (1 + 50 / 100),  # A advances, 50 beyond its line: pace / 1.5
        0.2 * 1000 * 1.0 * 0.4,  # A at its line: full pace
        0.2 * 1000 * 1.0 * 0.4,  # A behind its line retakes at full pace
        -0.2 * 1000 * 0.5 * 0.6 / (1 + 40 / 100),  # B advances, 40 beyond its line
        -0.2 * 1000 * 0.25 * 0.6,  # B retakes its own ground at full pace
        0.0,  # an even balance moves nothing
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_an_advantage_below_the_stalemate_threshold_moves_nothing_and_above_it_moves_its_excess():
    T, a0, v, r, s = 1000.0, 100.0, 0.2, 0.1, 0.3
    area = np.array([100.0, 100.0, 150.0, 60.0])
    p = np.array([0.6, 0.8, 0.8, 0.8])  # edges 0.2 (below s), 0.6, 0.6, 0.6
    got = territory.flow(area, a0, T, p, 1.0, v, r, stalemate=s, hold_a=s, hold_b=s)
    excess = (0.6 - 0.3) / (1 - 0.3)
    # the last retakes the 40 it lost and, being above the hold threshold too, goes on past its line
    expected = [0.0, v * T * excess, v * T * excess / (1 + 50 / 100), v * T * excess]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_a_side_loses_its_day_0_holdings_only_above_its_hold_threshold():
    """The stated threshold: with side A's hold h_A = 0.5, side B pushes into side A's day-0
    holdings only where its advantage 1 - 2P exceeds 0.5 (P < 0.25), however long it fights;
    below that, a counter-offensive stops at A's day-0 line. Side B's own hold does not
    enter."""
    T, a0, v, r = 1000.0, 100.0, 0.2, 0.1
    p = np.array([0.5, 0.3, 0.26, 0.24, 0.1])  # B's edges 0, 0.4, 0.48, 0.52, 0.8
    area = np.full(5, 180.0)  # A holds 80 beyond its line
    for _ in range(30):
        area = area + territory.flow(area, a0, T, p, 1.0, v / 10, r, stalemate=0.1, hold_a=0.5, hold_b=0.9)
    np.testing.assert_array_equal(area[:1], [180.0])  # an even war: the front does not move
    np.testing.assert_allclose(area[1:3], a0, rtol=0, atol=1e-9)  # retaken up to A's line, not past it
    assert (area[3:] < a0 - 1).all()  # a large, sustained advantage takes A's own holdings too
    assert area[4] < area[3]  # the larger, the deeper


def test_with_zero_thresholds_the_front_is_the_pace_of_the_advantage():
    rng = np.random.default_rng(1)
    area, p = rng.uniform(0, 1000, 50), rng.uniform(0, 1, 50)
    np.testing.assert_array_equal(territory.flow(area, 300.0, 1000.0, p, 1.0, 0.2, 0.05, 0.0, 0.0),
                                  territory.flow(area, 300.0, 1000.0, p, 1.0, 0.2, 0.05))


def test_an_advance_costs_the_attacker_more_the_deeper_it_goes():
    T, a0, r = 1000.0, 100.0, 0.1
    factors = territory.exposure(np.array([100.0, 150.0, 200.0, 60.0]), a0, T, r, weight=0.5)
    np.testing.assert_allclose(factors[0], [1.0, 1.25, 1.5, 1.0])  # side A beyond its line: 1 + 0.5 depth / (r T)
    np.testing.assert_allclose(factors[1], [1.0, 1.0, 1.0, 1.2])  # side B 40 beyond its line
    np.testing.assert_array_equal(territory.exposure(np.array([150.0]), a0, T, r, 0.0), [[1.0], [1.0]])


def test_reach_is_the_depth_at_which_the_pace_halves_and_no_side_takes_more_than_there_is():
    T, a0 = 603_500.0, 42_981.0
    at_line = territory.flow(a0, a0, T, 0.6, 1.0, 0.3, 0.01)
    at_reach = territory.flow(a0 + 0.01 * T, a0, T, 0.6, 1.0, 0.3, 0.01)
    assert at_reach == pytest.approx(at_line / 2)
    assert territory.flow(T - 10.0, a0, T, 1.0, 1.0, 50.0, 1.0) == pytest.approx(10.0)  # only what B holds
    assert territory.flow(5.0, a0, T, 0.0, 1.0, 50.0, 1.0) == pytest.approx(-5.0)  # only what A holds
    assert territory.flow(80_000.0, a0, T, 0.8, 0.0, 0.3, 0.01) == 0.0  # no fighting, no movement


def test_the_anchor_moves_to_the_line_where_the_front_turns_and_stays_while_it_advances_or_stands():
    anchor = np.array([100.0, 100.0, 100.0, 100.0, 100.0])
    before = np.array([150.0, 150.0, 150.0, 60.0, 60.0])
    moved = np.array([5.0, -5.0, 0.0, 5.0, -5.0])
    # A advancing goes on; B turns the front at 150; a standing front keeps its anchor;
    # A retaking from behind its anchor turns it at 60; B advancing from 60 goes on
    np.testing.assert_array_equal(territory.next_anchor(anchor, before, moved), [100.0, 150.0, 100.0, 60.0, 100.0])


def test_a_counter_offensive_culminates_as_the_advance_it_answers():
    """The depth that slows an advance is counted from the line where it began: a counter-
    offensive from A's furthest line 150 starts at full pace and halves at depth r T, like
    A's advance from its day-0 line did; with the day-0 anchor (the rule of `flow` alone) it
    would retake at full pace all the way back."""
    T, a0, v, r = 1000.0, 100.0, 0.2, 0.02  # r T = 20
    full = territory.flow(150.0, a0, T, 0.3, 1.0, v, r, anchor=150.0)
    at_reach = territory.flow(130.0, a0, T, 0.3, 1.0, v, r, anchor=150.0)
    assert full == pytest.approx(-v * T * 0.4) and at_reach == pytest.approx(full / 2)
    assert territory.flow(130.0, a0, T, 0.3, 1.0, v, r) == pytest.approx(full)  # day-0 anchor: no slowdown
    # the anchor default reproduces the day-0 line exactly
    rng = np.random.default_rng(3)
    area, p = rng.uniform(0, 1000, 50), rng.uniform(0, 1, 50)
    np.testing.assert_array_equal(territory.flow(area, 300.0, 1000.0, p, 1.0, 0.2, 0.05, 0.05, 0.2, 0.3),
                                  territory.flow(area, 300.0, 1000.0, p, 1.0, 0.2, 0.05, 0.05, 0.2, 0.3, anchor=300.0))


def test_withdrawal_gives_back_the_share_of_the_area_taken_since_day_0():
    a0 = 42_981.0
    area = np.array([100_443.0, 100_443.0, 100_443.0, 30_000.0])
    terms = np.array([0.0, 1.0, 0.25, 0.5])
    got = territory.withdraw(area, a0, terms)
    np.testing.assert_allclose(got, [100_443.0, a0, a0 + 0.75 * (100_443.0 - a0), a0 - 0.5 * (a0 - 30_000.0)])


def test_projection_applies_the_daily_rule_for_each_world_s_horizon():
    T, a0, v, r = 1000.0, 100.0, 0.1, 0.05
    start = np.array([120.0, 120.0, 90.0])
    p = np.array([0.65, 0.65, 0.3])
    days = np.array([3.0, 7.5, 5.0])
    by_hand = start.copy()
    for w in range(3):
        for _ in range(int(np.ceil(days[w]))):
            by_hand[w] += territory.flow(by_hand[w], a0, T, p[w], 1.0, v, r)
    np.testing.assert_allclose(territory.project(start, a0, T, p, days, v, r), by_hand)
    gain_b = territory.expected_gain(start, a0, T, 1.0 - p, 1, days, v, r)  # the same war seen from side B
    np.testing.assert_allclose(gain_b, -(by_hand - start) / T)


# -- wired into the model ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def war_only():
    return simulate(make_cfg("replications=30", *NO_TALKS))


def test_the_timeline_area_follows_the_formula_day_by_day(war_only):
    cfg = make_cfg()
    tl = war_only.timeline
    T, a0 = cfg.scenario.territory.total, cfg.scenario.territory.A
    front = cfg.war.territory
    assert (tl.loc[tl["day"] == 0, "area_A"] == a0).all()  # the scenario's day-0 state [Liveuamap2022]
    np.testing.assert_allclose(tl["area_A"] + tl["area_B"], T)
    hold = cfg.scenario.territory.hold
    for _, world in tl.groupby("replication"):
        world = world.sort_values("day")
        area, balance, intensity = (world[c].to_numpy() for c in ("area_A", "balance", "intensity"))
        anchor = a0
        for d in range(len(area) - 1):  # the anchor as the model moves it, from the day-0 line
            moved = territory.flow(area[d], a0, T, balance[d], intensity[d + 1], front.speed, front.reach,
                                   front.stalemate, hold.get("A", 0.0), hold.get("B", 0.0), anchor)
            assert area[d + 1] == pytest.approx(area[d] + moved, rel=1e-12)
            anchor = territory.next_anchor(anchor, area[d], moved)
    assert tl.loc[tl["day"] == 12, "area_A"].between(80_000, 120_000).all()  # the default war takes ground


def test_an_agreed_withdrawal_returns_its_share_and_other_issues_return_nothing():
    cfg = validate(to_config(make_cfg()))
    W = 4
    model = NegotiationModel(cfg, resolve(cfg, np.zeros(W, int), np.arange(W)))
    issues = list(cfg.scenario.issues)
    k, other = issues.index("withdrawal"), issues.index("neutrality")
    a0 = cfg.scenario.territory.A
    model.area = np.array([100_000.0, 100_000.0, 90_000.0, 30_000.0])
    agreed = np.zeros((W, len(issues)), bool)
    agreed[[0, 2, 3], k] = True
    agreed[1, other] = True
    terms = np.full((W, len(issues)), 0.4)
    model.settle(agreed, terms, day=20, number=5)
    np.testing.assert_allclose(model.area, [a0 + 0.6 * (100_000 - a0), 100_000.0, a0 + 0.6 * (90_000 - a0),
                                            a0 + 0.6 * (30_000 - a0)])


def test_withdrawal_returns_area_only_where_the_issue_is_flagged():
    cfg = validate(to_config(make_cfg("scenario.issues.withdrawal.returns_area=false")))
    model = NegotiationModel(cfg, resolve(cfg, np.zeros(2, int), np.arange(2)))
    model.area = np.array([100_000.0, 80_000.0])
    agreed = np.zeros((2, len(cfg.scenario.issues)), bool)
    agreed[:, list(cfg.scenario.issues).index("withdrawal")] = True
    model.settle(agreed, np.full(agreed.shape, 0.5), day=20, number=5)
    np.testing.assert_allclose(model.area, [100_000.0, 80_000.0])


def test_a_treaty_s_withdrawal_moves_the_map_in_the_default_run():
    # the base model (mechanisms off) agrees the treaty in nearly every world
    off = [f"scenario.mechanisms.{m}.enabled=false" for m in ("power_shift", "private_information", "red_lines",
                                                             "audience_costs", "war_driven_aspirations")]
    res = simulate(make_cfg("replications=40", "record.rounds=false", *off))
    cfg = make_cfg()
    a0, T, front = cfg.scenario.territory.A, cfg.scenario.territory.total, cfg.war.territory
    out = res.outcomes
    once = out[(out["issue"] == "withdrawal") & (out["times_agreed"] == 1)]
    assert len(once) > 20
    tl = res.timeline.set_index(["replication", "day"])
    for _, row in once.iterrows():
        r, d, w = row["replication"], int(row["day"]), row["terms"]
        before, after = tl.loc[(r, d)], tl.loc[(r, d + 1)]
        given_back = territory.withdraw(before["area_A"], a0, w)
        moved = territory.flow(given_back, a0, T, before["balance"], after["intensity"], front.speed, front.reach)
        assert after["area_A"] == pytest.approx(given_back + moved, rel=1e-12)


# -- the area changes nothing else unless it counts in a war value ----------------------------------


def _without_area(result) -> dict[str, pd.DataFrame]:
    return {
        "outcomes": result.outcomes,
        "rounds": result.rounds,
        "timeline": result.timeline.drop(columns=["area_A", "area_B"]),
        "worlds": result.worlds,
    }


def test_territory_off_in_war_values_leaves_every_other_column_unchanged():
    """Unless a party counts the area or an advance's depth costs its attacker (exposure)."""
    base = simulate(make_cfg("replications=40", "war.territory.exposure=0"))
    moved = simulate(make_cfg("replications=40", "war.territory.exposure=0", "war.territory.speed=1.5", "war.territory.reach=0.03",
                              "scenario.territory.A=100000", "scenario.issues.withdrawal.returns_area=false"))
    assert not np.allclose(base.timeline["area_A"], moved.timeline["area_A"])  # the map did move differently
    for name, frame in _without_area(base).items():
        pd.testing.assert_frame_equal(frame, _without_area(moved)[name], check_exact=True, obj=name)


def test_a_party_counting_the_area_adds_its_weight_times_its_expected_gain():
    still = "scenario.mechanisms.power_shift.enabled=false"  # the belief, not a projected balance, is p here
    cfg = validate(to_config(make_cfg("scenario.territory.war_value.russia=2.0", still)))
    W = 6
    model = NegotiationModel(cfg, resolve(cfg, np.zeros(W, int), np.arange(W)))
    model.area = np.linspace(43_000, 120_000, W)
    russia, ukraine = model.parties
    off = validate(to_config(make_cfg(still)))
    plain = NegotiationModel(off, resolve(off, np.zeros(W, int), np.arange(W)))
    plain.area = model.area.copy()
    t, front = cfg.scenario.territory, cfg.war.territory
    gain = territory.expected_gain(model.area, t.A, t.total, russia.belief, 0, russia.p.horizon, front.speed, front.reach,
                                   front.stalemate, t.hold.get("A", 0.0), t.hold.get("B", 0.0), model.anchor)
    np.testing.assert_allclose(russia.war_value() - plain.parties[0].war_value(), 2.0 * gain, rtol=1e-12)
    np.testing.assert_allclose(ukraine.war_value(), plain.parties[1].war_value())  # its weight is 0
    assert (np.abs(gain) > 1e-3).all()


def test_counting_the_area_changes_the_talks():
    off = simulate(make_cfg("replications=40", "record.timeline=false"))
    on = simulate(make_cfg("replications=40", "record.timeline=false", "scenario.territory.war_value.russia=1",
                           "scenario.territory.war_value.ukraine=1"))
    assert not off.worlds["terms_neutrality"].equals(on.worlds["terms_neutrality"])


def test_the_territory_plot_draws_both_sides_and_the_observations(war_only, tmp_path):
    from sim.analysis.observed import table
    from sim.figures.territory import territory as plot

    cfg = validate(to_config(make_cfg()))
    path = plot(war_only.timeline, tmp_path / "territory.png", observed=table(cfg), sides=("russia", "ukraine"), unit="km2")
    assert path.stat().st_size > 10_000 and path.read_bytes()[:4] == b"\x89PNG"


def test_the_model_keeps_side_a_on_its_day_0_line_below_the_hold_threshold():
    """Wired into a day of war: a front that culminates. With every advantage short of the
    hold threshold no world takes ground past either side's day-0 line; with exposure the
    side that advances loses more capability than without."""
    no_talks = ("replications=40", *NO_TALKS, "scenario.parties.ukraine.resupply=0.05")  # the balance turns to B
    free = simulate(make_cfg(*no_talks, "scenario.territory.hold.A=0", "war.territory.stalemate=0")).timeline
    held = simulate(make_cfg(*no_talks, "+scenario.territory.hold={A: 0.99, B: 0.99}", "war.territory.stalemate=0.05")).timeline
    a0 = make_cfg().scenario.territory.A
    assert (free["area_A"] < a0 - 1).any()  # without it, B's counter-offensive takes A's day-0 holdings
    assert (held["area_A"] >= a0 - 1e-6).all() and (held["area_A"] <= a0 + 1e-6).all()
    one_sided = simulate(make_cfg(*no_talks, "scenario.territory.hold.A=0.99")).timeline
    assert (one_sided["area_A"] >= a0 - 1e-6).all() and (one_sided["area_A"] > a0 + 1).any()  # A still advances
    one_line_error(lambda: simulate(make_cfg("+scenario.territory.hold={C: 0.2}")), "scenario.territory.hold.C", "A, B")
    exposed = simulate(make_cfg("replications=40", *NO_TALKS, "war.territory.exposure=0.5")).timeline
    base = simulate(make_cfg("replications=40", *NO_TALKS)).timeline
    first = base["day"] == 10
    assert (exposed.loc[first, "capability_russia"].to_numpy() < base.loc[first, "capability_russia"].to_numpy()).all()
