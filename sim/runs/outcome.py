"""What a run records, as tables (docs/outputs.md says how to read them).

- `outcomes`: one row per world and issue.
- `rounds`: one row per world, held round, party and issue.
- `timeline`: one row per world and day (the state at the start of that day).
- `worlds`: one row per world: its point and replication, the parameter values that
  were drawn or set in it, and its outcome metrics (for designs and analyses).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.rules.issue import Issues
from sim.rules.utility import issue_utility
from sim.schema.config import FORMATS
from sim.worlds.keys import can_suspend


@dataclass
class Result:
    outcomes: pd.DataFrame
    rounds: pd.DataFrame
    timeline: pd.DataFrame
    config: object = None
    worlds: pd.DataFrame | None = None
    points: pd.DataFrame | None = None  # a design's points: one column per axis


def _cat(values, categories) -> pd.Categorical:
    return pd.Categorical.from_codes(values, categories=list(categories))


def outcomes_table(model) -> pd.DataFrame:
    issues: Issues = model.issues
    R, K = model.in_force.shape
    agreed = model.times_agreed > 0
    table = {
        "point": np.repeat(model.worlds.point, K),
        "replication": np.repeat(model.worlds.replication, K),
        "issue": _cat(np.tile(np.arange(K), R), issues.names),
        "agreed": agreed.ravel(),
        "day": pd.array(np.where(agreed, model.first_day, -1).ravel(), dtype="Int64"),
        "round": pd.array(np.where(agreed, model.first_round, -1).ravel(), dtype="Int64"),
        "terms": model.first_terms.ravel(),
        "held": model.in_force.ravel(),
        "times_agreed": model.times_agreed.ravel(),
        "breakdowns": model.breakdowns.ravel(),
        "rounds_held": np.repeat(model.mediator.rounds_held, K),
        "fighting_days": np.repeat(model.fighting_days, K),
    }
    if model.allies:  # times an ally broke the item in force [Stedman1997]
        table["spoiled"] = model.spoiled.ravel()
    df = pd.DataFrame(table)
    df.loc[~df["agreed"], ["day", "round"]] = pd.NA
    for party in model.parties:
        df[f"utility_{party.name}"] = np.repeat(final_utility(model, party), K)
        df[f"cost_{party.name}"] = np.repeat(party.cost, K)
    return df


def final_utility(model, party) -> np.ndarray:
    """Terms in force, open issues valued at the war lottery under the true final balance, less costs."""
    p, x, rho = model.balance_for(party.side)[:, None], party.p.ideal, party.p.rho
    lottery = p * issue_utility(party.own_terms(), x, rho) + (1 - p) * issue_utility(party.their_terms(), x, rho)
    settled = issue_utility(np.nan_to_num(model.terms), x, rho)
    per_issue = np.where(model.in_force, settled, lottery)
    return (party.p.salience * per_issue).sum(axis=-1) - party.cost


def worlds_columns(cfg) -> list[str]:
    """The metric columns of the worlds table a config's runs write (beside `point`,
    `replication` and the values drawn or set)."""
    issues, parties = list(cfg.scenario.issues), list(cfg.scenario.parties)
    per_issue = [f"{m}_{i}" for i in issues for m in ("agreed", "day", "terms", "held")]
    per_party = [f"{m}_{p}" for p in parties for m in ("utility", "cost")]
    suspended = ["days_suspended"] if can_suspend(cfg) else []
    return [*per_issue, "fighting_days", "at_war_end", "rounds_held", *suspended, *per_party]


def worlds_table(model) -> pd.DataFrame:
    """One row per world: point, replication, the values drawn or set in it, its outcomes."""
    w = model.worlds
    agreed = model.times_agreed > 0
    table = {"point": w.point, "replication": w.replication, **w.varied}
    for k, name in enumerate(model.issues.names):
        table[f"agreed_{name}"] = agreed[:, k]
        table[f"day_{name}"] = np.where(agreed[:, k], model.first_day[:, k], np.nan)
        table[f"terms_{name}"] = model.first_terms[:, k]
        table[f"held_{name}"] = model.in_force[:, k]
    table["fighting_days"] = model.fighting_days
    table["at_war_end"] = model.intensity > 0  # still fighting on the last day
    table["rounds_held"] = model.mediator.rounds_held
    if model.can_suspend:
        table["days_suspended"] = model.days_suspended  # days the plenary talks stood suspended
    for party in model.parties:
        table[f"utility_{party.name}"] = final_utility(model, party)
        table[f"cost_{party.name}"] = party.cost
    return pd.DataFrame(table)


def rounds_table(model) -> pd.DataFrame:
    log = model.log
    cols = ["point", "replication", "round", "day", "format", "party", "issue", "position", "aspiration",
            "war_value", "proposal", "on_table", "answer", "agreed", "asked_for", "events"]
    if model.can_suspend:
        cols.append("suspended")  # the plenary stood suspended: side deals only, or no round
    if log is None or not log.rounds:
        return pd.DataFrame(columns=cols)
    n, K = len(model.parties), len(model.issues)
    names = [p.name for p in model.parties]
    asked = np.stack([p.p.asks_for for p in model.parties])  # (n, W) format level, -1 for none
    format_names = np.array(["", *FORMATS], dtype=object)
    pieces = []
    for rec in log.rounds:
        w = np.nonzero(rec["held"])[0]
        if len(w) == 0:
            continue
        shape = (len(w), n, K)

        def per_party(a):  # (n, R) -> (W, n, K)
            return np.broadcast_to(a[:, w].T[:, :, None], shape)

        def per_issue(a):  # (R, K) -> (W, n, K)
            return np.broadcast_to(a[w][:, None, :], shape)

        on_table = per_issue(rec["on_table"])
        answer = rec["answer"][:, w].transpose(1, 0, 2)
        pieces.append(
            {
                "point": np.broadcast_to(model.worlds.point[w][:, None, None], shape).ravel(),
                "replication": np.broadcast_to(model.worlds.replication[w][:, None, None], shape).ravel(),
                "round": np.full(answer.size, rec["round"]),
                "day": np.full(answer.size, rec["day"]),
                "format": np.broadcast_to(rec["format"][w][:, None, None], shape).ravel(),
                "party": np.broadcast_to(np.arange(n)[None, :, None], shape).ravel(),
                "issue": np.broadcast_to(np.arange(K)[None, None, :], shape).ravel(),
                "position": rec["position"][:, w].transpose(1, 0, 2).ravel(),
                "aspiration": per_party(rec["aspiration"]).ravel(),
                "war_value": per_party(rec["war_value"]).ravel(),
                "proposal": per_issue(rec["proposal"]).ravel(),
                "on_table": on_table.ravel(),
                "answer": np.where(on_table, answer, False).ravel(),
                "agreed": per_issue(rec["agreed"]).ravel(),
                "asked_for": format_names[per_party(asked).ravel() + 1],
                "events": np.broadcast_to(_fired_names(model, rec["fired"])[w][:, None, None], shape).ravel(),
                **({"suspended": per_issue(np.broadcast_to(rec["suspended"][:, None], rec["on_table"].shape)).ravel()}
                   if "suspended" in rec else {}),
            }
        )
    if not pieces:
        return pd.DataFrame(columns=cols)
    joined = {k: np.concatenate([p[k] for p in pieces]) for k in pieces[0]}
    df = pd.DataFrame(joined)
    df["answer"] = pd.array(df["answer"], dtype="boolean")
    df.loc[~df["on_table"], "answer"] = pd.NA
    df["format"] = _cat(df["format"].to_numpy(), FORMATS)
    df["party"] = _cat(df["party"].to_numpy(), names)
    df["issue"] = _cat(df["issue"].to_numpy(), model.issues.names)
    return df[cols]


def _fired_names(model, fired: np.ndarray) -> np.ndarray:
    """(W,) the names of the events that fired in each world, comma-separated ("" for none)."""
    names = np.full(fired.shape[1], "", dtype=object)
    for event, now in zip(model.events, fired):
        names = np.where(now, np.where(names == "", event.name, names + "," + event.name), names)
    return names


def timeline_table(model) -> pd.DataFrame:
    if not model.timeline:
        return pd.DataFrame(columns=["point", "replication", "day", "balance"])
    ids = model.worlds.replication
    T, R = len(model.timeline), len(ids)
    stack = {k: np.stack([row[k] for row in model.timeline]) for k in model.timeline[0]}
    start = np.datetime64(model.cfg.scenario.start_date, "D")
    df = pd.DataFrame(
        {
            "point": np.tile(model.worlds.point, T),
            "replication": np.tile(ids, T),
            "day": np.repeat(stack["day"], R),
            "date": np.repeat(start + stack["day"].astype("timedelta64[D]"), R),
            "balance": stack["balance"].ravel(),
            "intensity": stack["intensity"].ravel(),
        }
    )
    for i, p in enumerate(model.parties):
        df[f"belief_{p.name}"] = stack["belief"][:, i].ravel()
    for i, p in enumerate(model.parties):
        if p.belligerent:
            df[f"capability_{p.name}"] = stack["capability"][:, i].ravel()
    for i, p in enumerate(model.parties):
        df[f"cost_{p.name}"] = stack["cost"][:, i].ravel()
    for k, name in enumerate(model.issues.names):
        df[f"in_force_{name}"] = stack["in_force"][:, :, k].ravel()
    total = np.tile(model.worlds.territory.total, T)
    df["area_A"] = stack["area"].ravel()  # side A's area; km2 in the 2022 scenario (sim/rules/territory.py)
    df["area_B"] = total - df["area_A"].to_numpy()
    for i, event in enumerate(model.events):  # True on the day the event fired in that world
        df[f"event_{event.name}"] = stack["fired"][:, i].ravel()
    if "suspended" in stack:
        df["suspended"] = stack["suspended"].ravel()
    return df.sort_values(["point", "replication", "day"], kind="stable").reset_index(drop=True)


def timeline_value(model, day: int, column: str) -> np.ndarray:
    """(W,) one numeric timeline column on one day, read from the model's record without
    building the table (calibration reads a few of these from many worlds)."""
    row = model.timeline[day]
    if column in ("area_A", "area_B"):
        return row["area"] if column == "area_A" else model.worlds.territory.total - row["area"]
    if column in ("balance", "intensity"):
        return row[column]
    kind, _, name = column.partition("_")
    index = [p.name for p in model.parties].index(name)
    return row[kind][index]


# -- summaries --------------------------------------------------------------------------------


def wilson_interval(successes, n, z: float = 1.959964):
    """95% Wilson score interval for a binomial share; works on arrays."""
    successes, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = successes / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def summarize(outcomes: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Per issue (and per `by` columns): share agreed with its 95% interval, median day and
    terms of first agreement, and the share still in force at the end."""
    keys = [*(by or []), "issue"]
    outcomes = outcomes.assign(day=outcomes["day"].astype(float))  # NaN, not <NA>, where none agreed
    g = outcomes.groupby(keys, observed=True, sort=False)
    table = g.agg(
        replications=("agreed", "size"),
        agreed=("agreed", "sum"),
        median_day=("day", "median"),
        median_terms=("terms", "median"),
        held=("held", "sum"),
    ).reset_index()
    lo, hi = wilson_interval(table["agreed"], table["replications"])
    table.insert(len(keys) + 1, "share_agreed", table["agreed"] / table["replications"])
    table.insert(len(keys) + 2, "ci_low", lo)
    table.insert(len(keys) + 3, "ci_high", hi)
    table["share_held"] = table["held"] / table["replications"]
    return table.rename(columns={"agreed": "n_agreed"}).drop(columns=["held"])
