"""sim/issue.py held to its definitions: the issue table built from config, name -> value
vectors, the fighting left under agreed ceasefires and the war cost left under relief."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import IssueConfig
from sim.issue import Issues, cost_factor, fighting_intensity

CONFIGS = {
    "ceasefire": IssueConfig(poles=["war goes on", "ceasefire"], stops_fighting=True, breakdown=0.02),
    "neutrality": IssueConfig(poles=["NATO", "neutral"], protocol="package"),
    "corridors": IssueConfig(poles=["none", "open"], cost_relief=0.33, breakdown=0.3),
    "withdrawal": IssueConfig(protocol="package"),
}


def test_issues_from_config_keeps_order_and_every_flag():
    issues = Issues.from_config(CONFIGS)
    assert issues.names == ("ceasefire", "neutrality", "corridors", "withdrawal")
    assert len(issues) == 4
    assert issues.poles == (("war goes on", "ceasefire"), ("NATO", "neutral"), ("none", "open"), ("0", "1"))
    np.testing.assert_array_equal(issues.stops_fighting, [True, False, False, False])
    np.testing.assert_array_equal(issues.cost_relief, [0.0, 0.0, 0.33, 0.0])
    np.testing.assert_array_equal(issues.breakdown, [0.02, 0.0, 0.3, 0.0])
    # the package flag is the protocol: `package` items are agreed only all together
    np.testing.assert_array_equal(issues.package, [False, True, False, True])
    assert issues.stops_fighting.dtype == bool and issues.package.dtype == bool


def test_rates_are_reals_whatever_number_type_the_config_gives():
    # a config built in Python may hold integers (0, 1); the rates are still arrays of reals
    issues = Issues.from_config({"a": IssueConfig(cost_relief=1, breakdown=0), "b": IssueConfig(cost_relief=0, breakdown=1)})
    assert issues.cost_relief.dtype == float and issues.breakdown.dtype == float
    np.testing.assert_array_equal(issues.cost_relief, [1.0, 0.0])


def test_an_all_issue_by_issue_config_has_no_package():
    issues = Issues.from_config({k: IssueConfig() for k in ("a", "b")})
    np.testing.assert_array_equal(issues.package, [False, False])


def test_vector_puts_values_in_issue_order_and_zero_where_missing():
    issues = Issues.from_config(CONFIGS)
    np.testing.assert_array_equal(issues.vector({"corridors": 0.4, "ceasefire": 0.9}), [0.9, 0.0, 0.4, 0.0])
    np.testing.assert_array_equal(issues.vector({}), np.zeros(4))
    # an explicit default, scalar or per issue, fills the missing names instead
    np.testing.assert_array_equal(issues.vector({"neutrality": 0.1}, default=0.5), [0.5, 0.1, 0.5, 0.5])
    default = np.array([0.2, 0.3, 0.4, 0.6])
    got = issues.vector({"withdrawal": 1.0}, default=default)
    np.testing.assert_array_equal(got, [0.2, 0.3, 0.4, 1.0])
    np.testing.assert_array_equal(default, [0.2, 0.3, 0.4, 0.6])  # the default is not written into
    # an integer default still gives a vector of reals: the values are not truncated
    np.testing.assert_array_equal(issues.vector({"neutrality": 0.25}, default=1), [1.0, 0.25, 1.0, 1.0])
    np.testing.assert_array_equal(issues.vector({"neutrality": 0.25}, default=np.zeros(4, int)), [0, 0.25, 0, 0])


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
    got = fighting_intensity(in_force, terms, STOPS)
    np.testing.assert_allclose(got, [1.0, 0.3, 1.0, 0.4, 0.0], rtol=1e-14)


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
    got = cost_factor(in_force, relief)
    np.testing.assert_allclose(got, [1.0, 0.67, 1.0, 0.17, 0.0, 0.1], rtol=1e-12)


def test_cost_factor_of_a_single_world():
    assert cost_factor(np.array([True, False]), np.array([0.25, 0.5])) == pytest.approx(0.75)
