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


def physical_range(cfg: Config, name: str) -> tuple[float, float, str]:
    """The values a timeline column can take, and what bounds them."""
    if name in ("area_A", "area_B"):
        total = cfg.scenario.territory.total
        return 0.0, total, f"0 to {total:g} (scenario.territory.total)"
    if name in ("balance", "intensity") or name.startswith("belief_"):
        return 0.0, 1.0, "0 to 1 (a share)"
    return 0.0, math.inf, "0 or more"  # a capability, a cost


def series(cfg: Config, name: str) -> pd.DataFrame:
    """One observed series as rows `date`, `day`, `value`, sorted by date, and `where`:
    the file's row and column, or the inline date, that a message names."""
    spec: SeriesConfig = cfg.scenario.observed[name]
    where = f"scenario.observed.{name}"
    if spec.file:
        path = find_file(spec.file)
        frame = pd.read_csv(path)
        dates, values = frame[DATE_COLUMN].astype(str), frame[spec.column]
        # rows counted as a spreadsheet shows them: the header is row 1
        places = [f"{spec.file}, row {i + 2}, column {spec.column}" for i in range(len(frame))]
        pairs = list(zip(dates, values, places))
    else:
        pairs = [(d, v, f"{where}.values[{d}]") for d, v in spec.values.items()]
    start = date.fromisoformat(cfg.scenario.start_date)
    rows = []
    for text, value, place in pairs:
        try:
            when = date.fromisoformat(str(text).strip()[:10])
        except ValueError:
            raise ConfigError(f"{where}: date {str(text)!r} is not allowed (at {place}); allowed: a date as YYYY-MM-DD") from None
        rows.append((when, day_of(when, start), value, place))
    frame = pd.DataFrame(rows, columns=["date", "day", "value", "where"]).sort_values("date", ignore_index=True)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def table(cfg: Config, names=None) -> pd.DataFrame:
    """The observed series as long rows `series`, `date`, `day`, `value`."""
    names = list(cfg.scenario.observed) if names is None else list(names)
    frames = [series(cfg, n).drop(columns="where").assign(series=n) for n in names]
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
        for value, place in zip(frame["value"], frame["where"]):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not math.isfinite(value):
                raise ConfigError(f"{where}: value {value!r} is not allowed (at {place}); allowed: finite numbers")
        low, high, bound = physical_range(cfg, name)
        for value, place in zip(frame["value"], frame["where"]):
            if not low <= value <= high:
                raise ConfigError(f"{where}: value {value:g} is not allowed (at {place}); allowed: {bound}")
        first, last = start - timedelta(days=1), start + timedelta(days=cfg.scenario.days - 1)
        for when, day, place in zip(frame["date"], frame["day"], frame["where"]):
            if not 0 <= day <= cfg.scenario.days:
                raise ConfigError(f"{where}: date {when.date()} is not allowed (at {place}); allowed: dates from {first} "
                                  f"(the day before start_date: the state on day 0) to {last} (the end of the "
                                  f"last of scenario.days={cfg.scenario.days})")
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
