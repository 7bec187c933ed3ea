"""What the figures share: Matplotlib without a display, a grid of panels, median lines
with their band across worlds, dates on a time axis, and saving a figure atomically."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.runs.store import atomically  # noqa: E402

BAND = (0.25, 0.75)  # inter-quartile band across replications


def short(path: str) -> str:
    """A config path as a label: without the leading "scenario."."""
    return path.removeprefix("scenario.")


# which way a signed value points, said wherever it labels an axis
DIRECTIONS = {"mediator.bias": "> 0: toward mediator.favours, side A by default"}


def label_of(path: str) -> str:
    """A config path as an axis label: short, with the way it points where that matters."""
    return f"{short(path)}\n({DIRECTIONS[path]})" if path in DIRECTIONS else short(path)


def side_name(side) -> str:
    return getattr(side, "name", side)  # a sim.schema.config.Side or its name


def grid_of(n: int, width: float = 4.2, height: float = 3.0, sharex: bool = True, layout: str | None = None):
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(
        rows, cols, figsize=(width * cols, height * rows), squeeze=False, sharex=sharex, layout=layout
    )
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def band(ax, frame: pd.DataFrame, x: str, y: str, label: str, marker: str | None = "o", to_x=None,
         hatch: str | None = None, **style):
    """The median line of `y` by `x` across worlds and its inter-quartile band (`hatch`, e.g. "///": the
    band hatched in the line's colour, for bands that overlap)."""
    q = frame.groupby(x, observed=True)[y].quantile([0.5, *BAND]).unstack()
    xs = to_x(q.index.to_numpy()) if to_x else q.index
    line = ax.plot(xs, q[0.5], marker=marker, ms=3, label=label, **style)[0]
    if hatch:
        ax.fill_between(xs, q[BAND[0]], q[BAND[1]], facecolor="none", edgecolor=line.get_color(), hatch=hatch,
                        alpha=0.45, lw=0)
    else:
        ax.fill_between(xs, q[BAND[0]], q[BAND[1]], alpha=0.2, color=line.get_color(), lw=0)
    return line


# -- time axes: dates below, day numbers above --------------------------------------------------


def dates(start_date: str | None):
    """day -> what to plot: a date from `start_date` on, or the day itself."""
    if not start_date:
        return None
    start = np.datetime64(start_date, "D")
    return lambda days: start + np.asarray(days).astype("timedelta64[D]")


def time_axis(ax, start_date: str | None, label: str = "day") -> None:
    """Dates along the bottom and day numbers along the top (or days only, without a start)."""
    if not start_date:
        ax.set_xlabel(label)
        return
    import matplotlib.dates as mdates
    from matplotlib.ticker import MaxNLocator

    origin = mdates.date2num(np.datetime64(start_date, "D"))
    # whole days only: ticks on day boundaries (never hours, which a "%d %b" label repeats)
    ax.xaxis.set_major_locator(DayTicks(origin))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    top = ax.secondary_xaxis("top", functions=(lambda d: d - origin, lambda n: n + origin))
    top.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=2))
    top.set_xlabel(f"{label} (day 0 = {start_date})" if label else "", fontsize=7)
    top.tick_params(labelsize=7)


class DayTicks(matplotlib.ticker.Locator):
    """Date ticks on whole days, at most about six: every day, 2, 3, 7, 14 days, or monthly
    steps of 30 days, counted from day 0 (so day numbers and dates line up)."""

    STEPS = (1, 2, 3, 7, 14, 30, 61, 91, 182, 365)

    def __init__(self, origin: float, most: int = 7):
        self.origin, self.most = origin, most

    def __call__(self):
        low, high = sorted(self.axis.get_view_interval())
        span = max(high - low, 1.0)
        step = next((s for s in self.STEPS if span / s <= self.most), self.STEPS[-1] * int(np.ceil(span / 365 / self.most)))
        first = self.origin + step * np.ceil((low - self.origin) / step)
        return np.arange(first, high + 1e-9, step)


def when(day: float, start_date: str | None) -> str:
    if not start_date or not np.isfinite(day):
        return f"day {day:.0f}"
    date = (np.datetime64(start_date, "D") + np.timedelta64(int(round(day)), "D")).astype(object)
    return f"day {day:.0f} ({date:%d %b})"


def panel_layout(fig, panels, cols: int, foot: float = 0.0) -> None:
    """Place a grid of panels from the sizes of the texts around them, measured once, instead of
    a layout pass that draws the whole figure before it is drawn again to be saved (tight or
    constrained layout: about 40% of a figure's time). Room above each row for its tallest
    title and top axis (and the figure's title over the first), below for tick labels and the
    x label, left of each column for its widest y tick label; `foot` points at the bottom (a
    note, a legend: `height_pt`)."""
    from matplotlib.font_manager import FontProperties

    renderer = fig.canvas.get_renderer()
    to_pt = 72 / renderer.dpi

    def height(text, extra: float = 0.0) -> float:  # points: lines x 1.25 x size, with matplotlib's pads
        s = text.get_text()
        return (s.count("\n") + 1) * 1.25 * text.get_fontsize() + extra if s else 0.0

    def widest(axis) -> float:  # the tick labels as they will be drawn: located, formatted, measured
        low, high = axis.get_view_interval()
        locs = [v for v in axis.get_major_locator()() if min(low, high) - 1e-9 <= v <= max(low, high) + 1e-9]
        size = axis.get_major_ticks()[0].label1.get_fontsize() if locs else 0
        prop = FontProperties(size=size)
        return max((renderer.get_text_width_height_descent(t, prop, ismath=False)[0] * to_pt
                    for t in axis.get_major_formatter().format_ticks(locs)), default=0.0)

    shown = [ax for ax in panels if ax.get_visible()]
    rows = -(-len(shown) // cols)
    tick = shown[0].xaxis.get_major_ticks()[0].label1.get_fontsize() * 1.25 + 7  # tick, pad and label

    def top_axis(ax) -> float:  # a secondary x axis on top (time_axis): its tick labels and label
        return sum(tick + height(c.xaxis.label, 4) for c in ax.child_axes if c.xaxis.get_label_position() == "top")

    above = max(height(ax.title, 6) + top_axis(ax) for ax in shown)
    below = max(height(ax.xaxis.label, 4) for ax in shown) + tick
    left = max(widest(ax.yaxis) for ax in shown) + 16
    overhang = max(widest(ax.xaxis) for ax in shown) / 2  # the last x tick label's half past the panel
    suptitle = height(fig._suptitle, 10) if fig._suptitle is not None else 0.0
    w, h = fig.get_size_inches() * 72
    right, gap = max(14.0, overhang + 4), left + overhang
    fig.subplots_adjust(left=left / w, right=1 - right / w, top=1 - (suptitle + above + 4) / h,
                        bottom=(below + foot + 8) / h,
                        wspace=gap / ((w - left - right - (cols - 1) * gap) / cols),
                        hspace=(above + below) / ((h - suptitle - above - below - foot - 12
                                                   - (rows - 1) * (above + below)) / rows))


def height_pt(fig, artist) -> float:
    """An artist's height in points, measured alone (a legend's: its entries and frame)."""
    renderer = fig.canvas.get_renderer()
    return artist.get_window_extent(renderer).height * 72 / renderer.dpi


def save(fig, path: Path, tight: bool = True) -> Path:
    if tight:
        fig.tight_layout()
    atomically(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)
    return path
