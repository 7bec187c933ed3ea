"""Global sensitivity analysis: which of a design's uncertain values drive an outcome.

    analysis:
      method: sobol          # sobol | morris  (prim: sim/analysis/prim.py)
      samples: 1024          # Sobol: base samples N, N (2D + 2) points; Morris: trajectories
      outcomes: [at_war_end, day_ceasefire, terms_neutrality]   # columns of worlds.parquet

The design's D axes are sampled as SALib requires, in the unit cube, and each coordinate
goes through its axis's inverse CDF (`sim.worlds.design.analysis_points`), so an
index measures a parameter over the distribution the study gives it. Every point is run as
`replications` worlds of one lockstep ensemble; `analyze` averages each outcome over a
point's worlds and hands SALib the point means in the order its sample was drawn.

- Sobol' [Sobol2001; Saltelli2010]: Saltelli's scheme, N (2D + 2) points (second-order
  terms included, as SALib counts them); S1 is the share of the outcome's variance due to
  the parameter alone, ST the share it has a part in (with all its interactions);
  `*_conf` is the half-width of SALib's 95% bootstrap interval.
- Morris [Morris1991]: N trajectories of D + 1 points on a 4-level grid; mu_star is the
  mean absolute elementary effect (SALib's: outcome change per unit of the grid), sigma
  the spread of the effects (non-linearity or interactions). Cheap screening, a ranking.
"""

from __future__ import annotations

import warnings
from enum import Enum

import numpy as np
import pandas as pd

from sim.runs.outcome import worlds_columns
from sim.schema.checks import check, fail
from sim.schema.config import Config, Method, to_config
from sim.worlds.design import LEVELS, analysis_points, axes, method_of, salib_problem, salib_sample

SOBOL_COLUMNS = ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf", "note"]
MORRIS_COLUMNS = ["outcome", "parameter", "mu_star", "mu_star_conf", "sigma", "note"]
MAX_MISSING = 0.10  # above this share of points without a value, an outcome's indices are not computed
BOOLEAN_METRICS = ("agreed_", "held_", "at_war_end")


def is_boolean(metric: str) -> bool:
    return metric.lstrip("!").startswith(BOOLEAN_METRICS)


@check("analysis")
def check_analysis(cfg: Config) -> None:
    """One-line errors for an analysis block that cannot run (before any simulation)."""
    a = cfg.analysis
    if a.method is None:
        return
    name = a.method.name if isinstance(a.method, Enum) else a.method
    if not axes(cfg):
        fail("analysis.method", name, "needs design.axes: the parameters to analyse")
    known = worlds_columns(cfg)
    if not a.outcomes:
        fail("analysis.outcomes", [], "allowed: a non-empty list of worlds.parquet columns: " + ", ".join(known))
    for outcome in a.outcomes:
        bare = outcome[1:] if outcome.startswith("!") else outcome
        if bare not in known or (outcome != bare and method_of(a.method) != Method.prim):
            fail("analysis.outcomes", outcome, "allowed: " + ", ".join(known) + "; prim also takes !<boolean> (negated)")
        if method_of(a.method) == Method.prim and not is_boolean(bare):
            fail("analysis.outcomes", outcome,
                 "prim needs a boolean outcome: agreed_*, held_*, at_war_end, or one negated with !")
    if method_of(a.method) != Method.prim and not 2 <= a.samples <= 10**7:
        fail("analysis.samples", a.samples, "allowed: an integer in [2, 1e7]")
    if method_of(a.method) != Method.prim:
        for path, spec in axes(cfg).items():
            if not isinstance(spec, (list, dict)):
                fail(f"design.axes.{path}", spec, "an analysis takes a distribution or a list (a uniform choice)")


def point_means(worlds: pd.DataFrame, outcomes: list[str], n_points: int, horizon: int, fill: bool = True) -> pd.DataFrame:
    """(n_points, outcomes) the mean of each outcome over each point's worlds.

    A boolean's mean is the share of worlds. `day_<issue>` is NaN in a world that never
    agreed on the issue: it counts as censored at `horizon` (the day after the last
    simulated one), so "later" and "never" both push the mean up. Any other NaN (such as
    `terms_<issue>` where nothing was agreed) is left out of the point's mean; a point with
    no value at all gets the mean over the other points (with `fill`), which adds no
    variance; `analyze` notes how many points that was, and refuses to compute indices on
    more than MAX_MISSING of them.
    """
    missing = sorted(set(outcomes) - set(worlds.columns))
    if missing:
        raise KeyError(f"outcomes not in the worlds table: {', '.join(missing)}")
    frame = worlds[["point", *outcomes]].astype({o: float for o in outcomes})
    for o in outcomes:
        if o.startswith("day_"):
            frame[o] = frame[o].fillna(float(horizon))
    means = frame.groupby("point")[outcomes].mean().reindex(range(n_points))
    absent = sorted(set(range(n_points)) - set(frame["point"]))
    if absent:
        raise ValueError(f"{len(absent)} of {n_points} points have no worlds (a chunk?): an analysis needs all of them")
    for o in outcomes if fill else ():
        empty = means[o].isna()
        if empty.any() and not empty.all():
            means.loc[empty, o] = means[o].mean()  # analyze() says so in the outcome's note
    return means


def missing_note(missing: int, n_points: int) -> str:
    """'' or what an outcome's indices rest on when points lack its value (nothing agreed)."""
    if not missing:
        return ""
    share = missing / n_points
    if share > MAX_MISSING:
        return (f"not computed: {missing} of {n_points} points ({share:.0%}) have no value (nothing agreed?), more "
                f"than {MAX_MISSING:.0%}; use more replications or samples, or another outcome")
    return f"{missing} of {n_points} points had no value and got the mean of the others"


def analyze(cfg, points: pd.DataFrame, worlds: pd.DataFrame) -> pd.DataFrame:
    """Sensitivity indices of every `analysis.outcomes` column to every design axis.

    `points` are the design's points (`sim.worlds.design.analysis_points(cfg)`, row i = point i) and `worlds` their
    worlds table; see `point_means` for how worlds become one number per point. Returns
    the rows of sensitivity.csv: `outcome, parameter, S1, S1_conf, ST, ST_conf` (Sobol') or
    `outcome, parameter, mu_star, mu_star_conf, sigma` (Morris), parameters in axis order.
    """
    from SALib.analyze import morris, sobol

    cfg = to_config(cfg)
    method, a = method_of(cfg.analysis.method), cfg.analysis
    names = list(points.columns)
    raw = salib_sample(method, len(names), a.samples, cfg.seed)
    expected = analysis_points(cfg)
    if len(raw) != len(points) or list(expected.columns) != names or not expected.equals(points.reset_index(drop=True)):
        raise ValueError(f"the {len(points)} points are not the {method.name} sample of analysis.samples={a.samples} "
                         f"over these {len(names)} axes with seed {cfg.seed} ({len(raw)} points)")
    missing = point_means(worlds, list(a.outcomes), len(points), cfg.scenario.days, fill=False).isna().sum()
    means = point_means(worlds, list(a.outcomes), len(points), cfg.scenario.days)
    problem, seed = salib_problem(len(names), names), cfg.seed % (2**32 - 1) + 1  # SALib ignores a seed of 0
    rows = []
    for outcome in a.outcomes:
        y = means[outcome].to_numpy()
        note = missing_note(int(missing[outcome]), len(points))
        if note.startswith("not computed") or not np.isfinite(y).any() or np.ptp(y) == 0:
            # too many points filled in, or a constant outcome: indices would be numbers of nothing
            note = note or ("not computed: no point has a value" if not np.isfinite(y).any()
                            else f"constant: {y[0]:.4g} at every point, no variance to apportion")
            rows.append(pd.DataFrame({"outcome": outcome, "parameter": names, "note": note}))
            continue
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a constant outcome: 0/0, reported as NaN
            if method == Method.sobol:
                r = sobol.analyze(problem, y, calc_second_order=True, seed=seed)
                cols = {c: r[c] for c in ("S1", "S1_conf", "ST", "ST_conf")}
            else:
                r = morris.analyze(problem, raw, y, num_levels=LEVELS, seed=seed)
                cols = {c: np.asarray(r[c], dtype=float) for c in ("mu_star", "mu_star_conf", "sigma")}
        rows.append(pd.DataFrame({"outcome": outcome, "parameter": names, **cols, "note": note}))
    table = pd.concat(rows, ignore_index=True).reindex(columns=SOBOL_COLUMNS if method == Method.sobol else MORRIS_COLUMNS)
    return table.assign(note=table["note"].astype(object).fillna(""))


def ranked(table: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The parameters of one outcome, the strongest driver first (by ST, or mu_star)."""
    by = "ST" if "ST" in table else "mu_star"
    return table[table["outcome"] == outcome].sort_values(by, ascending=False, na_position="last")
