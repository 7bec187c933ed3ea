"""Named studies: each composes, says its question and runs from the command line; designs
run in one process and give the tables Hydra's sweeps gave; a design split into chunks on
any launcher joins into the unsplit design's tables."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from conftest import ROOT, make_cfg, negsim

from sim import simulate

STUDIES = sorted(p.stem for p in (ROOT / "experiments").glob("*.yaml"))
SMALL = {"design.replications": "3", "replications": "3", "design.points": "12", "analysis.samples": "8"}


def small(study: str) -> list[str]:
    """Overrides that keep a study quick: few worlds per point, few points for samplers."""
    cfg = make_cfg(f"experiment={study}")
    if cfg.calibrate.parameters:
        return ["calibrate.draws=4000", "calibrate.accept=0.05", "calibrate.predictive=200"]
    keep = [f"{k}={v}" for k, v in SMALL.items()
            if (k != "design.points" or str(cfg.design.sampler) != "Sampler.grid") and (k != "analysis.samples" or cfg.analysis.method)]
    return keep + ([] if study == "mediator_rule_bias" else ["plots=false"])  # one study draws its plots


@pytest.mark.parametrize("study", STUDIES)
def test_every_study_says_its_question_and_composes(study):
    text = (ROOT / "experiments" / f"{study}.yaml").read_text()
    assert text.startswith("# @package _global_") and "Question:" in text and f"experiment={study}" in text
    make_cfg(f"experiment={study}")


@pytest.mark.parametrize("study", STUDIES)
def test_every_study_runs_from_the_command_line(study, tmp_path):
    proc = negsim(f"experiment={study}", *small(study), f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    if make_cfg(f"experiment={study}").calibrate.parameters:
        for name in ("posterior.parquet", "calibration.csv", "posterior.png", "predictive.png"):
            assert (tmp_path / name).stat().st_size > 0, name
        return
    design = bool(make_cfg(f"experiment={study}").design.axes)
    for name in ("outcomes.parquet", "worlds.parquet", "config.yaml", "report.html", *(["summary.csv"] * design)):
        assert (tmp_path / name).stat().st_size > 0, name
    if study == "mediator_rule_bias":
        assert (tmp_path / "heatmap_mediator.rule_mediator.bias.png").stat().st_size > 0
    again = negsim(str(tmp_path), module="sim.commands.report")  # negsim-report on a design folder
    assert again.returncode == 0, again.stderr


def test_a_study_as_a_design_gives_the_tables_of_the_hydra_sweep(tmp_path):
    """mediator_rule_bias on two rules and two biases, as a design and as a Hydra sweep."""
    rules, biases = ["split", "nash"], [-0.25, 0.5]
    design = simulate(make_cfg("experiment=mediator_rule_bias", "design.replications=15",
                               f"design.axes={{mediator.rule: {rules}, mediator.bias: {biases}}}"))
    proc = negsim("-m", f"mediator.rule={','.join(rules)}", f"mediator.bias={','.join(map(str, biases))}",
                  "replications=15", f"hydra.sweep.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    swept = pd.read_parquet(tmp_path / "outcomes.parquet").drop(columns="point")
    keys = ["mediator.rule", "mediator.bias", "replication", "issue"]
    a = design.outcomes.drop(columns="point").sort_values(keys, ignore_index=True)
    b = swept.sort_values(keys, ignore_index=True)[a.columns]
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_dtype=False, check_categorical=False)


@pytest.mark.parametrize("launcher", [
    [], ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
    pytest.param(["hydra/launcher=ray", "+hydra.launcher.ray.init.num_cpus=2"], marks=pytest.mark.slow),
], ids=["basic", "joblib", "ray"])
def test_chunks_of_a_design_join_into_the_unsplit_tables(launcher, tmp_path):
    if "hydra/launcher=ray" in launcher:
        pytest.importorskip("hydra_plugins.hydra_ray_launcher", reason="the ray extra: pip install -e '.[ray]'")
    study = ["experiment=concession_tactics", "design.replications=6"]
    proc = negsim("-m", *study, "design.chunk=1/3,2/3,3/3", *launcher, f"hydra.sweep.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    whole = simulate(make_cfg(*study))
    for name in ("outcomes", "worlds"):
        joined = pd.read_parquet(tmp_path / f"{name}.parquet")
        pd.testing.assert_frame_equal(joined, getattr(whole, name).reset_index(drop=True), check_exact=True)
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert summary["point"].nunique() == 25


def test_uncertainty_2022_draws_every_world_inside_the_ranges(tmp_path):
    study = yaml.safe_load((ROOT / "experiments" / "uncertainty_2022.yaml").read_text())
    res = simulate(make_cfg("experiment=uncertainty_2022", "design.points=40", "replications=2"))
    assert len(res.worlds) == 80
    for path, spec in study["design"]["axes"].items():
        values = res.points[path]
        assert values.between(spec["low"], spec["high"]).all(), path
