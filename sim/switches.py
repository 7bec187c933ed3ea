"""Designs whose axes are all switches (true/false): none, each alone, and all together.

`effects(worlds, points)` tabulates, for those configurations, the share of worlds still
at war at the horizon and the share that agree each issue (95% Wilson intervals), and the
median day of the first agreement on each issue; `plot` draws it. `negsim` writes both
(`switches.csv`, `switches.png`) into the folder of such a design (the `mechanisms` study).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.outcome import wilson_interval


def is_switch_design(points: pd.DataFrame | None) -> bool:
    return points is not None and len(points.columns) > 1 and all(points[c].dtype == bool for c in points.columns)


def label(path: str) -> str:
    """scenario.mechanisms.power_shift.enabled -> power_shift."""
    parts = path.split(".")
    return parts[-2] if parts[-1] == "enabled" and len(parts) > 1 else parts[-1]


def configurations(points: pd.DataFrame) -> dict[str, int]:
    """name -> point: none, each switch alone, all (those the design holds)."""
    on = points.to_numpy(dtype=bool)
    found = {}
    for name, want in [("none", np.zeros(on.shape[1], bool)),
                       *((label(c), np.arange(on.shape[1]) == j) for j, c in enumerate(points.columns)),
                       ("all", np.ones(on.shape[1], bool))]:
        match = np.flatnonzero((on == want).all(axis=1))
        if len(match):
            found[name] = int(match[0])
    return found


def effects(worlds: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    issues = [c[len("agreed_"):] for c in worlds.columns if c.startswith("agreed_")]
    rows = []
    for name, point in configurations(points).items():
        w = worlds[worlds["point"] == point]
        row = {"configuration": name, "point": point, "worlds": len(w)}
        for metric in ["at_war_end", *(f"agreed_{i}" for i in issues)]:
            k = int(w[metric].sum())
            lo, hi = wilson_interval(k, len(w))
            row |= {metric: k / len(w), f"{metric}_low": float(lo), f"{metric}_high": float(hi)}
        for issue in issues:
            row[f"median_day_{issue}"] = w[f"day_{issue}"].median()
        rows.append(row)
    return pd.DataFrame(rows)


def plot(table: pd.DataFrame, path: Path) -> Path:
    """Three panels over the configurations: at war at the horizon, a ceasefire-like first
    issue agreed (each issue's share), and the median day of each issue's first agreement."""
    from sim import plots

    plt = plots.plt
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
    return plots._save(fig, path)
