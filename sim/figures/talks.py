"""The plots a researcher wants first from a run: positions, agreement, balance and beliefs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.figures.canvas import band, dates, grid_of, height_pt, panel_layout, plt, save, side_name, time_axis, when


def _agreements(outcomes: pd.DataFrame) -> dict[str, dict]:
    """Per issue: share of worlds that agreed, median first day and terms, breakdowns."""
    n = outcomes["replication"].nunique() * max(1, outcomes["point"].nunique() if "point" in outcomes else 1)
    out = {}
    for issue, frame in outcomes.groupby("issue", observed=True, sort=False):
        agreed = frame[frame["agreed"]]
        out[str(issue)] = {
            "share": len(agreed) / n,
            "day": float(agreed["day"].astype(float).median()) if len(agreed) else np.nan,
            "terms": float(agreed["terms"].median()) if len(agreed) else np.nan,
            "broke": float((frame["breakdowns"] > 0).mean()) if "breakdowns" in frame else 0.0,
        }
    return out


def together(outcomes: pd.DataFrame, package: list[str] | None = None) -> list[list[str]]:
    """Issues grouped as they were agreed: `package` (the config's package issues) as one
    group, or, without it, issues whose first agreement falls on the same day in every world
    (and that were agreed somewhere); every other issue alone."""
    issues = list(dict.fromkeys(str(i) for i in outcomes["issue"]))
    if package is None:
        days = outcomes.assign(day=outcomes["day"].astype(float)).pivot_table(
            index=[c for c in ("point", "replication") if c in outcomes], columns="issue", values="day",
            observed=True, dropna=False)
        groups: list[list[str]] = []
        for issue in issues:
            col = days[issue]
            match = next((g for g in groups if col.notna().any() and col.equals(days[g[0]])), None)
            match.append(issue) if match else groups.append([issue])
        return groups
    package = [i for i in issues if i in package]
    groups = []
    for issue in issues:
        if issue not in package:
            groups.append([issue])
        elif issue == package[0]:
            groups.append(package)
    return groups


def _group_label(group: list[str]) -> str:
    return group[0] if len(group) == 1 else "package: " + " + ".join(group)


def positions(rounds: pd.DataFrame, poles: dict[str, tuple[str, str]], path: Path, *, start_date: str | None = None,
              outcomes: pd.DataFrame | None = None, sides: dict | None = None,
              proposer: str = "mediator's proposal") -> Path:
    """Stated positions of each party on each issue over rounds (median and IQR band across
    worlds) on the issue's 0-1 scale between its poles; with `outcomes`, the median day of
    first agreement marked, with the share of worlds, the median terms and breakdowns."""
    issues = list(poles)
    to_x = dates(start_date)
    deals = _agreements(outcomes) if outcomes is not None else {}
    fig, axes = grid_of(len(issues), width=4.6, height=3.4)
    for ax, issue in zip(axes, issues):
        rows = rounds[rounds["issue"] == issue]
        for party, frame in rows.groupby("party", observed=True):
            side = f" (side {side_name(sides[str(party)])})" if sides and str(party) in sides else ""
            band(ax, frame, "day", "position", f"{party}{side}", to_x=to_x)
        first = rows.drop_duplicates([c for c in ("point", "replication", "round") if c in rows])
        band(ax, first, "day", "proposal", proposer, to_x=to_x, color="0.4", ls="--")
        deal = deals.get(issue)
        if deal and deal["share"] > 0:
            day = deal["day"]
            x = to_x([day])[0] if to_x else day
            ax.axvline(x, color="k", lw=0.8, ls=":")
            ax.plot([x], [deal["terms"]], "*", color="k", ms=10, label="terms agreed (median)")
            note = f"agreed in {deal['share']:.0%} of worlds, median {when(day, start_date)}, terms {deal['terms']:.2f}"
            if deal["broke"] > 0:
                note += f"; broke down in {deal['broke']:.0%}"
        else:
            note = "agreed in no world" if deal else ""
        ax.set_title(issue)
        ax.set_ylim(-0.03, 1.03)
        ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.tick_params(labelsize=7)
        ax.text(0.99, 0.985, f"1 = {poles[issue][1]}", transform=ax.transAxes, ha="right", va="top", fontsize=6.5)
        ax.text(0.99, 0.015, f"0 = {poles[issue][0]}", transform=ax.transAxes, ha="right", va="bottom", fontsize=6.5)
        time_axis(ax, start_date, "day of the round" if ax is axes[0] else "")
        ax.set_xlabel(note, fontsize=7)
    handles = {}
    for ax in axes[: len(issues)]:  # every party and mark drawn on any panel, once
        for h, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, h)
    # below the panels, never over a pole label or the ticks
    legend = fig.legend(list(handles.values()), list(handles), loc="lower center", bbox_to_anchor=(0.5, 0.005),
                        fontsize=8, ncol=min(len(handles), 2 if len(issues) == 1 else 4))
    title = "Stated positions over rounds (median, inter-quartile band across worlds)"
    fig.suptitle(title.replace(" (", "\n(") if len(issues) < 3 else title, fontsize=11)
    panel_layout(fig, axes, cols=min(len(issues), 3), foot=height_pt(fig, legend))
    return save(fig, path, tight=False)


def agreement(outcomes: pd.DataFrame, timeline: pd.DataFrame | None, days: int, path: Path, *,
              start_date: str | None = None, package: list[str] | None = None) -> Path:
    """Share of worlds with each issue agreed by each day (a package drawn once), the share
    in force that day, and below it the share of worlds in which an agreement broke down."""
    breakdowns = timeline is not None and any(c.startswith("in_force_") for c in timeline)
    fig, axes = plt.subplots(2 if breakdowns else 1, 1, figsize=(9, 7 if breakdowns else 5.4), sharex=True,
                             height_ratios=[3, 1] if breakdowns else [1], squeeze=False, layout="constrained")
    top, to_x = axes[0][0], dates(start_date) or (lambda d: np.asarray(d))
    n = len(outcomes.drop_duplicates([c for c in ("point", "replication") if c in outcomes]))
    grid = np.arange(days + 1)
    deals = _agreements(outcomes)
    in_force_drawn = False
    for group in together(outcomes, package):
        issue = group[0]
        first = outcomes.loc[outcomes["issue"] == issue, "day"].dropna().to_numpy(dtype=int)
        by_day = np.searchsorted(np.sort(first), grid, side="right") / n
        deal = deals[issue]
        label = f"{_group_label(group)}: {deal['share']:.0%} agreed"
        if deal["share"] > 0:
            terms = ", ".join(f"{deals[i]['terms']:.2f}" for i in group)
            label += f", median {when(deal['day'], start_date)}, terms {terms}"
        line = top.step(to_x(grid), by_day, where="post", label=label)[0]
        column = f"in_force_{issue}"
        if breakdowns and column in timeline:
            share = timeline.groupby("day")[column].mean()
            top.plot(to_x(share.index.to_numpy()), share.to_numpy(), color=line.get_color(), ls=":", lw=1.2)
            in_force_drawn = True
            broke = _breakdowns(timeline, column)
            broke = broke[broke > 0]
            axes[1][0].plot(to_x(broke.index.to_numpy()), broke.to_numpy(), "v", ms=4, color=line.get_color())
    if in_force_drawn:  # a legend names only what is drawn (no timeline: no share in force)
        top.plot([], [], color="0.3", ls=":", label="dotted: share in force that day")
    top.set_ylim(-0.02, 1.02)
    top.set_ylabel("share of worlds agreed by that day")
    top.set_title("When each issue is agreed (terms: median first agreement, 0-1 scale of the issue)")
    fig.legend(*top.get_legend_handles_labels(), fontsize=7.5, loc="outside lower center")
    time_axis(top, start_date)
    if breakdowns:
        bottom = axes[1][0]
        bottom.set_ylabel("share of worlds where\nit broke down that day", fontsize=8)
        bottom.set_ylim(bottom=0)
        bottom.tick_params(labelsize=7)
    return save(fig, path, tight=False)


def _breakdowns(timeline: pd.DataFrame, column: str) -> pd.Series:
    """Per day, the share of worlds where the item was in force the day before and is not."""
    keys = [c for c in ("point", "replication") if c in timeline]
    frame = timeline[[*keys, "day", column]].sort_values([*keys, "day"])
    was = frame.groupby(keys)[column].shift(1, fill_value=False).to_numpy(dtype=bool)
    ended = was & ~frame[column].to_numpy(dtype=bool)
    return pd.Series(ended, index=frame["day"].to_numpy()).groupby(level=0).mean()


def balance(timeline: pd.DataFrame, parties: dict[str, str], path: Path, *, start_date: str | None = None) -> Path:
    """True balance (chance that side A prevails) and each party's belief on the same scale."""
    sides = {name: side_name(side) for name, side in parties.items()}
    names = {s: " and ".join(n for n, v in sides.items() if v == s) for s in ("A", "B")}
    fig, ax = plt.subplots(figsize=(9, 4.8))
    to_x = dates(start_date)
    band(ax, timeline, "day", "balance", "true balance", marker=None, to_x=to_x, color="k")
    styles = [dict(color="tab:blue", ls="--", hatch="///"), dict(color="tab:red", ls="-.", hatch="\\\\\\"),
              dict(color="tab:green", ls=":", hatch="..."), dict(color="tab:purple", ls="--", hatch="xx")]
    for (name, side), style in zip(sides.items(), styles * len(sides)):
        frame = timeline[["day", f"belief_{name}"]].copy()
        frame["belief"] = frame[f"belief_{name}"] if side == "A" else 1.0 - frame[f"belief_{name}"]
        # distinct colours and line styles, bands hatched, so that two overlapping bands stay two
        band(ax, frame, "day", "belief", f"{name}'s belief (side {side})", marker=None, to_x=to_x, **style)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel(f"chance that side A ({names['A']}) prevails")
    right = ax.secondary_yaxis("right", functions=(lambda p: 1 - p, lambda p: 1 - p))
    right.set_ylabel(f"chance that side B ({names['B']}) prevails")
    time_axis(ax, start_date)
    ax.set_title("Balance of the war and what each party believes (median, IQR band across worlds)")
    ax.legend(fontsize=8)
    return save(fig, path)
