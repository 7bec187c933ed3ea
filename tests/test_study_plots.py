"""The plots of a study's question (sim/figures/designs.py) draw what they claim to.

- a mean's interval is Student's t interval, a share's the Wilson interval;
- a categorical axis is drawn as points without lines, a numeric one at its true values,
  log-scaled when log-uniform, binned when it has many values; the text says what was pooled;
- the issues of a package appear once, labelled as the package.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_cfg

from sim.figures import designs as study_plots
from sim.runs.outcome import wilson_interval
from sim.schema.config import to_config


@pytest.fixture
def drawn(monkeypatch):
    """The figure a plot function made, instead of a file."""
    figures = []
    monkeypatch.setattr(study_plots, "save", lambda fig, path, tight=True: figures.append(fig) or path)
    return figures


def _worlds(n_points=5, reps=40, seed=3):
    rng = np.random.default_rng(seed)
    rule = np.repeat(np.tile(["split", "nash"], n_points), reps)
    resupply = np.repeat(np.repeat([1.0, 2.0, 3.0, 4.0, 6.0][:n_points], 2), reps)
    return pd.DataFrame({
        "point": np.repeat(np.arange(2 * n_points), reps), "replication": np.tile(np.arange(reps), 2 * n_points),
        "mediator.rule": rule, "scenario.parties.russia.pause_resupply": resupply,
        "war.noise": 0.01 * 10 ** (2 * rng.random(len(rule))),  # two decades
        "at_war_end": rng.random(len(rule)) < 0.1 * resupply,
        "fighting_days": 50 + 5 * resupply + rng.normal(0, 3, len(rule)),
    })


def test_intervals_are_t_for_means_and_wilson_for_shares():
    mean, low, high, n = study_plots._summary(pd.Series([1.0, 2.0, 3.0, 4.0, np.nan]))
    half = 3.182446305284263 * np.std([1, 2, 3, 4], ddof=1) / 2  # t(0.975, 3) s / sqrt(4)
    assert (mean, n) == (2.5, 4) and low == pytest.approx(2.5 - half) and high == pytest.approx(2.5 + half)
    share, low, high, n = study_plots._summary(pd.Series([True, False, False, True, True]))
    assert (share, n) == (0.6, 5) and (low, high) == pytest.approx(tuple(float(v) for v in wilson_interval(3, 5)))


def test_a_categorical_axis_is_points_a_numeric_axis_its_true_values(drawn, tmp_path):
    worlds = _worlds()
    labels = {"at_war_end": "still fighting", "fighting_days": "days of fighting"}
    axes = ["mediator.rule", "scenario.parties.russia.pause_resupply"]
    study_plots.metric_against(worlds, labels, "mediator.rule", tmp_path / "a.png", axes=axes)
    line = drawn[-1].axes[0].lines[0]
    assert line.get_linestyle() == "None" and list(line.get_xdata()) == [0, 1]
    assert [t.get_text() for t in drawn[-1].axes[0].get_xticklabels()] == ["split", "nash"]
    study_plots.metric_against(worlds, labels, "scenario.parties.russia.pause_resupply", tmp_path / "b.png", axes=axes)
    ax = drawn[-1].axes[1]
    assert list(ax.lines[0].get_xdata()) == [1.0, 2.0, 3.0, 4.0, 6.0] and ax.get_xscale() == "linear"
    means = worlds.groupby("scenario.parties.russia.pause_resupply")["fighting_days"].mean()
    np.testing.assert_allclose(np.asarray(ax.lines[0].get_ydata(), dtype=float), means)
    pooled = drawn[-1].texts[-1].get_text()
    assert pooled.startswith("Each value pools 80 worlds, over 2 values of mediator.rule")


def test_a_log_axis_with_many_values_is_binned_on_a_log_scale(drawn, tmp_path):
    worlds = _worlds()
    study_plots.metric_against(worlds, {"at_war_end": "x"}, "war.noise", tmp_path / "c.png",
                               spec={"dist": "loguniform", "low": 0.01, "high": 1.0})
    ax = drawn[-1].axes[0]
    assert ax.get_xscale() == "log" and len(ax.lines[0].get_xdata()) == 10
    assert "war.noise binned in 10 quantile bins" in drawn[-1].texts[-1].get_text()


def test_package_issues_are_drawn_once_as_the_package():
    cfg = to_config(make_cfg())
    columns = study_plots.metrics(cfg, pd.DataFrame(columns=[
        f"{m}_{i}" for i in cfg.scenario.issues for m in ("agreed", "day")] + ["at_war_end", "fighting_days"]))
    assert "agreed_neutrality" in columns and "agreed_withdrawal" not in columns and "day_demilitarization" not in columns
    assert columns["agreed_neutrality"] == "package (neutrality + withdrawal + demilitarization) agreed (share of worlds)"
    assert columns["agreed_ceasefire"] == "ceasefire agreed (share of worlds)"


@pytest.mark.parametrize("axis", ["mediator.rule", "war.noise", "mediator.bias"])
def test_the_panels_are_placed_in_one_pass_with_every_text_inside_the_figure_and_none_over_another(drawn, tmp_path, axis):
    """sim.figures.canvas.panel_layout places the panels from their texts' sizes: drawn once,
    every title, tick label, axis label and the note below lie inside the figure, and no
    panel's texts reach into another panel's (titles over three lines, an axis label over two,
    tick labels of seven digits)."""
    worlds = _worlds()
    worlds["mediator.bias"] = np.tile(np.linspace(-0.9, 0.9, 10), len(worlds) // 10)
    worlds["fighting_days"] *= 10_000
    long = "a title long enough to wrap over three lines of the panel's width, as a package's day does"
    labels = {c: f"{c}: {long}" for c in ("at_war_end", "fighting_days", "war.noise", "point", "replication")}
    study_plots.metric_against(worlds, labels, axis, tmp_path / "d.png", axes=["mediator.rule", "war.noise"],
                               spec={"dist": "loguniform", "low": 0.01, "high": 1.0} if axis == "war.noise" else None)
    boxes, below = laid_out(drawn[-1], drawn[-1].texts[-1])
    assert all(below.y1 <= box.y0 for box in boxes)  # the note below every panel


def laid_out(fig, foot):
    """Drawn once: every panel (with its titles, tick labels and axis labels, a top axis among
    them), the figure's texts and `foot` lie inside the figure, and no two panels overlap."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes if ax.get_visible() and ax.get_axes_locator() is None]
    for box in boxes + [t.get_window_extent(renderer) for t in [*fig.texts, foot]]:
        assert page.x0 - 0.5 <= box.x0 and box.x1 <= page.x1 + 0.5 and page.y0 - 0.5 <= box.y0 and box.y1 <= page.y1 + 0.5
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), (a, b)
    return boxes, foot.get_window_extent(renderer)


@pytest.mark.parametrize("scenario", ["russia_ukraine_2022", "symmetric_dyad", "korea_1951"])
def test_a_runs_positions_are_placed_in_one_pass_with_the_legend_below_every_panel(monkeypatch, tmp_path, scenario):
    from sim.commands import study
    from sim.figures import talks
    from sim.figures.parallel import Figures
    from sim.runs.ensemble import simulate
    from sim.schema.checks import validate

    figures = []
    monkeypatch.setattr(talks, "save", lambda fig, path, tight=True: figures.append(fig) or path)
    config = validate(to_config(make_cfg(f"scenario={scenario}", "replications=3")))
    drawing = Figures(0)
    study.run_plots(simulate(config), config, tmp_path, drawing)
    drawing.done()
    positions = figures[0]
    assert positions.get_layout_engine() is None  # no second layout pass
    boxes, legend = laid_out(positions, positions.legends[0])
    assert all(legend.y1 <= box.y0 for box in boxes)
