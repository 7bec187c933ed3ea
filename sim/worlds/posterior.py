"""Running from a calibration's posterior: each world takes one posterior draw, whole.

    posterior:
      file: results/calibrations/calibrate_2022/<timestamp>/posterior.parquet
      columns: []            # the parameters it sets; empty = every column that is a per-world key

World r resamples one row of the file by the rows' `weight` (equal weights if there is no
such column): the row where the cumulative weight first exceeds u * total, with u the
word of its parameter stream right after the parties' private types (`sim/worlds/keys.py`). Replication r thus takes the same
row alone, in an ensemble of any size, in any block and on any launcher, and a row's
parameters stay together (their posterior correlations are kept). The row's values replace
the config's values (and distributions) of its columns; a design's axes still set theirs.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from sim.schema.checks import check, fail
from sim.schema.config import Config, ConfigError
from sim.schema.files import find_file
from sim.worlds.keys import keys

NOT_PARAMETERS = ("point", "replication", "generation", "distance", "weight")


@functools.lru_cache(maxsize=4)
def _read(path: str, modified: float) -> pd.DataFrame:
    return pd.read_parquet(path)


def read(cfg: Config) -> pd.DataFrame:
    path = find_file(cfg.posterior.file)
    return _read(str(path), path.stat().st_mtime)


def parameters(cfg: Config, frame: pd.DataFrame) -> list[str]:
    """The columns the run takes from the posterior."""
    return list(cfg.posterior.columns) or [c for c in frame.columns if c not in NOT_PARAMETERS]


def cumulative_weights(frame: pd.DataFrame) -> np.ndarray:
    weights = frame["weight"].to_numpy(float) if "weight" in frame else np.ones(len(frame))
    return np.cumsum(weights)


def rows(cumulative: np.ndarray, u: np.ndarray) -> np.ndarray:
    """(W,) the row each world takes: weighted resampling by the inverse CDF at u in [0, 1)."""
    return np.minimum(np.searchsorted(cumulative, u * cumulative[-1], side="right"), len(cumulative) - 1)


def draw(cfg: Config, u: np.ndarray) -> dict[str, np.ndarray]:
    """config path -> (W,) the posterior values of the worlds with uniforms `u`."""
    frame = read(cfg)
    at = rows(cumulative_weights(frame), u)
    return {path: frame[path].to_numpy()[at] for path in parameters(cfg, frame)}


@check("posterior")
def check_posterior(cfg: Config) -> None:
    """One line for a posterior file that is missing, unreadable, or sets what a world cannot hold."""
    post = cfg.posterior
    if not post.file:
        if post.columns:
            fail("posterior.columns", list(post.columns), "allowed: only with posterior.file")
        return
    if find_file(post.file) is None:
        fail("posterior.file", post.file, "allowed: an existing posterior.parquet (relative to the current directory or conf/)")
    try:
        frame = read(cfg)
    except Exception as err:  # noqa: BLE001 - any unreadable file is one line
        fail("posterior.file", post.file, f"allowed: a Parquet file written by a calibration ({type(err).__name__})")
    if not len(frame):
        fail("posterior.file", post.file, "allowed: a posterior with at least one row")
    table = keys(cfg)
    for path in parameters(cfg, frame):
        if path not in frame.columns:
            fail("posterior.columns", path, f"allowed: columns of the file: {', '.join(frame.columns)}")
        key = table.get(path)
        if key is None or key.kind not in ("num", "int"):
            raise ConfigError(f"posterior.file: column {path!r} is not a numeric per-world key of this config; "
                              "allowed: parameters such as war.territory.speed (or list the ones to use in posterior.columns)")
        values = frame[path].to_numpy(float)
        outside = values[~np.array([v in key.range for v in values])]  # a num or int key always has a range
        if len(outside):
            fail(f"posterior.file: {path}", float(outside[0]), f"allowed: {key.range.describe()}")
    if "weight" in frame:
        w = frame["weight"].to_numpy(float)
        if not (np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
            fail("posterior.file: weight", "column", "allowed: finite non-negative weights with a positive sum")
