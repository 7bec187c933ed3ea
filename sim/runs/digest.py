"""What the live view shows of an ensemble, read from the model's arrays, not its tables.

Building the rounds and timeline tables of 10,000 worlds takes as long as simulating them;
the view needs only their summaries across worlds, the same numbers the run's plots draw:

- `agreed_by_day`: per issue, the share of worlds that had agreed it by each day (the
  agreement plot's curve), with its 95% Wilson interval;
- `at_war`: the share of worlds still fighting on each day (`timeline.intensity > 0`), with
  its Wilson interval;
- `positions`: each party's stated position on each issue at each round (median, quartiles
  across the worlds that held the round: the positions plot);
- `balance`, `beliefs`: the true balance and each party's belief, as the chance that side A
  prevails (median, quartiles: the balance plot);
- `territory`: side A's share of the area (median, 5% and 95%: the territory plot).

`worlds` holds the per-world outcomes that the view pairs with its baseline's, world by
world (`sim/analysis/compare.py`): the `worlds.parquet` columns `at_war_end`, `agreed_<issue>`
and `day_<issue>`, and whether each world is at war on each day.
"""

from __future__ import annotations

import numpy as np

from sim.runs.outcome import wilson_interval

QUARTILES = (0.25, 0.5, 0.75)
BAND_90 = (0.05, 0.5, 0.95)


def agreed_by_day(first_day: np.ndarray, agreed: np.ndarray, days: int) -> np.ndarray:
    """(days + 1, K): the share of worlds in which issue k was first agreed on day d or before.
    `first_day` and `agreed` are (W, K)."""
    W, K = agreed.shape
    out = np.empty((days + 1, K))
    for k in range(K):
        counts = np.bincount(first_day[agreed[:, k], k], minlength=days + 1)[: days + 1]
        out[:, k] = np.cumsum(counts) / W
    return out


def spread(values: np.ndarray, probs=QUARTILES) -> np.ndarray:
    """(len(probs), T): quantiles across worlds of (T, W) values, NaN (a world without a value)
    left out: numpy's default (linear) quantile of each row's values, NaN where it has none.
    One sort of the whole array: `np.nanquantile` goes row by row once a NaN is present."""
    ordered = np.sort(values, axis=1)  # NaN sorts last
    n = (~np.isnan(values)).sum(axis=1)
    out = np.full((len(probs), values.shape[0]), np.nan)
    rows = np.nonzero(n)[0]
    for j, p in enumerate(probs):
        at = (n[rows] - 1) * p
        lo = np.floor(at).astype(int)
        hi = np.minimum(lo + 1, n[rows] - 1)
        a, b = ordered[rows, lo], ordered[rows, hi]
        out[j, rows] = a + (b - a) * (at - lo)
    return out


def shares(hits: np.ndarray, n: int) -> dict:
    """A share of n worlds with its 95% Wilson interval, as lists."""
    lo, hi = wilson_interval(hits * n, n)
    return {"share": as_list(hits), "low": as_list(lo), "high": as_list(hi)}


def as_list(values) -> list:
    """Numbers as a JSON-ready list: NaN (no value) becomes None."""
    return [None if v != v else v for v in np.atleast_1d(np.asarray(values, dtype=float)).tolist()]


def _bands(q: np.ndarray) -> dict:
    return {"low": as_list(q[0]), "median": as_list(q[1]), "high": as_list(q[2])}


def digest(model) -> dict:
    """The view's figure data and per-world outcomes of a finished model that recorded its
    timeline and rounds."""
    W, days = len(model.worlds), model.days
    issues, parties = list(model.issues.names), model.parties
    stack = {k: np.stack([row[k] for row in model.timeline]) for k in ("intensity", "balance", "belief", "area")}
    at_war = stack["intensity"] > 0  # (T, W)
    agreed = model.times_agreed > 0
    by_day = agreed_by_day(model.first_day, agreed, days)
    total = model.worlds.territory.total
    figures = {
        "days": list(range(days + 1)),
        "start_date": str(model.cfg.scenario.start_date),
        "at_war": shares(at_war.mean(axis=1), W),
        "agreed_by_day": {name: shares(by_day[:, k], W) for k, name in enumerate(issues)},
        "balance": _bands(spread(stack["balance"])),
        "beliefs": {p.name: _bands(spread(stack["belief"][:, i] if p.side == 0 else 1.0 - stack["belief"][:, i]))
                    for i, p in enumerate(parties)},
        "territory": _bands(spread(stack["area"] / total, BAND_90)),
        "positions": positions(model),
        "sides": {p.name: "AB"[p.side] for p in parties},
    }
    worlds = {"at_war_end": model.intensity > 0, "at_war_by_day": at_war}
    for k, name in enumerate(issues):
        worlds[f"agreed_{name}"] = agreed[:, k]
        worlds[f"day_{name}"] = np.where(agreed[:, k], model.first_day[:, k], np.nan)
    return {"figures": figures, "worlds": worlds, "n": W}


def positions(model) -> dict:
    """issue -> {"days": round days, party: quartile bands}: each party's stated position at
    each round across the worlds that held it; parties without a say on the issue left out."""
    rounds = model.log.rounds if model.log is not None else []
    issues = list(model.issues.names)
    out = {name: {"days": [int(r["day"]) for r in rounds]} for name in issues}
    if not rounds:
        return out
    for i, party in enumerate(model.parties):
        says = np.asarray(party.p.salience).reshape(-1, len(issues)).max(axis=0) > 0
        for k, name in enumerate(issues):
            if not says[k]:
                continue
            position = np.stack([np.where(r["held"], r["position"][i, :, k], np.nan) for r in rounds])  # (rounds, W)
            if not np.isnan(position).all():
                out[name][party.name] = _bands(spread(position))
    return out
