"""Global sensitivity analysis held to known answers (sim/analysis/sensitivity.py).

- an outcome that depends on one parameter only gives it ST near 1, the others near 0,
  from synthetic worlds and from a real simulation where the other axes change nothing;
- the Ishigami function gives its analytic indices within SALib's intervals;
- Morris ranks a dominant parameter first;
- samples are reproducible from the seed and have the sizes the methods promise.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import make_cfg, one_line_error

from sim import simulate
from sim.analysis.sensitivity import MORRIS_COLUMNS, SOBOL_COLUMNS, analyze, missing_note, point_means
from sim.runs.outcome import worlds_columns
from sim.schema.checks import validate
from sim.schema.config import to_config
from sim.worlds.design import analysis_points as points
from sim.worlds.design import unit_sample

ISHIGAMI_AXES = (
    "+design.axes={mediator.bias: {dist: uniform, low: -1, high: 1},"
    " scenario.parties.russia.optimism: {dist: uniform, low: -1, high: 1},"
    " scenario.parties.ukraine.optimism: {dist: uniform, low: -1, high: 1}}"
)
X1, X2, X3 = "mediator.bias", "scenario.parties.russia.optimism", "scenario.parties.ukraine.optimism"


def _cfg(*overrides):
    return to_config(make_cfg(ISHIGAMI_AXES, "design.sampler=random", *overrides))


def _worlds(pts: pd.DataFrame, y: np.ndarray, replications: int = 2, spread: float = 0.3) -> pd.DataFrame:
    """A worlds table as simulate gives it: point-major, each point's worlds scattered
    around `y` by offsets that cancel in the point's mean."""
    offsets = np.linspace(-spread, spread, replications)
    frame = pd.DataFrame({
        "point": np.repeat(np.arange(len(pts)), replications),
        "replication": np.tile(np.arange(replications), len(pts)),
    })
    for c in pts.columns:
        frame[c] = np.repeat(pts[c].to_numpy(), replications)
    frame["fighting_days"] = np.repeat(y, replications) + np.tile(offsets, len(pts))
    return frame


def test_unit_samples_are_reproducible_and_have_the_promised_size():
    a = unit_sample("sobol", 5, 64, seed=7)
    assert a.shape == (64 * (2 * 5 + 2), 5)
    assert (a >= 0).all() and (a < 1).all()
    np.testing.assert_array_equal(a, unit_sample("sobol", 5, 64, seed=7))
    assert not np.array_equal(a, unit_sample("sobol", 5, 64, seed=8))
    m = unit_sample("morris", 5, 20, seed=7)
    assert m.shape == (20 * 6, 5)
    assert set(np.round(np.unique(m), 12)) == {0.125, 0.375, 0.625, 0.875}  # stratum centres of 4 levels
    np.testing.assert_array_equal(m, unit_sample("morris", 5, 20, seed=7))


def test_points_go_through_each_axis_inverse_cdf():
    cfg = to_config(make_cfg(
        "+design.axes={war.noise: {dist: loguniform, low: 0.1, high: 1.0}, mediator.rule: [split, nash, kalai],"
        " scenario.parties.russia.tactic.deadline: {dist: uniform, low: 6, high: 18}}",
        "design.sampler=random", "+analysis.method=sobol", "analysis.samples=32", "+analysis.outcomes=[at_war_end]"))
    pts = points(cfg)
    u = unit_sample("sobol", 3, 32, cfg.seed)
    np.testing.assert_allclose(pts["war.noise"], 0.1 * 10 ** u[:, 0])
    assert list(pts["mediator.rule"]) == [["split", "nash", "kalai"][int(v * 3)] for v in u[:, 1]]
    assert set(pts["scenario.parties.russia.tactic.deadline"]) <= set(range(6, 19))


def test_an_outcome_of_one_parameter_gives_it_all_the_variance():
    cfg = _cfg("+analysis.method=sobol", "analysis.samples=512", "+analysis.outcomes=[fighting_days]")
    pts = points(cfg)
    y = 40 + 30 * np.sin(3 * pts[X2].to_numpy())  # non-linear, in X2 only
    table = analyze(cfg, pts, _worlds(pts, y))
    assert list(table.columns) == SOBOL_COLUMNS
    st = table.set_index("parameter")["ST"]
    assert st[X2] == pytest.approx(1.0, abs=0.05)
    assert st[X1] == pytest.approx(0.0, abs=1e-12) and st[X3] == pytest.approx(0.0, abs=1e-12)


def test_ishigami_gives_its_analytic_indices_within_salib_intervals():
    """Ishigami f = sin x1 + a sin^2 x2 + b x3^4 sin x1 on [-pi, pi]^3 (a = 7, b = 0.1);
    its indices in closed form [Saltelli2010]. The axes are uniform on [-1, 1], x = pi v:
    Sobol' indices do not change under such a map."""
    a, b = 7.0, 0.1
    cfg = _cfg("+analysis.method=sobol", "analysis.samples=2048", "+analysis.outcomes=[fighting_days]")
    pts = points(cfg)
    x1, x2, x3 = (math.pi * pts[c].to_numpy() for c in (X1, X2, X3))
    y = np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)
    table = analyze(cfg, pts, _worlds(pts, y)).set_index("parameter")

    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    expected = {X1: (v1 / v, (v1 + v13) / v), X2: (v2 / v, v2 / v), X3: (0.0, v13 / v)}
    for name, (s1, st) in expected.items():
        row = table.loc[name]
        assert abs(row["S1"] - s1) <= row["S1_conf"], (name, row["S1"], s1, row["S1_conf"])
        assert abs(row["ST"] - st) <= row["ST_conf"], (name, row["ST"], st, row["ST_conf"])
    assert (table["S1_conf"] < 0.1).all()  # the intervals are narrow enough to mean something


def test_points_of_another_sample_are_refused():
    cfg = _cfg("+analysis.method=sobol", "analysis.samples=16", "+analysis.outcomes=[fighting_days]")
    other = points(_cfg("seed=1", "+analysis.method=sobol", "analysis.samples=16", "+analysis.outcomes=[fighting_days]"))
    with pytest.raises(ValueError, match="are not the sobol sample of analysis.samples=16 over these 3 axes"):
        analyze(cfg, other, _worlds(other, np.zeros(len(other))))


def test_morris_ranks_a_dominant_parameter_first():
    cfg = _cfg("+analysis.method=morris", "analysis.samples=40", "+analysis.outcomes=[fighting_days]")
    pts = points(cfg)
    assert len(pts) == 40 * 4
    y = 10 * pts[X3].to_numpy() ** 2 + 2 * pts[X1].to_numpy()  # X3 dominant, X1 weak, X2 inert
    table = analyze(cfg, pts, _worlds(pts, y))
    assert list(table.columns) == MORRIS_COLUMNS
    mu = table.set_index("parameter")["mu_star"]
    assert list(mu.sort_values(ascending=False).index) == [X3, X1, X2]
    assert mu[X2] == 0.0


def test_a_real_design_where_only_one_axis_matters():
    """Russia's concession budget decides when a ceasefire comes; with audience costs and
    private information switched off, the axes of their parameters change nothing."""
    cfg = make_cfg(
        "scenario.mechanisms.audience_costs.enabled=false", "scenario.mechanisms.private_information.enabled=false",
        "+design.axes={scenario.parties.russia.tactic.budget: {dist: uniform, low: 0.03, high: 0.12},"
        " scenario.parties.russia.audience_cost: {dist: uniform, low: 0, high: 1},"
        " scenario.parties.ukraine.private_spread: {dist: uniform, low: 0, high: 0.5}}",
        "design.sampler=random", "design.replications=4", "record.rounds=false", "record.timeline=false",
        "+analysis.method=sobol", "analysis.samples=64", "+analysis.outcomes=[day_ceasefire,fighting_days]",
    )
    result = simulate(cfg)
    pd.testing.assert_frame_equal(result.points, points(cfg))  # simulate runs the analysis's points
    assert len(result.worlds) == 64 * 8 * 4
    table = analyze(cfg, result.points, result.worlds).set_index(["outcome", "parameter"])
    for outcome in ("day_ceasefire", "fighting_days"):
        st = table.loc[outcome, "ST"]
        assert st["scenario.parties.russia.tactic.budget"] > 0.9
        assert st["scenario.parties.russia.audience_cost"] == 0.0
        assert st["scenario.parties.ukraine.private_spread"] == 0.0


def test_a_point_never_agreeing_counts_its_day_as_censored_at_the_horizon():
    worlds = pd.DataFrame({"point": [0, 0, 1, 1], "day_ceasefire": [10.0, np.nan, np.nan, np.nan],
                           "terms_ceasefire": [0.4, np.nan, 0.6, np.nan]})
    worlds.loc[2, "terms_ceasefire"] = np.nan
    means = point_means(worlds, ["day_ceasefire", "terms_ceasefire"], 2, horizon=84)
    assert list(means["day_ceasefire"]) == [47.0, 84.0]
    assert list(means["terms_ceasefire"]) == [0.4, 0.4]  # point 1 has none: the others' mean
    unfilled = point_means(worlds, ["terms_ceasefire"], 2, horizon=84, fill=False)
    assert unfilled["terms_ceasefire"].isna().sum() == 1  # what analyze() counts for its note
    assert "1 of 2 points" in missing_note(1, 2) and missing_note(1, 20).startswith("1 of 20 points had no value")


def test_metric_names_are_the_columns_of_the_worlds_table():
    result = simulate(make_cfg("replications=2", "record.rounds=false", "record.timeline=false"))
    assert worlds_columns(result.config) == [c for c in result.worlds.columns if c not in ("point", "replication")]


@pytest.mark.parametrize("overrides,message", [
    (("+analysis.method=sobol", "+analysis.outcomes=[at_war_end]"), "analysis.method='sobol' is not allowed; needs design.axes"),
    ((ISHIGAMI_AXES, "design.sampler=random", "+analysis.method=sobol"), "analysis.outcomes=[] is not allowed"),
    ((ISHIGAMI_AXES, "design.sampler=random", "+analysis.method=sobol", "+analysis.outcomes=[peace]"),
     "analysis.outcomes='peace' is not allowed; allowed: agreed_ceasefire"),
    ((ISHIGAMI_AXES, "design.sampler=random", "+analysis.method=prim", "+analysis.outcomes=[day_ceasefire]"),
     "prim needs a boolean outcome"),
    ((ISHIGAMI_AXES, "design.sampler=random", "+analysis.method=morris", "+analysis.outcomes=[at_war_end]",
      "analysis.samples=1"), "analysis.samples=1 is not allowed"),
])
def test_bad_analysis_blocks_are_one_line(overrides, message):
    one_line_error(lambda: validate(to_config(make_cfg(*overrides))), message)  # validate calls check_analysis
