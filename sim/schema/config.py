"""The config schema (Hydra structured configs): every key, its type, default and range.

The dataclasses mirror `conf/`: `Config.scenario` is `conf/scenario/*.yaml`,
`Config.mediator` is `conf/mediator/*.yaml`, `Config.war` is `conf/war/*.yaml`, and
`Config.design` is the `design:` block of a study. OmegaConf checks types and names
(enums) when the config is composed; `sim.schema.checks.validate` checks values and
raises `ConfigError` with one line naming the key and what is allowed. This module knows
no feature: a feature's own checks of its section live with the feature.

A numeric value a world can hold (`Num`) is a number or a distribution such as
`{dist: uniform, low: 0.1, high: 0.5}` (`sim/schema/distributions.py`); its allowed range is
the field's `allowed(...)` metadata, which validation, the distributions' supports and
the property tests all read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

Num = Any  # a number, or a distribution {dist: ..., ...} drawn per world


class Side(Enum):
    A = 0
    B = 1


class Role(Enum):
    """How a party takes part (docs/model.md, section 11)."""

    table = 0  # at the table: answers the proposals on the issues it cares about (a veto player [Tsebelis2002])
    ally = 1  # fights or holds assets on its side but is not at the table: may spoil what its side agrees [Stedman1997]
    patron = 2  # backs its side from outside: resupply, and a pull on its side's positions and answers [Putnam1988]


class Talks(Enum):
    mediated = 0  # a mediator proposes terms (sim/agents/mediator.py)
    alternating = 1  # no mediator: the sides' leads propose in turn [Rubinstein1982] (sim/agents/liaison.py)


class Protocol(Enum):
    issue_by_issue = 0  # items are agreed alone
    package = 1  # nothing in the package is agreed until all of it is


class Format(Enum):
    """Round formats, in order of level: a higher format settles more."""

    delegation = 0
    ministers = 1
    leaders = 2


class Sampler(Enum):
    grid = 0
    random = 1
    lhs = 2
    sobol = 3
    halton = 4


FORMATS = tuple(f.name for f in Format)


class ConfigError(ValueError):
    """A config value the model cannot run with; the message is one line."""


@dataclass(frozen=True)
class Range:
    """The values a key allows; every allowed value is also finite."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    integer: bool = False

    def __contains__(self, value: float) -> bool:
        if not math.isfinite(value) or (self.integer and value != int(value)):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a number"
        lo = "(" if self.low_open else "["
        hi = ")" if self.high_open else "]"
        return f"{kind} in {lo}{_num(self.low)}, {_num(self.high)}{hi}"


def _num(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e5 else f"{x:.0e}".replace("e+0", "e").replace("e+", "e")


def allowed(default: Any, low: float = -math.inf, high: float = math.inf, **kw) -> Any:
    """A dataclass field whose values (or the values of its mapping) must lie in a Range."""
    rng = Range(low, high, **kw)
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata={"range": rng})
    return field(default=default, metadata={"range": rng})


UNIT = dict(low=0.0, high=1.0)
BIG = 1e6  # finite ceilings keep every product of parameters finite


@dataclass
class IssueConfig:
    poles: list[str] = field(default_factory=lambda: ["0", "1"])
    stops_fighting: bool = False  # agreeing on it pauses the war (a general ceasefire)
    cost_relief: Num = allowed(0.0, **UNIT)  # share of each party's daily war cost removed while in force
    breakdown: Num = allowed(0.0, **UNIT)  # per-day hazard that the agreed item collapses
    protocol: Protocol = Protocol.issue_by_issue
    indivisible: bool = False  # only its poles are possible terms (mechanisms.red_lines) [Fearon1995; Hassner2003]
    returns_area: bool = False  # agreed terms a give back the share a of the area taken since day 0 (sim/rules/territory.py)
    side_deal: bool = False  # agreed apart from the rest, also while talks are suspended; the war ends without it


@dataclass
class TacticConfig:
    name: str = "faratin"  # sim/rules/tactic.py TACTICS
    beta: Num = allowed(1.0, 0.0, 1e3, low_open=True)  # faratin: <1 Boulware, 1 linear, >1 Conceder
    deadline: Num = allowed(10, 1, 1e4, integer=True)  # faratin: the war value is reached in round deadline + 1
    k: Num = allowed(0.0, **UNIT)  # faratin: share of the concession made in the first round
    first_step: Num = allowed(0.05, **UNIT)  # reciprocal: opening concession in utility units
    discount: Num = allowed(0.9, 0.0, 1.0, high_open=True)  # rubinstein: per-round discount factor
    eta: Num = allowed(0.0, 0.0, 10.0)  # war-driven aspirations: how much a change of war value moves the aspiration
    budget: Num = allowed(0.05, 0.0, 1e3, low_open=True)  # ripeness: the hurt (utility units) at which it concedes to its war value


@dataclass
class SuspendConfig:
    """A party that walks out of the talks (sim/agents/mediator.py, `_walk_out`) [Zartman2000; Schelling1960]."""

    days: Num = allowed(0, 0, 1e5, integer=True)  # how long it suspends them; 0 = it never does
    gap: Num = allowed(0.1, 0.0, 100.0)  # when its war value exceeds what the terms on the table give it by more


@dataclass
class PartyConfig:
    side: Side = Side.A
    belligerent: bool = True
    ideal: dict[str, Num] = allowed({}, **UNIT)
    salience: dict[str, Num] = allowed({}, **UNIT)  # per issue; sums to 1
    opening: dict[str, Num] = allowed({}, **UNIT)  # stated in its first round; defaults to the ideal
    rho: Num = allowed(1.0, 1.0, 100.0)  # utility exponent
    capability: Num = allowed(1.0, 0.0, BIG)
    resupply: Num = allowed(0.0, 0.0, 1e3)  # capability gained per day of fighting
    pause_resupply: Num = allowed(1.0, 0.0, 1e3)  # multiplier on resupply while a ceasefire holds
    attrition: Num = allowed(0.0, **UNIT)  # share of capability lost per day of full fighting
    cost: Num = allowed(0.0, **UNIT)  # kappa: war cost per day of full fighting, in utility units
    horizon: Num = allowed(60.0, 0.0, 1e4)  # H: days of war the party prices into its war value
    optimism: Num = allowed(0.0, -1.0, 1.0)  # initial belief = true balance (its side) + optimism
    tactic: TacticConfig = field(default_factory=TacticConfig)
    asks_for: Optional[Format] = None  # a format the party requests at every round
    format_conditions: dict[Format, Num] = allowed({}, **UNIT)  # attends only if the widest gap <= this
    red_lines: dict[str, Num] = allowed({}, **UNIT)  # issue -> a term; it accepts nothing farther from its ideal
    red_lines_public: bool = True  # the mediator knows its red lines and proposes within them
    audience_cost: Num = allowed(0.0, 0.0, 100.0)  # gamma: cost of conceding past its opening [Fearon1994]
    private_spread: Num = allowed(0.0, **UNIT)  # sd of the others' prior over its optimism (private information)
    influence: Num = allowed(0.0, **UNIT)  # a patron's weight w in its side's table parties' positions and answers
    spoil: Num = allowed(0.0, **UNIT)  # an ally's daily hazard of breaking an item in force that it rejects
    suspend: SuspendConfig = field(default_factory=SuspendConfig)
    role: Role = Role.table  # table | ally | patron


@dataclass
class RoundConfig:
    day: int = 0
    format: Format = Format.delegation


@dataclass
class PolicyConfig:
    interval: int = 7  # days between further rounds; 0 = no further rounds
    format: Format = Format.delegation  # format of the first further round
    escalate_after: Num = allowed(2, 0, 1e4, integer=True)  # rounds without a new agreement before moving up
    give_up_after: Num = allowed(0, 0, 1e4, integer=True)  # ... before talks end (0 = never)


@dataclass
class EventConfig:
    """Parameter changes from a day on (sim/worlds/events.py); paths are per-world config keys."""

    day: Num = allowed(0, 0, 1e5, integer=True)  # fires at the start of this day, before its round
    enabled: bool = True
    set: dict[str, Any] = field(default_factory=dict)  # path -> new value
    scale: dict[str, Any] = field(default_factory=dict)  # path -> factor on the value then in force
    add: dict[str, Any] = field(default_factory=dict)  # path -> amount added to it


@dataclass
class Switch:
    enabled: bool = False


@dataclass
class PowerShiftConfig:
    enabled: bool = False  # war values from the balance projected over the horizon [Fearon1995; Powell2006]
    renege: bool = True  # a deal is worth less when the other side will want to break it as power shifts


@dataclass
class PrivateInformationConfig:
    enabled: bool = False  # optimism is private; others hold beliefs over types [Fearon1995; Slantchev2003]
    types: int = 7  # the grid of types the others' beliefs range over


@dataclass
class MechanismsConfig:
    """Why rational parties keep fighting (sim/mechanisms/commitment.py, information.py, red_lines.py, audience.py, tactic.py); all off = the base model."""

    power_shift: PowerShiftConfig = field(default_factory=PowerShiftConfig)
    private_information: PrivateInformationConfig = field(default_factory=PrivateInformationConfig)
    red_lines: Switch = field(default_factory=Switch)  # red lines and indivisible issues [Toft2003; Hassner2003]
    audience_costs: Switch = field(default_factory=Switch)  # [Fearon1994; Goemans2000]
    war_driven_aspirations: Switch = field(default_factory=Switch)  # [Faratin1998; Wagner2000]


@dataclass
class TerritoryConfig:
    """The area the sides fight over (sim/rules/territory.py), in any unit (km2 for the 2022 scenario)."""

    total: Num = allowed(1.0, 0.0, 1e9, low_open=True)  # the whole area
    A: Num = allowed(0.5, 0.0, 1e9)  # side A's area on day 0; side B holds the rest
    war_value: dict[str, Num] = allowed({}, 0.0, 100.0)  # party -> utility of its side holding the whole area; 0 = off
    hold: dict[str, Num] = allowed({}, 0.0, 1.0, high_open=True)  # side -> |2P - 1| the other needs to take its day-0 holdings


@dataclass
class SeriesConfig:
    """An observed series (sim/analysis/observed.py): a CSV file's column, or inline values by date."""

    file: str = ""  # a CSV with a `date` column; relative: to the current directory, then the config folder
    column: str = ""  # the file's column that holds the values
    values: dict[str, float] = field(default_factory=dict)  # inline: "YYYY-MM-DD" -> value
    source: str = ""  # its bibliography key


@dataclass
class ScenarioConfig:
    name: str = "scenario"
    start_date: str = "2022-02-24"
    days: int = 84
    issues: dict[str, IssueConfig] = field(default_factory=dict)
    parties: dict[str, PartyConfig] = field(default_factory=dict)
    talks: Talks = Talks.mediated  # mediated | alternating (no mediator)
    formats: dict[Format, FormatConfig] = field(default_factory=dict)  # what its formats can settle, in place of the mediator's
    calendar: list[RoundConfig] = field(default_factory=list)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    events: dict[str, EventConfig] = field(default_factory=dict)
    mechanisms: MechanismsConfig = field(default_factory=MechanismsConfig)
    territory: TerritoryConfig = field(default_factory=TerritoryConfig)
    observed: dict[str, SeriesConfig] = field(default_factory=dict)  # timeline column -> observed series


@dataclass
class FormatConfig:
    max_salience: Num = allowed(1.0, **UNIT)  # settles an issue only if no concerned party's salience exceeds it
    packages: bool = False  # can it close a package deal


@dataclass
class MediatorConfig:
    rule: str = "split"  # sim/rules/proposal.py RULES
    bias: Num = allowed(0.0, -1.0, 1.0)  # > 0 tilts proposals toward `favours`, < 0 toward its opponent
    favours: str = ""  # a party name; "" = the first party of side A
    formats: dict[Format, FormatConfig] = field(default_factory=dict)
    pressure: dict[str, Num] = allowed({}, **UNIT)  # party -> extra cost per day
    guarantees: dict[str, dict[str, Num]] = allowed({}, **UNIT)  # party -> issue -> utility per unit of the term
    leverage_from_day: Num = allowed(0, 0, 1e5, integer=True)


@dataclass
class FrontConfig:
    """How fighting moves the area each side holds (sim/rules/territory.py)."""

    speed: Num = allowed(0.4, 0.0, 100.0)  # v: share of the total area taken per day of full war at 2P - 1 = 1, depth 0
    reach: Num = allowed(0.007, 0.0, 1e3, low_open=True)  # r: depth (share of the total) at which the pace halves
    stalemate: Num = allowed(0.0, 0.0, 1.0, high_open=True)  # s: |2P - 1| below which a counter-offensive cannot advance
    exposure: Num = allowed(0.0, 0.0, 100.0)  # attacker's attrition x (1 + exposure x depth / (r T))


@dataclass
class WarConfig:
    decisiveness: Num = allowed(1.0, 0.0, 100.0)  # g in the contest success function
    noise: Num = allowed(0.3, 0.0, 10.0)  # relative sd of daily attrition
    learning_rate: Num = allowed(0.1, **UNIT)  # lambda in p <- p + lambda (signal - p)
    motivated: Num = allowed(0.0, **UNIT)  # m: bad news is learned at lambda (1 - m o), o the party's optimism; 0 = off
    pause_horizon: Num = allowed(30.0, 0.0, 1e4)  # days of pause a party prices in when valuing a ceasefire
    min_capability: Num = allowed(1e-3, 0.0, BIG, low_open=True)
    territory: FrontConfig = field(default_factory=FrontConfig)


@dataclass
class RecordConfig:
    rounds: bool = True
    timeline: bool = True


@dataclass
class DesignConfig:
    """Parameter points simulated as worlds of one lockstep ensemble (sim/worlds/design.py)."""

    sampler: Sampler = Sampler.grid
    points: int = 64  # number of points, for samplers other than grid
    replications: Optional[int] = None  # worlds per point; None = the top-level `replications`
    axes: dict[str, Any] = field(default_factory=dict)  # config path -> list of values or a distribution
    chunk: str = ""  # "i/n": run only the i-th of n disjoint parts


@dataclass
class ReportConfig:
    metrics: list[str] = field(default_factory=list)  # columns of worlds.parquet the study's question is about


class Method(Enum):
    sobol = 0
    morris = 1
    prim = 2


@dataclass
class AnalysisConfig:
    """Which parameters drive the outcomes (sim/analysis/sensitivity.py, sim/analysis/prim.py)."""

    method: Optional[Method] = None  # sobol | morris | prim; None = no analysis
    samples: int = 1024  # Sobol: base samples N (N (2D + 2) points); Morris: trajectories
    outcomes: list[str] = field(default_factory=list)  # columns of worlds.parquet


@dataclass
class CompareConfig:
    """Counterfactuals: variants of the config run on the same worlds as the baseline."""

    outcomes: list[str] = field(default_factory=list)  # columns of worlds.parquet
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {config path: value}


class CalibrationMethod(Enum):
    rejection = 0  # keep the draws from the prior nearest the observations [Pritchard1999]
    smc = 1  # then propose from the kept draws, perturbed, and weight by prior / proposal [Beaumont2009]


class Distance(Enum):
    relative = 0  # root mean square of (simulated - observed) / observed
    rmse = 1  # root mean square of simulated - observed, in the series' units


@dataclass
class CalibrateConfig:
    """Approximate Bayesian computation by simulation (sim/analysis/calibrate.py)."""

    parameters: dict[str, Any] = field(default_factory=dict)  # config path -> prior distribution
    series: list[str] = field(default_factory=list)  # names in scenario.observed; empty = all of them
    until: str = ""  # "YYYY-MM-DD": observations after it are not used; "" = all
    distance: Distance = Distance.relative
    method: CalibrationMethod = CalibrationMethod.rejection
    draws: int = 200_000  # simulated worlds (per generation for smc)
    accept: float = 0.005  # share of each generation's draws kept, nearest first
    tolerance: Optional[float] = None  # instead of `accept`: keep draws within this distance (rejection)
    generations: int = 3  # smc: generations after the one from the prior
    predictive: int = 2_000  # posterior-predictive worlds


@dataclass
class PosteriorConfig:
    """Run from a calibration's posterior (sim/worlds/posterior.py): world r resamples a row by weight."""

    file: str = ""  # a posterior.parquet; relative: to the current directory, then the config folder
    columns: list[str] = field(default_factory=list)  # the parameters it sets; empty = every parameter column


@dataclass
class Config:
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    mediator: MediatorConfig = field(default_factory=MediatorConfig)
    war: WarConfig = field(default_factory=WarConfig)
    design: DesignConfig = field(default_factory=DesignConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    compare: CompareConfig = field(default_factory=CompareConfig)
    calibrate: CalibrateConfig = field(default_factory=CalibrateConfig)
    posterior: PosteriorConfig = field(default_factory=PosteriorConfig)
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


def field_range(cls, name: str) -> Range:
    """The Range a dataclass field allows (its `allowed(...)` metadata)."""
    return next(f.metadata["range"] for f in fields(cls) if f.name == name)

