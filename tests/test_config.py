"""Every config composes and runs; bad values stop `negsim` with one clear line."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from conftest import CONF, ROOT, make_cfg
from omegaconf import open_dict

from sim import ConfigError, simulate
from sim.config import IssueConfig

GROUPS = {g: sorted(p.stem for p in (CONF / g).glob("*.yaml")) for g in ("scenario", "mediator", "war")}


@pytest.mark.parametrize("scenario,mediator,war", list(itertools.product(*GROUPS.values())))
def test_every_config_composes_and_runs_a_few_days(scenario, mediator, war):
    cfg = make_cfg(f"scenario={scenario}", f"mediator={mediator}", f"war={war}", "replications=3", "scenario.days=12")
    result = simulate(cfg)
    n_issues = len(cfg.scenario.issues)
    assert len(result.outcomes) == 3 * n_issues
    assert result.timeline["day"].max() == 12


def test_defaults_are_the_2022_scenario_with_200_replications():
    cfg = make_cfg()
    assert cfg.scenario.name == "russia_ukraine_2022"
    assert cfg.replications == 200
    assert isinstance(cfg.seed, int)


def run_cli(*overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *overrides, "hydra.run.dir=/tmp/negsim-never-written"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )


BAD = [
    # (override, words the one line must contain: the key and what is allowed)
    ("scenario.parties.russia.ideal.ceasefire=1.5", ["scenario.parties.russia.ideal.ceasefire", "[0, 1]"]),
    ("+scenario.parties.ukraine.opening.withdrawal=-0.2", ["scenario.parties.ukraine.opening.withdrawal", "[0, 1]"]),
    ("scenario.parties.russia.salience.ceasefire=-0.1", ["scenario.parties.russia.salience.ceasefire", "[0, 1]"]),
    ("scenario.parties.russia.tactic.name=stubborn", ["scenario.parties.russia.tactic.name", "faratin, reciprocal, rubinstein"]),
    ("mediator.rule=coin_flip", ["mediator.rule", "split, compromise, nash, kalai"]),
    ("scenario.calendar.0.format=summit", ["scenario.calendar.0.format", "delegation, ministers, leaders"]),
    ("+scenario.parties.russia.ideal.crimea=0.5", ["scenario.parties.russia.ideal.crimea", "ceasefire, neutrality"]),
    ("scenario.days=10", ["scenario.calendar.2.day", "[0, 9]"]),
    ("replications=0", ["replications", "[1, 1e9]"]),
    ("replications=many", ["replications", "Integer"]),
    ("scenario=atlantis", ["scenario/atlantis", "russia_ukraine_2022, symmetric_dyad"]),
    ("seed=-1", ["seed", "[0, 2^63)"]),
    ("scenario.start_date=2022-02-30", ["scenario.start_date", "YYYY-MM-DD"]),
]


SWEEPS_AND_FOLDERS = [
    # a type error anywhere in a sweep's values, or with a folder of one's own, is one line too
    (["-m", "mediator.bias=-0.5,0", "replications=abc"], ["replications", "Integer"]),
    (["-m", "mediator.bias=-0.5,lots"], ["mediator.bias", "Float"]),
    (["experiment=ceasefire_commitment", "scenario.parties.russia.optimism=x"], ["scenario.parties.russia.optimism"]),
    (["--config-dir", str(ROOT / "conf"), "replications=abc"], ["replications", "Integer"]),
]


@pytest.mark.parametrize("args,words", SWEEPS_AND_FOLDERS, ids=[" ".join(a) for a, _ in SWEEPS_AND_FOLDERS])
def test_sweeps_and_config_dirs_get_the_one_line_too(args, words):
    proc = subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("negsim: error:"), proc.stderr
    assert all(w in lines[0] for w in words)


def test_an_issue_no_party_cares_about_is_refused():
    cfg = make_cfg("scenario=symmetric_dyad")
    with open_dict(cfg):
        cfg.scenario.issues.water = IssueConfig(poles=["upstream", "downstream"])
        for party in cfg.scenario.parties.values():
            party.ideal.water = 0.5
    with pytest.raises(ConfigError, match=r"scenario.issues.water.*salience > 0"):
        simulate(cfg)


@pytest.mark.parametrize("override,words", BAD, ids=[b[0] for b in BAD])
def test_bad_value_stops_with_one_line_naming_key_and_allowed_values(override, words):
    proc = run_cli(override)
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("negsim: error:")
    for word in words:
        assert word in lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout


def test_validation_happens_before_any_simulation():
    cfg = make_cfg("mediator.bias=2")
    with pytest.raises(ConfigError, match=r"mediator.bias=2(\.0)? .*\[-1, 1\]"):
        simulate(cfg)


def test_salience_must_sum_to_one():
    with pytest.raises(ConfigError, match="scenario.parties.ukraine.salience.*sum to 1"):
        simulate(make_cfg("scenario.parties.ukraine.salience.ceasefire=0.5"))
