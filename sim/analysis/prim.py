"""Scenario discovery: the box of parameter space where a boolean outcome is most likely.

    analysis:
      method: prim
      outcomes: [at_war_end, "!agreed_ceasefire"]   # "!" negates: worlds with no ceasefire

PRIM, the patient rule induction method [Friedman1999], as scenario discovery uses it
(the EMA workbench): each world is a case, its parameter values (the design's axes and
every value drawn in it) are the inputs, and the outcome is the case of interest. Starting
from the whole space, each step peels off the `ALPHA` share of the box's worlds at the
low or high end of one numeric parameter (or one value of a categorical one), whichever
leaves the highest density (share of the box's worlds with the outcome), until the box
would hold less than `MASS_MIN` of all worlds. Every step is a box on the peeling
trajectory, trading coverage (share of all worlds with the outcome that the box holds)
for density. Pasting is not done.

The chosen box is the one on the trajectory with the largest coverage x lift, where the
lift (density - base) / (1 - base) is the share of the gap between the outcome's share of
all worlds (base) and certainty that the box closes: 0 for the whole space, the coverage
itself for a box where the outcome always holds. `limits(..., step=)` gives any other box.
For each limit of the chosen box
the quasi-p-value is the one-sided binomial test of the box's density against the density
of the box with that limit removed: P[X >= hits] for X ~ Binomial(worlds in the box, that
density). A large quasi-p-value means the limit adds little and may be dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import binom

ALPHA = 0.05  # share of the box's worlds peeled per step
MASS_MIN = 0.05  # the smallest box: this share of all worlds
COLUMNS = ["outcome", "parameter", "low", "high", "values", "coverage", "density", "mass", "qp"]


@dataclass
class Peeling:
    """The trajectory of one outcome: a row and a box per step, and the chosen step."""

    outcome: str
    trajectory: pd.DataFrame  # step, coverage, density, mass, restricted (number of limits)
    boxes: list[dict]  # per step: parameter -> (low, high), or a set of allowed values
    chosen: int
    full: dict  # the unrestricted box


def target(worlds: pd.DataFrame, outcome: str) -> np.ndarray:
    """The boolean outcome of each world; "!name" is its negation."""
    negate = outcome.startswith("!")
    column = worlds[outcome.lstrip("!")]
    if not pd.api.types.is_bool_dtype(column):
        raise ValueError(f"{outcome}: PRIM needs a boolean column, {column.name} is {column.dtype}")
    y = column.to_numpy(dtype=bool)
    return ~y if negate else y


def parameters(worlds: pd.DataFrame) -> list[str]:
    """The varied parameters of a worlds table: its config paths (metrics have no dot)."""
    return [c for c in worlds.columns if "." in c]


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _full_box(X: pd.DataFrame) -> dict:
    return {c: (X[c].min(), X[c].max()) if _numeric(X[c]) else frozenset(X[c].unique()) for c in X.columns}


def in_box(X: pd.DataFrame, box: dict) -> np.ndarray:
    mask = np.ones(len(X), dtype=bool)
    for c, limit in box.items():
        x = X[c].to_numpy()
        mask &= (x >= limit[0]) & (x <= limit[1]) if isinstance(limit, tuple) else np.isin(x, list(limit))
    return mask


def _candidates(x: np.ndarray, limit, alpha: float):
    """The new limits one peel of this parameter can give, with the worlds each keeps."""
    if isinstance(limit, tuple):
        k = max(1, int(alpha * len(x)))
        low_cut, high_cut = np.partition(x, k)[k], np.partition(x, len(x) - 1 - k)[len(x) - 1 - k]
        if low_cut == x.min():  # ties at the minimum: peel the whole tie
            above = x[x > low_cut]
            low_cut = above.min() if len(above) else None
        if high_cut == x.max():
            below = x[x < high_cut]
            high_cut = below.max() if len(below) else None
        if low_cut is not None:
            yield (low_cut, limit[1]), x >= low_cut
        if high_cut is not None:
            yield (limit[0], high_cut), x <= high_cut
    elif len(limit) > 1:
        for value in limit:
            yield limit - {value}, x != value


def peel(X: pd.DataFrame, y: np.ndarray, outcome: str = "", alpha: float = ALPHA, mass_min: float = MASS_MIN) -> Peeling:
    """Peel the box down from the whole of X, one parameter end at a time (module doc)."""
    y = np.asarray(y, dtype=bool)
    if not y.any():
        raise ValueError(f"{outcome or 'the outcome'} is true in no world: there is nothing to find")
    full = _full_box(X)
    box, mask = dict(full), np.ones(len(X), dtype=bool)
    arrays = {c: X[c].to_numpy() for c in X.columns}
    boxes, rows = [], []
    while True:
        boxes.append(dict(box))
        rows.append(_stats(y, mask, box, full))
        if y[mask].all():
            break
        best, y_in = None, y[mask]
        for c, limit in box.items():
            for new, keep in _candidates(arrays[c][mask], limit, alpha):
                n = keep.sum()
                if n < mass_min * len(y):
                    continue
                score = (y_in[keep].mean(), n)  # highest density; on a tie the smaller peel
                if best is None or score > best[0]:
                    best = (score, c, new, keep)
        if best is None:
            break
        _, c, new, keep = best
        box[c] = new
        mask[np.flatnonzero(mask)[~keep]] = False
    trajectory = pd.DataFrame(rows).rename_axis("step").reset_index()
    return Peeling(outcome, trajectory, boxes, choose(trajectory), full)


def _stats(y: np.ndarray, mask: np.ndarray, box: dict, full: dict) -> dict:
    hits = y[mask].sum()
    return {"coverage": hits / y.sum(), "density": hits / mask.sum(), "mass": mask.mean(),
            "restricted": len(_restricted(box, full))}


def _restricted(box: dict, full: dict) -> list[str]:
    return [c for c in box if box[c] != full[c]]


def choose(trajectory: pd.DataFrame) -> int:
    """The step with the largest coverage x lift (module doc); the first on a tie, so the
    whole space (step 0) when no box is denser than it."""
    base = trajectory["density"].iloc[0]
    lift = (trajectory["density"] - base) / (1.0 - base) if base < 1 else 0.0 * trajectory["density"]
    return int((trajectory["coverage"] * lift).idxmax())


def limits(X: pd.DataFrame, y: np.ndarray, peeling: Peeling, step: int | None = None) -> pd.DataFrame:
    """The limits of a box on the trajectory (default: the chosen one), one row per
    restricted parameter, with the box's coverage, density, mass and each limit's
    quasi-p-value (module doc); columns as prim.csv. If the chosen box is the whole space,
    one row with an empty parameter."""
    step = peeling.chosen if step is None else step
    box, y = peeling.boxes[step], np.asarray(y, dtype=bool)
    inside = in_box(X, box)
    stats = _stats(y, inside, box, peeling.full)
    hits, n = int(y[inside].sum()), int(inside.sum())
    rows = []
    for c in _restricted(box, peeling.full):
        without = in_box(X, {**box, c: peeling.full[c]})
        p = y[without].mean()
        numeric = isinstance(box[c], tuple)
        rows.append({
            "outcome": peeling.outcome, "parameter": c,
            "low": box[c][0] if numeric else np.nan, "high": box[c][1] if numeric else np.nan,
            "values": "" if numeric else ", ".join(sorted(map(str, box[c]))),
            "coverage": stats["coverage"], "density": stats["density"], "mass": stats["mass"],
            "qp": float(binom.sf(hits - 1, n, p)),
        })
    if not rows:  # no box beats the whole space: one row says so, with the outcome's base rate
        rows.append({"outcome": peeling.outcome, "parameter": "", "low": np.nan, "high": np.nan, "values": "",
                     "coverage": stats["coverage"], "density": stats["density"], "mass": stats["mass"], "qp": np.nan})
    return pd.DataFrame(rows, columns=COLUMNS).sort_values("qp", kind="stable", ignore_index=True)


def analyze(cfg, worlds: pd.DataFrame) -> tuple[pd.DataFrame, list[Peeling]]:
    """PRIM on every `analysis.outcomes` entry over the worlds' varied parameters: the rows
    of prim.csv (the chosen boxes' limits) and each outcome's peeling, for its plot."""
    from sim.schema.config import to_config

    cfg = to_config(cfg)
    X = worlds[parameters(worlds)]
    tables, peelings = [], []
    for outcome in cfg.analysis.outcomes:
        y = target(worlds, outcome)
        peeling = peel(X, y, outcome)
        tables.append(limits(X, y, peeling))
        peelings.append(peeling)
    return pd.concat(tables, ignore_index=True), peelings
