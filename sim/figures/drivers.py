"""Plots of an analysis: sensitivity indices with their intervals, PRIM's peeling trajectory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.figures.canvas import label_of, plt, save


def indices(table: pd.DataFrame, path: Path, top: int = 12) -> Path:
    """One panel per outcome: each parameter's Sobol' S1 and ST (or Morris mu_star and
    sigma) with SALib's 95% interval, the strongest first (the `top` strongest)."""
    sobol = "ST" in table
    outcomes = list(dict.fromkeys(table["outcome"]))
    shown = min(top, table.groupby("outcome").size().max())
    cols = min(len(outcomes), 2)
    rows_n = -(-len(outcomes) // cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(6.4 * cols, (0.36 * shown + 1.4) * rows_n),
                             squeeze=False, layout="constrained")
    for ax in axes.ravel()[len(outcomes):]:
        ax.set_visible(False)
    for ax, outcome in zip(axes.ravel(), outcomes):
        rows = table[table["outcome"] == outcome].sort_values("ST" if sobol else "mu_star", na_position="first")
        rows = rows.tail(top)
        y = np.arange(len(rows))
        if sobol:
            ax.barh(y + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], color="tab:blue", label="total (ST)", capsize=2)
            ax.barh(y - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], color="tab:orange", label="first order (S1)", capsize=2)
            ax.set_xlim(min(0.0, rows["S1"].min() - 0.05), max(1.0, (rows["ST"] + rows["ST_conf"]).max()))
            ax.set_xlabel("share of the outcome's variance")
        else:
            ax.barh(y, rows["mu_star"], 0.6, xerr=rows["mu_star_conf"], color="tab:blue", label="mu* (mean |effect|)",
                    capsize=2)
            ax.plot(rows["sigma"], y, "D", mfc="none", color="k", label="sigma (spread of effects)")
            ax.set_xlabel(f"elementary effect on {outcome}")
        ax.set_yticks(y, [label_of(p) for p in rows["parameter"]], fontsize=8)
        ax.set_title(outcome)
        ax.axvline(0, color="0.5", lw=0.6)
    axes[0][0].legend(fontsize=8, loc="lower right")
    kind = "Sobol' indices" if sobol else "Morris screening"
    fig.suptitle(f"Which parameters drive each outcome ({kind}; bars: 95% bootstrap interval)")
    return save(fig, path, tight=False)


def prim_trajectory(peeling, limits: pd.DataFrame, path: Path) -> Path:
    """PRIM: coverage against density for every box of the peeling (colour: number of
    restricted parameters), the chosen box circled; beside it, the chosen box's limits on
    each parameter's range, with their quasi-p-values."""
    t = peeling.trajectory
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6), width_ratios=[1, 1.2], layout="constrained")
    dots = left.scatter(t["coverage"], t["density"], c=t["restricted"], cmap="viridis", s=22, zorder=2)
    left.plot(t["coverage"], t["density"], color="0.7", lw=0.8, zorder=1)
    chosen = t.loc[peeling.chosen]
    left.scatter([chosen["coverage"]], [chosen["density"]], s=160, facecolors="none", edgecolors="red", lw=1.5, zorder=3)
    left.annotate(f"chosen: coverage {chosen['coverage']:.2f}, density {chosen['density']:.2f}",
                  (chosen["coverage"], chosen["density"]), xytext=(8, -14), textcoords="offset points",
                  fontsize=8, color="red")
    fig.colorbar(dots, ax=left, label="restricted parameters", shrink=0.8)
    left.set_xlabel("coverage (share of the outcome's worlds in the box)")
    left.set_ylabel("density (share of the box's worlds with the outcome)")
    left.set_xlim(0, 1.02)
    left.set_ylim(0, 1.02)
    name = peeling.outcome
    left.set_title("Peeling trajectory: " + (f"not {name[1:]}" if name.startswith("!") else name))

    rows = limits[limits["parameter"].astype(bool)]  # the most significant limit on top
    if rows.empty:
        right.text(0.5, 0.5, "No box beats the whole space:\nno parameter makes the outcome clearly more likely.",
                   ha="center", va="center", transform=right.transAxes)
    for i, (_, row) in enumerate(rows.iterrows()):
        full = peeling.full[row["parameter"]]
        if isinstance(full, tuple):
            span = (full[1] - full[0]) or 1.0
            lo, hi = (row["low"] - full[0]) / span, (row["high"] - full[0]) / span
            text = f"{row['low']:.3g} – {row['high']:.3g}"
        else:
            lo, hi, text = 0.0, len(row["values"].split(", ")) / len(full), row["values"]
        right.barh(i, 1.0, 0.5, color="0.9")
        right.barh(i, hi - lo, 0.5, left=lo, color="tab:blue" if row["qp"] < 0.05 else "lightsteelblue")
        right.text(1.02, i, f"{text}   qp {row['qp']:.1e}", va="center", fontsize=8)
    right.set_yticks(range(len(rows)), [label_of(p) for p in rows["parameter"]], fontsize=8)
    right.set_xlim(0, 2.0)
    right.set_xticks([0, 0.5, 1], ["min", "", "max"])
    right.set_ylim(max(len(rows), 5) - 0.4, -0.6)
    right.set_xlabel("the parameter's range\n(blue: the box; pale: qp >= 0.05, adds little)")
    right.set_title("The chosen box's limits")
    return save(fig, path, tight=False)
