"""What `negsim` prints when a run is done: the answer the study exists for, then the files.

A run prints its summary per issue; a small design its shares per point (a pooled summary
mixes points that differ, so it says over what it pools); counterfactuals their effects
(variant, outcome, difference, 95% interval); a sensitivity analysis its ranked drivers;
PRIM its boxes; a calibration its posterior. The same tables are in the folder's files
and on report.html.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd

from sim.analysis.compare import unit
from sim.runs.outcome import summarize

MAX_POINTS = 30  # a design with more points prints only its pooled summary (summary.csv has each)


def report(done: dict, out: Path) -> None:
    """Print what a finished run (`sim.commands.study.run`'s result) found, and its files."""
    config, result = done["config"], done["result"]
    if result is None:  # a calibration: the posterior in a table
        from sim.analysis.calibrate import summary

        print(f"\n{config.scenario.name}: calibrated in {done['seconds']:.1f} s\n")
        print(summary(done["calibration"]).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    else:
        print(f"\n{headline(config, result, done['seconds'])}\n")
        if result.points is not None:
            print(pooled_note(result.points) + "\n")
        print(format_summary(summarize(result.outcomes)))
        if result.points is not None and len(result.points) <= MAX_POINTS:
            print("\n" + per_point(result.worlds, list(result.points.columns)))
    files = {Path(f).name: Path(f) for f in done["files"]}
    for name, section in (("effects.csv", effects_section), ("sensitivity.csv", drivers_section),
                          ("prim.csv", boxes_section)):
        if name in files:
            print("\n" + section(files[name]))
    print(f"\nwritten to {out}/")
    for name in files:
        print(f"  {name}")


def headline(config, result, seconds: float) -> str:
    if result.points is not None:
        points = len(result.points)
        what = f"{points} points x {len(result.worlds) // max(points, 1)} worlds"
    else:
        what = f"{config.replications} replications"
    return f"{config.scenario.name}: {what}, {config.scenario.days} days, seed {config.seed}, simulated in {seconds:.2f} s"


def pooled_note(points: pd.DataFrame) -> str:
    """What the summary below pools: the design's points and the axes they vary."""
    varied = ", ".join(f"{axis} ({points[axis].nunique()} values)" for axis in points.columns)
    return (f"pooled over the {len(points)} points of the design, which vary {varied}: "
            "medians mix points that differ; summary.csv has each point")


def format_summary(table: pd.DataFrame) -> str:
    shown = table.copy()
    at = shown.columns.get_loc("share_agreed")
    interval = [f"{s:.2f} [{lo:.2f}, {hi:.2f}]" for s, lo, hi in zip(shown.share_agreed, shown.ci_low, shown.ci_high)]
    shown = shown.drop(columns=["share_agreed", "ci_low", "ci_high"])
    shown.insert(at, "share agreed [95% CI]", interval)
    return shown.to_string(index=False, float_format=lambda v: f"{v:.3g}", na_rep="-")


def per_point(worlds: pd.DataFrame, axes: list[str]) -> str:
    """Two tables of one row per point: the share of its worlds at war on the last day and
    that agreed each issue; the median terms of each issue where it was agreed."""
    issues = [c.removeprefix("agreed_") for c in worlds.columns if c.startswith("agreed_")]
    by = worlds.groupby("point", sort=True)
    values = by[axes].first()
    shares = values.join(by[["at_war_end", *(f"agreed_{i}" for i in issues)]].mean())
    terms = values.join(by[[f"terms_{i}" for i in issues]].median())
    name = lambda c: c.removeprefix("agreed_").removeprefix("terms_")  # noqa: E731
    return ("share of worlds per point (agreed: the issue's first agreement by the horizon)\n\n"
            + shares.rename(columns=name).to_string(index=False, float_format=lambda v: f"{v:.2f}")
            + "\n\nmedian terms per point (0-1 scale of the issue; worlds that agreed it; -: none did)\n\n"
            + terms.rename(columns=name).to_string(index=False, float_format=lambda v: f"{v:.2f}", na_rep="-"))


def effects_section(path: Path) -> str:
    """effects.csv as a table: variant, outcome, difference with its 95% interval, worlds."""
    table = pd.read_csv(path)
    rows = []
    for r in table.itertuples(index=False):
        scale, what = unit(r.outcome)
        digits, u = {"percentage points": (1, " pp"), "days": (1, " days")}.get(what, (3, ""))
        if pd.isna(r.difference):
            shown = "- (no world where both agreed)"
        elif r.difference == 0 and r.ci_low == r.ci_high == 0:
            shown = "0 (the same in every world)"
        else:
            shown = f"{scale * r.difference:+.{digits}f}{u}"
            if pd.notna(r.ci_low):
                shown += f" [{scale * r.ci_low:+.{digits}f}, {scale * r.ci_high:+.{digits}f}]"
        baseline = f"{scale * r.baseline:.{digits}f}{u}" if pd.notna(r.baseline) else "-"
        rows.append({"variant": r.variant, "outcome": r.outcome, "baseline": baseline,
                     "difference [95% CI]": shown, "n": r.n})
    head = "effects: each variant minus the baseline on the same worlds (paired 95% interval; effects.csv)"
    return head + "\n\n" + pd.DataFrame(rows).to_string(index=False)


def drivers_section(path: Path) -> str:
    from sim.commands.page import drivers

    return "what drives the outcomes (sensitivity.csv)\n" + _bullets(drivers(pd.read_csv(path)))


def boxes_section(path: Path) -> str:
    from sim.commands.page import boxes, read_prim

    return "where the outcome is most likely (PRIM; prim.csv)\n" + _bullets(boxes(read_prim(path)))


def _bullets(sentences: list[str]) -> str:
    return "\n".join(textwrap.fill(s, 100, initial_indent="- ", subsequent_indent="  ") for s in sentences)
