"""Plots that answer a design's question: each metric of `report.metrics` against each axis.

    report:
      metrics: [terms_neutrality, day_ceasefire, at_war_end, utility_russia]   # worlds.parquet columns

- `metric_against`: one panel per metric, the metric against one axis: the share of worlds
  for a boolean (95% Wilson interval [Wilson1927]), the mean for a number (95% t interval);
  a categorical axis as points, a numeric one on its true scale (log where the axis is
  log-uniform or spans two decades or more), binned in deciles when it has many values (a
  random or Latin-hypercube design); the text under the panels says what was pooled.
  Days and terms of an agreement are means over the worlds that agreed.
- `metric_heatmaps`: one panel per metric over two axes.
- `study`: the files for a design: a figure per axis (the axes that move the metrics most,
  if there are many) and heatmaps over pairs of axes.
The issues of a package (protocol `package`) are agreed together: their agreed, day and
held columns are identical, so they are drawn once, labelled as the package.
"""

from __future__ import annotations

import textwrap
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter
from scipy.special import stdtrit  # (the t quantile without importing scipy.stats: ~0.5 s)

from sim.figures.canvas import grid_of, label_of, panel_layout, save, short
from sim.runs.outcome import wilson_interval

MANY = 20  # an axis with more distinct values than this is binned
BINS, HEAT_BINS = 10, 5
MAX_AXES = 4  # figures per study: the axes that move the metrics most
MAX_CELLS = 12  # a heatmap's side


def package_issues(cfg) -> list[str]:
    issues = cfg.scenario.issues
    return [name for name, issue in issues.items() if getattr(issue.protocol, "name", issue.protocol) == "package"]


def metrics(cfg, worlds: pd.DataFrame) -> dict[str, str]:
    """{column: label} of the metrics to draw: `report.metrics`, or by default the fighting
    and each issue's agreement and day; a package's issues once, as the package."""
    sc, package = cfg.scenario, package_issues(cfg)
    chosen = list(cfg.report.metrics) or ["at_war_end", "fighting_days", *(
        f"{m}_{issue}" for issue in sc.issues for m in ("agreed", "day"))]
    labels = {}
    for column in chosen:
        kind, _, issue = column.partition("_")
        if issue in package and kind in ("agreed", "day", "held"):
            if issue != package[0] and f"{kind}_{package[0]}" in chosen:
                continue  # the package's first issue stands for it
            issue = "package (" + " + ".join(package) + ")"
        labels[column] = _label(column, kind, issue, sc)
    return {c: v for c, v in labels.items() if c in worlds}


def _label(column: str, kind: str, issue: str, sc) -> str:
    if kind == "agreed":
        return f"{issue} agreed (share of worlds)"
    if kind == "held":
        return f"{issue} in force at the end (share)"
    if kind == "day":
        return f"day of first {issue} agreement (among worlds that agreed)"
    if kind == "terms" and issue in sc.issues:
        low, high = sc.issues[issue].poles
        return f"terms of {issue} (among worlds that agreed; 0 = {low}, 1 = {high})"
    return {"at_war_end": "still fighting on the last day (share of worlds)",
            "fighting_days": "days of fighting (weighted by intensity)", "rounds_held": "rounds held"}.get(
        column, column.replace("_", " of ", 1) if kind in ("utility", "cost") else column)


def _boolean(column: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(column)


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not _boolean(column)


def _summary(values: pd.Series) -> tuple[float, float, float, int]:
    """Share with its Wilson interval, or mean with its t interval; NaN (never agreed) left out."""
    v = values.dropna()
    n = len(v)
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    if _boolean(values):
        k = int(v.sum())
        low, high = wilson_interval(k, n)
        return k / n, float(low), float(high), n
    mean = float(v.mean())
    half = float(stdtrit(n - 1, 0.975) * v.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    return mean, mean - half, mean + half, n


def _groups(worlds: pd.DataFrame, axis: str, bins: int) -> tuple[pd.Series, list, str]:
    """Each world's group on the axis, the groups' x positions and how they were formed."""
    x = worlds[axis]
    if _numeric(x) and x.nunique() > MANY:
        codes = pd.qcut(x, bins, labels=False, duplicates="drop")
        centres = x.groupby(codes).median()
        return codes, list(centres.to_numpy()), f"binned in {len(centres)} quantile bins"
    values = list(dict.fromkeys(x)) if not _numeric(x) else sorted(x.unique())
    return x, values, ""


def _log(worlds: pd.DataFrame, axis: str, spec) -> bool:
    x = worlds[axis]
    if isinstance(spec, dict) and spec.get("dist") == "loguniform":
        return True
    return _numeric(x) and x.min() > 0 and x.max() / x.min() >= 100


def _pooled(worlds: pd.DataFrame, axis: str, axes: list[str], counts: list[int], how: str) -> str:
    others = [a for a in axes if a != axis and a in worlds]
    few = [a for a in others if worlds[a].nunique() <= MANY]
    parts = [f"{worlds[a].nunique()} values of {short(a)}" for a in few[:3]]
    if len(few) > 3:
        parts[2:] = [f"the values of {len(few) - 2} more axes"]
    drawn = [a for a in others if a not in few]
    if drawn:
        parts.append(f"{len(drawn)} other axes drawn from their ranges" if len(drawn) > 1
                     else f"the drawn {short(drawn[0])}")
    per_world = [c for c in worlds.columns if "." in c and c not in axes]
    if per_world:
        parts.append(f"{len(per_world)} values drawn per world")
    reps = worlds.groupby("point")["replication"].nunique() if "point" in worlds else pd.Series([len(worlds)])
    parts.append(f"{reps.min()} replications per point" if reps.min() == reps.max() else "replications")
    n = f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"
    how = f"; {short(axis)} {how}" if how else ""
    return f"Each {'bin' if how else 'value'} pools {n} worlds, over " + ", ".join(parts) + how + "."


def metric_against(worlds: pd.DataFrame, labels: dict[str, str], axis: str, path: Path, *, axes: list[str] | None = None,
                   spec=None) -> Path:
    """One panel per metric of `labels` ({column: label}) against `axis`, 95% intervals."""
    axes = axes or [axis]
    groups, xs, how = _groups(worlds, axis, BINS)
    categorical = not _numeric(worlds[axis])
    fig, panels = grid_of(len(labels), width=4.6, height=3.4, sharex=True)
    counts = worlds.groupby(groups, sort=False).size().tolist()
    for ax, (column, label) in zip(panels, labels.items()):
        by = worlds[column].groupby(groups, sort=False)
        stats = pd.DataFrame([_summary(by.get_group(g)) if g in by.groups else (np.nan,) * 3 + (0,)
                              for g in (range(len(xs)) if how else xs)], columns=["mid", "low", "high", "n"])
        pos = np.arange(len(xs)) if categorical else np.asarray(xs, dtype=float)
        err = np.vstack([stats["mid"] - stats["low"], stats["high"] - stats["mid"]])
        ax.errorbar(pos, stats["mid"], yerr=np.clip(np.nan_to_num(err), 0, None), fmt="o", ms=4, capsize=3, color="tab:blue",
                    ls="none" if categorical else "-", lw=0.8)
        ax.set_title("\n".join(textwrap.wrap(label, 44)), fontsize=8.5)
        mids = stats["mid"].dropna()
        if len(mids) and mids.max() - mids.min() <= 1e-12:  # constant: greyed, with its value
            ax.set_facecolor("0.93")
            ax.text(0.5, 0.85, f"the same at every value: {_tick(mids.iloc[0])}", transform=ax.transAxes,
                    ha="center", fontsize=7.5, color="0.3")
        if not len(mids):  # e.g. the day of an issue no world agreed
            ax.set_facecolor("0.93")
            ax.text(0.5, 0.5, "no world has a value", transform=ax.transAxes, ha="center", fontsize=8, color="0.3")
        elif _boolean(worlds[column]):
            ax.set_ylim(-0.02, 1.02)
        else:  # a flat metric stays flat: no zoom into noise below 5% of its level
            lo, hi = np.nanmin(stats["low"].fillna(stats["mid"])), np.nanmax(stats["high"].fillna(stats["mid"]))
            centre, half = (lo + hi) / 2, max((hi - lo) / 2 * 1.1, 0.025 * abs((lo + hi) / 2), 1e-6)
            if np.isfinite(centre):
                ax.set_ylim(centre - half, centre + half)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in panels:
        if categorical:
            ax.set_xticks(range(len(xs)), [str(v) for v in xs])
            ax.set_xlim(-0.5, len(xs) - 0.5)
        elif _log(worlds, axis, spec):
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if f"{v:.1e}"[0] in "25" else ""))
        ax.set_xlabel(label_of(axis) + (" (bin median)" if how else ""), fontsize=8)
    fig.suptitle(f"Outcomes against {short(axis)} (95% intervals: Wilson for shares, t for means)", fontsize=11)
    foot = textwrap.wrap(_pooled(worlds, axis, axes, counts, how), 150)
    fig.text(0.5, 0.005, "\n".join(foot), ha="center", va="bottom", fontsize=8, color="0.25")
    panel_layout(fig, panels, cols=min(len(labels), 3), foot=12 * len(foot))
    return save(fig, path, tight=False)


def metric_heatmaps(worlds: pd.DataFrame, labels: dict[str, str], x: str, y: str, path: Path) -> Path:
    """One heatmap per metric over two axes (numeric axes with many values in quintiles)."""
    gx, vx, hx = _groups(worlds, x, HEAT_BINS)
    gy, vy, hy = _groups(worlds, y, HEAT_BINS)
    fig, panels = grid_of(len(labels), width=4.6, height=3.8, sharex=False, layout="constrained")
    for ax, (column, label) in zip(panels, labels.items()):
        table = worlds[column].astype(float).groupby([gy, gx]).mean().unstack()
        table = table.reindex(index=range(len(vy)) if hy else vy, columns=range(len(vx)) if hx else vx)
        share = _boolean(worlds[column])
        values = table.to_numpy()
        if np.isnan(values).all():  # e.g. the day of an issue no world agreed
            ax.set_axis_off()
            ax.text(0.5, 0.5, f"{label}:\nno world has a value", transform=ax.transAxes, ha="center", fontsize=8)
            continue
        lo, hi = np.nanmin(values), np.nanmax(values)
        vmin, vmax = colour_range(lo, hi, share)
        flat = hi - lo <= 1e-12
        image = ax.imshow(values, origin="lower", aspect="auto", cmap="Greys" if flat else "viridis",
                          vmin=vmin, vmax=vmax, alpha=0.3 if flat else 1.0)
        if flat:  # nothing to read in a colour: say so
            ax.text(0.5, 0.5, f"the same in every cell: {_tick(lo)}", transform=ax.transAxes, ha="center",
                    va="center", fontsize=8, color="0.2")
        elif table.size <= MAX_CELLS**2:
            for (r, c), v in np.ndenumerate(values):
                bright = (v - vmin) / ((vmax - vmin) or 1) > 0.6
                ax.text(c, r, f"{v:.2f}" if abs(v) < 1 else f"{v:.3g}", ha="center", va="center", fontsize=6.5,
                        color="k" if bright else "w")
        ax.set_xticks(range(len(vx)), [_tick(v) for v in vx], fontsize=7, rotation=30 if len(vx) > 5 else 0)
        ax.set_yticks(range(len(vy)), [_tick(v) for v in vy], fontsize=7)
        ax.set_xlabel(label_of(x) + (" (bin median)" if hx else ""), fontsize=8)
        ax.set_ylabel(label_of(y) + (" (bin median)" if hy else ""), fontsize=8)
        ax.set_title("\n".join(textwrap.wrap(label, 44)) + ("" if flat else f"\n(cells range {_tick(lo)} to {_tick(hi)})"),
                     fontsize=8.5)
        if not flat:
            fig.colorbar(image, ax=ax, shrink=0.8)
    fig.suptitle("Mean (share for yes/no outcomes) over two axes, pooled over the rest", fontsize=11)
    return save(fig, path, tight=False)


def colour_range(lo: float, hi: float, share: bool) -> tuple[float, float]:
    """The colour scale of a heatmap: [0, 1] for a share; otherwise the cells' range, widened
    to at least 5% of its level, so that a spread of a fraction of a day is not stretched
    over the whole scale."""
    if share:
        return 0.0, 1.0
    centre, half = (lo + hi) / 2, max((hi - lo) / 2, 0.025 * abs((lo + hi) / 2), 1e-9)
    return centre - half, centre + half


def _tick(v) -> str:
    return f"{v:.3g}" if isinstance(v, (float, np.floating)) else str(v)


def strength(worlds: pd.DataFrame, axis: str, columns: list[str]) -> float:
    """How much the axis moves the metrics: the largest share of a metric's variance that its
    deciles' means explain (a correlation ratio, eta squared). Ranks axes, nothing more."""
    groups, _, _ = _groups(worlds, axis, BINS)
    best = 0.0
    for column in columns:
        v = worlds[column].astype(float)
        ok = v.notna()
        if ok.sum() < 2 or v[ok].var() == 0:
            continue
        means = v[ok].groupby(groups[ok]).transform("mean")
        best = max(best, float(((means - v[ok].mean()) ** 2).sum() / ((v[ok] - v[ok].mean()) ** 2).sum()))
    return best


def study(cfg, worlds: pd.DataFrame, folder: Path) -> list[Path]:
    """The plots of a design folder: metrics against each axis and over pairs of axes."""
    return [job() for job in study_jobs(cfg, worlds, folder)]


def study_jobs(cfg, worlds: pd.DataFrame, folder: Path) -> list:
    """`study`'s plots, each as a function of no arguments that draws it (sim/figures/parallel.py)."""
    from sim.worlds.design import axes as design_axes

    specs = design_axes(cfg)
    labels = metrics(cfg, worlds)
    axes = [a for a in specs if a in worlds and worlds[a].nunique() > 1]
    if not labels or not axes:
        return []
    if len(axes) > MAX_AXES:
        axes = sorted(axes, key=lambda a: -strength(worlds, a, list(labels)))[:MAX_AXES]
    jobs = [partial(metric_against, worlds, labels, a, folder / f"metrics_vs_{short(a)}.png", axes=list(specs),
                    spec=specs[a]) for a in axes]
    top = axes[:3] if len(specs) <= 3 else axes[:2]  # a small grid: every pair; else the strongest two
    for x, y in [(top[i], top[j]) for i in range(len(top)) for j in range(i + 1, len(top))]:
        jobs.append(partial(metric_heatmaps, worlds, labels, x, y, folder / f"heatmap_{short(x)}_{short(y)}.png"))
    return jobs
