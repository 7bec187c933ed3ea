"""Concession tactics: how a party's aspiration falls from 1 toward its war value.

Each tactic is a small class with metadata (name, reference) and one method,
`aspiration(state)`, a pure function of (R,) arrays. The formulas are also exposed
as functions so that tests can hold them to the published closed forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from sim.config import TacticConfig


@dataclass
class TacticState:
    """What a tactic may look at in a round; all (R,) arrays."""

    round_index: np.ndarray  # rounds this party attended before this one (0 at its first)
    war_value: np.ndarray  # reservation value V_i(t)
    last: np.ndarray  # own aspiration at the previous round (1 before any)
    opponent_last: np.ndarray  # opponent's aspiration at its previous round
    opponent_before: np.ndarray  # ... and at the round before that
    opponent_war_value: np.ndarray


def faratin_alpha(r, deadline, beta, k=0.0):
    """alpha(r) = k + (1 - k) * (min(r, R) / R) ** (1 / beta) (Faratin et al. 1998)."""
    return k + (1.0 - k) * (np.minimum(r, deadline) / deadline) ** (1.0 / beta)


def aspiration_from_alpha(alpha, war_value):
    """A = V + (1 - V) * (1 - alpha): from 1 at alpha = 0 down to V at alpha = 1."""
    return war_value + (1.0 - war_value) * (1.0 - alpha)


def rubinstein_share(d_first, d_second):
    """The first proposer's equilibrium share (1 - d2) / (1 - d1 d2) (Rubinstein 1982)."""
    return (1.0 - d_second) / (1.0 - d_first * d_second)


class Tactic:
    name: ClassVar[str]
    reference: ClassVar[str]
    classifier: ClassVar[dict]

    def __init__(self, cfg: TacticConfig):
        self.cfg = cfg

    def aspiration(self, s: TacticState) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.cfg})"


class Faratin(Tactic):
    """Time-dependent: concedes along alpha(r) to reach the war value at the deadline."""

    name = "faratin"
    reference = "Faratin, Sierra & Jennings (1998), Robotics and Autonomous Systems 24"
    classifier = {"depends_on": "time", "parameters": ("beta", "deadline", "k")}

    def aspiration(self, s: TacticState) -> np.ndarray:
        c = self.cfg
        return aspiration_from_alpha(faratin_alpha(s.round_index, c.deadline, c.beta, c.k), s.war_value)


class Reciprocal(Tactic):
    """Tit-for-tat in utility: concede what the opponent conceded last round."""

    name = "reciprocal"
    reference = "Faratin, Sierra & Jennings (1998), behaviour-dependent tactics"
    classifier = {"depends_on": "opponent", "parameters": ("first_step",)}

    def aspiration(self, s: TacticState) -> np.ndarray:
        opened = s.round_index == 0
        their_step = np.maximum(s.opponent_before - s.opponent_last, 0.0)
        step = np.where(opened, self.cfg.first_step, their_step)
        return np.maximum(s.last - step, s.war_value)


class Rubinstein(Tactic):
    """Stationary equilibrium demand: V plus the first proposer's share of the surplus.

    Side A plays the first proposer. Complete information: it knows the opponent's war
    value and discount factor (the model passes the opponent's `tactic.discount` in as
    `opponent_discount`, whatever tactic the opponent plays).
    """

    name = "rubinstein"
    reference = "Rubinstein (1982), Econometrica 50"
    classifier = {"depends_on": "nothing", "parameters": ("discount",)}

    def __init__(self, cfg: TacticConfig, first_mover: bool = True, opponent_discount: float | None = None):
        super().__init__(cfg)
        self.first_mover = first_mover
        self.opponent_discount = cfg.discount if opponent_discount is None else opponent_discount

    def share(self) -> float:
        mine, theirs = self.cfg.discount, self.opponent_discount
        if self.first_mover:
            return rubinstein_share(mine, theirs)
        return 1.0 - rubinstein_share(theirs, mine)

    def aspiration(self, s: TacticState) -> np.ndarray:
        surplus = np.maximum(1.0 - s.war_value - s.opponent_war_value, 0.0)
        return s.war_value + self.share() * surplus


TACTICS: dict[str, type[Tactic]] = {t.name: t for t in (Faratin, Reciprocal, Rubinstein)}


def alternating_offers(d_first: float, d_second: float, max_rounds: int = 100):
    """Two Rubinstein players split a pie of 1 by alternating offers.

    Returns (share of the first proposer, round in which an offer was accepted). Each
    proposer demands its equilibrium share; the responder accepts when what is left
    is at least the discounted value of proposing next round.
    """
    demand = {0: rubinstein_share(d_first, d_second), 1: rubinstein_share(d_second, d_first)}
    discount = {0: d_first, 1: d_second}
    for rnd in range(max_rounds):
        proposer, responder = rnd % 2, 1 - rnd % 2
        offered = 1.0 - demand[proposer]
        if offered >= discount[responder] * demand[responder] - 1e-12:
            first_share = demand[proposer] if proposer == 0 else offered
            return first_share, rnd + 1
    return None, None
