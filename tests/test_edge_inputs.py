"""Odd inputs, second round: each class gives one line naming the key and what is allowed
(or, where the input means something, is accepted as meant)."""

from __future__ import annotations

import pytest
from conftest import one_line_error

import sim

# -- type errors say what is allowed; an integral float is an integer -----------------------------


@pytest.mark.parametrize("override, key", [("replications=1e3", "replications"), ("design.points=2e2", "design.points")])
def test_an_integral_float_for_an_integer_key_is_that_integer(override, key):
    cfg = sim.compose([override])
    value = cfg
    for part in key.split("."):
        value = value[part]
    assert value == int(float(override.split("=")[1])) and isinstance(value, int)


@pytest.mark.parametrize("override, words", [
    ("replications=2.5", ["replications", "allowed: a whole number"]),
    ("scenario.days={dist: uniform, low: 10, high: 20}", ["scenario.days", "allowed: a whole number", "-m"]),
    ("mediator.rule={dist: choice, values: [split, nash]}", ["mediator.rule", "allowed: one value", "design.axes"]),
    ("+scenario.events.sanctions.foo=1", ["scenario.events.sanctions.foo", "allowed", "day, enabled, set, scale, add"]),
])
def test_a_value_of_the_wrong_type_says_what_is_allowed(override, words):
    one_line_error(lambda: sim.compose([override]), *words)


# -- a normal or lognormal mostly outside its key's range would pin the worlds at a bound ---------


@pytest.mark.parametrize("spec, share", [
    ("{dist: normal, mean: 5, sd: 0.1}", "0%"), ("{dist: normal, mean: 1e300, sd: 1}", "0%"),
    ("{dist: normal, mean: 1.2, sd: 0.2}", "16%"),  # P(z < -1) of the normal
])
def test_a_normal_mostly_outside_the_range_is_refused(spec, share):
    one_line_error(lambda: sim.compose([f"scenario.parties.russia.optimism={spec}"]),
                   "scenario.parties.russia.optimism", f"only {share} of its mass", "[-1, 1]")


def test_a_normal_with_most_of_its_mass_in_range_is_drawn_truncated():
    cfg = sim.compose(["scenario.parties.russia.optimism={dist: normal, mean: 0.9, sd: 0.2}", "replications=400",
                       "record.rounds=false", "record.timeline=false"])
    drawn = sim.simulate(cfg).worlds["scenario.parties.russia.optimism"]
    assert drawn.max() <= 1.0 and (drawn < 1.0).mean() > 0.6  # P(z < 0.5) = 0.69: not pinned at the bound


def test_a_lognormal_mostly_above_the_range_is_refused():
    one_line_error(lambda: sim.compose(["scenario.parties.russia.cost={dist: lognormal, mean: 500, sd: 1}"]),
                   "scenario.parties.russia.cost", "of its mass", "[0, 1]")


# -- negsim-report on a folder it cannot report: one line, exit 1 ----------------------------------


def test_negsim_report_refuses_an_empty_folder_and_names_a_damaged_table(tmp_path):
    from conftest import negsim

    empty = tmp_path / "empty"
    empty.mkdir()
    proc = negsim(str(empty), module="sim.commands.report")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "holds no negsim run" in proc.stderr, proc.stderr
    assert not (empty / "report.html").exists()
    run = tmp_path / "run"
    assert negsim("replications=3", "plots=false", f"hydra.run.dir={run}").returncode == 0
    (run / "outcomes.parquet").write_bytes(b"not a parquet file")
    before = (run / "report.html").read_bytes()
    proc = negsim(str(run), module="sim.commands.report")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert "outcomes.parquet" in proc.stderr and "Traceback" not in proc.stderr
    assert (run / "report.html").read_bytes() == before  # nothing already written is lost


# -- a memory refusal names the design's worlds and only remedies that apply ----------------------


def test_a_design_too_large_for_memory_names_its_worlds_and_a_remedy_that_applies(monkeypatch):
    from sim.commands import budget
    from sim.commands.precheck import Refused, precheck

    monkeypatch.setattr(budget, "available_memory", lambda: 10**9)
    with pytest.raises(Refused) as err:
        precheck(["experiment=uncertainty_2022", "design.points=4000", "design.replications=2000",
                  "hydra.run.dir=/tmp/negsim-never-written"])
    message = str(err.value)
    assert "4000 points x 2000 worlds (8,000,000 worlds)" in message and "replications=200 " not in message
    assert "fewer points" in message and "design.chunk" in message
    assert "record.rounds=false" not in message  # the study records neither already
    with pytest.raises(Refused, match=r"replications=200000 x scenario.days=84 .* record.rounds=false record.timeline=false"):
        precheck(["replications=200000", "hydra.run.dir=/tmp/negsim-never-written"])


# -- Sobol' with too few values, or none to apportion, says so instead of printing numbers --------


def test_sobol_refuses_an_outcome_most_points_lack_and_flags_a_constant_one():
    from sim.analysis import sensitivity
    from sim.commands.page import drivers

    cfg = sim.compose(["experiment=sensitivity_2022", "analysis.samples=8", "replications=1",
                       "analysis.outcomes=[at_war_end,agreed_corridors,terms_neutrality]"])
    result = sim.simulate(cfg)
    table = sensitivity.analyze(cfg, result.points, result.worlds)
    by = {o: rows for o, rows in table.groupby("outcome")}
    share_missing = result.worlds.groupby("point")["terms_neutrality"].apply(lambda v: v.isna().all()).mean()
    assert share_missing > sensitivity.MAX_MISSING  # the case of the issue: most points agreed nothing
    assert by["terms_neutrality"][["S1", "ST"]].isna().all().all()
    assert by["terms_neutrality"]["note"].iloc[0].startswith("not computed")
    assert result.worlds["agreed_corridors"].all()  # corridors agreed everywhere: nothing to apportion
    assert by["agreed_corridors"][["S1", "ST"]].isna().all().all() and "constant" in by["agreed_corridors"]["note"].iloc[0]
    assert by["at_war_end"]["ST"].notna().all() and (by["at_war_end"]["note"] == "").all()
    sentences = drivers(table)
    assert any(s.startswith("terms_neutrality: not computed") for s in sentences)
    assert any(s.startswith("agreed_corridors: constant") for s in sentences)


def test_prim_over_distribution_axes_without_a_sampler_says_how_to_sample_them():
    one_line_error(lambda: sim.compose(["design.axes={war.noise: {dist: uniform, low: 0.1, high: 0.5}}",
                                        "analysis.method=prim", "analysis.outcomes=[at_war_end]"]),
                   "design.axes.war.noise", "design.sampler=lhs design.points=N", "SALib")
    cfg = sim.compose(["design.axes={war.noise: {dist: uniform, low: 0.1, high: 0.5}}", "analysis.method=prim",
                       "analysis.outcomes=[at_war_end]", "design.sampler=lhs", "design.points=10"])
    assert len(sim.simulate(cfg).points) == 10


# -- observed data by file from the command line, and range-checked ---------------------------------


def _csv(folder, rows, name="obs.csv"):
    path = folder / name
    path.write_text("date,area\n" + "".join(f"{d},{v}\n" for d, v in rows))
    return path


def test_a_file_given_on_the_command_line_replaces_the_scenarios_inline_series(tmp_path):
    from sim.analysis.observed import table
    from sim.schema.config import to_config

    path = _csv(tmp_path, [("2022-02-26", 80000), ("2022-03-01", 90000)])
    cfg = sim.compose([f"scenario.observed.area_A={{file: {path}, column: area}}"])
    assert dict(cfg.scenario.observed.area_A["values"]) == {} and cfg.scenario.observed.area_A.file == str(path)
    observed = table(to_config(cfg))
    assert observed["value"].tolist() == [80000, 90000] and observed["day"].tolist() == [3, 6]  # dawn after each date


def test_a_series_the_scenario_lacks_is_added_and_one_it_lacks_cannot_be_replaced(tmp_path):
    path = _csv(tmp_path, [("2022-02-26", 500000)])
    cfg = sim.compose([f"+scenario.observed.area_B={{file: {path}, column: area}}"])
    assert cfg.scenario.observed.area_B.column == "area" and "area_A" in cfg.scenario.observed
    one_line_error(lambda: sim.compose([f"scenario.observed.area_B={{file: {path}, column: area}}"]),
                   "scenario.observed.area_B", "no such series", "+scenario.observed.area_B=")


@pytest.mark.parametrize("override", ["scenario.observed=null", "~scenario.observed.area_A.values",
                                      "scenario.observed={}"])
def test_forms_that_cannot_say_which_series_are_refused_with_the_forms_that_can(override):
    one_line_error(lambda: sim.compose([override]), override, "~scenario.observed.NAME to drop a series",
                   "scenario.observed.NAME={file: <csv>, column: <name>}")


def test_dropping_a_series_from_the_command_line_leaves_the_others():
    cfg = sim.compose(["~scenario.observed.area_A"])
    assert "area_A" not in cfg.scenario.observed


@pytest.mark.parametrize("rows, words", [
    ([("2022-02-26", 80000), ("2022-03-01", -5)], ["value -5", "obs.csv, row 3, column area", "0 to 603500"]),
    ([("2022-02-26", 80000), ("2022-03-01", 7e6)], ["value 7e+06", "row 3", "scenario.territory.total"]),
    ([("2023-03-01", 80000)], ["date 2023-03-01", "row 2", "to 2022-05-18", "scenario.days=84"]),
    ([("2022-02-01", 80000)], ["date 2022-02-01", "row 2", "from 2022-02-23"]),
])
def test_observed_values_and_dates_outside_what_the_model_can_show_are_refused_naming_file_row_column(
        tmp_path, rows, words):
    path = _csv(tmp_path, rows)
    one_line_error(lambda: sim.compose([f"scenario.observed.area_A={{file: {path}, column: area}}"]),
                   "scenario.observed.area_A", *words)


def test_an_inline_share_above_one_is_refused_naming_its_date():
    one_line_error(lambda: sim.compose(["+scenario.observed={balance: {values: {2022-03-02: 1.5}}}"]),
                   "scenario.observed.balance", "value 1.5", "values[2022-03-02]", "0 to 1")


def test_a_calibration_refuses_a_negative_area_instead_of_writing_a_posterior(tmp_path):
    from conftest import negsim

    path = _csv(tmp_path, [("2022-02-26", 80000), ("2022-03-01", -5)])
    proc = negsim("experiment=calibrate_2022", f"scenario.observed.area_A={{file: {path}, column: area}}",
                  f"hydra.run.dir={tmp_path / 'run'}")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "value -5" in proc.stderr, proc.stderr
    assert not (tmp_path / "run" / "posterior.parquet").exists()
