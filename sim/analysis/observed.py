"""Observed data: named series a scenario compares the model with (`scenario.observed`).

    observed:
      area_A:                                  # a timeline column the model records
        values: {"2022-02-24": 70157, ...}     # inline, by date
        source: Liveuamap2022
      area_B: {file: data/area.csv, column: area_km2}   # or a CSV with a `date` column

A value dated D is the state at the end of day D: the timeline's row of day
(D - start_date) + 1, the dawn of the next day (so the day before `start_date` is day 0,
the initial state). A relative file path is looked up in the current directory, then in
the folder of the primary config (`conf/`, or the `--config-dir` of the run).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sim.schema.checks import check, fail
from sim.schema.config import Config, ConfigError, SeriesConfig
from sim.schema.files import find_file

DATE_COLUMN = "date"


def timeline_columns(cfg: Config) -> list[str]:
    """The timeline columns a series may name: numeric per world and day."""
    sc = cfg.scenario
    names = ["area_A", "area_B", "balance", "intensity"]
    names += [f"belief_{p}" for p in sc.parties]
    names += [f"capability_{p}" for p, pc in sc.parties.items() if pc.belligerent]
    names += [f"cost_{p}" for p in sc.parties]
    return names


def day_of(when: date, start: date) -> int:
    """The timeline day whose dawn shows the state at the end of date `when`."""
    return (when - start).days + 1


def series(cfg: Config, name: str) -> pd.DataFrame:
    """One observed series as rows `date`, `day`, `value`, sorted by date."""
    spec: SeriesConfig = cfg.scenario.observed[name]
    where = f"scenario.observed.{name}"
    if spec.file:
        path = find_file(spec.file)
        frame = pd.read_csv(path)
        dates, values = frame[DATE_COLUMN].astype(str), frame[spec.column]
        pairs = list(zip(dates, values))
    else:
        pairs = list(spec.values.items())
    start = date.fromisoformat(cfg.scenario.start_date)
    rows = []
    for text, value in pairs:
        try:
            when = date.fromisoformat(str(text).strip()[:10])
        except ValueError:
            raise ConfigError(f"{where}: date {str(text)!r} is not allowed; allowed: a date as YYYY-MM-DD") from None
        rows.append((when, day_of(when, start), value))
    frame = pd.DataFrame(rows, columns=["date", "day", "value"]).sort_values("date", ignore_index=True)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def table(cfg: Config, names=None) -> pd.DataFrame:
    """The observed series as long rows `series`, `date`, `day`, `value`."""
    names = list(cfg.scenario.observed) if names is None else list(names)
    frames = [series(cfg, n).assign(series=n) for n in names]
    if not frames:
        return pd.DataFrame(columns=["series", "date", "day", "value"])
    return pd.concat(frames, ignore_index=True)[["series", "date", "day", "value"]]


@check("scenario.observed")
def check_observed(cfg: Config) -> None:
    """One line for a series the model cannot be compared with, or whose data cannot be read."""
    allowed_names = timeline_columns(cfg)
    start = date.fromisoformat(cfg.scenario.start_date)
    for name, spec in cfg.scenario.observed.items():
        where = f"scenario.observed.{name}"
        if name not in allowed_names:
            raise ConfigError(f"{where}: {name!r} is not a timeline column; allowed: {', '.join(allowed_names)}")
        if bool(spec.file) == bool(spec.values):
            fail(where, {"file": spec.file, "values": dict(spec.values)},
                 "allowed: either {file: <csv>, column: <name>} or {values: {YYYY-MM-DD: number}}")
        if spec.file:
            _check_file(where, spec)
        frame = series(cfg, name)
        bad = [v for v in frame["value"] if isinstance(v, bool) or not isinstance(v, (int, float, np.number))
               or not math.isfinite(v)]
        if bad:
            fail(f"{where}.values", bad[0], "allowed: finite numbers")
        early = frame[frame["day"] < 0]
        if len(early):
            first = early["date"].iloc[0].date()
            fail(f"{where}.values", str(first), f"allowed: dates from {start - timedelta(days=1)} "
                 "(the day before start_date: the state on day 0)")
        if frame["date"].duplicated().any():
            fail(f"{where}.values", str(frame.loc[frame["date"].duplicated(), "date"].iloc[0].date()),
                 "allowed: one value per date")


def _check_file(where: str, spec: SeriesConfig) -> None:
    path = find_file(spec.file)
    if path is None:
        fail(f"{where}.file", spec.file, "allowed: an existing CSV file (relative to the current directory or conf/)")
    try:
        head = pd.read_csv(path, nrows=0)
    except Exception as err:  # noqa: BLE001 - any unreadable file is one line
        fail(f"{where}.file", spec.file, f"allowed: a CSV file ({type(err).__name__})")
    if DATE_COLUMN not in head.columns:
        fail(f"{where}.file", spec.file, f"allowed: a CSV with a {DATE_COLUMN!r} column; it has {', '.join(head.columns)}")
    if spec.column not in head.columns or spec.column == DATE_COLUMN:
        others = [c for c in head.columns if c != DATE_COLUMN]
        fail(f"{where}.column", spec.column, f"allowed: {', '.join(others)}")
    values = pd.read_csv(path)[spec.column]
    if not pd.api.types.is_numeric_dtype(values):
        fail(f"{where}.column", spec.column, "allowed: a column of numbers")
