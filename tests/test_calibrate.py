"""Observed data and calibration by simulation (sim/analysis/observed.py, sim/analysis/calibrate.py,
sim/worlds/posterior.py): series by file or inline, the fit's horizon, the distance, the ABC
posterior's coverage of known parameters, the 2022 posterior predictive against the
observations, runs drawn from a posterior file, and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, make_cfg, one_line_error

from sim import ConfigError, simulate
from sim.analysis.calibrate import (
    distance,
    fit_config,
    importance_weights,
    observations,
    run_calibration,
    simulate_draws,
    summary,
    weighted_quantiles,
)
from sim.analysis.observed import series
from sim.commands.study import write_calibration
from sim.schema.checks import validate
from sim.schema.config import Distance, to_config

STUDY = "experiment=calibrate_2022"
SMALL = (STUDY, "calibrate.draws=20000", "calibrate.accept=0.01")
OBSERVED = {"2022-02-24": 70157.0, "2022-02-28": 84926.0, "2022-03-07": 100443.0}  # [Liveuamap2022]
HELD_OUT = ("2022-03-03", 91504.0)  # the same source's 3 March value, not fitted (docs/scenario_2022.md)


def config(*overrides: str, observed: dict | None = None):
    cfg = make_cfg(*overrides)
    if observed is not None:
        cfg.scenario.observed.area_A.values = observed
    return validate(to_config(cfg))


# -- observed series -----------------------------------------------------------------------------


def test_the_2022_scenario_ships_the_seed_era_values_with_their_source():
    cfg = config()
    spec = cfg.scenario.observed["area_A"]
    assert spec.source == "Liveuamap2022"
    assert dict(spec.values) == OBSERVED
    assert cfg.scenario.territory.A == 42981  # the 23 Feb baseline is the day-0 state
    frame = series(cfg, "area_A")
    assert list(frame["day"]) == [1, 5, 12]  # a value dated D is the dawn of day (D - start) + 1


def test_a_series_read_from_a_csv_relative_to_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    pd.DataFrame({"date": ["2022-02-23", "2022-03-07"], "area_km2": [42981, 100443]}).to_csv(
        tmp_path / "data" / "territory.csv", index=False)
    monkeypatch.chdir(tmp_path)
    cfg = make_cfg("scenario.observed.area_A.file=data/territory.csv", "scenario.observed.area_A.column=area_km2")
    cfg.scenario.observed.area_A.values = {}
    frame = series(validate(to_config(cfg)), "area_A")
    assert list(frame["day"]) == [0, 12] and list(frame["value"]) == [42981, 100443]


def test_observations_after_until_are_not_used_and_the_fit_stops_at_the_last_used_day():
    later = {**OBSERVED, "2022-03-14": 110000.0, "2022-04-30": 120000.0}
    cfg = config(STUDY, observed=later)
    data = observations(cfg)
    assert list(data.loc[data["used"], "day"]) == [1, 5, 12]
    assert not data.loc[data["date"] > "2022-03-07", "used"].any()
    fit = fit_config(cfg, int(data.loc[data["used"], "day"].max()))
    assert fit.scenario.days == 12
    assert [r.day for r in fit.scenario.calendar] == [4, 7, 11]  # rounds 1-3 still happen in the fit


# -- the pieces of the fit --------------------------------------------------------------------------


def test_distance_is_the_root_mean_square_of_relative_or_plain_errors():
    sims = np.array([[110.0, 180.0], [100.0, 200.0]])
    obs = np.array([100.0, 200.0])
    np.testing.assert_allclose(distance(sims, obs, Distance.relative), [np.sqrt((0.1**2 + 0.1**2) / 2), 0.0])
    np.testing.assert_allclose(distance(sims, obs, Distance.rmse), [np.sqrt((100 + 400) / 2), 0.0])


def test_weighted_quantiles_match_plain_ones_for_equal_weights_and_follow_the_weights():
    x = np.random.default_rng(1).normal(size=4001)
    np.testing.assert_allclose(weighted_quantiles(x, np.ones_like(x)), np.quantile(x, [0.05, 0.5, 0.95]), atol=5e-3)
    # weight 3 on the top half moves the median to the 1/3 point of the top half... of its mass
    v = np.arange(1000.0)
    w = np.where(v >= 500, 3.0, 1.0)
    assert weighted_quantiles(v, w, [0.5])[0] == pytest.approx(500 + 500 * (1 / 3), abs=2)


def test_smc_importance_weights_are_prior_over_the_kernel_mixture():
    from scipy import stats

    cfg = config(STUDY)
    priors = {p: dict(cfg.calibrate.parameters[p]) for p in list(cfg.calibrate.parameters)[:2]}
    fit = fit_config(cfg, 12)
    old = np.array([[0.3, 0.01], [0.5, 0.02], [0.2, 0.015], [0.4, 0.004]])
    old_w = np.array([0.4, 0.3, 0.2, 0.1])
    new = np.array([[0.35, 0.012], [0.25, 0.006]])
    cov = 2.0 * np.cov(old, rowvar=False, aweights=old_w)
    mix = sum(wj * stats.multivariate_normal(oj, cov).pdf(new) for oj, wj in zip(old, old_w))
    prior = stats.loguniform(0.05, 2).pdf(new[:, 0]) * stats.loguniform(0.001, 0.05).pdf(new[:, 1])
    expected = prior / mix
    np.testing.assert_allclose(importance_weights(new, old, old_w, priors, fit), expected / expected.sum(), rtol=1e-6)


def test_generation_0_draws_a_world_s_priors_as_a_plain_run_with_those_distributions_would():
    cfg = config(STUDY)
    fit = fit_config(cfg, 12)
    paths = list(cfg.calibrate.parameters)
    values, _ = simulate_draws(fit, paths, [("area_A", 12)], np.array([3, 17, 40]), None)
    plain = simulate(fit, replication_ids=[3, 17, 40]).worlds
    np.testing.assert_array_equal(values, plain[paths].to_numpy())


# -- the 2022 fit ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fit_2022():
    return run_calibration(make_cfg(*SMALL, "calibrate.predictive=1000"))


def test_the_2022_posterior_predictive_covers_the_seed_era_observations(fit_2022):
    band = fit_2022.predictive.set_index("date")
    for when, value in [*OBSERVED.items(), HELD_OUT]:
        row = band.loc[pd.Timestamp(when)]
        assert row["low"] <= value <= row["high"], f"{when}: {value} outside [{row['low']:.0f}, {row['high']:.0f}]"
    assert (band.loc[pd.Timestamp("2022-02-23"), ["low", "high"]] == 42981).all()


def test_the_2022_posterior_is_the_nearest_share_with_equal_weights(fit_2022):
    post = fit_2022.posterior
    assert len(post) == 200 and post["weight"].sum() == pytest.approx(1.0)
    assert post["distance"].is_monotonic_increasing
    assert post["replication"].between(0, 19_999).all() and post["replication"].is_unique
    table = summary(fit_2022)
    reach = table.set_index("parameter").loc["war.territory.reach"]
    # three observations pin the depth scale: its 90% interval is under half the prior's (log scale)
    assert np.log(reach.posterior_high / reach.posterior_low) < 0.5 * np.log(reach.prior_high / reach.prior_low)
    # the prior's columns are its own 5%, 50% and 95% quantiles
    from scipy import stats

    frozen = {"uniform": lambda s: stats.uniform(s["low"], s["high"] - s["low"]),
              "loguniform": lambda s: stats.loguniform(s["low"], s["high"])}
    checked = 0
    for path, spec in fit_2022.priors.items():
        if spec["dist"] in frozen:
            row = table.set_index("parameter").loc[path]
            want = frozen[spec["dist"]](spec).ppf([0.05, 0.5, 0.95])
            np.testing.assert_allclose(row[["prior_low", "prior_median", "prior_high"]].to_numpy(float), want, rtol=1e-9)
            checked += 1
    assert checked >= 3


def test_the_same_config_gives_the_same_posterior():
    first = run_calibration(make_cfg(STUDY, "calibrate.draws=3000", "calibrate.predictive=0"))
    again = run_calibration(make_cfg(STUDY, "calibrate.draws=3000", "calibrate.predictive=0"))
    pd.testing.assert_frame_equal(first.posterior, again.posterior, check_exact=True)


def test_write_calibration_writes_the_posterior_the_table_and_the_plots(fit_2022, tmp_path):
    files = write_calibration(fit_2022, tmp_path)
    names = {f.name for f in files}
    assert {"posterior.parquet", "calibration.csv", "posterior.png", "predictive.png"} <= names
    post = pd.read_parquet(tmp_path / "posterior.parquet")
    assert {"replication", "generation", "distance", "weight", *fit_2022.priors} <= set(post.columns)
    table = pd.read_csv(tmp_path / "calibration.csv")
    assert list(table["parameter"]) == list(fit_2022.priors)
    assert (table["posterior_low"] <= table["posterior_median"]).all()
    assert (table["posterior_median"] <= table["posterior_high"]).all()


def test_smc_keeps_the_truth_and_narrows_the_posterior():
    truth = {"war.territory.speed": 0.3, "war.territory.reach": 0.008}
    cfg = make_cfg(STUDY, "calibrate.method=smc", "calibrate.draws=4000", "calibrate.accept=0.05",
                   "calibrate.generations=2", "calibrate.predictive=0")
    cfg.calibrate.parameters = {p: cfg.calibrate.parameters[p] for p in truth}
    cfg.scenario.observed.area_A.values = synthetic(make_cfg(STUDY), truth, replication=10**6)
    res = run_calibration(cfg)
    assert set(res.posterior["generation"]) == {2}
    assert res.posterior["weight"].sum() == pytest.approx(1.0)
    table = summary(res).set_index("parameter")
    for path, value in truth.items():
        row = table.loc[path]
        assert row.posterior_low <= value <= row.posterior_high
        assert np.log(row.posterior_high / row.posterior_low) < 0.5 * np.log(row.prior_high / row.prior_low)


# -- coverage on synthetic data ---------------------------------------------------------------------------


def synthetic(cfg, truth: dict, replication: int) -> dict:
    """The area series that world `replication` of the model makes with parameters `truth`
    (every other value as in `cfg`), on the dates of the 2022 observations."""
    cfg.calibrate.parameters = {p: cfg.calibrate.parameters[p] for p in truth}
    run = validate(to_config(cfg))
    fit = fit_config(run, 12)
    points = pd.DataFrame([truth])
    targets = [("area_A", d) for d in (1, 5, 12)]
    _, sims = simulate_draws(fit, list(truth), targets, np.array([replication]), points)
    return dict(zip(OBSERVED, map(float, sims[0])))


@pytest.mark.slow
def test_the_posterior_90_interval_covers_parameters_drawn_from_the_prior():
    """20 trials: parameters drawn from the priors (a world far from the fit's ids), the
    model's own series as data, a 20,000-draw rejection fit; each 90% interval should
    contain the truth about 90% of the time (ABC with a finite tolerance, a little more).
    Plain errors (rmse): a prior draw may drive side A's area to 0."""
    base = make_cfg(*SMALL, "calibrate.predictive=0")
    paths = list(base.calibrate.parameters)
    fit = fit_config(validate(to_config(base)), 12)
    covered, trials = [], 20
    for t in range(trials):
        truth_values, _ = simulate_draws(fit, paths, [("area_A", 1)], np.array([10**7 + t]), None)
        truth = dict(zip(paths, truth_values[0]))
        cfg = make_cfg(*SMALL, "calibrate.predictive=0", "calibrate.distance=rmse", f"seed={1000 + t}")
        cfg.scenario.observed.area_A.values = synthetic(make_cfg(STUDY), truth, replication=10**7 + t)
        table = summary(run_calibration(cfg)).set_index("parameter")
        covered.append([table.loc[p, "posterior_low"] <= truth[p] <= table.loc[p, "posterior_high"] for p in paths])
    covered = np.array(covered)
    assert covered.mean() >= 0.8, covered.mean(axis=0)
    assert (covered.mean(axis=0) >= 0.7).all(), dict(zip(paths, covered.mean(axis=0)))


# -- running from a posterior file ---------------------------------------------------------------------


@pytest.fixture
def posterior_file(tmp_path):
    frame = pd.DataFrame({
        "replication": [5, 9, 2],
        "generation": 0,
        "war.territory.speed": [0.2, 0.5, 0.9],
        "scenario.parties.ukraine.resupply": [0.006, 0.012, 0.018],
        "distance": [0.01, 0.02, 0.03],
        "weight": [0.2, 0.0, 0.8],
    })
    path = tmp_path / "posterior.parquet"
    frame.to_parquet(path)
    return path, frame


def test_a_run_from_a_posterior_takes_whole_rows_by_weight_per_replication(posterior_file):
    path, frame = posterior_file
    res = simulate(make_cfg("replications=300", "record.rounds=false", "record.timeline=false", f"posterior.file={path}"))
    taken = res.worlds[["war.territory.speed", "scenario.parties.ukraine.resupply"]]
    rows = frame[["war.territory.speed", "scenario.parties.ukraine.resupply"]]
    assert set(map(tuple, taken.to_numpy())) <= set(map(tuple, rows.to_numpy()))  # whole rows, joint
    share = taken["war.territory.speed"].value_counts(normalize=True)
    assert 0.5 not in share.index  # weight 0 is never taken
    assert share[0.9] == pytest.approx(0.8, abs=0.08)
    alone = simulate(make_cfg("replications=300", "record.rounds=false", "record.timeline=false",
                              f"posterior.file={path}"), replication_ids=[123]).worlds
    pd.testing.assert_frame_equal(alone.reset_index(drop=True), res.worlds.iloc[[123]].reset_index(drop=True))


def test_posterior_columns_choose_what_the_run_takes(posterior_file):
    path, _ = posterior_file
    res = simulate(make_cfg("replications=20", "record.timeline=false", f"posterior.file={path}",
                            "posterior.columns=[war.territory.speed]"))
    assert "war.territory.speed" in res.worlds and "scenario.parties.ukraine.resupply" not in res.worlds


# -- one-line errors --------------------------------------------------------------------------------------


BAD = [
    (("+scenario.observed={area_C: {values: {2022-03-01: 5}}}",), "scenario.observed.area_C: 'area_C' is not a timeline column"),
    (("scenario.observed.area_A.file=nowhere.csv",), "allowed: either {file: <csv>, column: <name>} or {values:"),
    (("+scenario.observed.area_A.values={2022-02-30: 5}",), "date '2022-02-30' is not allowed"),
    (("+scenario.observed.area_A.values={2022-02-10: 5}",), "allowed: dates from 2022-02-23"),
    ((STUDY, "+calibrate.parameters={mediator.rule: {dist: uniform, low: 0, high: 1}}"), "calibrate.parameters.mediator.rule"),
    ((STUDY, "+calibrate.parameters.scenario.parties.russia.tactic.deadline={dist: uniform, low: 6, high: 18}"),
     "is not a continuous per-world key"),
    ((STUDY, "+calibrate.parameters={war.noise: {dist: choice, values: [0.1, 0.2]}}"), "allowed: a continuous prior"),
    ((STUDY, "calibrate.parameters={war.territory.speed: {dist: uniform, low: -1, high: 2}}"), "leaves the allowed range"),
    ((STUDY, "calibrate.series=[area_B]"), "calibrate.series='area_B' is not allowed; allowed: area_A"),
    ((STUDY, "calibrate.until=7 March"), "calibrate.until='7 March' is not allowed"),
    ((STUDY, "calibrate.until=2022-02-20"), "keeps at least one observation"),
    ((STUDY, "calibrate.accept=0"), "calibrate.accept=0"),
    ((STUDY, "calibrate.method=smc", "calibrate.tolerance=0.1"), "calibrate.tolerance=0.1"),
    ((STUDY, "+design.axes={mediator.bias: [0, 0.5]}"), "not both"),
    (("posterior.file=missing.parquet",), "posterior.file='missing.parquet' is not allowed"),
    (("posterior.columns=[war.noise]",), "only with posterior.file"),
    (("scenario.territory.A=700000",), "scenario.territory.A=700000 is not allowed; allowed: at most"),
    (("+scenario.territory.war_value.belarus=1",), "'belarus' is not a known party"),
]


@pytest.mark.parametrize("overrides,words", BAD, ids=[" ".join(o)[:60] for o, _ in BAD])
def test_bad_observed_calibrate_posterior_and_territory_values_are_one_line(overrides, words):
    one_line_error(lambda: validate(to_config(make_cfg(*overrides))), words)


@pytest.mark.parametrize("column,words", [("area", None), ("km2", "allowed: area"), ("date", "allowed: area")])
def test_a_missing_or_wrong_csv_is_one_line(tmp_path, monkeypatch, column, words):
    monkeypatch.chdir(tmp_path)
    cfg = make_cfg("scenario.observed.area_A.file=t.csv", f"scenario.observed.area_A.column={column}")
    cfg.scenario.observed.area_A.values = {}
    with pytest.raises(ConfigError) as err:
        validate(to_config(cfg))
    assert "scenario.observed.area_A.file='t.csv' is not allowed; allowed: an existing CSV" in str(err.value)
    pd.DataFrame({"date": ["2022-03-01"], "area": [1.0]}).to_csv(tmp_path / "t.csv", index=False)
    if words is None:
        validate(to_config(cfg))
        return
    with pytest.raises(ConfigError) as err:
        validate(to_config(cfg))
    assert f"scenario.observed.area_A.column={column!r} is not allowed; {words}" in str(err.value)


def test_a_tolerance_no_draw_reaches_is_one_line_naming_the_nearest():
    with pytest.raises(ConfigError) as err:
        run_calibration(make_cfg(STUDY, "calibrate.draws=200", "calibrate.tolerance=1e-9"))
    assert "calibrate.tolerance=1e-09 is not allowed; allowed: a distance some draw reaches (the nearest:" in str(err.value)


def test_a_posterior_column_that_is_not_a_key_is_one_line(tmp_path):
    path = tmp_path / "p.parquet"
    pd.DataFrame({"war.territory.sped": [0.2], "weight": [1.0]}).to_parquet(path)
    with pytest.raises(ConfigError, match="column 'war.territory.sped' is not a numeric per-world key"):
        validate(to_config(make_cfg(f"posterior.file={path}")))


def test_negsim_stops_on_a_bad_observed_series_with_exit_code_2():
    proc = subprocess.run([sys.executable, "-m", "sim", "+scenario.observed.area_A.values={2022-02-30: 5}"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "2022-02-30" in proc.stderr
