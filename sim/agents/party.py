"""A party: a Mesa agent that is the same actor in W parallel worlds.

It holds an ideal and saliences, fights (if belligerent), learns about the balance,
concedes by its tactic, states positions and answers the mediator's proposals. Its
parameters are `sim.worlds.params.PartyParams` ((W,) and (W, K) arrays, read live so that
events can change them); its state (capability, belief, costs, aspiration, position)
is arrays of the same shapes. The mechanisms that keep parties fighting
(`scenario.mechanisms`) act here where they change how a party values war, what it
states and what it accepts; each is a mask over worlds, so a world with a mechanism off
computes exactly what the base model does.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import mesa
import numpy as np

from sim.mechanisms import audience, red_lines
from sim.rules import tactic
from sim.rules.utility import (
    across,
    issue_utility,
    point_of_utility,
    power,
    utility,
    war_value,
)
from sim.schema.config import Role
from sim.worlds.params import PartyParams

BOUND = 1e6  # a slack past this is a sure yes or no


@dataclass
class Weighing:
    """A proposal weighed by a party, all but what depends on its type ((W, K) and (W,)
    arrays); `decide` answers for its true type or for every type at once."""

    # every field is per world, (W,) or (W, K): `take` selects worlds from each
    margin: np.ndarray  # (W, K) what each item adds over its stated positions
    stated: np.ndarray  # (W,) what its stated positions are worth to it
    package: np.ndarray  # (W, K) the package's items
    pkg_margin: np.ndarray  # (W,) what the package's items on the table add together
    # the deal's terms, with power shift and renege on (None otherwise):
    share: np.ndarray | None = None  # (W,) the share f of the horizon the deal holds
    p_break: np.ndarray | None = None  # (W,) its side's balance on the day it breaks
    breaks: np.ndarray | None = None  # (W, K) the items whose deal would break: they end or pause the war
    now: np.ndarray | None = None  # (W,) its side's balance today (a belief's error is taken from it)
    u_own: np.ndarray | None = None  # (W,) the utility of its side's terms,
    u_their: np.ndarray | None = None  # of the other side's,
    cost: np.ndarray | None = None  # (W,) its daily cost of war
    horizon: np.ndarray | None = None  # (W,) and its horizon: the war value from the day it breaks
    # the red lines (None without them):
    inside: np.ndarray | None = None  # (W, K) within its red lines
    pkg_inside: np.ndarray | None = None  # (W,) the package's items on the table all within them

    def decide(self, value, aspiration, belief) -> np.ndarray:
        """(..., W, K) the answers of a party of war value `value`, aspiration `aspiration` and
        belief `belief` ((W,), or (M, W) for M types)."""
        need = self._need(*self._needs(value, aspiration, belief))
        single = self.margin >= need
        whole = self.pkg_margin >= across(np.where(self.package, need, -np.inf), np.maximum)
        return self._answers(single, whole)

    def _needs(self, value, aspiration, belief):
        """The margin an item needs: `plain` unless its deal would break, `held` if it would
        (None without deals); (W,) or (M, W) like the value."""
        level = np.maximum(aspiration, value)
        # margin that reaches A and V; the tolerance forgives rounding when terms sit exactly there
        plain = level - self.stated - 1e-12
        if self.share is None:
            return plain, None
        share = self.share
        v_break = war_value(np.clip(self.p_break + (belief - self.now), 0.0, 1.0), self.u_own, self.u_their,
                            self.cost, self.horizon)
        with np.errstate(divide="ignore", invalid="ignore"):
            held = np.where(share > 0, (level - (1.0 - share) * v_break) / share - self.stated - 1e-12, np.inf)
        return plain, held

    def slack(self, value, aspiration, belief) -> tuple[np.ndarray, np.ndarray]:
        """((..., W, K), (..., W)): by how much each item and the package clear what they need
        (>= 0 is a yes, as in `decide`), bounded so that weighted sums stay finite."""
        need = self._need(*self._needs(value, aspiration, belief))
        whole = self.pkg_margin - across(np.where(self.package, need, -np.inf), np.maximum)
        return np.clip(self.margin - need, -BOUND, BOUND), np.clip(whole, -BOUND, BOUND)

    def answers(self, single, whole) -> np.ndarray:
        """(..., W, K) answers from yes/no per item and for the package, within its red lines."""
        return self._answers(single, whole)

    def _need(self, plain, held) -> np.ndarray:
        need = np.broadcast_to(plain[..., None], (*np.shape(plain), self.margin.shape[-1]))
        return need if held is None else np.where(self.breaks, held[..., None], need)

    def _answers(self, single, whole) -> np.ndarray:
        if self.inside is not None:
            single = single & self.inside
            whole = whole & self.pkg_inside
        return np.where(self.package, whole[..., None], single)

    def take(self, worlds: np.ndarray) -> Weighing:
        """The weighing in the given worlds only."""
        return Weighing(**{f.name: None if getattr(self, f.name) is None else getattr(self, f.name)[worlds]
                           for f in fields(self)})

    def types_agree(self, value, aspiration, belief, asked) -> tuple[np.ndarray, np.ndarray]:
        """((W,) bool, (W, K)): the worlds in which every type (values (M, W)) gives the same
        answers on the `asked` items, and those answers. Exact: each item's margin is compared
        with the lowest and the highest need over the types, the same numbers `decide` uses."""
        plain, held = self._needs(value, aspiration, belief)
        low = self._need(plain.min(axis=0), None if held is None else held.min(axis=0))
        high = self._need(plain.max(axis=0), None if held is None else held.max(axis=0))
        single = self.margin >= high
        same = single | (self.margin < low)
        if self.inside is not None:
            same |= ~self.inside  # outside a red line every type says no
        # the package's need is the largest over its items: its bounds over the types follow
        pkg_high = across(np.where(self.package, high, -np.inf), np.maximum)
        pkg_low = across(np.where(self.package, low, -np.inf), np.maximum)  # <= every type's
        whole = self.pkg_margin >= pkg_high
        whole_same = whole | (self.pkg_margin < pkg_low)
        if self.pkg_inside is not None:
            whole_same |= ~self.pkg_inside
        agree = across(same | self.package | ~asked, np.logical_and)
        agree &= whole_same | ~across(asked & self.package, np.logical_or)
        return agree, self._answers(single, whole)


class Party(mesa.Agent):
    """A belligerent, or a party that does not fight. At the table (role `table`) it must accept
    the terms that concern it; an ally fights (if belligerent) but is not asked, and may spoil
    what its side agrees; a patron backs its side by resupply and its pull on the side's
    positions and answers (sim/agents/model.py, `pull`). Side 0 is A, side 1 is B."""

    def __init__(self, model, name: str, index: int, side: int, belligerent: bool, params: PartyParams,
                 role: Role = Role.table):
        super().__init__(model)
        self.name, self.index, self.side, self.belligerent, self.role = name, index, side, belligerent, role
        self.p = params
        W = len(params.rho)
        self.capability = params.capability.copy()
        self.belief = np.full(W, np.nan)  # chance its side prevails; set by the model
        self.optimism = np.zeros(W)  # its own optimism, with which it reads bad news (sim/rules/war.py, learn)
        self.cost = np.zeros(W)  # cumulative war cost, utility units
        self.hurt = np.zeros(W)  # cumulative cost weighed by its pessimism each day (sim/rules/tactic.py, ripeness)
        self.aspiration = np.ones(W)  # what it demands, as its stated positions show
        self.aspiration_before = np.ones(W)
        self.true_aspiration = np.ones(W)  # what it accepts (differs only with private information)
        self.last_value = np.full(W, np.nan)  # its war value at its previous round
        self.rounds_attended = np.zeros(W, dtype=int)
        self.position = params.opening.copy()
        self.beliefs = None  # what the others believe about its type (sim.mechanisms.information), if private

    # -- the outside option -------------------------------------------------------------

    def utility(self, terms: np.ndarray) -> np.ndarray:
        return utility(terms, self.p.ideal, self.p.salience, self.p.rho)

    def own_terms(self) -> np.ndarray:
        """What its side would impose if it prevailed: its side's lead's ideal."""
        return self.model.leads[self.side].p.ideal

    def their_terms(self) -> np.ndarray:
        return self.model.leads[1 - self.side].p.ideal

    def lottery(self) -> tuple[np.ndarray, np.ndarray]:
        """(U(own terms), U(their terms)): the prizes of the war lottery, once a day."""
        return self.model.daily(("lottery", self.index),
                                lambda: (self.utility(self.own_terms()), self.utility(self.their_terms())))

    def cost_rate(self) -> np.ndarray:
        """kappa: its daily war cost plus the mediator's pressure on it."""
        return self.p.cost + self.model.worlds.mediator.pressure[:, self.index]

    def war_value(self, belief=None) -> np.ndarray:
        """V_i(t) = p U_i(own terms) + (1 - p) U_i(their terms) - kappa_i H_i [Fearon1995], with p
        its belief (or a type's), or with power shift on the mean balance it expects over H."""
        p = self.belief if belief is None else belief
        m = self.model
        shifting = m.worlds.mechanisms.power_shift
        if shifting.any():
            now = m.balance_for(self.side)
            expected = m.expected_balance(self.side, self.p.horizon)
            p = np.where(shifting, np.clip(expected + (p - now), 0.0, 1.0), p)
        value = war_value(p, *self.lottery(), self.cost_rate(), self.p.horizon)
        return value + m.area_value(self, p)  # 0 unless scenario.territory.war_value counts the area

    def stake(self) -> np.ndarray:
        """What the war lottery swings between: U(own terms) - U(their terms)."""
        own, their = self.lottery()
        return own - their

    def audience_cost(self, terms: np.ndarray) -> np.ndarray:
        """(W,) what conceding to `terms` past its opening costs it at home [Fearon1994; Goemans2000]."""
        m, p = self.model, self.p
        gamma = np.where(m.worlds.mechanisms.audience_costs, p.audience_cost, 0.0)
        return audience.penalty(terms, p.opening, p.ideal, self.their_terms(), p.salience, gamma, m.loss_share(self.side))

    def _conceding_costs(self) -> bool:
        return bool((self.model.worlds.mechanisms.audience_costs & (self.p.audience_cost > 0)).any())

    # -- a round --------------------------------------------------------------------------

    def next_aspiration(self, value, opponent: Party, opponent_value, change=None) -> np.ndarray:
        """Its aspiration this round by its tactic, from the war value `value`. With war-driven
        aspirations it moves by eta times `change`, how its fortunes moved since its last
        round (by default `value` less its war value then)."""
        state = tactic.TacticState(
            round_index=self.rounds_attended,
            war_value=value,
            last=self.aspiration,
            opponent_last=opponent.aspiration,
            opponent_before=opponent.aspiration_before,
            opponent_war_value=opponent_value,
            first_mover=np.full(value.shape, self.side == 0),
            opponent_discount=opponent.p.tactic.discount,
            hurt=self.hurt,
        )
        wanted = tactic.aspiration(state, self.p.tactic)
        driven = self.model.worlds.mechanisms.war_driven_aspirations
        if driven.any():
            change = value - self.last_value if change is None else change
            moved = tactic.war_driven(wanted, change, self.p.tactic.eta)
            wanted = np.where(driven, moved, wanted)
        return np.clip(wanted, value, np.maximum(value, 1.0))

    def attend(self, held, aspiration, true_aspiration, value) -> None:
        self.aspiration_before = np.where(held, self.aspiration, self.aspiration_before)
        self.aspiration = np.where(held, aspiration, self.aspiration)
        self.true_aspiration = np.where(held, true_aspiration, self.true_aspiration)
        self.last_value = np.where(held, value, self.last_value)
        self.rounds_attended = self.rounds_attended + held

    def wanted_position(self, target, open_, terms, first) -> np.ndarray:
        """Its opening in its first round; later, on the line from its ideal toward the target
        (the last proposal), where its utility (less what conceding costs it at home) equals
        its aspiration, past the target if the aspiration is lower; never past a red line."""
        p = self.p
        base = np.where(open_, p.ideal, terms)
        settled_loss = across(p.salience * power(np.abs(base - p.ideal), p.rho[:, None]))
        target = np.where(first[:, None], p.opening, target)  # no proposal yet: the line is moot
        moved = point_of_utility(base, target, p.salience, p.rho, self.aspiration, open_, settled_loss, beyond=True)
        if self._conceding_costs():
            moved = self._pay_at_home(base, moved, open_)
        lines = self.model.worlds.mechanisms.red_lines
        if lines.any():
            moved = np.where(lines[:, None], red_lines.keep_within(moved, p.ideal, p.red_lines), moved)
        return np.where(first[:, None] & open_, p.opening, moved)

    def _pay_at_home(self, base, moved, open_, steps: int = 40) -> np.ndarray:
        """Back along the line from `base` to `moved` until utility less the audience cost reaches
        the aspiration. Utility less the cost only falls along the line: with linear utility
        and an opening at the ideal the point has a closed form; elsewhere, bisection."""
        p, step = self.p, moved - base
        short_at = lambda t: self.utility(base + t[:, None] * step) - self.audience_cost(base + t[:, None] * step)  # noqa: E731
        ones = np.ones(len(base))
        short = short_at(ones) < self.aspiration - 1e-12
        if not short.any():
            return moved
        # closed form: U - cost = U(base) - cost(base) - t (sum w |step| + g sum w max(0, step . dir))
        gamma = np.where(self.model.worlds.mechanisms.audience_costs, p.audience_cost, 0.0) * (1.0 + self.model.loss_share(self.side))
        toward = np.maximum(step * np.sign(self.their_terms() - p.ideal), 0.0)
        slope = across(p.salience * np.abs(step)) + gamma * across(p.salience * toward)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.clip((short_at(np.zeros(len(base))) - self.aspiration) / slope, 0.0, 1.0)
        closed = (p.rho == 1.0) & across(np.where(open_, p.opening == p.ideal, True), np.logical_and)
        hard = np.flatnonzero(short & ~closed)
        if len(hard):
            lo, hi = np.zeros(len(base)), ones.copy()
            for _ in range(steps):
                mid = (lo + hi) / 2.0
                too_far = short_at(mid) < self.aspiration - 1e-12
                hi, lo = np.where(too_far, mid, hi), np.where(too_far, lo, mid)
            t[hard] = lo[hard]
        t = np.where(short, t, 1.0)
        return np.where(open_, base + t[:, None] * step, moved)

    def state_position(self, held, wanted, target, opponent_wants, first) -> None:
        """State `wanted`, but (after its first round) on no issue past the target and what
        the opponent asks."""
        toward_up = target >= self.p.ideal
        capped = np.where(
            toward_up,
            np.minimum(wanted, np.maximum(target, opponent_wants)),
            np.maximum(wanted, np.minimum(target, opponent_wants)),
        )
        stated = np.where(first[:, None], wanted, capped)
        self.position = np.where(held[:, None], stated, self.position)

    def reservation_point(self, value: np.ndarray) -> np.ndarray:
        """Where on the line toward the opponent's terms its utility falls to its war value."""
        p = self.p
        return point_of_utility(p.ideal, self.their_terms(), p.salience, p.rho, value)

    def agreement_value(self, terms: np.ndarray, shift_against: np.ndarray) -> np.ndarray:
        """(W, K) what agreeing on each item is worth beyond its terms.

        Cost relief saves its share of the war cost over the horizon; a ceasefire of
        extent a saves a of it, minus a times the expected loss from the power shift
        against this party during the pause (the commitment problem [Fearon1995;
        Powell2006]); a mediator's guarantee adds its bonus per unit of the term.
        """
        issues = self.model.worlds.issues
        saving = (self.cost_rate() * self.p.horizon)[:, None]
        penalty = (np.maximum(shift_against, 0.0) * self.stake())[:, None]
        value = issues.cost_relief * saving + issues.stops_fighting * terms * (saving - penalty)
        return value + self.model.worlds.mediator.guarantees[:, self.index] * terms

    def weigh(self, proposal, on_table, shift_against, deal=None) -> Weighing:
        """What a proposal is worth to the party whoever its type; `.decide(...)` then gives
        its (W, K) answers (package items get the package's answer).

        It accepts when U(a) >= A(r) and U(a) >= V, where `a` is the settlement that the item
        (or the package) makes with its own positions on everything else, and U counts the
        item's agreement value and, with the mechanisms, what conceding costs at home, the
        red lines, and whether the other side will keep the deal (`deal`: the share f of the
        horizon it holds and its side's balance on the day it breaks; the party prices war
        then with its belief error, or a type's). The weighing holds all of this but the
        war value, aspiration and belief, which `decide` takes, for the party or for every
        type at once.
        """
        m, p = self.model, self.p
        package = m.worlds.issues.package
        gain = p.salience * (issue_utility(proposal, p.ideal, p.rho) - issue_utility(self.position, p.ideal, p.rho))
        margin = gain + self.agreement_value(proposal, shift_against)
        stated = self.utility(self.position)
        if self._conceding_costs():  # an item's audience cost is its own: the penalty adds up issue by issue
            gamma = np.where(m.worlds.mechanisms.audience_costs, p.audience_cost, 0.0) * (1.0 + m.loss_share(self.side))
            their = self.their_terms()
            per_item = gamma[:, None] * p.salience * (
                audience.conceded(proposal, p.opening, p.ideal, their) - audience.conceded(self.position, p.opening, p.ideal, their))
            margin = margin - per_item
            stated = stated - self.audience_cost(self.position)
        w = Weighing(margin=margin, stated=stated, package=package,
                     pkg_margin=across(np.where(on_table & package, margin, 0.0)))
        if deal is not None:  # a deal the other side will break is worth f U + (1 - f) V(s*)
            w.share, w.p_break = deal
            w.now = m.balance_for(self.side)
            w.u_own, w.u_their = self.lottery()
            w.cost, w.horizon = self.cost_rate(), p.horizon
            last_open = ~m.in_force & ((~m.in_force).sum(axis=-1, keepdims=True) == 1)
            ends_war = m.worlds.issues.stops_fighting | package | last_open  # what would end or pause the war
            w.breaks = ends_war & (w.share < 1.0)[:, None]
        lines = m.worlds.mechanisms.red_lines
        if lines.any():
            w.inside = red_lines.within(proposal, p.ideal, p.red_lines) | ~lines[:, None]
            w.pkg_inside = across(w.inside | ~(on_table & package), np.logical_and)
        return w

