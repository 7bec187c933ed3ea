"""The plots a researcher wants first from a run: positions, agreement, balance and beliefs."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.store import atomically  # noqa: E402

BAND = (0.25, 0.75)  # inter-quartile band across replications


def _grid(n: int, width: float = 4.2, height: float = 3.0, sharex: bool = True, layout: str | None = None):
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(
        rows, cols, figsize=(width * cols, height * rows), squeeze=False, sharex=sharex, layout=layout
    )
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def _band(ax, frame: pd.DataFrame, x: str, y: str, label: str, marker: str | None = "o", **style):
    q = frame.groupby(x, observed=True)[y].quantile([0.5, *BAND]).unstack()
    line = ax.plot(q.index, q[0.5], marker=marker, ms=3, label=label, **style)[0]
    ax.fill_between(q.index, q[BAND[0]], q[BAND[1]], alpha=0.2, color=line.get_color(), lw=0)


def positions(rounds: pd.DataFrame, poles: dict[str, tuple[str, str]], path: Path) -> Path:
    """Stated positions of each party on each issue over rounds: median and IQR band."""
    issues = list(poles)
    fig, axes = _grid(len(issues))
    for ax, issue in zip(axes, issues):
        rows = rounds[rounds["issue"] == issue]
        for party, frame in rows.groupby("party", observed=True):
            _band(ax, frame, "day", "position", str(party))
        first = rows.drop_duplicates(["replication", "round"])
        _band(ax, first, "day", "proposal", "mediator's proposal", color="0.4", ls="--")
        ax.set_title(issue)
        ax.set_ylim(-0.03, 1.03)
        ax.set_yticks([0, 1], [poles[issue][0], poles[issue][1]], fontsize=7)
        ax.set_xlabel("day of the round")
    axes[0].legend(fontsize=8)
    fig.suptitle("Stated positions over rounds (median, inter-quartile band across replications)")
    return _save(fig, path)


def agreement(outcomes: pd.DataFrame, timeline: pd.DataFrame | None, days: int, path: Path) -> Path:
    """Share of replications with each issue agreed by each day, and the share in force."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    n = outcomes["replication"].nunique()
    grid = np.arange(days + 1)
    for issue, frame in outcomes.groupby("issue", observed=True):
        first = frame["day"].dropna().to_numpy(dtype=int)
        by_day = np.searchsorted(np.sort(first), grid, side="right") / n
        line = ax.step(grid, by_day, where="post", label=f"{issue}: agreed by day")[0]
        column = f"in_force_{issue}"
        if timeline is not None and column in timeline:
            share = timeline.groupby("day")[column].mean()
            ax.plot(share.index, share.to_numpy(), color=line.get_color(), ls=":", lw=1.2)
    ax.plot([], [], color="0.3", ls=":", label="dotted: share in force that day")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("day")
    ax.set_ylabel("share of replications")
    ax.set_title("Probability that each issue is agreed by each day")
    ax.legend(fontsize=8, loc="upper left")
    return _save(fig, path)


def balance(timeline: pd.DataFrame, parties: dict[str, str], path: Path) -> Path:
    """True balance (chance that side A prevails) and each party's belief on the same scale."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    _band(ax, timeline, "day", "balance", "true balance", marker=None, color="k")
    for name, side in parties.items():
        frame = timeline[["day", f"belief_{name}"]].copy()
        frame["belief"] = frame[f"belief_{name}"] if side == "A" else 1.0 - frame[f"belief_{name}"]
        _band(ax, frame, "day", "belief", f"{name}'s belief", marker=None)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("day")
    ax.set_ylabel("chance that side A prevails")
    ax.set_title("Balance of the war and what each party believes (median, IQR band)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _save(fig, path: Path, tight: bool = True) -> Path:
    if tight:
        fig.tight_layout()
    atomically(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)
    return path


# -- sweeps --------------------------------------------------------------------------------


def _shares(summary: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Share agreed per `keys` and issue, pooled over the other points, with Wilson bands."""
    from sim.outcome import wilson_interval

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
    for issue, frame in shares.groupby("issue", observed=True, sort=False):
        x = frame[key] if numeric else [labels.index(v) for v in frame[key]]
        line = ax.plot(x, frame["share"], marker="o", ms=4, label=str(issue))[0]
        ax.fill_between(x, frame["low"], frame["high"], alpha=0.2, color=line.get_color(), lw=0)
    if not numeric:
        ax.set_xticks(range(len(labels)), [str(v) for v in labels])
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(key)
    ax.set_ylabel("share of replications agreed")
    ax.set_title(f"Agreement against {key} (95% Wilson interval)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def heatmaps(summary: pd.DataFrame, x: str, y: str, path: Path) -> Path:
    """One heatmap per issue: share agreed over two swept parameters."""
    shares = _shares(summary, [x, y])
    issues = list(dict.fromkeys(shares["issue"]))
    fig, axes = _grid(len(issues), width=4.4, height=3.6, sharex=False, layout="constrained")
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
        ax.set_xlabel(x, fontsize=8)
        ax.set_ylabel(y, fontsize=8)
    fig.colorbar(image, ax=list(axes[: len(issues)]), shrink=0.6, label="share agreed")
    fig.suptitle("Share of replications agreed, per issue")
    return _save(fig, path, tight=False)


def days_to_agreement(days: pd.DataFrame, key: str | None, path: Path) -> Path:
    """Distribution of the day of first agreement per issue (ECDF over agreed replications),
    one line per value of the first swept parameter; `days` holds counts per day."""
    issues = list(dict.fromkeys(days["issue"])) if len(days) else []
    fig, axes = _grid(max(len(issues), 1))
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
    return _save(fig, path)
