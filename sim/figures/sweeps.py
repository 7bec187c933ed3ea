"""The plots of a sweep: share agreed against each swept parameter, heatmaps over two,
and the days to agreement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.figures.canvas import grid_of, label_of, plt, save
from sim.runs.outcome import wilson_interval


def _shares(summary: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Share agreed per `keys` and issue, pooled over the other points, with Wilson bands."""
    g = summary.groupby([*keys, "issue"], observed=True, sort=False)[["n_agreed", "replications"]].sum().reset_index()
    g["share"] = g["n_agreed"] / g["replications"]
    g["low"], g["high"] = wilson_interval(g["n_agreed"], g["replications"])
    return g


def share_against(summary: pd.DataFrame, key: str, path: Path) -> Path:
    """Share agreed against one swept parameter (pooled over the others), 95% Wilson bands."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    shares = _shares(summary, [key])
    numeric = pd.api.types.is_numeric_dtype(shares[key])
    if numeric:
        shares = shares.sort_values(key)
    labels = list(dict.fromkeys(shares[key]))
    for i, (issue, frame) in enumerate(shares.groupby("issue", observed=True, sort=False)):
        if numeric:
            line = ax.plot(frame[key], frame["share"], marker="o", ms=4, label=str(issue))[0]
            ax.fill_between(frame[key], frame["low"], frame["high"], alpha=0.2, color=line.get_color(), lw=0)
        else:  # categories are points, side by side, not joined by lines
            x = np.array([labels.index(v) for v in frame[key]]) + 0.08 * (i - 2)
            err = np.clip([frame["share"] - frame["low"], frame["high"] - frame["share"]], 0, None)
            ax.errorbar(x, frame["share"], yerr=err, fmt="o", ms=4, capsize=2, label=str(issue))
    if not numeric:
        ax.set_xticks(range(len(labels)), [str(v) for v in labels])
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(label_of(key))
    ax.set_ylabel("share of replications agreed")
    ax.set_title(f"Agreement against {key} (95% Wilson interval)")
    ax.legend(fontsize=8)
    return save(fig, path)


def heatmaps(summary: pd.DataFrame, x: str, y: str, path: Path) -> Path:
    """One heatmap per issue: share agreed over two swept parameters."""
    shares = _shares(summary, [x, y])
    issues = list(dict.fromkeys(shares["issue"]))
    fig, axes = grid_of(len(issues), width=4.4, height=3.6, sharex=False, layout="constrained")
    for ax, issue in zip(axes, issues):
        grid = shares[shares["issue"] == issue].pivot(index=y, columns=x, values="share")
        grid = grid.reindex(index=list(dict.fromkeys(shares[y])), columns=list(dict.fromkeys(shares[x])))
        values = grid.to_numpy()
        image = ax.imshow(values, origin="lower", vmin=0, vmax=1, cmap="viridis", aspect="auto")
        for (row, col), v in np.ndenumerate(values):
            ax.text(col, row, f"{v:.2f}", ha="center", va="center", fontsize=7, color="w" if v < 0.6 else "k")
        ax.set_xticks(range(grid.shape[1]), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.columns], fontsize=7)
        ax.set_yticks(range(grid.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.index], fontsize=7)
        ax.set_title(str(issue))
        ax.set_xlabel(label_of(x), fontsize=8)
        ax.set_ylabel(label_of(y), fontsize=8)
    fig.colorbar(image, ax=list(axes[: len(issues)]), shrink=0.6, label="share agreed")
    fig.suptitle("Share of replications agreed, per issue")
    return save(fig, path, tight=False)


def days_to_agreement(days: pd.DataFrame, key: str | None, path: Path) -> Path:
    """Distribution of the day of first agreement per issue (ECDF over agreed replications),
    one line per value of the first swept parameter; `days` holds counts per day."""
    issues = list(dict.fromkeys(days["issue"])) if len(days) else []
    fig, axes = grid_of(max(len(issues), 1))
    groups = days.groupby(key, observed=True) if key else [("all points", days)]
    for value, frame in groups:
        for ax, issue in zip(axes, issues):
            per_day = frame[frame["issue"] == issue].groupby("day")["count"].sum().sort_index()
            if per_day.sum():
                ecdf = per_day.cumsum() / per_day.sum()
                ax.step(per_day.index.astype(float), ecdf, where="post", label=f"{key}={value}" if key else value)
    for ax, issue in zip(axes, issues):
        ax.set_title(str(issue))
        ax.set_xlabel("day of first agreement")
        ax.set_ylim(-0.02, 1.02)
    axes[0].set_ylabel("share of agreed replications")
    if issues:
        axes[0].legend(fontsize=7)
    fig.suptitle("Days to agreement (ECDF among replications that agreed)")
    return save(fig, path)
