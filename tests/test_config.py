"""Every config composes and runs; bad values stop `negsim` with one clear line."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from conftest import CONF, ROOT, make_cfg, negsim
from omegaconf import open_dict

from sim import ConfigError, compose, simulate
from sim.commands import cli
from sim.schema.config import IssueConfig

GROUPS = {g: sorted(p.stem for p in (CONF / g).glob("*.yaml")) for g in ("scenario", "mediator", "war")}


@pytest.mark.parametrize("scenario,mediator,war", list(itertools.product(*GROUPS.values())))
def test_every_config_composes_and_runs(scenario, mediator, war):
    cfg = make_cfg(f"scenario={scenario}", f"mediator={mediator}", f"war={war}", "replications=3")
    result = simulate(cfg)  # at the scenario's own horizon: its events and suspensions are inside it
    n_issues = len(cfg.scenario.issues)
    assert len(result.outcomes) == 3 * n_issues
    assert result.timeline["day"].max() == cfg.scenario.days


def test_defaults_are_the_2022_scenario_with_200_replications():
    cfg = make_cfg()
    assert cfg.scenario.name == "russia_ukraine_2022"
    assert cfg.replications == 200
    assert isinstance(cfg.seed, int)


def cli_error(argv: list[str], capsys, monkeypatch) -> str:
    """`negsim argv` in this process: the one line it stops with (exit code 2), before Hydra runs."""
    monkeypatch.setattr(cli, "app", lambda: pytest.fail("the command reached the Hydra app"))
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert stopped.value.code == 2, err
    assert len(lines) == 1 and lines[0].startswith("negsim: error:"), err
    return lines[0]


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
    ("scenario=atlantis", ["scenario=atlantis", "russia_ukraine_2022, symmetric_dyad"]),
    ("seed=-1", ["seed", "[0, 2^63)"]),
    ("scenario.start_date=2022-02-30", ["scenario.start_date", "YYYY-MM-DD"]),
    # keys the schema does not have: the model would never read them
    ("+foo.bar=baz", ["foo is not a config key", "scenario, mediator, war, design"]),
    ("scenario.parties.russia.colour=red", ["scenario.parties.russia.colour is not a config key", "side, belligerent"]),
    # a new party one field at a time: the full key, and what a whole one needs
    ("+scenario.parties.belarus.cost=0.1", ["scenario.parties.belarus", "'+scenario.parties={belarus: {...}}'",
                                            "side, belligerent, ideal, salience"]),
    # more than this machine's memory: refused before it starts, not a MemoryError later
    ("scenario.days=1000000000", ["scenario.days=1000000000", "[1, 100000]"]),
    ("replications=1000000000", ["replications=1000000000", "memory"]),
    ("replications=100000000000000000000", ["replications=100000000000000000000", "[1, 1e9]"]),
    # folders: never the current folder by accident, never a file
    ("hydra.run.dir=", ["hydra.run.dir=''", "a folder path"]),
    ("mediator.bias=0,0.5", ["mediator.bias=0,0.5", "-m"]),
]


@pytest.mark.parametrize("override,words", BAD, ids=[b[0] for b in BAD])
def test_bad_value_stops_with_one_line_naming_key_and_allowed_values(override, words, capsys, monkeypatch):
    argv = [override] if override.startswith("hydra.") else [override, "hydra.run.dir=/tmp/negsim-never-written"]
    line = cli_error(argv, capsys, monkeypatch)
    for word in words:
        assert word in line


SWEEPS_AND_FOLDERS = [
    # a bad value anywhere in a sweep's values, or with a folder of one's own, is one line too
    (["-m", "mediator.bias=-0.5,0", "replications=abc"], ["replications", "Integer"]),
    (["-m", "mediator.bias=-0.5,lots"], ["mediator.bias='lots'", "[-1, 1]"]),
    (["-m", "mediator.bias=-0.5,0,7"], ["mediator.bias=7", "[-1, 1]"]),
    (["experiment=ceasefire_commitment", "scenario.parties.russia.optimism=x"], ["scenario.parties.russia.optimism"]),
    (["--config-dir", str(ROOT / "conf"), "replications=abc"], ["replications", "Integer"]),
    (["--config-name", "config", "replications=abc"], ["replications", "Integer"]),
    # an option that does not exist, in a sweep: nothing runs
    (["-m", "scenario=russia_ukraine_2022,nope"], ["scenario=nope", "russia_ukraine_2022, symmetric_dyad"]),
    # a fixed bad value with a study: refused before its points run
    (["experiment=mediator_rule_bias", "mediator.bias=7"], ["mediator.bias=7", "[-1, 1]"]),
    # swept keys the schema does not have (they would also clash with the table's columns)
    (["-m", "+issue=1,2"], ["issue is not a config key"]),
    (["-m", "+point=1,2"], ["point is not a config key"]),
    (["-m", "+replication=1,2"], ["replication is not a config key"]),
    # every point's folder stays inside the sweep folder, one folder per point
    (["-m", "mediator.bias=0,0.3", "hydra.sweep.subdir=../escaped"], ["hydra.sweep.subdir", "'..'"]),
    (["-m", "mediator.bias=0,0.3", "hydra.sweep.subdir=same"], ["hydra.sweep.subdir", "same folder", "hydra.job.num"]),
]


@pytest.mark.parametrize("args,words", SWEEPS_AND_FOLDERS, ids=[" ".join(a) for a, _ in SWEEPS_AND_FOLDERS])
def test_sweeps_and_config_dirs_get_the_one_line_too(args, words, capsys, monkeypatch, tmp_path):
    line = cli_error([*args, f"hydra.sweep.dir={tmp_path}"] if "-m" in args else args, capsys, monkeypatch)
    assert all(w in line for w in words), line


def test_a_value_that_fails_only_with_another_fails_as_its_point_not_up_front(capsys, monkeypatch, tmp_path):
    """Each value of a sweep is checked once, with the others at their first values: 10
    days is enough for the dyad (checked), not for the 2022 calendar (left to its point)."""
    reached = []
    monkeypatch.setattr(cli, "app", lambda: reached.append(True))
    cli.main(["-m", "scenario=symmetric_dyad,russia_ukraine_2022", "scenario.days=30,10", f"hydra.sweep.dir={tmp_path}"])
    assert reached


def test_output_folder_that_is_a_file_or_cannot_be_written(capsys, monkeypatch, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("")
    assert "is a file" in cli_error([f"hydra.run.dir={afile}"], capsys, monkeypatch)
    assert "is a file" in cli_error([f"hydra.run.dir={afile}/run"], capsys, monkeypatch)
    assert "is a file" in cli_error(["-m", "seed=1,2", f"hydra.sweep.dir={afile}"], capsys, monkeypatch)
    if Path("/proc/self").exists():  # a read-only place, even for root
        assert "cannot be written" in cli_error(["hydra.run.dir=/proc/negsim"], capsys, monkeypatch)


def test_an_argument_that_is_not_utf8_is_refused_before_anything_runs(capsys, monkeypatch):
    line = cli_error(["scenario.name=\udcff\udcfe"], capsys, monkeypatch)  # bytes ff fe, as Python passes them
    assert "scenario.name=\\xff\\xfe" in line and "UTF-8" in line


def test_a_user_config_file_with_an_error_is_named_with_its_line(capsys, monkeypatch, tmp_path):
    (tmp_path / "scenario").mkdir()
    dyad = (CONF / "scenario" / "symmetric_dyad.yaml").read_text()
    (tmp_path / "scenario" / "typo.yaml").write_text(dyad + "  oops: [1, 2\n")
    (tmp_path / "scenario" / "wrong_type.yaml").write_text(dyad.replace("days: 30", "days: thirty"))
    line = cli_error(["--config-dir", str(tmp_path), "scenario=typo"], capsys, monkeypatch)
    n_lines = len(dyad.splitlines())
    assert str(tmp_path / "scenario" / "typo.yaml") in line and f"line {n_lines + 2}" in line
    line = cli_error(["--config-dir", str(tmp_path), "scenario=wrong_type"], capsys, monkeypatch)
    assert "scenario.days" in line and "Integer" in line and "scenario/wrong_type.yaml" in line


def test_a_new_party_added_whole_as_the_message_says_composes():
    ideal = ", ".join(f"{issue}: 0.5" for issue in make_cfg().scenario.issues)
    cfg = compose([f"+scenario.parties={{belarus: {{side: A, belligerent: false, ideal: {{{ideal}}}, "
                   "salience: {ceasefire: 1}, cost: 0.1}}"])
    assert cfg.scenario.parties.belarus.cost == 0.1 and "russia" in cfg.scenario.parties


def test_the_real_command_gives_one_line_and_exit_code_2():
    proc = negsim("replications=0", "hydra.run.dir=/tmp/negsim-never-written", timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["negsim: error: replications=0 is not allowed; allowed: an integer in [1, 1e9]"]
    assert not Path("/tmp/negsim-never-written").exists()


def test_an_issue_no_party_cares_about_is_refused():
    cfg = make_cfg("scenario=symmetric_dyad")
    with open_dict(cfg):
        cfg.scenario.issues.water = IssueConfig(poles=["upstream", "downstream"])
        for party in cfg.scenario.parties.values():
            party.ideal.water = 0.5
    with pytest.raises(ConfigError, match=r"scenario.issues.water.*salience > 0"):
        simulate(cfg)


def test_validation_happens_before_any_simulation():
    cfg = make_cfg("mediator.bias=2")
    with pytest.raises(ConfigError, match=r"mediator.bias=2(\.0)? .*\[-1, 1\]"):
        simulate(cfg)


def test_salience_must_sum_to_one():
    with pytest.raises(ConfigError, match="scenario.parties.ukraine.salience.*sum to 1"):
        simulate(make_cfg("scenario.parties.ukraine.salience.ceasefire=0.5"))
