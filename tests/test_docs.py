"""docs/outputs.md stays true to the code: its snippets run and its column lists are exact.

The snippets run in order, in one namespace, on a small run of the default scenario
written where they look for it (`results/runs/russia_ukraine_2022/<timestamp>/`).
CITATION.cff and CHANGELOG.md name the version in pyproject.toml.
"""

from __future__ import annotations

import re
import traceback

import pandas as pd
import pytest
import yaml

from conftest import ROOT, negsim

GUIDE = ROOT / "docs" / "outputs.md"
TABLES = ("outcomes", "rounds", "timeline")


def snippets(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def section(text: str, heading: str) -> str:
    """The text under a `## heading`, up to the next `## `."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"docs/outputs.md has no section '## {heading}'"
    return match.group(1)


def table_rows(block: str) -> list[list[str]]:
    """Cells of a Markdown table's body rows (the header and the |---| line dropped)."""
    rows = [ln for ln in block.splitlines() if ln.startswith("|")]
    return [[c.strip() for c in r.strip("|").split("|")] for r in rows[2:]]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A small default run, in a folder laid out as `negsim` lays out its runs."""
    home = tmp_path_factory.mktemp("docs")
    out = home / "results" / "runs" / "russia_ukraine_2022" / "2026-01-01_00-00-00"
    proc = negsim("replications=20", "plots=false", f"hydra.run.dir={out}", timeout=300)
    assert proc.returncode == 0, proc.stderr
    return home, out


def test_every_snippet_of_the_outputs_guide_runs(run, monkeypatch, capsys):
    home, _ = run
    blocks = snippets(GUIDE.read_text())
    assert len(blocks) >= 5, "the guide lost its snippets"
    monkeypatch.chdir(home)
    namespace: dict = {}
    for i, code in enumerate(blocks, 1):
        try:
            exec(compile(code, f"docs/outputs.md snippet {i}", "exec"), namespace)
        except Exception:  # noqa: BLE001 - name the snippet that drifted from the code
            pytest.fail(f"snippet {i} of docs/outputs.md fails:\n{code}\n{traceback.format_exc()}")
    assert "outcomes" in namespace and len(namespace["outcomes"]) == 20 * 5
    assert capsys.readouterr().out  # the snippets print their answers


def test_the_guide_lists_exactly_the_columns_of_each_table(run):
    _, out = run
    text = GUIDE.read_text()
    cfg = yaml.safe_load((out / "config.yaml").read_text())["scenario"]
    names = {
        "<party>": list(cfg["parties"]),
        "<issue>": list(cfg["issues"]),
        "<event>": list(cfg.get("events") or {}),
    }
    for table in TABLES:
        documented = set()
        for row in table_rows(section(text, f"{table}.parquet")):
            for name in re.findall(r"`([^`]+)`", row[0]):
                for placeholder, values in names.items():
                    if placeholder in name:
                        documented |= {name.replace(placeholder, v) for v in values}
                        break
                else:
                    documented.add(name)
        actual = set(pd.read_parquet(out / f"{table}.parquet").columns)
        assert documented == actual, f"{table}: documented only {documented - actual}, undocumented {actual - documented}"


def test_the_guide_shows_the_default_scenario_poles_and_ideals():
    text = GUIDE.read_text()
    cfg = yaml.safe_load((ROOT / "conf" / "scenario" / "russia_ukraine_2022.yaml").read_text())
    rows = table_rows(section(text, "Terms, poles and sides"))
    shown = {r[0].strip("`"): (r[1], r[2], float(r[3]), float(r[4])) for r in rows}
    expected = {
        issue: (*spec["poles"], cfg["parties"]["russia"]["ideal"][issue], cfg["parties"]["ukraine"]["ideal"][issue])
        for issue, spec in cfg["issues"].items()
    }
    assert shown == expected


def test_citation_and_changelog_name_the_package_version():
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and str(citation["version"]) == version
    assert f"## [{version}] - {citation['date-released']}" in (ROOT / "CHANGELOG.md").read_text()
