"""The worlds of an ensemble: every parameter as an array with the world axis first.

`resolve(cfg, point, replication, points)` turns a validated config into `Worlds`, the
only route by which a config value reaches the agents:

1. every per-world key (`keys(cfg)`) starts at its config value, broadcast;
2. keys written as a distribution are drawn, world by world, from the world's parameter
   stream `SeedSequence(seed, spawn_key=(replication, 1))` (its war noise comes from
   `(replication,)`, `sim/noise.py`): replication r draws the same values alone, in an
   ensemble of any size, in any block, at every point of a design, and on any launcher;
3. with `posterior.file`, each world takes one row of a calibration's posterior
   (`sim/posterior.py`), picked by the word of its parameter stream after the private types;
4. a design's axes set each world's values at its point (`sim/design.py`);
5. a party whose saliences were drawn or set keeps those and scales its other saliences
   so that they sum to 1 again (if the set ones alone exceed 1, all are scaled).

Events (`sim/model.py`) later change the same arrays, in the worlds where they fire.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any

import numpy as np

from sim.config import (
    Config,
    FormatConfig,
    Format,
    FrontConfig,
    IssueConfig,
    MediatorConfig,
    PartyConfig,
    PolicyConfig,
    Protocol,
    Range,
    TacticConfig,
    TerritoryConfig,
    WarConfig,
)
from sim import streams
from sim.distributions import ppf

NO_FORMAT = -1  # a party that asks for no format
LEVELS = len(Format)


@dataclass
class TacticParams:
    code: np.ndarray  # (W,) index into sim.tactic.TACTICS
    beta: np.ndarray
    deadline: np.ndarray
    k: np.ndarray
    first_step: np.ndarray
    discount: np.ndarray
    eta: np.ndarray


@dataclass
class PartyParams:
    ideal: np.ndarray  # (W, K)
    salience: np.ndarray  # (W, K), sums to 1 in every world
    opening: np.ndarray  # (W, K)
    rho: np.ndarray  # (W,)
    capability: np.ndarray  # (W,) at the start
    resupply: np.ndarray
    pause_resupply: np.ndarray
    attrition: np.ndarray
    cost: np.ndarray
    horizon: np.ndarray
    optimism: np.ndarray
    tactic: TacticParams
    asks_for: np.ndarray  # (W,) format level, NO_FORMAT for none
    format_conditions: np.ndarray  # (W, L) widest gap at which it attends; inf = always
    red_lines: np.ndarray  # (W, K) a term it accepts nothing beyond (from its ideal); NaN = none
    red_lines_public: np.ndarray  # (W,) bool
    audience_cost: np.ndarray  # (W,)
    private_spread: np.ndarray  # (W,) sd of the others' prior over its optimism


@dataclass
class IssueParams:
    stops_fighting: np.ndarray  # (W, K) bool
    cost_relief: np.ndarray  # (W, K)
    breakdown: np.ndarray  # (W, K)
    package: np.ndarray  # (W, K) bool
    indivisible: np.ndarray  # (W, K) bool
    returns_area: np.ndarray  # (W, K) bool: agreed terms give back area (sim/territory.py)


@dataclass
class MediatorParams:
    rule: np.ndarray  # (W,) index into sim.proposal.RULES
    bias: np.ndarray  # (W,)
    max_salience: np.ndarray  # (W, L)
    packages: np.ndarray  # (W, L) bool
    pressure: np.ndarray  # (W, n) extra cost per day, per party
    guarantees: np.ndarray  # (W, n, K) utility per unit of a term, per party
    leverage_from_day: np.ndarray  # (W,) int


@dataclass
class WarParams:
    decisiveness: np.ndarray
    noise: np.ndarray
    learning_rate: np.ndarray
    pause_horizon: np.ndarray
    min_capability: np.ndarray
    speed: np.ndarray  # war.territory: how fast the front moves (sim/territory.py)
    reach: np.ndarray


@dataclass
class TerritoryParams:
    total: np.ndarray  # (W,) the whole area
    start: np.ndarray  # (W,) side A's area on day 0
    war_value: np.ndarray  # (W, n) utility of its side holding the whole area, per party


@dataclass
class PolicyParams:
    calendar: np.ndarray  # (W, C) format level of each calendar round
    format: np.ndarray  # (W,) level of the first further round
    escalate_after: np.ndarray  # (W,) int
    give_up_after: np.ndarray  # (W,) int


@dataclass
class MechanismParams:
    """(W,) bool switches of the mechanisms (`scenario.mechanisms`)."""

    power_shift: np.ndarray
    renege: np.ndarray
    private_information: np.ndarray
    red_lines: np.ndarray
    audience_costs: np.ndarray
    war_driven_aspirations: np.ndarray


@dataclass
class Worlds:
    point: np.ndarray  # (W,) design point of each world (0 outside designs)
    replication: np.ndarray  # (W,) replication id: its noise and parameter streams
    issues: IssueParams
    parties: list[PartyParams]
    mediator: MediatorParams
    war: WarParams
    policy: PolicyParams
    mechanisms: MechanismParams
    territory: TerritoryParams
    private_type: np.ndarray  # (W, n) each party's type under private information: a uniform in [0, 1)
    varied: dict[str, np.ndarray] = field(default_factory=dict)  # path -> (W,) values, drawn or set
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # events' keys: path -> (W,) values

    def __len__(self) -> int:
        return len(self.replication)


# -- the per-world keys --------------------------------------------------------------------


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


def _range(cls, name: str) -> Range:
    return next(f.metadata["range"] for f in fields(cls) if f.name == name)


def _num(where, value, cls, name) -> Key:
    rng = _range(cls, name)
    return Key(where, "int" if rng.integer else "num", value, rng)


def keys(cfg: Config) -> dict[str, Key]:
    """Every config path whose value may differ between worlds, in a fixed order."""
    from sim.proposal import RULES
    from sim.tactic import TACTICS

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
    for i, (name, party) in enumerate(sc.parties.items()):
        at = f"scenario.parties.{name}"
        for vec in ("ideal", "salience", "opening"):
            for k, issue in enumerate(issues):
                default = party.ideal.get(issue) if vec == "opening" else 0.0
                value = getattr(party, vec).get(issue, default)
                out[f"{at}.{vec}.{issue}"] = Key((i, vec, k), "num", value, _range(PartyConfig, vec))
        for attr in ("rho", "capability", "resupply", "pause_resupply", "attrition", "cost", "horizon", "optimism"):
            out[f"{at}.{attr}"] = _num((i, attr), getattr(party, attr), PartyConfig, attr)
        out[f"{at}.tactic.name"] = Key((i, "tactic.code"), "cat", party.tactic.name, None, tuple(TACTICS))
        for attr in ("beta", "deadline", "k", "first_step", "discount", "eta"):
            out[f"{at}.tactic.{attr}"] = _num((i, f"tactic.{attr}"), getattr(party.tactic, attr), TacticConfig, attr)
        out[f"{at}.asks_for"] = Key((i, "asks_for"), "cat", party.asks_for, None, tuple(formats))
        conditions = {f.name: v for f, v in party.format_conditions.items()}
        for level, fmt in enumerate(formats):
            out[f"{at}.format_conditions.{fmt}"] = Key(
                (i, "format_conditions", level), "num", conditions.get(fmt, math.inf), _range(PartyConfig, "format_conditions")
            )
        for k, issue in enumerate(issues):
            out[f"{at}.red_lines.{issue}"] = Key((i, "red_lines", k), "num", party.red_lines.get(issue, math.nan),
                                                 _range(PartyConfig, "red_lines"))
        out[f"{at}.red_lines_public"] = Key((i, "red_lines_public"), "bool", party.red_lines_public)
        for attr in ("audience_cost", "private_spread"):
            out[f"{at}.{attr}"] = _num((i, attr), getattr(party, attr), PartyConfig, attr)
    for c, rnd in enumerate(sc.calendar):
        out[f"scenario.calendar.{c}.format"] = Key(("policy", "calendar", c), "cat", rnd.format, None, tuple(formats))
    out["scenario.policy.format"] = Key(("policy", "format"), "cat", sc.policy.format, None, tuple(formats))
    for attr in ("escalate_after", "give_up_after"):
        out[f"scenario.policy.{attr}"] = _num(("policy", attr), getattr(sc.policy, attr), PolicyConfig, attr)

    out["mediator.rule"] = Key(("mediator", "rule"), "cat", med.rule, None, tuple(RULES))
    out["mediator.bias"] = _num(("mediator", "bias"), med.bias, MediatorConfig, "bias")
    specs = {f.name: s for f, s in med.formats.items()}
    for level, fmt in enumerate(formats):
        spec = specs.get(fmt, FormatConfig())
        out[f"mediator.formats.{fmt}.max_salience"] = _num(("mediator", "max_salience", level), spec.max_salience, FormatConfig, "max_salience")
        out[f"mediator.formats.{fmt}.packages"] = Key(("mediator", "packages", level), "bool", spec.packages)
    for j, name in enumerate(sc.parties):
        out[f"mediator.pressure.{name}"] = Key(("mediator", "pressure", j), "num", med.pressure.get(name, 0.0), _range(MediatorConfig, "pressure"))
        for k, issue in enumerate(issues):
            value = med.guarantees.get(name, {}).get(issue, 0.0)
            out[f"mediator.guarantees.{name}.{issue}"] = Key(("mediator", "guarantees", j, k), "num", value, _range(MediatorConfig, "guarantees"))
    out["mediator.leverage_from_day"] = _num(("mediator", "leverage_from_day"), med.leverage_from_day, MediatorConfig, "leverage_from_day")
    for attr in ("decisiveness", "noise", "learning_rate", "pause_horizon", "min_capability"):
        out[f"war.{attr}"] = _num(("war", attr), getattr(cfg.war, attr), WarConfig, attr)
    for attr in ("speed", "reach"):
        out[f"war.territory.{attr}"] = _num(("war", attr), getattr(cfg.war.territory, attr), FrontConfig, attr)
    land = sc.territory
    out["scenario.territory.total"] = _num(("territory", "total"), land.total, TerritoryConfig, "total")
    out["scenario.territory.A"] = _num(("territory", "start"), land.A, TerritoryConfig, "A")
    for j, name in enumerate(sc.parties):
        out[f"scenario.territory.war_value.{name}"] = Key(("territory", "war_value", j), "num", land.war_value.get(name, 0.0),
                                                          _range(TerritoryConfig, "war_value"))
    mech = sc.mechanisms
    for name in ("power_shift", "private_information", "red_lines", "audience_costs", "war_driven_aspirations"):
        out[f"scenario.mechanisms.{name}.enabled"] = Key(("mechanisms", name), "bool", getattr(mech, name).enabled)
    out["scenario.mechanisms.power_shift.renege"] = Key(("mechanisms", "renege"), "bool", mech.power_shift.renege)
    out.update(event_keys(cfg, dict(out)))
    return out


def event_keys(cfg: Config, targets: dict[str, Key]) -> dict[str, Key]:
    """The per-world keys of the scenario's events: day, enabled, and each change's value
    (a change keeps the kind and range of the key it changes; factors and amounts are numbers)."""
    from sim.config import EventConfig

    out: dict[str, Key] = {}
    for name, event in cfg.scenario.events.items():
        at = f"scenario.events.{name}"
        out[f"{at}.day"] = Key(("extra", f"{at}.day"), "int", event.day, _range(EventConfig, "day"))
        out[f"{at}.enabled"] = Key(("extra", f"{at}.enabled"), "bool", event.enabled)
        for op in ("set", "scale", "add"):
            for path, value in flat_paths(getattr(event, op)).items():
                target = targets.get(path)
                if target is None:
                    continue  # sim.events.check_events names it
                full = f"{at}.{op}.{path}"
                if op == "set":
                    out[full] = Key(("extra", full), target.kind, value, target.range, target.categories)
                else:
                    out[full] = Key(("extra", full), "num", value, Range(-BIG_CHANGE, BIG_CHANGE))
    return out


BIG_CHANGE = 1e6  # factors and amounts of an event: finite


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


# -- resolution ----------------------------------------------------------------------------------


def _empty(cfg: Config, W: int) -> Worlds:
    sc = cfg.scenario
    K, n, C = len(sc.issues), len(sc.parties), len(sc.calendar)

    def col(dtype=float, *shape):
        return np.zeros((W, *shape), dtype=dtype)

    def party() -> PartyParams:
        return PartyParams(
            ideal=col(float, K), salience=col(float, K), opening=col(float, K), rho=col(), capability=col(),
            resupply=col(), pause_resupply=col(), attrition=col(), cost=col(), horizon=col(), optimism=col(),
            tactic=TacticParams(col(int), col(), col(int), col(), col(), col(), col()),
            asks_for=col(int), format_conditions=col(float, LEVELS), red_lines=col(float, K),
            red_lines_public=col(bool), audience_cost=col(), private_spread=col(),
        )

    return Worlds(
        point=col(int), replication=col(int),
        issues=IssueParams(col(bool, K), col(float, K), col(float, K), col(bool, K), col(bool, K), col(bool, K)),
        parties=[party() for _ in range(n)],
        mediator=MediatorParams(col(int), col(), col(float, LEVELS), col(bool, LEVELS), col(float, n), col(float, n, K), col(int)),
        war=WarParams(col(), col(), col(), col(), col(), col(), col()),
        policy=PolicyParams(col(int, C), col(int), col(int), col(int)),
        mechanisms=MechanismParams(*(col(bool) for _ in range(6))),
        territory=TerritoryParams(col(), col(), col(float, n)),
        private_type=col(float, n),
    )


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


def parameter_uniforms(seed: int, replications: np.ndarray, n: int) -> np.ndarray:
    """(W, n) uniforms in [0, 1) from each world's parameter stream, one per drawn key.

    The stream is `SeedSequence(seed, spawn_key=(replication, 1))`; its n words
    (`generate_state`, well mixed by design; sim/streams.py computes them for all worlds at
    once) become n uniforms with 53-bit resolution. Worlds that share a replication share
    its draws (common random numbers).
    """
    words = streams.parameter_words(seed, np.asarray(replications), n)
    return (words >> np.uint64(11)) * 2.0**-53


def resolve(cfg: Config, point: np.ndarray, replication: np.ndarray, points=None) -> Worlds:
    """Per-world parameters for worlds (point[w], replication[w]); `points` is the design's
    table of axis values per point (`sim.design.expand`), or None outside designs."""
    table = keys(cfg)
    worlds = _empty(cfg, len(replication))
    worlds.point[:] = point
    worlds.replication[:] = replication
    drawn = sorted(path for path, key in table.items() if isinstance(key.value, dict))
    for path, key in table.items():
        if path not in drawn:
            assign(worlds, key, key.encode(key.value))
    # the stream's first n words are the parties' private types, then the posterior row, then the draws
    n = len(cfg.scenario.parties)
    switch = "scenario.mechanisms.private_information.enabled"
    private = cfg.scenario.mechanisms.private_information.enabled or (points is not None and switch in points)
    from_posterior = bool(cfg.posterior.file)
    words = n + len(drawn) + from_posterior
    u = parameter_uniforms(cfg.seed, worlds.replication, words) if drawn or private or from_posterior else np.zeros((len(point), n))
    worlds.private_type[:] = u[:, :n]
    for j, path in enumerate(drawn, start=n + from_posterior):
        key = table[path]
        values = ppf(key.value, u[:, j], key.range)
        assign(worlds, key, values)
        worlds.varied[path] = values
    if from_posterior:  # the word after the types picks the world's posterior row (sim/posterior.py)
        from sim import posterior

        for path, values in posterior.draw(cfg, u[:, n]).items():
            assign(worlds, table[path], values)
            worlds.varied[path] = values
    if points is not None:
        for path in points.columns:
            key = table[path]
            values = points[path].to_numpy()[worlds.point]
            assign(worlds, key, np.array([key.encode(v) for v in values]) if key.kind == "cat" else values)
            worlds.varied[path] = values
    _renormalise_saliences(cfg, worlds)
    return worlds


def _renormalise_saliences(cfg: Config, worlds: Worlds) -> None:
    issues = list(cfg.scenario.issues)
    for name, party in zip(cfg.scenario.parties, worlds.parties):
        prefix = f"scenario.parties.{name}.salience."
        varied = np.array([prefix + issue in worlds.varied for issue in issues])
        if varied.any():
            party.salience[:] = normalise_salience(party.salience, varied)
            for k, issue in enumerate(issues):  # what the worlds hold, for the record
                if prefix + issue in worlds.varied:
                    worlds.varied[prefix + issue] = party.salience[:, k].copy()


def normalise_salience(w: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """(W, K) saliences summing to 1: the `keep` columns stay, the others share what is left
    in their proportions; where the kept ones exceed 1 or nothing else is left, all scale."""
    kept = np.where(keep, w, 0.0).sum(axis=-1, keepdims=True)
    rest = np.where(keep, 0.0, w).sum(axis=-1, keepdims=True)
    fits = (kept <= 1.0) & (rest > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled_rest = np.where(keep, w, w * (1.0 - kept) / rest)
        scaled_all = w / (kept + rest)
    return np.where(fits, scaled_rest, scaled_all)
