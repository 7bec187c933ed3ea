"""Every shipped scenario and study draws its plots without a single warning (a Matplotlib
warning is a plot that says something it should not: a locator that gave up, a legend that
could not be placed, a layout that did not fit), and a legend names only what is drawn."""

from __future__ import annotations

import warnings

import matplotlib.dates
import matplotlib.image
import numpy as np
import pytest
from conftest import ROOT

import sim
from sim.commands import study

SMALL = ["replications=4", "design.replications=2", "design.points=12", "analysis.samples=4", "calibrate.draws=400",
         "calibrate.accept=0.05"]
SCENARIOS = sorted(p.stem for p in (ROOT / "conf" / "scenario").glob("*.yaml"))
STUDIES = sorted(p.stem for p in (ROOT / "experiments").glob("*.yaml"))


def overrides(kind: str, name: str) -> list[str]:
    """Small sizes for the keys the run reads (a key a study has no section for is left out)."""
    given = [f"{kind}={name}", *[o for o in SMALL if not o.startswith(("calibrate.", "analysis.", "design."))]]
    if name == "sensitivity_2022":  # terms exist only where agreed: too few such worlds at this size
        given.append("analysis.outcomes=[at_war_end,day_ceasefire]")
    cfg = sim.compose(given)
    for option in SMALL:
        section = option.split(".")[0]
        if "." in option.split("=")[0] and _used(cfg, section):
            given.append(option)
    return given


def _used(cfg, section: str) -> bool:
    return {"design": bool(cfg.design.axes), "analysis": cfg.analysis.method is not None,
            "calibrate": bool(cfg.calibrate.parameters)}[section]


@pytest.mark.parametrize("kind, name", [("scenario", s) for s in SCENARIOS] + [("experiment", s) for s in STUDIES])
def test_every_shipped_scenario_and_study_plots_without_a_warning(kind, name, tmp_path):
    cfg = sim.compose(overrides(kind, name))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test, whoever raises it
        done = study.run(cfg, tmp_path)
    plots = [f for f in done["files"] if str(f).endswith(".png")]
    assert plots, "a run draws at least one plot"
    for path in plots:
        image = matplotlib.image.imread(path)
        assert image.shape[0] > 200 and image.shape[1] > 200 and np.ptp(image) > 0, path


def test_a_legend_names_only_what_is_drawn(tmp_path):
    """agreement.png without a timeline (a counterfactuals run records none) draws no share in
    force, so its legend does not promise one; with the timeline it does, and draws it."""
    import matplotlib.pyplot as plt

    from sim.figures import talks

    result = sim.simulate(sim.compose(["replications=6"]))
    seen = {}
    original = plt.Figure.legend

    def spy(fig, *args, **kw):
        legend = original(fig, *args, **kw)
        seen[len(seen)] = [t.get_text() for t in legend.get_texts()]
        return legend

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(plt.Figure, "legend", spy)
        talks.agreement(result.outcomes, None, 84, tmp_path / "a.png", start_date="2022-02-24")
        talks.agreement(result.outcomes, result.timeline, 84, tmp_path / "b.png", start_date="2022-02-24")
    without, with_timeline = seen[0], seen[1]
    assert not any("in force" in t for t in without), without
    assert any("in force" in t for t in with_timeline), with_timeline


def _drawn(monkeypatch, module):
    """Capture the figures a sim.figures module saves."""
    figures = []
    original = module.save

    def keep(fig, path, *a, **kw):
        fig.canvas.draw()  # ticks and labels as they are written
        figures.append(fig)
        return original(fig, path, *a, **kw)

    monkeypatch.setattr(module, "save", keep)
    return figures


def test_the_map_shades_what_lies_beyond_the_last_observation(tmp_path, monkeypatch):
    from sim.analysis.observed import table
    from sim.figures import territory as module
    from sim.schema.checks import validate
    from sim.schema.config import to_config

    cfg = sim.compose(["replications=5"])
    result = sim.simulate(cfg)
    observed = table(validate(to_config(cfg)))
    figures = _drawn(monkeypatch, module)
    module.territory(result.timeline, tmp_path / "t.png", observed=observed, sides=("russia", "ukraine"))
    ax = figures[0].axes[0]
    spans = [p for p in ax.patches if p.get_label() == "beyond the last observation"]
    assert len(spans) == 1
    start = matplotlib.dates.num2date(spans[0].get_x()).date()
    assert str(start) == "2022-03-08"  # the dawn after the last observation, 7 March [Liveuamap2022]
    assert "beyond the last observation" in [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize("plot", ["positions", "balance"])
def test_the_day_axis_has_whole_days_and_dates_do_not_repeat(plot, tmp_path, monkeypatch):
    """symmetric_dyad's rounds span days 2 to 5: Matplotlib's own locators gave ticks at 2.5
    and hourly dates written as the same day."""
    from sim.figures import talks as module

    result = sim.simulate(sim.compose(["scenario=symmetric_dyad", "replications=5"]))
    figures = _drawn(monkeypatch, module)
    if plot == "positions":
        module.positions(result.rounds, {"border": ("B", "A")}, tmp_path / "p.png", start_date="2022-01-01",
                         outcomes=result.outcomes)
    else:
        module.balance(result.timeline, {"a": "A", "b": "B"}, tmp_path / "b.png", start_date="2022-01-01")
    ax = figures[0].axes[0]
    dates = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert len(dates) == len(set(dates)) >= 2, dates
    top = next(a for a in ax.child_axes if a.get_xlabel().startswith("day"))  # the day numbers above
    ticks = [t for t in top.get_xticks() if top.get_xlim()[0] <= t <= top.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks


def test_an_axis_of_the_mediators_bias_says_which_way_it_points():
    from sim.figures.canvas import label_of

    assert "> 0: toward mediator.favours, side A by default" in label_of("mediator.bias")
    assert label_of("scenario.parties.russia.optimism") == "parties.russia.optimism"
