"""The live view's controls, built from the schema and the composed config: nothing here
names a party, an issue or an event.

A control is a config key with its value and what the schema allows there
(`sim/schema/config.py`'s `allowed(...)` ranges, enums, the tactics and proposal rules of
`sim/rules/`); the page turns each change into the override `negsim` would take
(`key=value`, or `+key=value` for a key the config does not hold yet, such as a first red
line). Groups: the number of worlds; each party (openings, red lines, optimism, tactic and
its parameters, a patron's pull, an ally's spoiling); the mechanisms' switches; the mediator
(rule, bias, whom it favours, what each format settles) or, in direct talks, the formats;
each event (its day, whether it is on).
"""

from __future__ import annotations

import math
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.rules.proposal import RULES
from sim.rules.tactic import TACTICS
from sim.schema.config import (
    EventConfig,
    FormatConfig,
    MediatorConfig,
    PartyConfig,
    Range,
    Role,
    TacticConfig,
    Talks,
    field_range,
)

MAX_WORLDS = 20_000  # one block (sim/runs/ensemble.py BLOCK): a re-run is one lockstep model
WORLDS = Range(1, MAX_WORLDS, integer=True)


def text(value: Any) -> str:
    """A value as the command line writes it: 0.25, true, {dist: uniform, low: 0, high: 1}."""
    if OmegaConf.is_config(value):
        value = OmegaConf.to_container(value, resolve=True)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(text(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return _name(value)


def number(key: str, label: str, value: Any, rng: Range, *, top: float | None = None, new: bool = False) -> dict:
    """A numeric key: a slider over the range (capped at `top`, or at a few times the value
    where the schema's ceiling is only a guard), and a text field that takes anything the
    command line takes, a distribution too."""
    fixed = isinstance(value, (int, float)) and not isinstance(value, bool)
    high = rng.high
    if top is not None:
        high = min(high, top)
    elif high > 100:  # a ceiling that only keeps products finite: slide over a useful span
        high = max(1.0, 4 * abs(value)) if fixed else 1.0
        high = 10 ** math.ceil(math.log10(high)) if high > 1 else high
    low = rng.low if math.isfinite(rng.low) else -high
    step = 1 if rng.integer else (high - low) / 100
    if rng.low_open:  # a slider's ends are values it can take: keep them inside an open range
        low += step
    if rng.high_open and high == rng.high:
        high -= step
    return {"key": key, "label": label, "kind": "integer" if rng.integer else "number",
            "value": text(value) if value is not None else "", "fixed": fixed or value is None,
            "min": low, "max": high, "step": step,
            "allowed": rng.describe(), "new": new}


def choice(key: str, label: str, value: Any, choices: list[str]) -> dict:
    return {"key": key, "label": label, "kind": "choice", "value": text(value), "choices": choices,
            "allowed": "one of " + ", ".join(choices), "new": False}


def switch(key: str, label: str, value: bool) -> dict:
    return {"key": key, "label": label, "kind": "bool", "value": text(value), "allowed": "true or false", "new": False}


def controls(cfg: DictConfig) -> list[dict]:
    """[{"title", "controls": [...]}]: every group the view shows for this config."""
    sc = cfg.scenario
    groups = [{"title": "Worlds", "controls": [number("replications", "worlds (replications)", cfg.replications,
                                                      WORLDS, top=MAX_WORLDS)]}]
    groups += [party(name, p, list(sc.issues)) for name, p in sc.parties.items()]
    mechanisms = [switch(f"scenario.mechanisms.{m}.enabled", m.replace("_", " "), s.enabled)
                  for m, s in sc.mechanisms.items()]
    groups.append({"title": "Mechanisms", "controls": mechanisms})
    if _name(sc.talks) == Talks.mediated.name:
        groups.append(mediator(cfg.mediator, list(sc.parties)))
    elif sc.formats:
        groups.append({"title": "Formats (direct talks)", "controls": formats("scenario.formats", sc.formats)})
    events = []
    for name, e in sc.events.items():
        events.append(switch(f"scenario.events.{name}.enabled", f"{name}: on", e.enabled))
        events.append(number(f"scenario.events.{name}.day", f"{name}: day", e.day, field_range(EventConfig, "day"),
                             top=sc.days))
    if events:
        groups.append({"title": "Events", "controls": events})
    return groups


def party(name: str, p: DictConfig, issues: list[str]) -> dict:
    """A party's values: what it says first, where it will not go, what it believes, how it concedes."""
    key = f"scenario.parties.{name}"
    role = _name(p.role)
    cards = []
    says = [i for i in issues if _fixed_or_any(p.salience.get(i, 0))]
    if role == Role.table.name:
        for issue in says:
            held = issue in p.opening
            cards.append(number(f"{key}.opening.{issue}", f"opening: {issue}",
                                p.opening[issue] if held else p.ideal.get(issue, 0.0),
                                field_range(PartyConfig, "opening"), new=not held))
        for issue in says:
            held = issue in p.red_lines
            cards.append(number(f"{key}.red_lines.{issue}", f"red line: {issue}", p.red_lines[issue] if held else None,
                                field_range(PartyConfig, "red_lines"), new=not held))
    cards.append(number(f"{key}.optimism", "optimism", p.optimism, field_range(PartyConfig, "optimism")))
    if role == Role.table.name:
        tactic = str(p.tactic.name)
        cards.append(choice(f"{key}.tactic.name", "tactic", tactic, list(TACTICS)))
        used = TACTICS[tactic].parameters if tactic in TACTICS else ()
        for param in (*used, "eta"):
            cards.append(number(f"{key}.tactic.{param}", f"tactic: {param}", p.tactic[param],
                                field_range(TacticConfig, param)))
    if role == Role.patron.name:
        cards.append(number(f"{key}.influence", "pull on its side (influence)", p.influence,
                            field_range(PartyConfig, "influence")))
    if role == Role.ally.name:
        cards.append(number(f"{key}.spoil", "spoiling hazard", p.spoil, field_range(PartyConfig, "spoil")))
    side = _name(p.side)
    return {"title": f"{name} (side {side}, {role})", "controls": cards}


def mediator(m: DictConfig, parties: list[str]) -> dict:
    cards = [choice("mediator.rule", "proposal rule", m.rule, list(RULES)),
             number("mediator.bias", "bias", m.bias, field_range(MediatorConfig, "bias")),
             choice("mediator.favours", "favours (bias > 0)", m.favours, ["", *parties])]
    return {"title": "Mediator", "controls": cards + formats("mediator.formats", m.formats)}


def formats(prefix: str, table: DictConfig) -> list[dict]:
    """What each format can settle: the highest salience it settles, whether it closes packages."""
    cards = []
    for level, f in table.items():
        name = _name(level)
        cards.append(number(f"{prefix}.{name}.max_salience", f"{name}: settles salience up to", f.max_salience,
                            field_range(FormatConfig, "max_salience")))
        cards.append(switch(f"{prefix}.{name}.packages", f"{name}: closes packages", f.packages))
    return cards


def _fixed_or_any(value: Any) -> bool:
    """Whether a salience says the party cares (a distribution may: shown alike)."""
    return not isinstance(value, (int, float)) or value > 0


def _name(value: Any) -> str:
    """An enum's name (a composed config holds enums, a plain dict their names)."""
    return value.name if hasattr(value, "name") else str(value)
