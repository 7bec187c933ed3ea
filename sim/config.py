"""The config schema (Hydra structured configs) and the checks OmegaConf cannot make.

The dataclasses mirror `conf/`: `Config.scenario` is `conf/scenario/*.yaml`,
`Config.mediator` is `conf/mediator/*.yaml`, `Config.war` is `conf/war/*.yaml`.
OmegaConf checks types when the config is composed; `validate` checks ranges and
names and raises `ConfigError` with one line naming the key and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

FORMATS = ("delegation", "ministers", "leaders")
PROTOCOLS = ("issue_by_issue", "package")
SIDES = ("A", "B")


class ConfigError(ValueError):
    """A config value the model cannot run with; the message is one line."""


@dataclass
class IssueConfig:
    poles: list[str] = field(default_factory=lambda: ["0", "1"])
    stops_fighting: bool = False  # agreeing on it pauses the war (a general ceasefire)
    cost_relief: float = 0.0  # share of each party's daily war cost it removes while in force
    breakdown: float = 0.0  # per-day hazard that the agreed item collapses
    protocol: str = "issue_by_issue"


@dataclass
class TacticConfig:
    name: str = "faratin"
    beta: float = 1.0  # faratin: <1 Boulware, 1 linear, >1 Conceder
    deadline: int = 10  # faratin: rounds until the reservation value is reached
    k: float = 0.0  # faratin: initial concession constant
    first_step: float = 0.05  # reciprocal: opening concession in utility units
    discount: float = 0.9  # rubinstein: per-round discount factor


@dataclass
class PartyConfig:
    side: str = "A"
    belligerent: bool = True
    ideal: dict[str, float] = field(default_factory=dict)
    salience: dict[str, float] = field(default_factory=dict)
    opening: dict[str, float] = field(default_factory=dict)  # defaults to the ideal
    rho: float = 1.0
    capability: float = 1.0
    resupply: float = 0.0
    pause_resupply: float = 1.0  # multiplier on resupply while a ceasefire holds
    attrition: float = 0.0
    cost: float = 0.0  # kappa: war cost per day of full fighting, in utility units
    horizon: float = 60.0  # H: days of war the party prices into its war value
    optimism: float = 0.0  # initial belief = true balance (its side) + optimism
    tactic: TacticConfig = field(default_factory=TacticConfig)
    asks_for: str = ""  # a format the party requests at every round ("" = none)
    format_conditions: dict[str, float] = field(default_factory=dict)


@dataclass
class RoundConfig:
    day: int = 0
    format: str = "delegation"


@dataclass
class PolicyConfig:
    interval: int = 7  # days between further rounds; 0 = no further rounds
    format: str = "delegation"  # format of the first further round
    escalate_after: int = 2  # rounds without a new agreement before moving up a format
    give_up_after: int = 0  # rounds without a new agreement before talks end (0 = never)


@dataclass
class ScenarioConfig:
    name: str = "scenario"
    start_date: str = "2022-02-24"
    days: int = 84
    issues: dict[str, IssueConfig] = field(default_factory=dict)
    parties: dict[str, PartyConfig] = field(default_factory=dict)
    calendar: list[RoundConfig] = field(default_factory=list)
    policy: PolicyConfig = field(default_factory=PolicyConfig)


@dataclass
class FormatConfig:
    max_salience: float = 1.0  # settles an issue only if every party's salience is at most this
    packages: bool = False  # can it close a package deal


@dataclass
class MediatorConfig:
    rule: str = "split"
    bias: float = 0.0  # in [-1, 1]; > 0 tilts proposals toward `favours`, < 0 toward its opponent
    favours: str = ""  # a party name; "" = the first party of side A
    formats: dict[str, FormatConfig] = field(default_factory=dict)
    pressure: dict[str, float] = field(default_factory=dict)  # party -> extra cost per day
    guarantees: dict[str, dict[str, float]] = field(default_factory=dict)  # party -> issue -> bonus
    leverage_from_day: int = 0


@dataclass
class WarConfig:
    decisiveness: float = 1.0  # g in the contest success function
    noise: float = 0.3  # relative sd of daily attrition
    learning_rate: float = 0.1  # lambda in p <- p + lambda (signal - p)
    pause_horizon: float = 30.0  # days of pause a party prices in when valuing a ceasefire
    min_capability: float = 1e-3


@dataclass
class RecordConfig:
    rounds: bool = True
    timeline: bool = True


@dataclass
class Config:
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    mediator: MediatorConfig = field(default_factory=MediatorConfig)
    war: WarConfig = field(default_factory=WarConfig)
    seed: int = 0
    replications: int = 200
    record: RecordConfig = field(default_factory=RecordConfig)
    plots: bool = True


def register() -> None:
    """Put the schema in Hydra's ConfigStore; `conf/config.yaml` extends it."""
    ConfigStore.instance().store(name="config_schema", node=Config)


def to_config(cfg: Any) -> Config:
    """A typed `Config` from a DictConfig, a plain dict or a `Config`."""
    if isinstance(cfg, Config):
        return cfg
    if OmegaConf.is_config(cfg) and OmegaConf.get_type(cfg) is Config:  # composed against the schema
        return OmegaConf.to_object(cfg)
    merged = OmegaConf.merge(OmegaConf.structured(Config), cfg)
    return OmegaConf.to_object(merged)


# ----------------------------------------------------------------------------- checks


def _fail(key: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"{key}={value!r} is not allowed; {allowed}")


def _unit(key: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        _fail(key, value, "allowed: a number in [0, 1]")


def _nonneg(key: str, value: float) -> None:
    if value < 0:
        _fail(key, value, "allowed: a number >= 0")


def _choice(key: str, value: str, allowed: tuple[str, ...] | list[str], what: str = "") -> None:
    """`what` names the kind of a mapping key (issue, party, format) when the key is the value."""
    if value in allowed:
        return
    if what:
        raise ConfigError(f"{key}: {value!r} is not a known {what}; allowed: {', '.join(allowed)}")
    _fail(key, value, "allowed: " + ", ".join(allowed))


def validate(cfg: Config) -> Config:
    """Raise ConfigError on the first value the model cannot run with."""
    from sim.proposal import RULES
    from sim.tactic import TACTICS

    if cfg.seed < 0:
        _fail("seed", cfg.seed, "allowed: an integer >= 0")
    if cfg.replications < 1:
        _fail("replications", cfg.replications, "allowed: an integer >= 1")
    sc = cfg.scenario
    try:
        date.fromisoformat(sc.start_date)
    except ValueError:
        _fail("scenario.start_date", sc.start_date, "allowed: a date as YYYY-MM-DD")
    if sc.days < 1:
        _fail("scenario.days", sc.days, "allowed: an integer >= 1")
    if not sc.issues:
        _fail("scenario.issues", {}, "allowed: at least one issue")
    issues = list(sc.issues)
    for name, issue in sc.issues.items():
        key = f"scenario.issues.{name}"
        _choice(f"{key}.protocol", issue.protocol, PROTOCOLS)
        _unit(f"{key}.breakdown", issue.breakdown)
        _unit(f"{key}.cost_relief", issue.cost_relief)
        if len(issue.poles) != 2:
            _fail(f"{key}.poles", issue.poles, "allowed: two names, for 0 and for 1")

    sides = {p.side for p in sc.parties.values() if p.belligerent}
    if len(sc.parties) < 2:
        _fail("scenario.parties", list(sc.parties), "allowed: at least two parties")
    for name, party in sc.parties.items():
        key = f"scenario.parties.{name}"
        _choice(f"{key}.side", party.side, SIDES)
        for vec in ("ideal", "salience", "opening"):
            for issue, value in getattr(party, vec).items():
                _choice(f"{key}.{vec}.{issue}", issue, issues, "issue")
                (_nonneg if vec == "salience" else _unit)(f"{key}.{vec}.{issue}", value)
        missing = [i for i in issues if i not in party.ideal]
        if missing:
            _fail(f"{key}.ideal", dict(party.ideal), f"every issue needs a value; missing: {', '.join(missing)}")
        total = sum(party.salience.values())
        if abs(total - 1.0) > 1e-6:
            _fail(f"{key}.salience", dict(party.salience), "allowed: non-negative weights that sum to 1")
        if party.rho < 1.0:
            _fail(f"{key}.rho", party.rho, "allowed: a number >= 1 (concave utility)")
        for attr in ("capability", "resupply", "pause_resupply", "attrition", "cost", "horizon"):
            _nonneg(f"{key}.{attr}", getattr(party, attr))
        if party.belligerent and party.capability <= 0:
            _fail(f"{key}.capability", party.capability, "allowed: a number > 0 for a belligerent")
        if not -1.0 <= party.optimism <= 1.0:
            _fail(f"{key}.optimism", party.optimism, "allowed: a number in [-1, 1]")
        t = party.tactic
        _choice(f"{key}.tactic.name", t.name, list(TACTICS))
        if t.beta <= 0:
            _fail(f"{key}.tactic.beta", t.beta, "allowed: a number > 0")
        if t.deadline < 1:
            _fail(f"{key}.tactic.deadline", t.deadline, "allowed: an integer >= 1")
        _unit(f"{key}.tactic.k", t.k)
        _unit(f"{key}.tactic.first_step", t.first_step)
        if not 0.0 <= t.discount < 1.0:
            _fail(f"{key}.tactic.discount", t.discount, "allowed: a number in [0, 1)")
        if party.asks_for:
            _choice(f"{key}.asks_for", party.asks_for, FORMATS)
        for fmt, gap in party.format_conditions.items():
            _choice(f"{key}.format_conditions.{fmt}", fmt, FORMATS, "format")
            _unit(f"{key}.format_conditions.{fmt}", gap)
    for issue in issues:
        if not any(p.salience.get(issue, 0.0) > 0 for p in sc.parties.values()):
            _fail(f"scenario.issues.{issue}", issue, "allowed: an issue some party gives salience > 0")
    if sides != set(SIDES):
        _fail("scenario.parties.*.side", sorted(sides), "allowed: belligerent parties on both sides A and B")

    for i, rnd in enumerate(sc.calendar):
        key = f"scenario.calendar.{i}"
        _choice(f"{key}.format", rnd.format, FORMATS)
        if not 0 <= rnd.day < sc.days:
            _fail(f"{key}.day", rnd.day, f"allowed: a day in [0, {sc.days - 1}] (scenario.days={sc.days})")
    days = [r.day for r in sc.calendar]
    if days != sorted(set(days)):
        _fail("scenario.calendar", days, "allowed: rounds on distinct days in increasing order")
    pol = sc.policy
    _choice("scenario.policy.format", pol.format, FORMATS)
    for attr in ("interval", "escalate_after", "give_up_after"):
        if getattr(pol, attr) < 0:
            _fail(f"scenario.policy.{attr}", getattr(pol, attr), "allowed: an integer >= 0")

    med = cfg.mediator
    _choice("mediator.rule", med.rule, list(RULES))
    if not -1.0 <= med.bias <= 1.0:
        _fail("mediator.bias", med.bias, "allowed: a number in [-1, 1]")
    if med.favours:
        _choice("mediator.favours", med.favours, list(sc.parties))
    missing = [f for f in FORMATS if f not in med.formats]
    if missing:
        _fail("mediator.formats", list(med.formats), f"allowed: all of {', '.join(FORMATS)}")
    for fmt, spec in med.formats.items():
        _choice(f"mediator.formats.{fmt}", fmt, FORMATS, "format")
        _nonneg(f"mediator.formats.{fmt}.max_salience", spec.max_salience)
    for party, value in med.pressure.items():
        _choice(f"mediator.pressure.{party}", party, list(sc.parties), "party")
        _nonneg(f"mediator.pressure.{party}", value)
    for party, by_issue in med.guarantees.items():
        _choice(f"mediator.guarantees.{party}", party, list(sc.parties), "party")
        for issue in by_issue:
            _choice(f"mediator.guarantees.{party}.{issue}", issue, issues, "issue")

    war = cfg.war
    _nonneg("war.decisiveness", war.decisiveness)
    _nonneg("war.noise", war.noise)
    _unit("war.learning_rate", war.learning_rate)
    _nonneg("war.pause_horizon", war.pause_horizon)
    return cfg
