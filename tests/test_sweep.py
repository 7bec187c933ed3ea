"""Sweeps: launchers agree exactly, failures are recorded, a sweep aggregates exactly its own plan.

A killed or interrupted sweep, a full disk and damaged folders: tests/test_faults.py."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import ROOT, negsim

SMALL = ["-m", "mediator.bias=-0.3,0,0.4", "scenario.parties.russia.optimism=0.1,0.3", "replications=40"]


def test_sweep_writes_aggregate_summary_and_plots(tmp_path):
    proc = negsim(*SMALL, f"hydra.sweep.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr
    outcomes = pd.read_parquet(tmp_path / "outcomes.parquet")
    # one column per swept parameter, every point once, every replication of each point once
    assert {"mediator.bias", "scenario.parties.russia.optimism"} <= set(outcomes.columns)
    per_point = outcomes.groupby(["mediator.bias", "scenario.parties.russia.optimism"])["replication"].nunique()
    assert len(per_point) == 6 and (per_point == 40).all()
    # the merged table keeps the points' types: day and round are nullable integers
    assert str(outcomes["day"].dtype) == "Int64" and str(outcomes["round"].dtype) == "Int64"
    # a sweep keeps only each point's outcomes (rounds and timelines are opt-in)
    assert not list(tmp_path.glob("*/rounds.parquet")) and not list(tmp_path.glob("*/timeline.parquet"))
    assert (tmp_path / "versions.json").exists() and len(list(tmp_path.glob("*/versions.json"))) == 6
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert len(summary) == 6 * outcomes["issue"].nunique()
    assert ((summary.ci_low <= summary.share_agreed) & (summary.share_agreed <= summary.ci_high)).all()
    for plot in ("share_vs_mediator.bias.png", "share_vs_scenario.parties.russia.optimism.png",
                 "heatmap.png", "days_to_agreement.png"):
        assert (tmp_path / plot).stat().st_size > 0
    # progress: points done, left, time left
    assert "6/6 points done, 0 left" in proc.stderr


def assert_launcher_matches_basic(tmp_path, *launcher_args):
    """The SMALL sweep's merged table on another launcher equals the basic one exactly."""
    basic, other = tmp_path / "basic", tmp_path / "other"
    assert negsim(*SMALL, f"hydra.sweep.dir={basic}").returncode == 0
    proc = negsim(*SMALL, f"hydra.sweep.dir={other}", *launcher_args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    keys = ["mediator.bias", "scenario.parties.russia.optimism", "replication", "issue"]
    a, b = (pd.read_parquet(d / "outcomes.parquet").drop(columns="point").sort_values(keys).reset_index(drop=True)
            for d in (basic, other))
    pd.testing.assert_frame_equal(a, b)


# slow (~25 s): two launchers over a 20-point sweep; the chunk tests keep joblib in the default suite
@pytest.mark.slow
def test_basic_and_joblib_launchers_give_identical_tables(tmp_path):
    assert_launcher_matches_basic(tmp_path, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")


def test_failed_point_is_recorded_and_the_rest_aggregated(tmp_path):
    # each value alone is checked up front; 10 days fail only with the 2022 calendar (a round on day 11)
    proc = negsim("-m", "scenario=symmetric_dyad,russia_ukraine_2022", "scenario.days=30,10", "replications=5",
                  f"hydra.sweep.dir={tmp_path}")
    assert proc.returncode != 0
    assert "FAILED point 3" in proc.stderr and "scenario.calendar.2.day" in proc.stderr
    records = [json.loads(p.read_text()) for p in tmp_path.glob("*/done.json")]
    assert sorted(r["status"] for r in records) == ["failed", "ok", "ok", "ok"]
    outcomes = pd.read_parquet(tmp_path / "outcomes.parquet")
    assert sorted(outcomes.groupby(["scenario", "scenario.days"]).groups) == [
        ("russia_ukraine_2022", 30), ("symmetric_dyad", 10), ("symmetric_dyad", 30)]


def test_a_folder_holding_another_sweep_is_refused_unless_forced(tmp_path):
    assert negsim("-m", "mediator.bias=-0.4,0,0.5", "replications=10", f"hydra.sweep.dir={tmp_path}").returncode == 0
    other = ["-m", "mediator.bias=0.5,0.4", "replications=12", f"hydra.sweep.dir={tmp_path}"]
    refused = negsim(*other)
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        f"negsim: error: hydra.sweep.dir={tmp_path} holds another sweep (3 points: mediator.bias=-0.4,0,0.5 "
        "replications=10); rerun with --force to replace its plan, or choose another folder"]
    forced = negsim(*other, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "skipped" not in forced.stderr and "2/2 points done, 0 left" in forced.stderr
    # exactly the new plan's points, once each, with their new config
    outcomes = pd.read_parquet(tmp_path / "outcomes.parquet")
    assert sorted(outcomes["mediator.bias"].unique()) == [0.4, 0.5]
    assert outcomes.groupby("mediator.bias")["replication"].nunique().eq(12).all()
    assert not outcomes.duplicated(["mediator.bias", "replication", "issue"]).any()
    assert len(pd.read_csv(tmp_path / "summary.csv")) == 2 * outcomes["issue"].nunique()


def test_user_study_and_scenario_from_their_own_folder(tmp_path):
    mine = tmp_path / "my_conf"
    (mine / "experiment").mkdir(parents=True)
    (mine / "scenario").mkdir()
    dyad = (ROOT / "conf" / "scenario" / "symmetric_dyad.yaml").read_text()
    (mine / "scenario" / "my_dyad.yaml").write_text(dyad.replace("name: symmetric_dyad", "name: my_dyad"))
    (mine / "experiment" / "my_study.yaml").write_text(
        "# @package _global_\n# Question: a user's own study\n"
        "defaults:\n  - override /scenario: my_dyad\n"
        "replications: 10\nhydra:\n  mode: MULTIRUN\n  sweeper:\n    params:\n      mediator.rule: split,nash\n"
    )
    out = tmp_path / "sweep"
    proc = negsim("--config-dir", str(mine), "experiment=my_study", f"hydra.sweep.dir={out}")
    assert proc.returncode == 0, proc.stderr
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert set(outcomes["mediator.rule"]) == {"split", "nash"}
    assert set(outcomes["issue"]) == {"border"}


@pytest.mark.slow
def test_ray_launcher_gives_the_same_tables(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    assert_launcher_matches_basic(tmp_path, "hydra/launcher=ray", "+hydra.launcher.ray.init.num_cpus=2")


def test_a_sweep_over_scenarios_with_other_parties_aggregates(tmp_path):
    proc = negsim("-m", "scenario=glob(*)", "replications=5", f"hydra.sweep.dir={tmp_path}")  # every scenario
    assert proc.returncode == 0, proc.stderr
    outcomes = pd.read_parquet(tmp_path / "outcomes.parquet")
    assert set(outcomes["scenario"]) == {p.stem for p in (ROOT / "conf" / "scenario").glob("*.yaml")}
    assert outcomes.groupby("scenario")["replication"].nunique().eq(5).all()
    dyad = outcomes[outcomes["scenario"] == "symmetric_dyad"]
    assert dyad["cost_russia"].isna().all() and dyad["cost_a"].notna().all()
