"""The command: what a single run writes, its help, version, completion, the Python API,
the warning before a large run, and folders named only from safe names."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import CONF, ROOT, negsim, one_line_error
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode
from omegaconf import OmegaConf

import sim
from sim.commands import budget, cli
from sim.commands.precheck import hydra_app, precheck, spell
from sim.runs.store import DEPENDENCIES, safe_name


def test_negsim_writes_tables_config_versions_and_plots(tmp_path):
    out = tmp_path / "run"
    proc = negsim("replications=20", "mediator.bias=0.2", f"hydra.run.dir={out}", timeout=300)
    assert proc.returncode == 0, proc.stderr
    for name in ("outcomes.parquet", "worlds.parquet", "rounds.parquet", "timeline.parquet", "config.yaml", "versions.json",
                 "positions.png", "agreement.png", "balance.png"):
        assert (out / name).stat().st_size > 0, name
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert {"replication", "issue", "agreed", "day", "round", "terms", "held"} <= set(outcomes.columns)
    assert outcomes["replication"].nunique() == 20
    saved = yaml.safe_load((out / "config.yaml").read_text())
    assert saved["mediator"]["bias"] == 0.2 and saved["replications"] == 20
    # the versions a published result needs to be reproduced
    versions = json.loads((out / "versions.json").read_text())
    assert versions["negsim"] == metadata.version("negsim")
    assert all(versions[name] == metadata.version(name) for name in DEPENDENCIES)
    # the summary names every issue with its share agreed and interval, and where the files are
    for issue in saved["scenario"]["issues"]:
        assert issue in proc.stdout
    assert "share agreed [95% CI]" in proc.stdout
    assert str(out) in proc.stdout
    assert not list(out.glob("*.tmp*")), "no half-written files left behind"
    assert not list(out.glob("*.log")), "no empty job log that nothing documents"


def test_help_says_what_negsim_does_its_commands_and_where_the_reference_is(capsys):
    cli.main(["--help"])
    text = capsys.readouterr().out
    first = text.splitlines()[0]
    assert first.startswith("negsim ") and "simulation of negotiations" in first and "war" in first
    for command in ("negsim [KEY=VALUE", "negsim experiment=", "negsim -m ", "negsim-report FOLDER",
                    "negsim-view [KEY=VALUE", "python -m sim.bench"):
        assert command in text, command
    assert "Examples" in text and "Config reference: README.md" in text and "sim/schema/config.py" in text
    assert "negsim --cfg job" in text  # the config dump is behind a flag, not in the help
    assert "powered by Hydra" not in text and "== Config ==" not in text
    # every option of every config group, from conf/
    for path in (CONF / "scenario").glob("*.yaml"):
        assert path.stem in text


def test_version_is_negsims_own(capsys):
    cli.main(["--version"])
    assert capsys.readouterr().out == f"negsim {metadata.version('negsim')}\n"


def test_tab_completion_as_readme_shows_it():
    readme = (ROOT / "README.md").read_text()
    assert 'eval "$(negsim -sc install=bash)"' in readme
    install = subprocess.run([sys.executable, "-m", "sim", "-sc", "install=bash"], capture_output=True, text=True,
                             cwd=ROOT, timeout=120)
    assert install.returncode == 0 and "complete" in install.stdout
    # what bash asks once the script is installed: the keys that complete a prefix
    query = subprocess.run([sys.executable, "-m", "sim", "-sc", "query=bash"], capture_output=True, text=True,
                           cwd=ROOT, timeout=120, env={"COMP_LINE": "negsim mediator.bi", "PATH": ""})
    assert query.stdout.split() == ["mediator.bias="]


def test_compose_gives_a_checked_config_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # far from conf/
    cfg = sim.compose(["replications=3", "scenario.days=12"])
    assert cfg.replications == 3 and cfg.scenario.name == "russia_ukraine_2022"
    assert len(sim.simulate(cfg).outcomes) == 3 * len(cfg.scenario.issues)
    with pytest.raises(sim.ConfigError, match=r"^mediator.bias=2 is not allowed; allowed: a number in \[-1, 1\], or a distribution"):
        sim.compose(["mediator.bias=2"])
    with pytest.raises(sim.ConfigError, match=r"^foo is not a config key"):
        sim.compose(["+foo=1"])


def test_compose_reads_a_folder_of_ones_own_and_leaves_the_callers_hydra_alone(tmp_path):
    mine = tmp_path / "my_conf"
    (mine / "scenario").mkdir(parents=True)
    dyad = (CONF / "scenario" / "symmetric_dyad.yaml").read_text()
    (mine / "scenario" / "my_dyad.yaml").write_text(dyad.replace("name: symmetric_dyad", "name: my_dyad"))
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):  # a notebook's own Hydra
        cfg = sim.compose(["scenario=my_dyad"], config_dir=mine)
        assert cfg.scenario.name == "my_dyad"
        assert hydra_compose("config").scenario.name == "russia_ukraine_2022"  # the caller's Hydra still works
    assert not GlobalHydra.instance().is_initialized()


def test_a_missing_config_dir_is_named_not_the_option_it_was_looked_for_in(tmp_path):
    missing = tmp_path / "my_conf"
    one_line_error(lambda: sim.compose(["scenario=my_war"], config_dir=missing), "--config-dir", str(missing), "folder")
    proc = negsim("--config-dir", str(missing), "scenario=my_war")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert str(missing) in proc.stderr and "not an option" not in proc.stderr and "Warning" not in proc.stderr


@pytest.mark.parametrize("typed, accepted", [
    ("design.axes={mediator.bias: [-0.5, 0.5]}", "++design.axes={mediator.bias: [-0.5, 0.5]}"),
    ("+scenario.events.my_event={day: 20}", "+scenario.events={my_event: {day: 20}}"),
    ("+scenario.parties.belarus={side: A}", "+scenario.parties={belarus: {side: A}}"),
    ("scenario.events.sanctions.set={mediator.bias: 0.1}", "++scenario.events.sanctions.set={mediator.bias: 0.1}"),
    # left to Hydra and the checks: a plain value, a dataclass node, a new key of an open map, a sweep
    ("mediator.bias=0.2", "mediator.bias=0.2"),
    ("scenario.events.sanctions={day: 3}", "scenario.events.sanctions={day: 3}"),
    ("+design.axes.war.noise={dist: uniform, low: 0.1, high: 0.5}", "+design.axes.war.noise={dist: uniform, low: 0.1, high: 0.5}"),
    ("design.axes={a: [1]},{b: [2]}", "design.axes={a: [1]},{b: [2]}"),
])
def test_overrides_as_users_type_them_are_spelled_as_hydra_accepts_them(typed, accepted):
    assert spell(typed) == accepted


def test_an_event_and_design_axes_given_as_users_type_them_compose():
    cfg = sim.compose(["+scenario.events.my_event={day: 20, set: {mediator.bias: 0.2}}",
                       "design.axes={mediator.bias: [-0.5, 0, 0.5], mediator.rule: [split, nash]}"])
    assert cfg.scenario.events.my_event.day == 20 and cfg.scenario.events.my_event.set == {"mediator.bias": 0.2}
    assert "sanctions" in cfg.scenario.events  # added beside the scenario's own events
    assert dict(cfg.design.axes) == {"mediator.bias": [-0.5, 0, 0.5], "mediator.rule": ["split", "nash"]}


def test_counterfactuals_print_their_effects_and_a_design_its_points(tmp_path):
    proc = negsim("experiment=counterfactuals_2022", "replications=6", "plots=false", f"hydra.run.dir={tmp_path / 'cf'}")
    assert proc.returncode == 0, proc.stderr
    effects = proc.stdout[proc.stdout.index("effects:"):]
    assert "difference [95% CI]" in effects
    table = pd.read_csv(tmp_path / "cf" / "effects.csv")
    for variant, outcome in zip(table["variant"], table["outcome"]):
        assert re.search(rf"{variant}\s+{outcome}\s", effects), (variant, outcome)
    assert "pp [" in effects  # a share's difference in percentage points, with its interval
    proc = negsim("experiment=mediator_rule_bias", "design.replications=4", "plots=false", f"hydra.run.dir={tmp_path / 'd'}")
    assert proc.returncode == 0, proc.stderr
    assert "pooled over the 20 points of the design, which vary mediator.rule (4 values), mediator.bias (5 values)" \
        in proc.stdout
    per_point = proc.stdout[proc.stdout.index("median terms per point"):]
    assert len(re.findall(r"^\s+(split|compromise|nash|kalai)\s", per_point, re.M)) == 20


def test_a_run_that_writes_more_than_100_mb_says_so_and_how_to_avoid_it(capsys):
    precheck(["replications=50000", "hydra.run.dir=/tmp/negsim-never-written"])
    note = capsys.readouterr().err
    assert note.startswith("negsim: note: this run will write up to") and "MB" in note
    assert "record.rounds=false record.timeline=false" in note
    precheck(["replications=50000", "record.rounds=false", "record.timeline=false",
              "hydra.run.dir=/tmp/negsim-never-written"])
    precheck(["hydra.run.dir=/tmp/negsim-never-written"])
    assert capsys.readouterr().err == ""


def test_the_size_estimate_bounds_what_a_run_writes(tmp_path):
    """The estimate is an upper bound, and not a loose one: measured on a real run."""
    cfg = sim.compose(["replications=1000"])
    result = sim.simulate(cfg)
    estimate = budget.footprint(result.config).disk
    for name in ("outcomes", "rounds", "timeline"):
        path = tmp_path / f"{name}.parquet"
        getattr(result, name).to_parquet(path, index=False)
        written = path.stat().st_size
        assert written <= estimate[name] <= 2 * written, (name, written, estimate[name])


@pytest.mark.parametrize("folder", ["run", "sweep"])
def test_run_and_sweep_folders_are_built_from_safe_names(folder):
    with hydra_app() as app:
        cfg = app.compose_config("config", ["scenario.name=../../../../escaped"], run_mode=RunMode.RUN)
    path = Path(OmegaConf.select(cfg, f"hydra.{folder}.dir"))
    assert path.parts[:3] == ("results", f"{folder}s", "escaped") and ".." not in path.parts


@pytest.mark.parametrize("name", ["../../x", "a/b", "..", ".", "", "/etc", "a\\b", "\udcff", "x" * 300, "Київ 2022"])
def test_safe_name_is_one_folder_name(name):
    safe = safe_name(name)
    assert safe and safe not in (".", "..") and "/" not in safe and "\\" not in safe and len(safe) <= 100
    safe.encode("utf-8")  # never a byte the filesystem may refuse


def test_a_sweep_is_refused_for_memory_only_by_what_its_points_keep(monkeypatch):
    """Sweep points keep only outcomes (no rounds, no timeline): memory that fits those
    passes; the same memory refuses a single run that keeps its rounds and timeline."""
    from sim.commands.precheck import Refused
    from sim.schema.config import to_config

    cfg = sim.compose(["replications=20000", "record.rounds=false", "record.timeline=false"])
    lean = budget.footprint(to_config(cfg)).memory
    full = budget.footprint(to_config(sim.compose(["replications=20000"]))).memory
    assert full > 2 * lean
    monkeypatch.setattr(budget, "available_memory", lambda: 2 * lean)
    precheck(["-m", "replications=20000", "mediator.bias=0,0.5", "hydra.sweep.dir=/tmp/negsim-never-written"])
    with pytest.raises(Refused, match="of memory"):
        precheck(["replications=20000", "hydra.run.dir=/tmp/negsim-never-written"])


def test_bench_profile_says_where_the_time_of_a_run_goes():
    """README's breakdown of a run's time comes from `python -m sim.bench profile`, run as
    README shows it: in a process of its own (a test worker's earlier profiling can leave
    cProfile's accounting of the call inconsistent)."""
    proc = negsim("profile", module="sim.bench")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    shares = {label: int(share) for label, share in re.findall(r"^  (the rounds|the days of war|drawing the noise streams)"
                                                              r" +(\d+)%$", text, flags=re.M)}
    assert set(shares) == {"the rounds", "the days of war", "drawing the noise streams"}
    assert 60 <= sum(shares.values()) <= 100  # the rest: building the model and its tables
    assert len(re.findall(r"^ +\d+\.\d%  \S+\.py:\S+$", text, flags=re.M)) == 12  # also <lambda>, <genexpr>
