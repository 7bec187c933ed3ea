"""The docs stay true to the code: outputs.md's snippets run, its column lists are exact,
and every citation key has a bibliography entry.

The snippets run in order, in one namespace, on small runs written where they look for
them: a run of the default scenario (`results/runs/russia_ukraine_2022/<timestamp>/`, by the
`negsim` command), and small versions of the studies whose folders the guide reads
(`results/designs/...`, `results/analyses/...`, written in-process as `negsim` writes them).
CITATION.cff and CHANGELOG.md name the version in pyproject.toml.
"""

from __future__ import annotations

import re
import traceback
from collections import defaultdict

import pandas as pd
import pytest
import yaml
from conftest import ROOT, make_cfg, negsim

from sim.worlds.keys import flat_paths

GUIDE = ROOT / "docs" / "outputs.md"
BIBLIOGRAPHY = ROOT / "docs" / "bibliography.md"
TABLES = ("outcomes", "rounds", "timeline", "worlds")
STAMP = "2026-01-01_00-00-00"
# the study folders the guide reads, as small versions of the named studies
STUDIES = {
    "designs/mechanisms": ["experiment=mechanisms", "design.replications=3"],
    "designs/counterfactuals_2022": ["experiment=counterfactuals_2022", "replications=10"],
    "analyses/sensitivity_2022": ["experiment=sensitivity_2022", "analysis.samples=2", "replications=1"],
    "analyses/morris": ["experiment=sensitivity_2022", "analysis.method=morris", "analysis.samples=2", "replications=1"],
    "designs/uncertainty_2022": ["experiment=uncertainty_2022", "design.points=40", "replications=2", "analysis.method=prim",
                           "analysis.outcomes=[at_war_end]"],
}
# a citation: [Key] or [Key1; Key2], keys as in docs/bibliography.md (Name + year)
KEY = r"[A-Z][A-Za-z]+\d{4}[a-z]?"
CITATION = re.compile(rf"\[({KEY}(?:;\s*{KEY})*)\]")


def snippets(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def section(text: str, heading: str) -> str:
    """The text under a `## heading` (or `### heading`), up to the next heading of level 2 or 3."""
    match = re.search(rf"^###? {re.escape(heading)}\n(.*?)(?=^##|\Z)", text, re.S | re.M)
    assert match, f"docs/outputs.md has no section '{heading}'"
    return match.group(1)


def table_rows(block: str) -> list[list[str]]:
    """Cells of a Markdown table's body rows (the header and the |---| line dropped)."""
    rows = [ln for ln in block.splitlines() if ln.startswith("|")]
    return [[c.strip() for c in r.strip("|").split("|")] for r in rows[2:]]


def documented(heading: str, names: dict[str, list[str]], conditional: bool = False) -> set[str]:
    """The columns a section's table lists, each placeholder (`<issue>`, ...) expanded; those
    a table has only with some scenarios ("only with an ally", ...) only if `conditional`."""
    out = set()
    for row in table_rows(section(GUIDE.read_text(), heading)):
        if row[1].startswith("only ") and not conditional:
            continue
        for name in re.findall(r"`([^`]+)`", row[0]):
            for placeholder, values in names.items():
                if placeholder in name:
                    out |= {name.replace(placeholder, v) for v in values}
                    break
            else:
                out.add(name)
    return out


def flat(mapping: dict, prefix: str = "") -> list[str]:
    """Config paths of a nested mapping's leaves (a design's axes)."""
    out = []
    for key, value in mapping.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        out += flat(value, path) if isinstance(value, dict) and "dist" not in value else [path]
    return out


def placeholders(folder) -> dict[str, list[str]]:
    """What each placeholder of the guide stands for in a folder, from its config.yaml."""
    cfg = yaml.safe_load((folder / "config.yaml").read_text())
    axes = flat((cfg.get("design") or {}).get("axes") or {})
    sc = cfg["scenario"]
    return {"<party>": list(sc["parties"]), "<issue>": list(sc["issues"]), "<event>": list(sc.get("events") or {}),
            "<parameter>": axes, "<axis>": axes}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A small default run, in a folder laid out as `negsim` lays out its runs."""
    home = tmp_path_factory.mktemp("docs")
    out = home / "results" / "runs" / "russia_ukraine_2022" / STAMP
    proc = negsim("replications=20", "plots=false", f"hydra.run.dir={out}", timeout=300)
    assert proc.returncode == 0, proc.stderr
    return home, out


@pytest.fixture(scope="module")
def studies(run):
    """Small versions of the studies whose folders the guide reads, beside the run."""
    from sim.commands import study

    home, _ = run
    folders = {}
    for name, overrides in STUDIES.items():
        folders[name] = home / "results" / name / STAMP
        study.run(make_cfg(*overrides, "plots=false"), folders[name])
    return folders


def test_every_snippet_of_the_outputs_guide_runs(run, studies, monkeypatch, capsys):
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
    assert len(namespace["worlds"]) == 20
    assert capsys.readouterr().out  # the snippets print their answers


def test_the_guide_lists_exactly_the_columns_of_each_table(run):
    _, out = run
    names = placeholders(out)
    assert names["<parameter>"] == []  # a run of fixed values: no parameter columns
    for table in TABLES:
        actual = set(pd.read_parquet(out / f"{table}.parquet").columns)
        want = documented(f"{table}.parquet", names)
        assert want == actual, f"{table}: documented only {want - actual}, undocumented {actual - want}"


def test_the_guide_lists_the_columns_of_allies_and_suspensions_with_the_korean_scenario(tmp_path):
    """Korea has an ally and parties that suspend: the tables have the conditional columns too."""
    out = tmp_path / "korea"
    proc = negsim("scenario=korea_1951", "replications=5", "plots=false", f"hydra.run.dir={out}", timeout=300)
    assert proc.returncode == 0, proc.stderr
    names = placeholders(out)
    config = yaml.safe_load((out / "config.yaml").read_text())
    parties = config["scenario"]["parties"]

    # the config's values written as distributions: the worlds' parameter columns
    names["<parameter>"] = [f"scenario.{path}" for path, value in flat_paths(config["scenario"]).items()
                            if isinstance(value, dict)]
    assert names["<parameter>"] == ["scenario.events.patron_leadership_change.day"]
    not_fighting = {f"capability_{name}" for name, p in parties.items() if not p["belligerent"]}  # "for belligerents"
    for table in TABLES:
        heading = f"{table}.parquet"
        actual = set(pd.read_parquet(out / heading).columns)
        want = documented(heading, names, conditional=True) - not_fighting
        assert want == actual, f"korea {table}: documented only {want - actual}, undocumented {actual - want}"


def test_the_guide_lists_exactly_the_columns_of_designs_analyses_and_counterfactuals(studies):
    design = studies["designs/mechanisms"]
    names = placeholders(design)
    assert len(names["<axis>"]) == 5
    files = [
        (design, "worlds.parquet", "worlds.parquet"),
        (design, "summary.csv", "summary.csv"),
        (design, "switches.csv", "switches.csv"),
        (studies["designs/counterfactuals_2022"], "effects.csv", "effects.csv"),
        (studies["analyses/sensitivity_2022"], "sensitivity.csv", "sensitivity.csv (Sobol')"),
        (studies["analyses/morris"], "sensitivity.csv", "sensitivity.csv (Morris)"),
        (studies["designs/uncertainty_2022"], "prim.csv", "prim.csv"),
        (studies["designs/uncertainty_2022"], "worlds.parquet", "worlds.parquet"),  # 47 drawn parameters
    ]
    for folder, file, heading in files:
        frame = pd.read_parquet(folder / file) if file.endswith(".parquet") else pd.read_csv(folder / file)
        want = documented(heading, placeholders(folder))
        actual = set(frame.columns)
        assert want == actual, f"{folder.parent.name}/{file}: documented only {want - actual}, undocumented {actual - want}"
    # a design's outcomes: a run's columns, with `point` and one column per axis
    outcomes = set(pd.read_parquet(design / "outcomes.parquet").columns)
    assert outcomes == documented("outcomes.parquet", names) | {"point", *names["<axis>"]}
    # each variant's worlds: the baseline's columns and worlds, in the same order
    cf = studies["designs/counterfactuals_2022"]
    base = pd.read_parquet(cf / "worlds.parquet")
    variants = sorted(cf.glob("worlds_*.parquet"))
    assert len(variants) == 5
    for path in variants:
        other = pd.read_parquet(path)
        assert list(other.columns) == list(base.columns) and other["replication"].equals(base["replication"])


def test_every_cited_key_has_a_bibliography_entry():
    entries = set(re.findall(r"^\*\*\[(\w+)\]\*\*", BIBLIOGRAPHY.read_text(), re.M))
    cited = defaultdict(set)
    for folder in ("sim", "conf", "experiments", "docs"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".py", ".yaml", ".md") or not path.is_file():
                continue
            text = path.read_text()
            keys = [k.strip() for group in CITATION.findall(text) for k in group.split(";")]
            keys += re.findall(rf"^\s*source: ({KEY})\s*$", text, re.M)  # an observed series' source
            for key in keys:
                cited[key].add(str(path.relative_to(ROOT)))
    assert {"Fearon1995", "Powell2006", "Liveuamap2022", "Report2022"} <= set(cited)  # the search finds them
    missing = {key: sorted(paths) for key, paths in cited.items() if key not in entries}
    assert not missing, f"cited without an entry in docs/bibliography.md: {missing}"


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
