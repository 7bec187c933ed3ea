"""Effects against a baseline: counterfactuals' paired differences (`sim/analysis/compare.py`)
and the mechanisms' switches alone and together (`sim/analysis/switches.py`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.figures.canvas import plt, save


def effects(table: pd.DataFrame, path: Path, baseline_worlds: int) -> Path:
    """One panel per outcome: each variant's difference from the baseline, 95% interval."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    variants = list(dict.fromkeys(table["variant"]))
    fig, axes = plt.subplots(1, len(outcomes), figsize=(3.6 * len(outcomes) + 1.5, 0.45 * len(variants) + 1.8),
                             sharey=True, squeeze=False)
    y = np.arange(len(variants))[::-1]
    for ax, outcome in zip(axes[0], outcomes):
        rows = table[table["outcome"] == outcome].set_index("variant").loc[variants]
        ax.axvline(0, color="0.6", lw=1)
        ax.errorbar(rows["difference"], y, xerr=[rows["difference"] - rows["ci_low"], rows["ci_high"] - rows["difference"]],
                    fmt="o", color="C0")
        ax.set_title(f"{outcome}\n(baseline {rows['baseline'].iloc[0]:.3g})", fontsize=9)
        ax.set_xlabel("variant - baseline")
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(y, variants)
    fig.suptitle(f"Counterfactuals: paired differences from the baseline over {baseline_worlds} worlds (95% intervals)")
    return save(fig, path)


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

    fig, axes = plt.subplots(1, 3, figsize=(13, 0.5 * len(table) + 2), sharey=True)
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
    axes[2].legend(fontsize=7, loc="lower right")
    axes[0].set_yticks(y, table["configuration"])
    for a in axes:
        a.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Mechanisms alone and together ({int(table['worlds'].iloc[0])} worlds each; 95% intervals)")
    return save(fig, path)
