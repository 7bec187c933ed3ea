"""report.html (sim/commands/page.py): one self-contained page per folder that a browser shows whole.

- a design folder with an analysis gives a page with the question, the drivers in words,
  the summary, every plot inlined and the config; it loads in headless Chromium with every
  image decoded and no console error (skipped, saying why, where Chromium is absent);
- the checker itself fails on a broken image and a console error;
- the study's question is read from its YAML comment block; drivers are ranked in words.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from browser import Browser, find_chromium
from conftest import ROOT, make_cfg

from sim import simulate
from sim.analysis.prim import analyze as prim_analyze
from sim.analysis.sensitivity import analyze
from sim.commands.page import boxes, drivers, study_question, write_report
from sim.figures import designs as study_plots
from sim.figures import drivers as analysis_plots
from sim.figures import talks as plots

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium not found: install Debian's package with `apt-get install -y chromium`")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """An analysis folder as the command line writes it: tables, config, plots, sensitivity.csv."""
    out = tmp_path_factory.mktemp("analysis")
    cfg = make_cfg(
        "+design.axes={scenario.parties.russia.tactic.budget: {dist: uniform, low: 0.03, high: 0.12},"
        " mediator.rule: [split, nash]}",
        "design.replications=2", "record.rounds=false", "record.timeline=false",
        "+analysis.method=sobol", "analysis.samples=16", "+analysis.outcomes=[at_war_end,day_ceasefire]",
    )
    result = simulate(cfg)
    result.worlds.to_parquet(out / "worlds.parquet")
    result.outcomes.to_parquet(out / "outcomes.parquet")
    (out / "config.yaml").write_text("seed: 20220224\nreplications: 2\n")
    table = analyze(cfg, result.points, result.worlds)
    table.to_csv(out / "sensitivity.csv", index=False)
    analysis_plots.indices(table, out / "sensitivity.png")
    study_plots.study(result.config, result.worlds, out)
    prim_table, (peeling,) = prim_analyze(make_cfg("+analysis.outcomes=[at_war_end]"), result.worlds)
    prim_table.to_csv(out / "prim.csv", index=False)
    analysis_plots.prim_trajectory(peeling, prim_table, out / "prim_at_war_end.png")
    return out


def test_the_page_holds_question_drivers_summary_plots_and_config(folder):
    page = write_report(folder, question="Which value decides whether the war goes on?", title="test study")
    text = page.read_text()
    assert page == folder / "report.html"
    assert "Which value decides whether the war goes on?" in text
    assert "at_war_end depends mostly on scenario.parties.russia.tactic.budget (total index" in text
    assert re.search(r"<li>at_war_end (is most likely where|holds in)", text)
    assert "Summary per issue" in text and "share_agreed" in text
    pngs = sorted(folder.glob("*.png"))
    assert len(pngs) >= 4
    assert text.count('<img src="data:image/png;base64,') == len(pngs)
    assert not re.search(r'(src|href)="(?!data:)[^"]*\.(png|css|js)"', text)  # nothing outside the page
    assert "<details><summary>The resolved config" in text and "replications: 2" in text


@needs_chromium
def test_the_page_renders_in_chromium_with_every_image_and_no_console_error(folder):
    page = write_report(folder, question="q", title="t")
    browser = Browser(CHROMIUM)
    try:
        shown = browser.load(page.as_uri())
    finally:
        browser.close()
    assert len(shown["images"]) == len(list(folder.glob("*.png")))
    assert all(complete and width > 0 for complete, width in shown["images"]), shown["images"]
    assert shown["errors"] == []


@needs_chromium
def test_the_browser_check_sees_a_broken_image_and_a_console_error(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><link rel=icon href="data:,"><img src="data:image/png;base64,AAAA">'
                   '<script>console.error("boom")</script>')
    browser = Browser(CHROMIUM)
    try:
        shown = browser.load(bad.as_uri())
    finally:
        browser.close()
    assert shown["images"] == [[True, 0]]
    assert [e["params"]["args"][0]["value"] for e in shown["errors"]] == ["boom"]


def test_the_question_is_the_comment_block_of_the_study():
    text = study_question(ROOT / "experiments" / "uncertainty_2022.yaml")
    assert text.startswith("the 2022 scenario states its judgement values as if they were known.")
    assert text.endswith("which share of worlds agrees on what, and when?")
    assert "Design:" not in text


def test_a_box_that_is_the_whole_space_is_said_so():
    box = pd.DataFrame({"outcome": ["at_war_end"], "parameter": [""], "low": [None], "high": [None], "values": [""],
                        "coverage": [1.0], "density": [0.93], "mass": [1.0], "qp": [None]})
    assert boxes(box) == ["at_war_end holds in 93% of all worlds; no box of parameter values makes it clearly more likely."]


def test_drivers_and_boxes_in_words():
    table = pd.DataFrame({
        "outcome": ["war"] * 3, "parameter": ["a", "b", "c"],
        "S1": [0.1, 0.5, 0.0], "S1_conf": [0.02] * 3, "ST": [0.4, 0.55, 0.01], "ST_conf": [0.02] * 3,
    })
    assert drivers(table) == [
        "war depends mostly on b (total index 0.55), then a (0.40, mostly through interactions); "
        "the other parameter has a total index below 0.05."]
    box = pd.DataFrame({"outcome": ["!agreed_ceasefire"] * 2, "parameter": ["deadline", "rule"], "low": [15, None],
                        "high": [18, None], "values": ["", "nash, split"], "coverage": [0.6] * 2, "density": [0.7] * 2,
                        "mass": [0.2] * 2, "qp": [1e-9, 1e-3]})
    assert boxes(box) == ["not agreed_ceasefire is most likely where deadline is 15–18 and rule is nash, split: "
                          "70% of the worlds in this box have it, and the box holds 60% of all worlds that do."]


def test_the_balance_plot_draws_each_belief_on_side_as_scale(tmp_path, monkeypatch):
    """Side A's belief is its own chance of prevailing, drawn as is; side B's is flipped."""
    result = simulate(make_cfg("replications=20"))
    sides = {n: p.side for n, p in result.config.scenario.parties.items()}
    drawn = {}
    monkeypatch.setattr(plots, "save", lambda fig, path, tight=True: drawn.setdefault("fig", fig))
    plots.balance(result.timeline, sides, tmp_path / "balance.png")
    lines = {line.get_label(): line.get_ydata() for line in drawn["fig"].axes[0].get_lines()}
    median = result.timeline.groupby("day")[["belief_russia", "belief_ukraine"]].median()
    np.testing.assert_allclose(lines["russia's belief (side A)"], median["belief_russia"])
    np.testing.assert_allclose(lines["ukraine's belief (side B)"], 1 - median["belief_ukraine"])


def test_negsim_report_rebuilds_a_study_page_with_its_question_and_title(tmp_path):
    """`negsim-report FOLDER` rewrites report.html from what the folder's run recorded: the
    study's question and the run's title stay (they once fell back to the folder's name)."""
    import subprocess
    import sys

    out = tmp_path / "study"
    subprocess.run([sys.executable, "-m", "sim", "experiment=private_information", "design.replications=1",
                    "plots=false", f"hydra.run.dir={out}"], check=True, capture_output=True)
    question = study_question(ROOT / "conf" / "experiment" / "private_information.yaml")
    first = (out / "report.html").read_text()
    assert "<title>russia_ukraine_2022: study</title>" in first and question[1:60] in first
    subprocess.run([sys.executable, "-m", "sim.commands.report", str(out)], check=True, capture_output=True)
    again = (out / "report.html").read_text()
    assert "<title>russia_ukraine_2022: study</title>" in again and question[1:60] in again
    assert write_report(tmp_path) and "<title>" + tmp_path.name + "</title>" in (tmp_path / "report.html").read_text()


def test_a_counterfactuals_page_shows_each_variants_effect(tmp_path):
    pd.DataFrame({"variant": ["no_aid"], "outcome": ["at_war_end"], "baseline": [0.8], "value": [0.75],
                  "difference": [-0.05], "ci_low": [-0.08], "ci_high": [-0.02], "n": [100]}).to_csv(
        tmp_path / "effects.csv", index=False)
    page = write_report(tmp_path, question="", title="t").read_text()
    effects = page[page.index("Effects of each variant"):]
    assert "no_aid" in effects and "at_war_end" in effects and "-0.05" in effects
