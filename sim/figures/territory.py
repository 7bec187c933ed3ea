"""The territory plot of a run: the area each side holds, day by day (sim/rules/territory.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.figures.canvas import plt, save

BAND = (0.05, 0.95)  # the 90% band across worlds


def territory(timeline: pd.DataFrame, path: Path, observed: pd.DataFrame | None = None,
              sides: tuple[str, str] = ("A", "B"), unit: str = "") -> Path:
    """Median and 90% band across worlds of `area_A` and `area_B` by date; `observed`
    (rows `series`, `date`, `value`, as `sim.analysis.observed.table` gives) adds its area points,
    placed at the dawn after their date, where the timeline shows them; the days after the
    last observation are shaded: there the front is the model's alone, unchecked by data."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if observed is not None and len(observed):
        last = pd.to_datetime(observed["date"]).max() + pd.Timedelta(days=1)
        end = pd.to_datetime(timeline["date"]).max()
        if last < end:
            ax.axvspan(last, end, color="0.85", alpha=0.6, lw=0, zorder=0, label="beyond the last observation")
    for column, label in zip(("area_A", "area_B"), sides):
        q = timeline.groupby("date")[column].quantile([0.5, *BAND]).unstack()
        line = ax.plot(q.index, q[0.5], label=f"side {label}" if label in ("A", "B") else label)[0]
        ax.fill_between(q.index, q[BAND[0]], q[BAND[1]], alpha=0.2, color=line.get_color(), lw=0)
        if observed is not None:
            seen = observed[observed["series"] == column]
            if len(seen):
                ax.plot(pd.to_datetime(seen["date"]) + pd.Timedelta(days=1), seen["value"], "o",
                        color=line.get_color(), mec="k", label=f"{label}: observed")
    ax.set_ylabel(f"area held{f' ({unit})' if unit else ''}")
    ax.set_title("Area held by each side (median, 90% band across worlds)")
    ax.tick_params(axis="x", labelrotation=30)
    ax.legend(fontsize=8)
    return save(fig, Path(path))
