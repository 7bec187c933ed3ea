"""Scenario discovery with PRIM held to known boxes (sim/analysis/prim.py).

- an outcome defined as a box in three parameters (one categorical), among noise
  parameters and with some outcomes flipped at random, is recovered: its limits, and
  nothing else, with high coverage and density;
- the quasi-p-value is the one-sided binomial test it is defined as, and it is large for
  a limit that adds nothing;
- the trajectory peels monotonically from the whole space down to the smallest box;
- "!" negates an outcome; PRIM runs on a real design's worlds table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_cfg
from scipy.stats import binomtest

from sim import simulate
from sim.analysis.prim import COLUMNS, MASS_MIN, Peeling, analyze, in_box, limits, peel, target

N = 5000
TRUE = {"a": (0.2, 0.6), "b": (0.5, 1.0)}
RULES = {"split", "nash"}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.random(N), "b": rng.random(N), "rule": rng.choice(["split", "nash", "kalai"], N),
                      "noise": rng.random(N), "steps": rng.integers(1, 10, N)})
    inside = X["a"].between(*TRUE["a"]) & X["b"].between(*TRUE["b"]) & X["rule"].isin(RULES)
    y = inside.to_numpy() ^ (rng.random(N) < 0.05)  # 5% of outcomes flipped
    return X, y, peel(X, y, "in_box")


def test_a_known_box_is_recovered(data):
    X, y, peeling = data
    box = limits(X, y, peeling)
    assert list(box.columns) == COLUMNS
    assert set(box["parameter"]) == {"a", "b", "rule"}  # the noise parameters stay unrestricted
    found = box.set_index("parameter")
    for name, (low, high) in TRUE.items():
        assert found.loc[name, "low"] == pytest.approx(low, abs=0.03)
        assert found.loc[name, "high"] == pytest.approx(high, abs=0.03)
    assert found.loc["rule", "values"] == "nash, split"
    assert found["coverage"].iloc[0] > 0.7 and found["density"].iloc[0] > 0.85
    assert (found["qp"] < 1e-10).all()


def test_the_quasi_p_value_is_a_one_sided_binomial_test(data):
    X, y, peeling = data
    box = dict(peeling.boxes[peeling.chosen], noise=(0.0, 0.5))  # a limit that adds nothing
    spurious = Peeling("in_box", peeling.trajectory, [*peeling.boxes, box], 0, peeling.full)
    table = limits(X, y, spurious, step=len(spurious.boxes) - 1).set_index("parameter")
    inside = in_box(X, box)
    for name in table.index:
        without = in_box(X, {**box, name: peeling.full[name]})
        oracle = binomtest(int(y[inside].sum()), int(inside.sum()), y[without].mean(), alternative="greater").pvalue
        assert table.loc[name, "qp"] == pytest.approx(oracle, rel=1e-9, abs=1e-300)
    assert table.loc["noise", "qp"] > 0.05 > 1e-10 > table.drop("noise")["qp"].max()


def test_the_trajectory_peels_from_the_whole_space_to_the_smallest_box(data):
    _, y, peeling = data
    t = peeling.trajectory
    assert t.loc[0, ["coverage", "mass"]].tolist() == [1.0, 1.0] and t.loc[0, "density"] == pytest.approx(y.mean())
    assert (t["mass"].diff().dropna() < 0).all() and (t["coverage"].diff().dropna() <= 0).all()
    assert t["mass"].min() >= MASS_MIN
    assert t["density"].iloc[-1] > t["density"].iloc[0]


def test_an_outcome_true_everywhere_keeps_the_whole_space():
    X = pd.DataFrame({"a": np.linspace(0, 1, 200), "b": np.linspace(1, 0, 200)})
    y = np.ones(200, dtype=bool)
    peeling = peel(X, y, "always")
    table = limits(X, y, peeling)
    assert peeling.chosen == 0 and list(table["parameter"]) == [""]
    assert table.loc[0, ["coverage", "density", "mass"]].tolist() == [1.0, 1.0, 1.0]


def test_the_chosen_box_maximises_coverage_times_lift(data):
    _, y, peeling = data
    t, base = peeling.trajectory, y.mean()
    score = t["coverage"] * (t["density"] - base) / (1 - base)
    assert peeling.chosen == score.idxmax() and score[0] == 0.0


def test_negation_and_bad_outcomes():
    worlds = pd.DataFrame({"agreed_ceasefire": [True, False, True], "day_ceasefire": [3.0, np.nan, 5.0]})
    assert target(worlds, "!agreed_ceasefire").tolist() == [False, True, False]
    with pytest.raises(ValueError, match="day_ceasefire: PRIM needs a boolean column"):
        target(worlds, "day_ceasefire")
    with pytest.raises(ValueError, match="true in no world"):
        peel(pd.DataFrame({"a": [0.1, 0.2]}), np.array([False, False]), "never")


def test_prim_on_a_real_design_finds_russias_budget():
    """With no ceasefire by the horizon where Russia concedes late, a large budget (the hurt it
    bears before it concedes all) is the box."""
    cfg = make_cfg(
        "+design.axes={scenario.parties.russia.tactic.budget: {dist: uniform, low: 0.03, high: 0.12},"
        " war.noise: {dist: uniform, low: 0.1, high: 0.5}}",
        "design.sampler=lhs", "design.points=100", "design.replications=4",
        "record.rounds=false", "record.timeline=false", "+analysis.method=prim", "+analysis.outcomes=[at_war_end]",
    )
    table, (peeling,) = analyze(cfg, simulate(cfg).worlds)
    row = table.set_index("parameter").loc["scenario.parties.russia.tactic.budget"]
    assert row["low"] >= 0.06 and row["high"] > 0.115 and row["qp"] < 1e-6  # open to the top of the range
    assert peeling.outcome == "at_war_end"
