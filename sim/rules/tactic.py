"""Concession tactics: how a party's aspiration falls from 1 toward its war value.

Each tactic is a small class with metadata (`name`, `reference`: a key of
docs/bibliography.md, `parameters`: the `tactic.*` keys it reads) and one method,
`aspiration(state, params)`, a pure function of (W,) arrays. A party's tactic may differ
between worlds (`tactic.name` per world); `aspiration` then runs each tactic in use and
picks, world by world. The formulas are also exposed as functions so that tests can hold
them to the published closed forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np


@dataclass
class TacticParams:
    code: np.ndarray  # (W,) index into sim.rules.tactic.TACTICS
    beta: np.ndarray
    deadline: np.ndarray
    k: np.ndarray
    first_step: np.ndarray
    discount: np.ndarray
    eta: np.ndarray
    budget: np.ndarray


@dataclass
class TacticState:
    """What a tactic may look at in a round; all (W,) arrays."""

    round_index: np.ndarray  # rounds this party attended before this one (0 at its first)
    war_value: np.ndarray  # reservation value V_i(t)
    last: np.ndarray  # own aspiration at the previous round (1 before any)
    opponent_last: np.ndarray  # opponent's aspiration at its previous round
    opponent_before: np.ndarray  # ... and at the round before that
    opponent_war_value: np.ndarray
    first_mover: np.ndarray  # (W,) bool: this party's side proposes first (side A)
    opponent_discount: np.ndarray  # the opponent's `tactic.discount` (complete information)
    hurt: np.ndarray | float = 0.0  # the war's hurt so far: its daily costs, each weighed by its pessimism that day


def faratin_alpha(r, deadline, beta, k=0.0):
    """alpha(r) = k + (1 - k) * (min(r, R) / R) ** (1 / beta) [Faratin1998]."""
    return k + (1.0 - k) * (np.minimum(r, deadline) / deadline) ** (1.0 / beta)


def aspiration_from_alpha(alpha, war_value):
    """A = V + (1 - V) * (1 - alpha): from 1 at alpha = 0 down to V at alpha = 1."""
    return war_value + (1.0 - war_value) * (1.0 - alpha)


def rubinstein_share(d_first, d_second):
    """The first proposer's equilibrium share (1 - d2) / (1 - d1 d2) [Rubinstein1982]."""
    return (1.0 - d_second) / (1.0 - d_first * d_second)


class Tactic:
    name: ClassVar[str]
    reference: ClassVar[str]  # a key of docs/bibliography.md
    parameters: ClassVar[tuple[str, ...]]  # the tactic.* keys it reads

    @staticmethod
    def aspiration(s: TacticState, p: TacticParams) -> np.ndarray:
        raise NotImplementedError


class Faratin(Tactic):
    """Time-dependent: concedes along alpha(r) and reaches the war value in round deadline + 1
    (round index r = deadline; the first round has index 0)."""

    name = "faratin"
    reference = "Faratin1998"
    parameters = ("beta", "deadline", "k")

    @staticmethod
    def aspiration(s: TacticState, p: TacticParams) -> np.ndarray:
        return aspiration_from_alpha(faratin_alpha(s.round_index, p.deadline, p.beta, p.k), s.war_value)


class Reciprocal(Tactic):
    """Tit-for-tat in utility: concede what the opponent conceded last round."""

    name = "reciprocal"
    reference = "Faratin1998"
    parameters = ("first_step",)

    @staticmethod
    def aspiration(s: TacticState, p: TacticParams) -> np.ndarray:
        their_step = np.maximum(s.opponent_before - s.opponent_last, 0.0)
        step = np.where(s.round_index == 0, p.first_step, their_step)
        return np.maximum(s.last - step, s.war_value)


class Rubinstein(Tactic):
    """Stationary equilibrium demand: V plus its share of the surplus over both war values.

    Side A proposes first. Complete information: it knows the opponent's war value and
    discount factor (whatever tactic the opponent plays)."""

    name = "rubinstein"
    reference = "Rubinstein1982"
    parameters = ("discount",)

    @staticmethod
    def share(mine, theirs, first_mover):
        return np.where(first_mover, rubinstein_share(mine, theirs), 1.0 - rubinstein_share(theirs, mine))

    @staticmethod
    def aspiration(s: TacticState, p: TacticParams) -> np.ndarray:
        surplus = np.maximum(1.0 - s.war_value - s.opponent_war_value, 0.0)
        return s.war_value + Rubinstein.share(p.discount, s.opponent_discount, s.first_mover) * surplus


def hurt_today(cost_today, belief):
    """One day's hurt: the day's war cost weighed by 2 (1 - p), p the party's belief that its
    side prevails. At p = 1/2, a stalemate as it sees it, a day hurts by its cost; a party sure
    to win feels none of it, one sure to lose twice [Zartman2000: the mutually hurting
    stalemate; the weight's form is our judgement]."""
    return cost_today * 2.0 * (1.0 - np.asarray(belief))


class Ripeness(Tactic):
    """Driven by the war, not the calendar: the Faratin curve with the round index replaced by
    the war's hurt and the deadline by the hurt the party can bear (`budget`):
    alpha = k + (1 - k) (min(H, B) / B) ** (1 / beta), A = V + (1 - V) (1 - alpha).
    A party concedes as the war hurts it, faster the less it expects to win; it reaches its
    war value on the day its hurt reaches its budget: an endogenous deadline, computed from
    the war in each world [Zartman2000; Faratin1998, resource-dependent tactics]. More rounds
    give more chances to agree, never by themselves more concession; while a ceasefire
    holds nothing hurts and it stops conceding."""

    name = "ripeness"
    reference = "Zartman2000"
    parameters = ("beta", "k", "budget")

    @staticmethod
    def aspiration(s: TacticState, p: TacticParams) -> np.ndarray:
        hurt = np.broadcast_to(s.hurt, np.shape(s.war_value))
        return aspiration_from_alpha(faratin_alpha(hurt, p.budget, p.beta, p.k), s.war_value)


TACTICS: dict[str, type[Tactic]] = {t.name: t for t in (Faratin, Reciprocal, Rubinstein, Ripeness)}
_BY_CODE = list(TACTICS.values())


def aspiration(s: TacticState, p: TacticParams) -> np.ndarray:
    """Each world's aspiration by the tactic it plays there."""
    code = np.ravel(p.code)
    if code.size and (code == code[0]).all():  # one tactic everywhere (cheaper to check than np.unique)
        return np.broadcast_to(_BY_CODE[code[0]].aspiration(s, p), s.war_value.shape)
    codes = np.unique(code)
    return np.select([p.code == c for c in codes], [_BY_CODE[c].aspiration(s, p) for c in codes])


def war_driven(aspiration, change, eta):
    """Aspirations that follow the war [Faratin1998, resource-dependent tactics; Wagner2000]:
    A + eta (V(r) - V(r - 1)), `change` being V(r) - V(r - 1), so a party whose war value rises
    hardens and one whose value falls softens; at its first round (no change known, NaN)
    nothing moves."""
    return aspiration + eta * np.nan_to_num(change)
