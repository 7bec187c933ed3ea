"""The plots a researcher wants first from a run: positions, agreement, balance and beliefs."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

BAND = (0.25, 0.75)  # inter-quartile band across replications


def _grid(n: int, width: float = 4.2, height: float = 3.0):
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False, sharex=True)
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


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    tmp = path.with_name(path.stem + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
    return path
