"""The worlds' parameters: every value a world holds, as an array with the world axis first.

`Worlds` holds one dataclass per part of the config (issues, each party, the mediator, the
war, the policy, the mechanisms' switches, the map), (W,) or (W, K) arrays that the agents
read live, so that events can change them (`sim/worlds/events.py`). `sim/worlds/keys.py`
says which config path lives where; `sim/worlds/resolve.py` fills them from a config.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from sim.rules.tactic import TacticParams
from sim.schema.config import Config, Format

NO_FORMAT = -1  # a party that asks for no format
LEVELS = len(Format)


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
    influence: np.ndarray  # (W,) a patron's pull on its side's table parties
    spoil: np.ndarray  # (W,) an ally's daily hazard of breaking what it rejects
    suspend_days: np.ndarray  # (W,) int: how long it suspends the talks; 0 = never
    suspend_gap: np.ndarray  # (W,) the shortfall of the terms below its war value at which it does


@dataclass
class IssueParams:
    stops_fighting: np.ndarray  # (W, K) bool
    cost_relief: np.ndarray  # (W, K)
    breakdown: np.ndarray  # (W, K)
    package: np.ndarray  # (W, K) bool
    indivisible: np.ndarray  # (W, K) bool
    returns_area: np.ndarray  # (W, K) bool: agreed terms give back area (sim/rules/territory.py)
    side_deal: np.ndarray  # (W, K) bool: agreed apart; the war ends without it


@dataclass
class MediatorParams:
    rule: np.ndarray  # (W,) index into sim.rules.proposal.RULES
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
    motivated: np.ndarray
    pause_horizon: np.ndarray
    min_capability: np.ndarray
    speed: np.ndarray  # war.territory: how fast the front moves (sim/rules/territory.py)
    reach: np.ndarray
    stalemate: np.ndarray
    exposure: np.ndarray


@dataclass
class TerritoryParams:
    total: np.ndarray  # (W,) the whole area
    start: np.ndarray  # (W,) side A's area on day 0
    war_value: np.ndarray  # (W, n) utility of its side holding the whole area, per party
    hold: np.ndarray  # (W, 2) the advantage side A's, side B's day-0 holdings need to be taken


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


def empty(cfg: Config, W: int) -> Worlds:
    sc = cfg.scenario
    K, n, C = len(sc.issues), len(sc.parties), len(sc.calendar)

    def col(dtype=float, *shape):
        return np.zeros((W, *shape), dtype=dtype)

    def party() -> PartyParams:
        return PartyParams(
            ideal=col(float, K), salience=col(float, K), opening=col(float, K), rho=col(), capability=col(),
            resupply=col(), pause_resupply=col(), attrition=col(), cost=col(), horizon=col(), optimism=col(),
            tactic=TacticParams(col(int), col(), col(int), col(), col(), col(), col(), col()),
            asks_for=col(int), format_conditions=col(float, LEVELS), red_lines=col(float, K),
            red_lines_public=col(bool), audience_cost=col(), private_spread=col(),
            influence=col(), spoil=col(), suspend_days=col(int), suspend_gap=col(),
        )

    return Worlds(
        point=col(int), replication=col(int),
        issues=IssueParams(col(bool, K), col(float, K), col(float, K), col(bool, K), col(bool, K), col(bool, K), col(bool, K)),
        parties=[party() for _ in range(n)],
        mediator=MediatorParams(col(int), col(), col(float, LEVELS), col(bool, LEVELS), col(float, n), col(float, n, K), col(int)),
        war=WarParams(*(col() for _ in fields(WarParams))),
        policy=PolicyParams(col(int, C), col(int), col(int), col(int)),
        mechanisms=MechanismParams(*(col(bool) for _ in range(6))),
        territory=TerritoryParams(col(), col(), col(float, n), col(float, 2)),
        private_type=col(float, n),
    )
