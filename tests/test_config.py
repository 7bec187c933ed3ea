"""Every config composes and runs; bad values stop `negsim` with one clear line."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from conftest import CONF, ROOT, make_cfg
from sim import ConfigError, simulate

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
    ("scenario.parties.russia.salience.ceasefire=-0.1", ["scenario.parties.russia.salience.ceasefire", ">= 0"]),
    ("scenario.parties.russia.tactic.name=stubborn", ["scenario.parties.russia.tactic.name", "faratin, reciprocal, rubinstein"]),
    ("mediator.rule=coin_flip", ["mediator.rule", "split, compromise, nash, kalai"]),
    ("scenario.calendar.0.format=summit", ["scenario.calendar.0.format", "delegation, ministers, leaders"]),
    ("+scenario.parties.russia.ideal.crimea=0.5", ["scenario.parties.russia.ideal.crimea", "ceasefire, neutrality"]),
    ("scenario.days=10", ["scenario.calendar.2.day", "[0, 9]"]),
    ("replications=0", ["replications", ">= 1"]),
    ("replications=many", ["replications", "Integer"]),
    ("scenario=atlantis", ["scenario/atlantis", "russia_ukraine_2022, symmetric_dyad"]),
]


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
    with pytest.raises(ConfigError, match=r"mediator.bias=2.0 .*\[-1, 1\]"):
        simulate(cfg)


def test_salience_must_sum_to_one():
    with pytest.raises(ConfigError, match="scenario.parties.ukraine.salience.*sum to 1"):
        simulate(make_cfg("scenario.parties.ukraine.salience.ceasefire=0.5"))
