"""sim/rules/issue.py held to its definitions: the issue table built from config, the per-world
issue values `sim.worlds.resolve.resolve` gives the model, the fighting left under agreed
ceasefires and the war cost left under relief."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_cfg
from omegaconf import open_dict

from sim.rules.issue import Issues, cost_factor, fighting_intensity
from sim.schema.checks import validate
from sim.schema.config import IssueConfig, to_config
from sim.worlds.resolve import resolve

CONFIGS = {
    "ceasefire": IssueConfig(poles=["war goes on", "ceasefire"], stops_fighting=True, breakdown=0.02),
    "neutrality": IssueConfig(poles=["NATO", "neutral"], protocol="package"),
    "corridors": IssueConfig(poles=["none", "open"], cost_relief=0.33, breakdown=0.3),
    "withdrawal": IssueConfig(protocol="package"),
}


def worlds_of(issues: dict, W: int = 3, salience_a=None, **more):
    """`resolve` of the symmetric dyad with these issues (A's ideal 1, B's 0 on each), W worlds.
    `salience_a` replaces A's saliences; `more` sets other config paths (dots as __)."""
    cfg = make_cfg("scenario=symmetric_dyad")
    with open_dict(cfg):
        cfg.scenario.issues = issues
        for name, ideal in (("a", 1.0), ("b", 0.0)):
            cfg.scenario.parties[name].ideal = {k: ideal for k in issues}
            cfg.scenario.parties[name].salience = {k: 1.0 / len(issues) for k in issues}
        if salience_a is not None:
            cfg.scenario.parties.a.salience = salience_a
        for path, value in more.items():
            *parents, last = path.split("__")
            node = cfg
            for part in parents:
                node = node[part]
            node[last] = value
    cfg = validate(to_config(cfg))
    return cfg, resolve(cfg, np.zeros(W, int), np.arange(W))


def test_issues_from_config_keeps_order_names_and_poles():
    issues = Issues.from_config(CONFIGS)
    assert issues.names == ("ceasefire", "neutrality", "corridors", "withdrawal")
    assert len(issues) == 4
    assert issues.poles == (("war goes on", "ceasefire"), ("NATO", "neutral"), ("none", "open"), ("0", "1"))


def test_resolve_gives_every_world_each_issue_flag_in_issue_order():
    _, worlds = worlds_of(CONFIGS)
    issues = worlds.issues
    for name, want in (
        ("stops_fighting", [True, False, False, False]),
        ("cost_relief", [0.0, 0.0, 0.33, 0.0]),
        ("breakdown", [0.02, 0.0, 0.3, 0.0]),
        # the package flag is the protocol: `package` items are agreed only all together
        ("package", [False, True, False, True]),
        ("indivisible", [False] * 4),
    ):
        np.testing.assert_array_equal(getattr(issues, name), np.tile(want, (3, 1)), err_msg=name)
    assert issues.stops_fighting.dtype == bool and issues.package.dtype == bool


def test_rates_are_reals_whatever_number_type_the_config_gives():
    # a config built in Python may hold integers (0, 1); the rates are still arrays of reals
    _, worlds = worlds_of({"a": IssueConfig(cost_relief=1, breakdown=0), "b": IssueConfig(cost_relief=0, breakdown=1)})
    assert worlds.issues.cost_relief.dtype == float and worlds.issues.breakdown.dtype == float
    np.testing.assert_array_equal(worlds.issues.cost_relief, [[1.0, 0.0]] * 3)
    np.testing.assert_array_equal(worlds.issues.breakdown, [[0.0, 1.0]] * 3)


def test_an_all_issue_by_issue_config_has_no_package():
    _, worlds = worlds_of({k: IssueConfig() for k in ("a", "b")})
    np.testing.assert_array_equal(worlds.issues.package, np.zeros((3, 2), bool))


def test_what_a_mapping_leaves_out_is_zero_or_the_documented_default():
    # A weighs only ceasefire and corridors; no guarantee, no pressure, no red line, no opening
    _, worlds = worlds_of(CONFIGS, salience_a={"corridors": 0.4, "ceasefire": 0.6},
                          mediator__guarantees={"a": {"neutrality": 0.05}})
    a = worlds.parties[0]
    np.testing.assert_array_equal(a.salience, np.tile([0.6, 0.0, 0.4, 0.0], (3, 1)))
    np.testing.assert_array_equal(worlds.mediator.guarantees[:, 0], np.tile([0.0, 0.05, 0.0, 0.0], (3, 1)))
    np.testing.assert_array_equal(worlds.mediator.guarantees[:, 1], np.zeros((3, 4)))
    np.testing.assert_array_equal(worlds.mediator.pressure, np.zeros((3, 2)))
    assert np.isnan(a.red_lines).all()  # no red line: nothing is beyond it
    np.testing.assert_array_equal(a.opening, a.ideal)  # no opening given: it opens at its ideal
    np.testing.assert_array_equal(a.format_conditions, np.full((3, 3), np.inf))  # attends every format


# --------------------------------------------------------------------- fighting_intensity

STOPS = np.array([True, False, True])  # two ceasefire-like items and one that does not stop fighting


def test_a_ceasefire_in_force_at_a_leaves_one_minus_a():
    in_force = np.array([[True, False, False]])
    assert fighting_intensity(in_force, np.array([[0.7, 0.0, 0.0]]), STOPS)[0] == pytest.approx(0.3)


def test_fighting_intensity_per_world():
    in_force = np.array([
        [False, False, False],  # nothing agreed: full fighting
        [True, False, False],  # ceasefire at 0.7
        [False, True, False],  # an item that does not stop fighting, even at term 1
        [True, False, True],  # two ceasefires: the wider one counts
        [False, False, True],
    ])
    terms = np.array([
        [0.9, 0.9, 0.9],
        [0.7, 0.2, 0.9],  # the 0.9 of the third item is not in force
        [0.5, 1.0, 0.0],
        [0.4, 1.0, 0.6],
        [np.nan, np.nan, 1.0],  # terms of items never agreed are NaN in the model
    ])
    got = fighting_intensity(in_force, terms, np.tile(STOPS, (5, 1)))  # (W, K) flags, as the model has them
    np.testing.assert_allclose(got, [1.0, 0.3, 1.0, 0.4, 0.0], rtol=1e-14)


def test_what_stops_the_fighting_may_differ_between_worlds():
    # the same agreements in force in three worlds; the first issue stops the fighting in
    # world 0 only, the second in worlds 1 and 2 (in world 2 both do: the wider counts)
    in_force = np.ones((3, 2), bool)
    terms = np.tile([0.6, 0.25], (3, 1))
    stops = np.array([[True, False], [False, True], [True, True]])
    np.testing.assert_allclose(fighting_intensity(in_force, terms, stops), [0.4, 0.75, 0.4], rtol=1e-14)
    nothing = np.zeros((3, 2), bool)
    np.testing.assert_array_equal(fighting_intensity(in_force, terms, nothing), np.ones(3))


def test_fighting_intensity_of_a_single_world():
    # the issue axis is the last one: one world given as (K,) gives one number
    assert fighting_intensity(np.array([True, True, False]), np.array([0.25, 0.9, 0.8]), STOPS) == pytest.approx(0.75)


# ---------------------------------------------------------------------------- cost_factor


def test_cost_factor_removes_the_relief_of_items_in_force_and_stops_at_zero():
    relief = np.array([0.33, 0.5, 0.0, 0.4])
    in_force = np.array([
        [False, False, False, False],
        [True, False, False, False],  # corridors: a third of the cost removed
        [False, False, True, False],  # an item without relief
        [True, True, False, False],
        [True, True, False, True],  # 0.33 + 0.5 + 0.4 > 1: nothing left to pay, not a negative cost
        [False, True, True, True],  # 0.9
    ])
    got = cost_factor(in_force, np.tile(relief, (6, 1)))  # (W, K) relief, as the model has it
    np.testing.assert_allclose(got, [1.0, 0.67, 1.0, 0.17, 0.0, 0.1], rtol=1e-12)


def test_cost_relief_may_differ_between_worlds():
    in_force = np.array([[True, False], [True, True], [False, True]])
    relief = np.array([[0.2, 0.5], [0.7, 0.6], [0.1, 0.25]])
    # 1 - 0.2; 1 - 1.3 clipped to 0; 1 - 0.25
    np.testing.assert_allclose(cost_factor(in_force, relief), [0.8, 0.0, 0.75], rtol=1e-14)


def test_cost_factor_of_a_single_world():
    assert cost_factor(np.array([True, False]), np.array([0.25, 0.5])) == pytest.approx(0.75)
