"""Counterfactual comparisons: variants on the baseline's worlds, paired differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_cfg, negsim, one_line_error
from scipy import stats

from sim import simulate
from sim.analysis.compare import COLUMNS, effects, paired, variant_config
from sim.schema.checks import validate
from sim.schema.config import to_config

OUTCOMES = ["at_war_end", "agreed_ceasefire", "day_ceasefire", "terms_neutrality", "utility_ukraine"]


def run_variant(base, name):
    return simulate(variant_config(validate(to_config(base)), name)).worlds


def test_a_variant_identical_to_the_baseline_differs_by_exactly_zero_in_every_world():
    base = make_cfg("replications=60", "+compare={outcomes: [at_war_end], variants: {same: {mediator.bias: 0.0}}}")
    baseline = simulate(base).worlds
    same = run_variant(base, "same")
    pd.testing.assert_frame_equal(same, baseline, check_exact=True)
    table = effects(baseline, {"same": same}, OUTCOMES)
    assert (table["difference"] == 0).all() and (table["ci_low"] == 0).all() and (table["ci_high"] == 0).all()


def test_the_paired_interval_is_the_t_interval_of_the_differences():
    rng = np.random.default_rng(3)
    a = rng.normal(0, 1, 200)
    b = a + 0.1 + rng.normal(0, 0.2, 200)
    got = paired(a, b)
    ci = stats.ttest_rel(b, a).confidence_interval(0.95)
    assert got["difference"] == pytest.approx((b - a).mean())
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((ci.low, ci.high))


def test_pairing_narrows_the_interval_against_unpaired_runs():
    """A small change of bias: paired on the same worlds, its effect on Ukraine's utility is
    measured far more tightly than by two independent samples of the same size. A tilt of 0.1
    toward Russia is within the noise even paired; one of 0.5 costs Ukraine."""
    base = make_cfg("replications=300", "record.timeline=false", "record.rounds=false",
                    "+compare={outcomes: [at_war_end], variants: {tilt: {mediator.bias: 0.1}, far: {mediator.bias: 0.5}}}")
    baseline, tilted = simulate(base).worlds, run_variant(base, "tilt")
    paired_row = effects(baseline, {"tilt": tilted}, ["utility_ukraine"]).iloc[0]
    other = simulate(make_cfg("replications=300", "seed=99", "mediator.bias=0.1", "record.timeline=false",
                              "record.rounds=false")).worlds  # other worlds: unpaired
    welch = stats.ttest_ind(other["utility_ukraine"], baseline["utility_ukraine"], equal_var=False).confidence_interval()
    assert paired_row["ci_high"] - paired_row["ci_low"] < 0.5 * (welch.high - welch.low)
    far = effects(baseline, {"far": run_variant(base, "far")}, ["utility_ukraine"]).iloc[0]
    assert far["ci_high"] < 0  # tilting far toward Russia costs Ukraine


def test_days_are_compared_where_both_runs_agreed():
    a = pd.DataFrame({"day_x": [10.0, np.nan, 30.0, 40.0]})
    b = pd.DataFrame({"day_x": [12.0, 20.0, np.nan, 41.0]})
    row = effects(a, {"v": b}, ["day_x"]).iloc[0]
    assert row["n"] == 2 and row["difference"] == pytest.approx(1.5) and row["baseline"] == 25.0


BAD = [
    ("+compare={outcomes: [at_war_end], variants: {v: {mediator.biass: 0.1}}}", "compare.variants.v.mediator.biass",
     "not a config key"),
    ("+compare={outcomes: [at_war_end], variants: {v: {mediator.bias: 3}}}", "compare.variants.v: mediator.bias=3", "[-1, 1]"),
    # a block that compares nothing is refused, not ignored or filled in
    ("+compare={outcomes: [at_war_end], variants: {}}", "compare.variants={} is not allowed", "at least one variant"),
    ("+compare.variants={v: {mediator.bias: 0.1}}", "compare.outcomes=[] is not allowed", "agreed_ceasefire"),
    ("+compare.outcomes=[at_war_end, peace]", "compare.outcomes", "agreed_ceasefire"),
]


@pytest.mark.parametrize("override,key,allowed", BAD, ids=[b[1] for b in BAD])
def test_bad_comparisons_are_one_line_errors(override, key, allowed):
    one_line_error(lambda: simulate(make_cfg(override)), key, allowed)


def test_the_counterfactual_study_writes_its_effects(tmp_path):
    proc = negsim("experiment=counterfactuals_2022", "replications=40", f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = pd.read_csv(tmp_path / "effects.csv")
    assert list(table.columns) == COLUMNS
    study = make_cfg("experiment=counterfactuals_2022")
    assert set(table["variant"]) == set(study.compare.variants)
    assert set(table["outcome"]) == set(study.compare.outcomes)
    assert (tmp_path / "effects.png").stat().st_size > 0
    for name in study.compare.variants:
        assert len(pd.read_parquet(tmp_path / f"worlds_{name}.parquet")) == 40
