"""The single-run command writes the three tables, the resolved config and the plots."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import yaml

from conftest import ROOT


def test_negsim_writes_tables_config_and_plots(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "replications=20", "mediator.bias=0.2", f"hydra.run.dir={out}"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    for name in ("outcomes.parquet", "rounds.parquet", "timeline.parquet", "config.yaml",
                 "positions.png", "agreement.png", "balance.png"):
        assert (out / name).stat().st_size > 0, name
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert {"replication", "issue", "agreed", "day", "round", "terms", "held"} <= set(outcomes.columns)
    assert outcomes["replication"].nunique() == 20
    saved = yaml.safe_load((out / "config.yaml").read_text())
    assert saved["mediator"]["bias"] == 0.2 and saved["replications"] == 20
    # the summary names every issue with its share agreed and interval, and where the files are
    for issue in saved["scenario"]["issues"]:
        assert issue in proc.stdout
    assert "share agreed [95% CI]" in proc.stdout
    assert str(out) in proc.stdout
    assert not list(out.glob("*.tmp*")), "no half-written files left behind"
