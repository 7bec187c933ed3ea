"""Sweeps: launchers agree exactly, failures are recorded, a killed sweep resumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT


def negsim(*args: str, timeout: int = 600, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, **kw)


SMALL = ["-m", "mediator.bias=-0.3,0,0.4", "scenario.parties.russia.optimism=0.1,0.3", "replications=40",
         "record.rounds=false", "record.timeline=false"]


def test_sweep_writes_aggregate_summary_and_plots(tmp_path):
    proc = negsim(*SMALL, f"hydra.sweep.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr
    outcomes = pd.read_parquet(tmp_path / "outcomes.parquet")
    # one column per swept parameter, every point once, every replication of each point once
    assert {"mediator.bias", "scenario.parties.russia.optimism"} <= set(outcomes.columns)
    per_point = outcomes.groupby(["mediator.bias", "scenario.parties.russia.optimism"])["replication"].nunique()
    assert len(per_point) == 6 and (per_point == 40).all()
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


def test_basic_and_joblib_launchers_give_identical_tables(tmp_path):
    assert_launcher_matches_basic(tmp_path, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")


def test_failed_point_is_recorded_and_the_rest_aggregated(tmp_path):
    proc = negsim("-m", "mediator.bias=0,7,0.5", "replications=20", f"hydra.sweep.dir={tmp_path}")
    assert proc.returncode != 0
    assert "FAILED point" in proc.stderr and "mediator.bias=7" in proc.stderr
    records = [json.loads(p.read_text()) for p in tmp_path.glob("*/done.json")]
    assert sorted(r["status"] for r in records) == ["failed", "ok", "ok"]
    outcomes = pd.read_parquet(tmp_path / "outcomes.parquet")
    assert sorted(outcomes["mediator.bias"].unique()) == [0.0, 0.5]


def test_sweep_killed_with_sigkill_resumes_without_redoing_or_duplicating(tmp_path):
    args = ["-m", "mediator.bias=-0.6,-0.3,0,0.3,0.6,0.9", "replications=4000", "record.rounds=false",
            "record.timeline=false", "plots=false", f"hydra.sweep.dir={tmp_path}"]
    first = subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while len(list(tmp_path.glob("*/done.json"))) < 2 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    finished = {p.parent.name: json.loads(p.read_text())["hash"] for p in tmp_path.glob("*/done.json")}
    assert 2 <= len(finished) < 6, "the kill must land mid-sweep"
    assert not (tmp_path / "outcomes.parquet").exists()

    # the report works on the unfinished folder and names what is missing
    partial = subprocess.run([sys.executable, "-m", "sim.report", str(tmp_path)], capture_output=True, text=True,
                             cwd=ROOT)
    assert partial.returncode == 1 and "MISSING point" in partial.stderr

    resumed = negsim(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stderr.count("already complete, skipped") == len(finished)
    outcomes = pd.read_parquet(tmp_path / "outcomes.parquet")
    assert outcomes.groupby("mediator.bias")["replication"].nunique().eq(4000).all()
    assert outcomes["mediator.bias"].nunique() == 6
    assert not outcomes.duplicated(["mediator.bias", "replication", "issue"]).any()
    assert not list(tmp_path.glob("*/.*.tmp"))


def test_changed_config_is_not_skipped(tmp_path):
    assert negsim("-m", "mediator.bias=0,0.2", "replications=10", f"hydra.sweep.dir={tmp_path}").returncode == 0
    again = negsim("-m", "mediator.bias=0,0.2", "replications=12", f"hydra.sweep.dir={tmp_path}")
    assert again.returncode == 0 and "skipped" not in again.stderr
    outcomes = pd.read_parquet(tmp_path / "outcomes.parquet")
    assert outcomes.groupby("mediator.bias")["replication"].nunique().eq(12).all()


@pytest.mark.parametrize("study", sorted(p.stem for p in (ROOT / "experiments").glob("*.yaml")))
def test_every_study_runs_and_leaves_summary_and_plots(study, tmp_path):
    text = (ROOT / "experiments" / f"{study}.yaml").read_text()
    assert text.startswith("# @package _global_") and "Question:" in text
    proc = negsim(f"experiment={study}", "replications=10", f"hydra.sweep.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "summary.csv").exists() and (tmp_path / "heatmap.png").exists()


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
    proc = negsim("-m", "scenario=russia_ukraine_2022,symmetric_dyad", "replications=5", f"hydra.sweep.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr
    outcomes = pd.read_parquet(tmp_path / "outcomes.parquet")
    assert outcomes.groupby("scenario")["replication"].nunique().eq(5).all()
    dyad = outcomes[outcomes["scenario"] == "symmetric_dyad"]
    assert dyad["cost_russia"].isna().all() and dyad["cost_a"].notna().all()


def test_report_lists_a_point_whose_table_is_gone_as_missing(tmp_path):
    assert negsim("-m", "mediator.bias=0,0.3", "replications=5", f"hydra.sweep.dir={tmp_path}").returncode == 0
    (tmp_path / "1" / "outcomes.parquet").unlink()
    proc = subprocess.run([sys.executable, "-m", "sim.report", str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1 and "MISSING point" in proc.stderr and "Traceback" not in proc.stderr
    assert pd.read_parquet(tmp_path / "outcomes.parquet")["mediator.bias"].unique().tolist() == [0.0]
