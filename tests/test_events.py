"""Events: parameter changes from a day on, per world (README: "Events and counterfactuals")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_cfg, one_line_error

from sim import simulate

NO_TALKS = ("scenario=symmetric_dyad", "scenario.calendar=[]", "scenario.policy.interval=0", "war.noise=0")


def test_a_set_event_changes_the_value_from_its_day_on():
    """No fighting losses, only resupply: capability grows by the resupply in force each day."""
    base = (*NO_TALKS, "replications=3", "scenario.parties.a.attrition=0", "scenario.parties.a.resupply=0.01")
    event = "+scenario.events={aid: {day: 10, set: {scenario.parties.a.resupply: 0.03}}}"
    tl = simulate(make_cfg(*base, event)).timeline
    cap = tl[tl["replication"] == 0].set_index("day")["capability_a"]
    # the timeline row of day d holds the state at its dawn: days 0..d-1 fought
    want = 1.0 + 0.01 * np.minimum(cap.index, 10) + 0.03 * np.maximum(cap.index - 10, 0)
    np.testing.assert_allclose(cap.to_numpy(), want, rtol=1e-12)
    fired = tl[tl["event_aid"]]
    assert set(fired["day"]) == {10} and len(fired) == 3


@pytest.mark.parametrize("op,amount,want", [("scale", 3.0, 0.03), ("add", 0.02, 0.03)])
def test_scale_and_add_act_on_the_value_then_in_force(op, amount, want):
    base = (*NO_TALKS, "replications=2", "scenario.parties.a.attrition=0", "scenario.parties.a.resupply=0.01")
    tl = simulate(make_cfg(*base, f"+scenario.events={{aid: {{day: 5, {op}: {{scenario.parties.a.resupply: {amount}}}}}}}")).timeline
    cap = tl[tl["replication"] == 0].set_index("day")["capability_a"]
    np.testing.assert_allclose(cap.diff().loc[7:].to_numpy(), want, rtol=1e-9)


def test_an_event_fires_before_the_round_of_its_day():
    """Pressure set on the day of round 1 is in the war value that round prices."""
    plain = simulate(make_cfg("replications=10", "record.timeline=false")).rounds
    pressed = simulate(make_cfg("replications=10", "record.timeline=false",
                                "+scenario.events={pressure: {day: 4, set: {mediator.pressure.russia: 0.002}}}")).rounds
    first = lambda r: r[(r["round"] == 1) & (r["party"] == "russia")]["war_value"].to_numpy()  # noqa: E731
    horizon = make_cfg().scenario.parties.russia.horizon
    np.testing.assert_allclose(first(plain) - first(pressed), 0.002 * horizon)
    fired = lambda r: pressed.loc[pressed["round"] == r, "events"].str.split(",")  # noqa: E731
    assert fired(1).apply(lambda names: "pressure" in names).all()  # with the scenario's own events of day 4
    assert not fired(2).apply(lambda names: "pressure" in names).any()


def test_the_day_may_differ_between_worlds():
    res = simulate(make_cfg(*NO_TALKS, "replications=200",
                            "+scenario.events={aid: {day: {dist: uniform, low: 5, high: 20}, scale: {scenario.parties.b.resupply: 2}}}"))
    days = res.timeline[res.timeline["event_aid"]].set_index("replication")["day"]
    assert len(days) == 200 and days.between(5, 20).all() and days.nunique() > 10
    assert (res.worlds.set_index("replication")["scenario.events.aid.day"] == days).all()


def test_a_disabled_event_changes_nothing_and_leverage_is_an_event():
    plain = simulate(make_cfg("replications=20", "+mediator.pressure.russia=0.003", "mediator.leverage_from_day=9"))
    off = simulate(make_cfg("replications=20", "+mediator.pressure.russia=0.003", "mediator.leverage_from_day=9",
                            "+scenario.events={aid: {day: 3, enabled: false, set: {scenario.parties.ukraine.resupply: 0.05}}}"))
    pd.testing.assert_frame_equal(plain.outcomes, off.outcomes)
    assert not off.timeline["event_aid"].any()
    lever = plain.timeline[plain.timeline["event_leverage_from_day"]]
    assert set(lever["day"]) == {9} and lever["replication"].nunique() == 20


def test_a_salience_set_by_an_event_stays_and_the_others_make_room():
    from sim.agents.model import NegotiationModel
    from sim.schema.checks import validate
    from sim.schema.config import to_config
    from sim.worlds.resolve import resolve

    cfg = validate(to_config(make_cfg("replications=4", "+scenario.events={shift: {day: 2, set: {scenario.parties.russia.salience.neutrality: 0.5}}}")))
    model = NegotiationModel(cfg, resolve(cfg, np.zeros(4, int), np.arange(4)))
    model.run_until(3)
    w = model.parties[0].p.salience
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    np.testing.assert_allclose(w[:, 1], 0.5)
    np.testing.assert_allclose(w[:, 0] / w[:, 2], 0.2 / 0.2)  # the others keep their proportions


BAD = [
    ("+scenario.events={aid: {day: 3, set: {scenario.parties.ukraine.resuply: 0.02}}}", "scenario.events.aid.set.scenario.parties.ukraine.resuply", "per-world"),
    ("+scenario.events={aid: {day: 90, set: {scenario.parties.ukraine.resupply: 0.02}}}", "scenario.events.aid.day", "[0, 83]"),
    ("+scenario.events={aid: {day: {dist: uniform, low: 50, high: 100}, add: {}}}", "scenario.events.aid.day", "[0, 83]"),
    ("+scenario.events={aid: {day: 3, scale: {war.learning_rate: 20}}}", "scenario.events.aid.scale", "[0, 1]"),
    # read once for day 0: an event would silently change nothing
    ("+scenario.events={aid: {day: 3, set: {scenario.parties.ukraine.capability: 2}}}", "scenario.parties.ukraine.capability", "read once"),
    ("+scenario.events={aid: {day: 3, add: {scenario.parties.russia.optimism: 0.1}}}", "scenario.parties.russia.optimism", "read once"),
    ("+scenario.events={aid: {day: 3, set: {scenario.territory.A: 0.5}}}", "scenario.territory.A", "read once"),
    ("+scenario.events={aid: {day: 3, add: {war.learning_rate: 0.95}}}", "scenario.events.aid.add.war.learning_rate", "[0, 1]"),
    ("+scenario.events={aid: {day: 3, set: {mediator.rule: coin}}}", "scenario.events.aid.set.mediator.rule", "split, compromise"),
    ("+scenario.events={aid: {day: 3, scale: {mediator.rule: 2}}}", "scenario.events.aid.scale.mediator.rule", "only `set`"),
    ("+scenario.events={aid: {day: 3, set: {war.noise: .nan}}}", "scenario.events.aid.set.war.noise", "[0, 10]"),
]


@pytest.mark.parametrize("override,key,allowed", BAD, ids=[b[1] for b in BAD])
def test_bad_events_are_one_line_errors(override, key, allowed):
    one_line_error(lambda: simulate(make_cfg(override)), key, allowed)


def test_the_lottery_a_party_prices_follows_an_event_from_its_day():
    """War values read the prizes of the war lottery once a day (`Party.lottery`): an event
    that moves an ideal or a salience must move them from its day on, not a day later."""
    from sim.agents.model import NegotiationModel
    from sim.schema.checks import validate
    from sim.schema.config import to_config
    from sim.worlds.resolve import resolve

    cfg = validate(to_config(make_cfg(
        "replications=3", "+scenario.events={shift: {day: 4, set: {scenario.parties.russia.salience.neutrality: 0.5,"
        " scenario.parties.ukraine.ideal.neutrality: 0.4}}}")))
    model = NegotiationModel(cfg, resolve(cfg, np.zeros(3, int), np.arange(3)))
    seen = []
    for day in (3, 4, 5):
        model.run_until(day)
        for party in model.parties:
            direct = party.utility(party.own_terms()), party.utility(party.their_terms())
            np.testing.assert_array_equal(party.lottery(), direct)  # the day's own values
        seen.append(model.parties[0].lottery()[1].copy())
    assert (seen[1] != seen[0]).all() and (seen[2] == seen[1]).all()  # moved on day 4, and only then
