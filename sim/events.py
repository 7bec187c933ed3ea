"""Events: changes to per-world parameters from a day on.

An event fires at the start of its day, before that day's round, in the worlds whose
event day it is (the day may differ between worlds; -1 = never). Each change sets a
per-world key to a value, scales it, or adds to it (`sim.worlds.Key`). The mediator's
`leverage_from_day` is such an event: pressure and guarantees are zero until it fires.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.worlds import Key, Worlds, assign, locate

NEVER = -1


@dataclass
class Change:
    key: Key
    op: str  # "set" | "scale" | "add"
    value: np.ndarray  # (W,) or a number


@dataclass
class Event:
    name: str
    day: np.ndarray  # (W,) int: the day it fires in each world, NEVER where it does not
    changes: list[Change] = field(default_factory=list)

    def fire(self, worlds: Worlds, day: int) -> np.ndarray:
        """Apply the changes in the worlds where the event fires today; (W,) where it fired."""
        now = self.day == day
        if now.any():
            for change in self.changes:
                current, columns = locate(worlds, change.key.where)
                old = current[(slice(None), *columns)]
                value = {"set": change.value, "scale": old * change.value, "add": old + change.value}[change.op]
                assign(worlds, change.key, value, now)
        return now


def leverage(worlds: Worlds, table: dict[str, Key]) -> Event | None:
    """Zero the mediator's pressure and guarantees until `leverage_from_day`, then restore them."""
    start = worlds.mediator.leverage_from_day
    if not (start > 0).any():
        return None
    paths = [p for p in table if p.startswith(("mediator.pressure.", "mediator.guarantees."))]
    changes = []
    for path in paths:
        array, columns = locate(worlds, table[path].where)
        changes.append(Change(table[path], "set", array[(slice(None), *columns)].copy()))
        assign(worlds, table[path], 0.0, start > 0)
    return Event("leverage_from_day", np.where(start > 0, start, NEVER), changes)
