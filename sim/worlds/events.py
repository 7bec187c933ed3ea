"""Events: changes to per-world parameters from a day on.

    events:
      western_aid:
        day: 45                  # or a distribution: {dist: uniform, low: 30, high: 60}
        enabled: true
        set: {scenario.parties.ukraine.resupply: 0.02}   # path -> new value
        scale: {}                # path -> factor on the value then in force
        add: {}                  # path -> amount added to it

An event fires at the start of its day, before that day's round, in the worlds where it
is enabled (its day and switch may differ between worlds). A change keeps the value
inside its key's allowed range; a party whose salience an event changes keeps the new
value and scales its other saliences to sum to 1. The mediator's `leverage_from_day` is
such an event underneath: pressure and guarantees are zero until it fires.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.schema.checks import check, check_number, fail
from sim.schema.config import Config, ConfigError, Range
from sim.schema.distributions import support
from sim.worlds.keys import Key, assign, flat_paths, keys, locate
from sim.worlds.params import Worlds
from sim.worlds.resolve import normalise_salience

NEVER = -1
LEVERAGE = "leverage_from_day"


@dataclass
class Change:
    key: Key
    op: str  # "set" | "scale" | "add"
    value: np.ndarray  # (W,)


@dataclass
class Event:
    name: str
    day: np.ndarray  # (W,) int: the day it fires in each world, NEVER where it does not
    changes: list[Change] = field(default_factory=list)

    def fire(self, worlds: Worlds, day: int, live: np.ndarray) -> np.ndarray:
        """Apply the changes in the `live` worlds where the event fires today (a settled
        world's war is over: nothing fires there); (W,) where it fired."""
        now = (self.day == day) & live
        if not now.any():
            return now
        for change in self.changes:
            current, columns = locate(worlds, change.key.where)
            old = current[(slice(None), *columns)]
            value = {"set": change.value, "scale": old * change.value, "add": old + change.value}[change.op]
            if change.key.range is not None:
                value = np.clip(value, change.key.range.low, change.key.range.high)
            assign(worlds, change.key, value, now)
            group, attr, *col = change.key.where
            if attr == "salience":  # the changed salience stays; the party's others make room
                party = worlds.parties[group]
                keep = np.arange(party.salience.shape[1]) == col[0]
                party.salience[now] = normalise_salience(party.salience[now], keep)
        return now


def from_config(cfg: Config, worlds: Worlds) -> list[Event]:
    """The scenario's events, then the leverage event, with each world's day and values."""
    table = keys(cfg)
    out = []
    for name, event in cfg.scenario.events.items():
        at = f"scenario.events.{name}"
        enabled = worlds.extra[f"{at}.enabled"].astype(bool)
        day = np.where(enabled, worlds.extra[f"{at}.day"].astype(int), NEVER)
        changes = [
            Change(table[path], op, worlds.extra[f"{at}.{op}.{path}"])
            for op in ("set", "scale", "add")
            for path in flat_paths(getattr(event, op))
        ]
        out.append(Event(name, day, changes))
    lever = leverage(worlds, table)
    return out + ([lever] if lever is not None else [])


def leverage(worlds: Worlds, table: dict[str, Key]) -> Event | None:
    """Zero the mediator's pressure and guarantees until `leverage_from_day`, then restore them."""
    start = worlds.mediator.leverage_from_day
    if not (start > 0).any():
        return None
    changes = []
    for path in (p for p in table if p.startswith(("mediator.pressure.", "mediator.guarantees."))):
        array, columns = locate(worlds, table[path].where)
        changes.append(Change(table[path], "set", array[(slice(None), *columns)].copy()))
        assign(worlds, table[path], 0.0, start > 0)
    return Event(LEVERAGE, np.where(start > 0, start, NEVER), changes)


# -- checks ----------------------------------------------------------------------------------


@check("scenario.events")
def check_events(cfg: Config) -> None:
    """One line for an event that changes an unknown key, leaves a key's range, or falls
    past the horizon."""
    if not cfg.scenario.events:
        return
    table = keys(cfg)
    last = cfg.scenario.days - 1
    for name, event in cfg.scenario.events.items():
        at = f"scenario.events.{name}"
        if name == LEVERAGE:
            fail(at, name, f"allowed: any name but {LEVERAGE} (the mediator's leverage event)")
        low, high = support(event.day) if isinstance(event.day, dict) else (event.day, event.day)
        if not 0 <= low <= high <= last:
            fail(f"{at}.day", event.day, f"allowed: a day in [0, {last}] (scenario.days={cfg.scenario.days})")
        for op in ("set", "scale", "add"):
            for path, value in flat_paths(getattr(event, op)).items():
                where = f"{at}.{op}.{path}"
                target = table.get(path)
                if target is None or path.startswith("scenario.events."):
                    raise ConfigError(f"{where}: {path!r} is not a per-world key; allowed: a value of a party, "
                                      "an issue, the mediator, the war or the policy (e.g. scenario.parties.<party>.resupply)")
                if _initial(path):
                    raise ConfigError(f"{where}: {path!r} is read once, for the state of day 0, so an event cannot "
                                      "change it; allowed: a value the model reads as it goes (e.g. "
                                      "scenario.parties.<party>.resupply, .cost, .attrition; war.learning_rate)")
                if op != "set" and target.kind not in ("num", "int"):
                    fail(where, value, f"allowed: only `set` for a {target.kind} key")
                _check_change(cfg, where, target, op, value)


def _initial(path: str) -> bool:
    """A key read only to build the state of day 0 (capabilities, beliefs, the map, the types'
    prior): changing it later would silently do nothing."""
    return (path.endswith((".capability", ".optimism", ".private_spread")) or path == "scenario.territory.A"
            or path.startswith("scenario.mechanisms.private_information."))


def _check_change(cfg: Config, where: str, target: Key, op: str, value) -> None:
    if op == "set":
        if target.kind == "cat":
            name = getattr(value, "name", value)
            if name not in target.categories:
                fail(where, value, "allowed: " + ", ".join(target.categories))
        elif target.kind == "bool":
            if not isinstance(value, bool):
                fail(where, value, "allowed: true, false")
        else:
            check_number(where, value, target.range)
        return
    check_number(where, value, Range(-1e6, 1e6))
    lo, hi = support(value) if isinstance(value, dict) else (value, value)
    base = target.value
    b_lo, b_hi = support(base, target.range) if isinstance(base, dict) else (base, base)
    if op == "scale":
        ends = [b_lo * lo, b_lo * hi, b_hi * lo, b_hi * hi]
    else:
        ends = [b_lo + lo, b_hi + hi]
    rng = target.range
    if min(ends) < rng.low or max(ends) > rng.high:
        fail(where, value, f"after it the value would leave the allowed range of {where.split(f'.{op}.')[1]}: {rng.describe()}")
