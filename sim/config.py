"""The config schema (Hydra structured configs) and the checks OmegaConf cannot make.

The dataclasses mirror `conf/`: `Config.scenario` is `conf/scenario/*.yaml`,
`Config.mediator` is `conf/mediator/*.yaml`, `Config.war` is `conf/war/*.yaml`, and
`Config.design` is the `design:` block of a study. OmegaConf checks types and names
(enums) when the config is composed; `validate` checks values and raises `ConfigError`
with one line naming the key and what is allowed.

A numeric value a world can hold (`Num`) is a number or a distribution such as
`{dist: uniform, low: 0.1, high: 0.5}` (`sim/distributions.py`); its allowed range is
the field's `allowed(...)` metadata, which validation, the distributions' supports and
the property tests all read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from enum import Enum
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

Num = Any  # a number, or a distribution {dist: ..., ...} drawn per world


class Side(Enum):
    A = 0
    B = 1


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
    returns_area: bool = False  # agreed terms a give back the share a of the area taken since day 0 (sim/territory.py)


@dataclass
class TacticConfig:
    name: str = "faratin"  # sim/tactic.py TACTICS
    beta: Num = allowed(1.0, 0.0, 1e3, low_open=True)  # faratin: <1 Boulware, 1 linear, >1 Conceder
    deadline: Num = allowed(10, 1, 1e4, integer=True)  # faratin: the war value is reached in round deadline + 1
    k: Num = allowed(0.0, **UNIT)  # faratin: share of the concession made in the first round
    first_step: Num = allowed(0.05, **UNIT)  # reciprocal: opening concession in utility units
    discount: Num = allowed(0.9, 0.0, 1.0, high_open=True)  # rubinstein: per-round discount factor
    eta: Num = allowed(0.0, 0.0, 10.0)  # war-driven aspirations: how much a change of war value moves the aspiration


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
    """Parameter changes from a day on (sim/events.py); paths are per-world config keys."""

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
    """Why rational parties keep fighting (sim/commitment.py, information.py, red_lines.py, audience.py, tactic.py); all off = the base model."""

    power_shift: PowerShiftConfig = field(default_factory=PowerShiftConfig)
    private_information: PrivateInformationConfig = field(default_factory=PrivateInformationConfig)
    red_lines: Switch = field(default_factory=Switch)  # red lines and indivisible issues [Toft2003; Hassner2003]
    audience_costs: Switch = field(default_factory=Switch)  # [Fearon1994; Goemans2000]
    war_driven_aspirations: Switch = field(default_factory=Switch)  # [Faratin1998; Wagner2000]


@dataclass
class TerritoryConfig:
    """The area the sides fight over (sim/territory.py), in any unit (km2 for the 2022 scenario)."""

    total: Num = allowed(1.0, 0.0, 1e9, low_open=True)  # the whole area
    A: Num = allowed(0.5, 0.0, 1e9)  # side A's area on day 0; side B holds the rest
    war_value: dict[str, Num] = allowed({}, 0.0, 100.0)  # party -> utility of its side holding the whole area; 0 = off


@dataclass
class SeriesConfig:
    """An observed series (sim/observed.py): a CSV file's column, or inline values by date."""

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
    rule: str = "split"  # sim/proposal.py RULES
    bias: Num = allowed(0.0, -1.0, 1.0)  # > 0 tilts proposals toward `favours`, < 0 toward its opponent
    favours: str = ""  # a party name; "" = the first party of side A
    formats: dict[Format, FormatConfig] = field(default_factory=dict)
    pressure: dict[str, Num] = allowed({}, **UNIT)  # party -> extra cost per day
    guarantees: dict[str, dict[str, Num]] = allowed({}, **UNIT)  # party -> issue -> utility per unit of the term
    leverage_from_day: Num = allowed(0, 0, 1e5, integer=True)


@dataclass
class FrontConfig:
    """How fighting moves the area each side holds (sim/territory.py)."""

    speed: Num = allowed(0.4, 0.0, 100.0)  # v: share of the total area taken per day of full war at 2P - 1 = 1, depth 0
    reach: Num = allowed(0.007, 0.0, 1e3, low_open=True)  # r: depth (share of the total) at which the pace halves


@dataclass
class WarConfig:
    decisiveness: Num = allowed(1.0, 0.0, 100.0)  # g in the contest success function
    noise: Num = allowed(0.3, 0.0, 10.0)  # relative sd of daily attrition
    learning_rate: Num = allowed(0.1, **UNIT)  # lambda in p <- p + lambda (signal - p)
    pause_horizon: Num = allowed(30.0, 0.0, 1e4)  # days of pause a party prices in when valuing a ceasefire
    min_capability: Num = allowed(1e-3, 0.0, BIG, low_open=True)
    territory: FrontConfig = field(default_factory=FrontConfig)


@dataclass
class RecordConfig:
    rounds: bool = True
    timeline: bool = True


@dataclass
class DesignConfig:
    """Parameter points simulated as worlds of one lockstep ensemble (sim/design.py)."""

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
    """Which parameters drive the outcomes (sim/sensitivity.py, sim/prim.py)."""

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
    """Approximate Bayesian computation by simulation (sim/calibrate.py)."""

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
    """Run from a calibration's posterior (sim/posterior.py): world r resamples a row by weight."""

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


# ----------------------------------------------------------------------------- checks


def fail(key: str, value: Any, allowed_: str) -> None:
    raise ConfigError(f"{key}={_show(value)} is not allowed; {allowed_}")


def _show(value: Any) -> str:
    text = repr(value.name if isinstance(value, Enum) else value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_number(key: str, value: Any, rng: Range) -> None:
    """A plain number in range, or a distribution whose support fits the range."""
    from sim.distributions import check

    if isinstance(value, dict):
        check(key, value, rng)
    elif isinstance(value, bool) or not isinstance(value, (int, float)) or value not in rng:
        fail(key, value, f"allowed: {rng.describe()}, or a distribution {{dist: ...}}")


def numeric_leaves(node: Any, prefix: str):
    """(path, value, Range) for every numeric value of a config dataclass, recursively."""
    for f in fields(node):
        value, path = getattr(node, f.name), f"{prefix}.{f.name}"
        rng = f.metadata.get("range")
        if rng is not None and str(f.type).startswith("dict"):
            for k, v in value.items():
                k = k.name if isinstance(k, Enum) else k
                if isinstance(v, dict) and "dist" not in v:  # guarantees: party -> issue -> value
                    yield from ((f"{path}.{k}.{i}", x, rng) for i, x in v.items())
                else:
                    yield f"{path}.{k}", v, rng
        elif rng is not None:
            yield path, value, rng
        elif is_dataclass(value):
            yield from numeric_leaves(value, path)
        elif isinstance(value, dict):
            for k, v in value.items():
                if is_dataclass(v):
                    yield from numeric_leaves(v, f"{path}.{k.name if isinstance(k, Enum) else k}")


def _choice(key: str, value: str, allowed_: list[str], what: str = "") -> None:
    """`what` names the kind of a mapping key (issue, party) when the key is the value."""
    if value in allowed_:
        return
    if what:
        raise ConfigError(f"{key}: {value!r} is not a known {what}; allowed: {', '.join(allowed_)}")
    fail(key, value, "allowed: " + ", ".join(allowed_))


def validate(cfg: Config) -> Config:
    """Raise ConfigError on the first value the model cannot run with."""
    from sim.proposal import RULES
    from sim.tactic import TACTICS

    if not 0 <= cfg.seed < 2**63:
        fail("seed", cfg.seed, "allowed: an integer in [0, 2^63)")
    if not 1 <= cfg.replications <= 10**9:
        fail("replications", cfg.replications, "allowed: an integer in [1, 1e9]")
    sc = cfg.scenario
    try:
        date.fromisoformat(sc.start_date)
    except ValueError:
        fail("scenario.start_date", sc.start_date, "allowed: a date as YYYY-MM-DD")
    if not 1 <= sc.days <= 100_000:
        fail("scenario.days", sc.days, "allowed: an integer in [1, 100000]")
    if not sc.issues:
        fail("scenario.issues", {}, "allowed: at least one issue")
    issues, parties = list(sc.issues), list(sc.parties)
    for name, issue in sc.issues.items():
        if len(issue.poles) != 2:
            fail(f"scenario.issues.{name}.poles", issue.poles, "allowed: two names, for 0 and for 1")

    if len(parties) < 2:
        fail("scenario.parties", parties, "allowed: at least two parties")
    for name, party in sc.parties.items():
        key = f"scenario.parties.{name}"
        for vec in ("ideal", "salience", "opening", "red_lines"):
            for issue in getattr(party, vec):
                _choice(f"{key}.{vec}.{issue}", issue, issues, "issue")
        missing = [i for i in issues if i not in party.ideal]
        if missing:
            fail(f"{key}.ideal", dict(party.ideal), f"every issue needs a value; missing: {', '.join(missing)}")
        _choice(f"{key}.tactic.name", party.tactic.name, list(TACTICS))
    for path, value, rng in numeric_leaves(sc, "scenario"):
        check_number(path, value, rng)
    for name, party in sc.parties.items():
        fixed = [v for v in party.salience.values() if not isinstance(v, dict)]
        if len(fixed) == len(party.salience) and abs(sum(fixed) - 1.0) > 1e-6:
            fail(f"scenario.parties.{name}.salience", dict(party.salience), "allowed: non-negative weights that sum to 1")
    for name, party in sc.parties.items():
        cap = party.capability
        if party.belligerent and not isinstance(cap, dict) and cap <= 0:
            fail(f"scenario.parties.{name}.capability", cap, "allowed: a number > 0 for a belligerent")
    for issue in issues:
        if not any(_maybe_positive(p.salience.get(issue, 0.0)) for p in sc.parties.values()):
            fail(f"scenario.issues.{issue}", issue, "allowed: an issue some party gives salience > 0")
    sides = {p.side for p in sc.parties.values() if p.belligerent}
    if sides != set(Side):
        fail("scenario.parties.*.side", sorted(s.name for s in sides), "allowed: belligerent parties on both sides A and B")

    for i, rnd in enumerate(sc.calendar):
        if not 0 <= rnd.day < sc.days:
            fail(f"scenario.calendar.{i}.day", rnd.day, f"allowed: a day in [0, {sc.days - 1}] (scenario.days={sc.days})")
    days = [r.day for r in sc.calendar]
    if days != sorted(set(days)):
        fail("scenario.calendar", days, "allowed: rounds on distinct days in increasing order")
    if not 1 <= sc.mechanisms.private_information.types <= 101:
        fail("scenario.mechanisms.private_information.types", sc.mechanisms.private_information.types,
             "allowed: an integer in [1, 101]")
    if not 0 <= sc.policy.interval <= 10_000:
        fail("scenario.policy.interval", sc.policy.interval, "allowed: an integer in [0, 10000]")

    med = cfg.mediator
    _choice("mediator.rule", med.rule, list(RULES))
    if med.favours:
        _choice("mediator.favours", med.favours, parties)
    missing = [f for f in Format if f not in med.formats]
    if missing:
        fail("mediator.formats", [f.name for f in med.formats], f"allowed: all of {', '.join(FORMATS)}")
    for party, value in med.pressure.items():
        _choice(f"mediator.pressure.{party}", party, parties, "party")
    for party, by_issue in med.guarantees.items():
        _choice(f"mediator.guarantees.{party}", party, parties, "party")
        if not isinstance(by_issue, dict):
            fail(f"mediator.guarantees.{party}", by_issue, "allowed: a mapping issue -> number")
        for issue in by_issue:
            _choice(f"mediator.guarantees.{party}.{issue}", issue, issues, "issue")
    for path, value, rng in numeric_leaves(med, "mediator"):
        check_number(path, value, rng)
    for path, value, rng in numeric_leaves(cfg.war, "war"):
        check_number(path, value, rng)

    from sim.design import check_design
    from sim.events import check_events
    from sim.sensitivity import check_analysis

    check_events(cfg)
    check_design(cfg)
    if cfg.compare.variants or cfg.compare.outcomes:
        from sim.compare import check

        check(cfg)
    _check_territory(cfg)
    from sim.calibrate import check_calibrate
    from sim.observed import check_observed
    from sim.posterior import check_posterior

    check_observed(cfg)
    check_calibrate(cfg)
    check_posterior(cfg)
    check_analysis(cfg)
    return cfg


def _check_territory(cfg: Config) -> None:
    """Side A's area on day 0 cannot exceed the whole; war values name known parties."""
    from sim.distributions import support

    t = cfg.scenario.territory
    a_high = support(t.A, _range(TerritoryConfig, "A"))[1] if isinstance(t.A, dict) else t.A
    total_low = support(t.total, _range(TerritoryConfig, "total"))[0] if isinstance(t.total, dict) else t.total
    if a_high > total_low:
        fail("scenario.territory.A", t.A, f"allowed: at most scenario.territory.total ({_show(t.total)})")
    for party in t.war_value:
        _choice(f"scenario.territory.war_value.{party}", party, list(cfg.scenario.parties), "party")


def _range(cls, name: str) -> Range:
    return next(f.metadata["range"] for f in fields(cls) if f.name == name)


def _maybe_positive(value: Any) -> bool:
    """A fixed salience > 0, or a distribution that can draw one."""
    if isinstance(value, dict):
        from sim.distributions import support

        return support(value)[1] > 0
    return value > 0
