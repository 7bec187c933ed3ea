"""An ensemble: R replications of one parameter point, run in lockstep; `simulate(cfg)` returns its tables."""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np
import pandas as pd

from sim.config import to_config, validate
from sim.model import NegotiationModel
from sim.outcome import Result, outcomes_table, rounds_table, timeline_table

BLOCK = 20_000  # worlds per model: bounds the memory of the noise and state arrays


def simulate(cfg: Any, replication_ids=None, progress: bool = False) -> Result:
    """Run the config's `replications` worlds in lockstep (or the given replication ids).

    `cfg` is a composed Hydra config, a dict of the same shape, or a `sim.config.Config`.
    Raises `sim.config.ConfigError` before any simulation if a value is not allowed.
    Large ensembles run in blocks of `BLOCK` worlds; since each replication draws from its
    own stream, the blocks give exactly the numbers one big ensemble would. With
    `progress`, each block reports on stderr.
    """
    config = validate(to_config(cfg))
    ids = np.arange(config.replications) if replication_ids is None else np.asarray(replication_ids)
    parts, started = [], time.perf_counter()
    for first in range(0, len(ids), BLOCK):
        model = NegotiationModel(config, ids[first : first + BLOCK]).run()
        parts.append((outcomes_table(model), rounds_table(model), timeline_table(model)))
        done = min(first + BLOCK, len(ids))
        if progress and len(ids) > BLOCK:
            elapsed = time.perf_counter() - started
            left = elapsed / done * (len(ids) - done)
            print(f"[run] {done:,}/{len(ids):,} replications, ~{left:.0f} s left", file=sys.stderr, flush=True)
    if len(parts) == 1:
        outcomes, rounds, timeline = parts[0]
    else:
        outcomes, rounds, timeline = (_concat([p[i] for p in parts]) for i in range(3))
        if len(rounds):  # the row order one big ensemble gives: round first, then world
            rounds = rounds.sort_values(["round", "replication"], kind="stable", ignore_index=True)
    return Result(outcomes=outcomes, rounds=rounds, timeline=timeline, config=config)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
