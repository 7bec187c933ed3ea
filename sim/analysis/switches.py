"""Designs whose axes are all switches (true/false): none, each alone, and all together.

`effects(worlds, points)` tabulates, for those configurations, the share of worlds still
at war at the horizon and the share that agree each issue (95% Wilson intervals), and the
median day of the first agreement on each issue; `sim.figures.effects.switches` draws it. `negsim` writes both
(`switches.csv`, `switches.png`) into the folder of such a design (the `mechanisms` study).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.runs.outcome import wilson_interval


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
