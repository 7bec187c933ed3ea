"""The per-world keys: every config path whose value may differ between worlds.

`keys(cfg)` lists them in a fixed order, each a `Key`: where it lives in `Worlds`
(`sim/worlds/params.py`), its kind (number, integer, switch, category), its config value
and its allowed range. Designs, events, distributions, posteriors and calibrations all name
parameters by these paths; `locate` and `assign` read and write them in `Worlds`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from sim.rules.proposal import RULES
from sim.rules.tactic import TACTICS
from sim.schema.checks import check, fail
from sim.schema.config import (
    Config,
    EventConfig,
    Format,
    FormatConfig,
    FrontConfig,
    IssueConfig,
    MediatorConfig,
    PartyConfig,
    PolicyConfig,
    Protocol,
    Range,
    Role,
    SuspendConfig,
    TacticConfig,
    TerritoryConfig,
    WarConfig,
    field_range,
)
from sim.worlds.params import NO_FORMAT, Worlds


@dataclass(frozen=True)
class Key:
    """One per-world value: where it lives in `Worlds`, what it may hold, its config value."""

    where: tuple  # (group, attribute, *column): group "issues" | "mediator" | "war" | "policy" | party index
    kind: str  # "num" | "int" | "bool" | "cat"
    value: Any  # the config's value: a number, a distribution, a name
    range: Range | None = None
    categories: tuple = ()  # for "cat": the names, whose index is the stored code

    def encode(self, value: Any) -> float:
        if self.kind == "cat":
            name = value.name if isinstance(value, Enum) else value
            return self.categories.index(name) if name else NO_FORMAT  # asks_for: none
        if self.kind == "bool":
            return bool(value)
        return value


def _num(where, value, cls, name) -> Key:
    rng = field_range(cls, name)
    return Key(where, "int" if rng.integer else "num", value, rng)


def keys(cfg: Config) -> dict[str, Key]:
    """Every config path whose value may differ between worlds, in a fixed order."""
    sc, med = cfg.scenario, cfg.mediator
    issues, formats = list(sc.issues), [f.name for f in Format]
    out: dict[str, Key] = {}
    for k, (name, issue) in enumerate(sc.issues.items()):
        at = f"scenario.issues.{name}"
        out[f"{at}.stops_fighting"] = Key(("issues", "stops_fighting", k), "bool", issue.stops_fighting)
        for attr in ("cost_relief", "breakdown"):
            out[f"{at}.{attr}"] = _num(("issues", attr, k), getattr(issue, attr), IssueConfig, attr)
        out[f"{at}.protocol"] = Key(("issues", "package", k), "cat", issue.protocol, None, tuple(p.name for p in Protocol))
        out[f"{at}.indivisible"] = Key(("issues", "indivisible", k), "bool", issue.indivisible)
        out[f"{at}.returns_area"] = Key(("issues", "returns_area", k), "bool", issue.returns_area)
        out[f"{at}.side_deal"] = Key(("issues", "side_deal", k), "bool", issue.side_deal)
    for i, (name, party) in enumerate(sc.parties.items()):
        at = f"scenario.parties.{name}"
        for vec in ("ideal", "salience", "opening"):
            for k, issue in enumerate(issues):
                default = party.ideal.get(issue) if vec == "opening" else 0.0
                value = getattr(party, vec).get(issue, default)
                out[f"{at}.{vec}.{issue}"] = Key((i, vec, k), "num", value, field_range(PartyConfig, vec))
        for attr in ("rho", "capability", "resupply", "pause_resupply", "attrition", "cost", "horizon", "optimism"):
            out[f"{at}.{attr}"] = _num((i, attr), getattr(party, attr), PartyConfig, attr)
        out[f"{at}.tactic.name"] = Key((i, "tactic.code"), "cat", party.tactic.name, None, tuple(TACTICS))
        for attr in ("beta", "deadline", "k", "first_step", "discount", "eta", "budget"):
            out[f"{at}.tactic.{attr}"] = _num((i, f"tactic.{attr}"), getattr(party.tactic, attr), TacticConfig, attr)
        out[f"{at}.asks_for"] = Key((i, "asks_for"), "cat", party.asks_for, None, tuple(formats))
        conditions = {f.name: v for f, v in party.format_conditions.items()}
        for level, fmt in enumerate(formats):
            out[f"{at}.format_conditions.{fmt}"] = Key(
                (i, "format_conditions", level), "num", conditions.get(fmt, math.inf), field_range(PartyConfig, "format_conditions")
            )
        for k, issue in enumerate(issues):
            out[f"{at}.red_lines.{issue}"] = Key((i, "red_lines", k), "num", party.red_lines.get(issue, math.nan),
                                                 field_range(PartyConfig, "red_lines"))
        out[f"{at}.red_lines_public"] = Key((i, "red_lines_public"), "bool", party.red_lines_public)
        for attr in ("audience_cost", "private_spread", "influence", "spoil"):
            out[f"{at}.{attr}"] = _num((i, attr), getattr(party, attr), PartyConfig, attr)
        for attr in ("days", "gap"):
            out[f"{at}.suspend.{attr}"] = _num((i, f"suspend_{attr}"), getattr(party.suspend, attr), SuspendConfig, attr)
    for c, rnd in enumerate(sc.calendar):
        out[f"scenario.calendar.{c}.format"] = Key(("policy", "calendar", c), "cat", rnd.format, None, tuple(formats))
    out["scenario.policy.format"] = Key(("policy", "format"), "cat", sc.policy.format, None, tuple(formats))
    for attr in ("escalate_after", "give_up_after"):
        out[f"scenario.policy.{attr}"] = _num(("policy", attr), getattr(sc.policy, attr), PolicyConfig, attr)

    out["mediator.rule"] = Key(("mediator", "rule"), "cat", med.rule, None, tuple(RULES))
    out["mediator.bias"] = _num(("mediator", "bias"), med.bias, MediatorConfig, "bias")
    specs = {f.name: s for f, s in med.formats.items()}
    for f, spec in sc.formats.items():  # a scenario's own formats (direct talks) replace the mediator's
        specs[f.name] = spec
    for level, fmt in enumerate(formats):
        spec = specs.get(fmt, FormatConfig())
        out[f"mediator.formats.{fmt}.max_salience"] = _num(("mediator", "max_salience", level), spec.max_salience, FormatConfig, "max_salience")
        out[f"mediator.formats.{fmt}.packages"] = Key(("mediator", "packages", level), "bool", spec.packages)
    for j, name in enumerate(sc.parties):
        out[f"mediator.pressure.{name}"] = Key(("mediator", "pressure", j), "num", med.pressure.get(name, 0.0), field_range(MediatorConfig, "pressure"))
        for k, issue in enumerate(issues):
            value = med.guarantees.get(name, {}).get(issue, 0.0)
            out[f"mediator.guarantees.{name}.{issue}"] = Key(("mediator", "guarantees", j, k), "num", value, field_range(MediatorConfig, "guarantees"))
    out["mediator.leverage_from_day"] = _num(("mediator", "leverage_from_day"), med.leverage_from_day, MediatorConfig, "leverage_from_day")
    for attr in ("decisiveness", "noise", "learning_rate", "motivated", "pause_horizon", "min_capability"):
        out[f"war.{attr}"] = _num(("war", attr), getattr(cfg.war, attr), WarConfig, attr)
    for attr in ("speed", "reach", "stalemate", "exposure"):
        out[f"war.territory.{attr}"] = _num(("war", attr), getattr(cfg.war.territory, attr), FrontConfig, attr)
    land = sc.territory
    out["scenario.territory.total"] = _num(("territory", "total"), land.total, TerritoryConfig, "total")
    out["scenario.territory.A"] = _num(("territory", "start"), land.A, TerritoryConfig, "A")
    for s, side in enumerate("AB"):
        out[f"scenario.territory.hold.{side}"] = Key(("territory", "hold", s), "num", land.hold.get(side, 0.0),
                                                     field_range(TerritoryConfig, "hold"))
    for j, name in enumerate(sc.parties):
        out[f"scenario.territory.war_value.{name}"] = Key(("territory", "war_value", j), "num", land.war_value.get(name, 0.0),
                                                          field_range(TerritoryConfig, "war_value"))
    mech = sc.mechanisms
    for name in ("power_shift", "private_information", "red_lines", "audience_costs", "war_driven_aspirations"):
        out[f"scenario.mechanisms.{name}.enabled"] = Key(("mechanisms", name), "bool", getattr(mech, name).enabled)
    out["scenario.mechanisms.power_shift.renege"] = Key(("mechanisms", "renege"), "bool", mech.power_shift.renege)
    out.update(event_keys(cfg, dict(out)))
    return out


def event_keys(cfg: Config, targets: dict[str, Key]) -> dict[str, Key]:
    """The per-world keys of the scenario's events: day, enabled, and each change's value
    (a change keeps the kind and range of the key it changes; factors and amounts are numbers)."""
    out: dict[str, Key] = {}
    for name, event in cfg.scenario.events.items():
        at = f"scenario.events.{name}"
        out[f"{at}.day"] = Key(("extra", f"{at}.day"), "int", event.day, field_range(EventConfig, "day"))
        out[f"{at}.enabled"] = Key(("extra", f"{at}.enabled"), "bool", event.enabled)
        for op in ("set", "scale", "add"):
            for path, value in flat_paths(getattr(event, op)).items():
                target = targets.get(path)
                if target is None:
                    continue  # sim.worlds.events.check_events names it
                full = f"{at}.{op}.{path}"
                if op == "set":
                    out[full] = Key(("extra", full), target.kind, value, target.range, target.categories)
                else:
                    out[full] = Key(("extra", full), "num", value, Range(-BIG_CHANGE, BIG_CHANGE))
    return out


BIG_CHANGE = 1e6  # factors and amounts of an event: finite


def can_suspend(cfg: Config) -> bool:
    """Whether a party at the table may suspend the talks in some world: by its config, or
    by an event, a design axis or a calibration prior on a `suspend` key. The tables then
    record suspensions (sim/runs/outcome.py)."""
    sc = cfg.scenario
    paths = [*flat_paths(cfg.design.axes), *flat_paths(cfg.calibrate.parameters)]
    paths += [path for event in sc.events.values() for op in (event.set, event.scale, event.add) for path in flat_paths(op)]
    if any(".suspend." in path for path in paths):
        return True
    # a distribution may draw a positive number of days
    return any(isinstance(p.suspend.days, dict) or p.suspend.days > 0 for p in sc.parties.values() if p.role == Role.table)


def flat_paths(mapping: dict) -> dict:
    """{a: {b: 1}} -> {"a.b": 1}; a distribution ({dist: ...}) is a value, not a level."""
    flat: dict = {}

    def walk(prefix: str, node) -> None:
        if isinstance(node, Mapping) and "dist" not in node:
            for k, v in node.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        else:
            flat[prefix] = node

    walk("", mapping)
    return flat


def locate(worlds: Worlds, where: tuple) -> tuple[np.ndarray, tuple]:
    """The array a key lives in and the index of its column(s) after the world axis."""
    group, attr, *columns = where
    if group == "extra":
        if attr not in worlds.extra:
            worlds.extra[attr] = np.zeros(len(worlds))
        return worlds.extra[attr], ()
    owner = worlds.parties[group] if isinstance(group, int) else getattr(worlds, group)
    for part in attr.split("."):
        owner = getattr(owner, part)
    return owner, tuple(columns)


def assign(worlds: Worlds, key: Key, values: Any, mask: np.ndarray | None = None) -> None:
    """Set a key's value in every world (or where `mask`), values broadcast over worlds."""
    array, columns = locate(worlds, key.where)
    rows = slice(None) if mask is None else mask
    values = np.broadcast_to(np.asarray(values), (len(worlds),))
    array[(rows, *columns)] = values if mask is None else values[mask]


# -- the names of categories, checked where the names are known --------------------------------


@check("scenario.parties")
def check_tactics(cfg: Config) -> None:
    """Every party's tactic is one of `sim.rules.tactic.TACTICS`."""
    for name, party in cfg.scenario.parties.items():
        if party.tactic.name not in TACTICS:
            fail(f"scenario.parties.{name}.tactic.name", party.tactic.name, "allowed: " + ", ".join(TACTICS))


@check("mediator")
def check_rule(cfg: Config) -> None:
    """The mediator's rule is one of `sim.rules.proposal.RULES`."""
    if cfg.mediator.rule not in RULES:
        fail("mediator.rule", cfg.mediator.rule, "allowed: " + ", ".join(RULES))
