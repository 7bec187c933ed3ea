"""An ensemble: the worlds of one run, simulated in lockstep; `simulate(cfg)` returns its tables.

A plain run is R worlds of one parameter point (replications 0..R-1). A design
(`sim/worlds/design.py`) is P points x R replications, point-major; its tables gain a `point`
column and one column per axis. Large ensembles run in blocks of `BLOCK` worlds: every
world draws from its own streams, so blocks give exactly the numbers one big ensemble
would, and memory stays bounded.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from sim.agents.model import NegotiationModel
from sim.runs.outcome import Result, outcomes_table, rounds_table, timeline_table, worlds_table
from sim.schema.checks import validate
from sim.schema.config import to_config
from sim.worlds import design
from sim.worlds.resolve import resolve

BLOCK = 20_000  # worlds per model: bounds the memory of the noise and state arrays
TABLES = ("outcomes", "rounds", "timeline", "worlds")


def simulate(cfg: Any, replication_ids=None, progress: bool = False) -> Result:
    """Run the config's worlds in lockstep: its `replications` (or the given replication ids),
    at every point of its design if it has one (or of its chunk).

    `cfg` is a composed Hydra config, a dict of the same shape, or a `sim.schema.config.Config`.
    Raises `sim.schema.config.ConfigError` before any simulation if a value is not allowed. With
    `progress`, each block reports on stderr.
    """
    config = validate(to_config(cfg))
    parts = list(blocks(config, replication_ids, progress))
    tables = parts[0] if len(parts) == 1 else {name: _concat([p[name] for p in parts]) for name in TABLES}
    if len(parts) > 1 and len(tables["rounds"]):
        tables["rounds"] = in_round_order(tables["rounds"])
    return Result(config=config, points=points_of(config), **tables)


def points_of(config) -> pd.DataFrame | None:
    """A design's points (one column per axis), None for a plain run."""
    return design.expand(config) if design.is_design(config) else None


def blocks(config, replication_ids=None, progress: bool = False) -> Iterator[dict[str, pd.DataFrame]]:
    """The tables of the config's worlds, `BLOCK` worlds at a time, in world order (point, then
    replication): concatenated, the tables of one big ensemble, but for the order of the rounds
    table (`in_round_order`). A design's tables carry `point` and its axes."""
    points = points_of(config)
    point_ids = design.chunk(config, len(points)) if points is not None else np.zeros(1, dtype=int)
    reps = np.arange(design.replications(config)) if replication_ids is None else np.asarray(replication_ids)
    point = np.repeat(point_ids, len(reps))
    replication = np.tile(reps, len(point_ids))
    started, total = time.perf_counter(), len(point)
    for first in range(0, total, BLOCK):
        block = slice(first, first + BLOCK)
        model = run_block(config, point[block], replication[block], points)
        tables = (outcomes_table(model), rounds_table(model), timeline_table(model), worlds_table(model))
        del model  # its arrays go before the next block's are made: the model and its agents
        if total > BLOCK:  # refer to each other, so only the cycle collector frees them
            gc.collect()
        yield {name: _with_point(frame, points, name) for name, frame in zip(TABLES, tables)}
        done = min(first + BLOCK, total)
        if progress and total > BLOCK:
            left = (time.perf_counter() - started) / done * (total - done)
            print(f"[run] {done:,}/{total:,} worlds, ~{left:.0f} s left", file=sys.stderr, flush=True)


def run_block(config, point: np.ndarray, replication: np.ndarray, points: pd.DataFrame | None = None,
              watch=None) -> NegotiationModel:
    """The model of one block of worlds (their design points and replications), run to the
    horizon: the one place a config's worlds are simulated (`blocks`, the live view). `watch`,
    if given, receives the model before its first day: the live view reads its clock for
    progress, and stops a run a newer change has made moot (`model.running = False`).
    """
    model = NegotiationModel(config, resolve(config, point, replication, points))
    if watch is not None:
        watch(model)
    return model.run()


def in_round_order(rounds: pd.DataFrame) -> pd.DataFrame:
    """The rounds of several blocks in the order one big ensemble gives: round, then world."""
    order = ["round", "point", "replication"] if "point" in rounds else ["round", "replication"]
    return rounds.sort_values(order, kind="stable", ignore_index=True)


def _with_point(frame: pd.DataFrame, points: pd.DataFrame | None, name: str) -> pd.DataFrame:
    """A design's tables keep `point` and gain the point's axis values after it; a plain
    run's tables (but `worlds`) have no point column."""
    if name == "worlds" or "point" not in frame:
        return frame
    if points is None:
        return frame.drop(columns="point")
    at = frame["point"].to_numpy(dtype=int)
    for i, path in enumerate(points.columns, start=1):
        frame.insert(i, path, points[path].to_numpy()[at])
    return frame


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
