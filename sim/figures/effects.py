"""Effects against a baseline: counterfactuals' paired differences (`sim/analysis/compare.py`)
and the mechanisms' switches alone and together (`sim/analysis/switches.py`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.compare import unit
from sim.figures.canvas import plt, save


def effects(table: pd.DataFrame, path: Path, baseline_worlds: int) -> Path:
    """One panel per outcome, two panels a row: each variant's difference from the baseline
    with its 95% interval, in the outcome's unit."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    variants = list(dict.fromkeys(table["variant"]))
    cols = min(len(outcomes), 2)
    rows_n = int(np.ceil(len(outcomes) / cols))
    fig, axes = plt.subplots(rows_n, cols, figsize=(5.2 * cols + 2.5, (0.4 * len(variants) + 1.6) * rows_n),
                             sharey=True, squeeze=False, layout="constrained")
    y = np.arange(len(variants))[::-1]
    for ax, outcome in zip(axes.ravel(), outcomes):
        rows = table[table["outcome"] == outcome].set_index("variant").loc[variants]
        scale, what = unit(outcome)
        mid, low, high = (scale * rows[c] for c in ("difference", "ci_low", "ci_high"))
        ax.axvline(0, color="0.6", lw=1)
        ax.errorbar(mid, y, xerr=[np.clip(mid - low, 0, None), np.clip(high - mid, 0, None)], fmt="o", color="C0")
        baseline = rows["baseline"].iloc[0] * scale
        ax.set_title(f"{outcome} (baseline {baseline:.3g}{'%' if scale == 100 else ''})", fontsize=9)
        ax.set_xlabel(f"variant - baseline ({what})" if what else "variant - baseline", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(labelsize=8)
        ax.set_yticks(y, variants)
    for ax in axes.ravel()[len(outcomes):]:
        ax.set_visible(False)
    fig.suptitle(f"Counterfactuals: paired differences from the baseline over {baseline_worlds} worlds (95% intervals)",
                 fontsize=11)
    return save(fig, path, tight=False)


def switches(table: pd.DataFrame, path: Path) -> Path:
    """Three panels over the configurations: at war at the horizon, a ceasefire-like first
    issue agreed (each issue's share), and the median day of each issue's first agreement."""
    issues = [c[len("agreed_"):] for c in table.columns if c.startswith("agreed_") and not c.endswith(("_low", "_high"))]
    names = {}  # issues agreed as one package have the same series: drawn once, named together
    for issue in issues:
        same = next((k for k in names if table[f"agreed_{k}"].equals(table[f"agreed_{issue}"])
                     and table[f"median_day_{k}"].equals(table[f"median_day_{issue}"])), None)
        if same is None:
            names[issue] = issue
        else:
            names[same] = f"{names[same]} + {issue}"
    issues = list(names)
    y = np.arange(len(table))[::-1]

    def err(metric):  # Wilson bounds, never on the wrong side by a rounding
        return [np.maximum(table[metric] - table[f"{metric}_low"], 0), np.maximum(table[f"{metric}_high"] - table[metric], 0)]

    fig, axes = plt.subplots(1, 3, figsize=(15, 0.5 * len(table) + 2), sharey=True, layout="constrained")
    ax = axes[0]
    ax.errorbar(table["at_war_end"], y, xerr=err("at_war_end"), fmt="o", color="k")
    ax.set_xlim(-0.02, 1.02)
    ax.set_title("share of worlds still at war on the last day")
    for j, issue in enumerate(issues):
        offset = (j - (len(issues) - 1) / 2) * 0.12
        label = names[issue] + (" (one package)" if "+" in names[issue] else "")
        axes[1].errorbar(table[f"agreed_{issue}"], y + offset, fmt="o", ms=4, label=label, xerr=err(f"agreed_{issue}"))
        axes[2].plot(table[f"median_day_{issue}"], y + offset, "o", ms=4, label=label)
    axes[1].set_xlim(-0.02, 1.02)
    axes[1].set_title("share of worlds that agree each issue")
    axes[2].set_title("median day of the first agreement\n(among worlds that agree)")
    # beside the panels, not over their markers
    fig.legend(*axes[2].get_legend_handles_labels(), fontsize=7.5, loc="outside right center", title="issue")
    axes[0].set_yticks(y, table["configuration"])
    for a in axes:
        a.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Mechanisms alone and together ({int(table['worlds'].iloc[0])} worlds each; 95% intervals)")
    return save(fig, path, tight=False)
