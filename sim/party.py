"""A party: a Mesa agent that is the same actor in W parallel worlds.

It holds an ideal and saliences, fights (if belligerent), learns about the balance,
concedes by its tactic, states positions and answers the mediator's proposals. Its
parameters are `sim.worlds.PartyParams` ((W,) and (W, K) arrays, read live so that
events can change them); its state (capability, belief, costs, aspiration, position)
is arrays of the same shapes.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim import tactic
from sim.utility import issue_utility, point_of_utility, power, utility, war_value
from sim.worlds import PartyParams


class Party(mesa.Agent):
    """A belligerent, or a party that does not fight but must accept the terms that concern it
    (a guarantor, an ally). Side 0 is A, side 1 is B."""

    def __init__(self, model, name: str, index: int, side: int, belligerent: bool, params: PartyParams):
        super().__init__(model)
        self.name, self.index, self.side, self.belligerent = name, index, side, belligerent
        self.p = params
        W = len(params.rho)
        self.capability = params.capability.copy()
        self.belief = np.full(W, np.nan)  # chance its side prevails; set by the model
        self.cost = np.zeros(W)  # cumulative war cost, utility units
        self.aspiration = np.ones(W)
        self.aspiration_before = np.ones(W)
        self.rounds_attended = np.zeros(W, dtype=int)
        self.position = params.opening.copy()

    # -- the outside option -------------------------------------------------------------

    def utility(self, terms: np.ndarray) -> np.ndarray:
        return utility(terms, self.p.ideal, self.p.salience, self.p.rho)

    def own_terms(self) -> np.ndarray:
        """What its side would impose if it prevailed: its side's lead's ideal."""
        return self.model.leads[self.side].p.ideal

    def their_terms(self) -> np.ndarray:
        return self.model.leads[1 - self.side].p.ideal

    def cost_rate(self) -> np.ndarray:
        """kappa: its daily war cost plus the mediator's pressure on it."""
        return self.p.cost + self.model.worlds.mediator.pressure[:, self.index]

    def war_value(self) -> np.ndarray:
        """V_i(t) = p_i U_i(own terms) + (1 - p_i) U_i(their terms) - kappa_i H_i [Fearon1995]."""
        return war_value(
            self.belief, self.utility(self.own_terms()), self.utility(self.their_terms()), self.cost_rate(), self.p.horizon
        )

    def stake(self) -> np.ndarray:
        """What the war lottery swings between: U(own terms) - U(their terms)."""
        return self.utility(self.own_terms()) - self.utility(self.their_terms())

    # -- a round --------------------------------------------------------------------------

    def next_aspiration(self, value, opponent: Party, opponent_value) -> np.ndarray:
        state = tactic.TacticState(
            round_index=self.rounds_attended,
            war_value=value,
            last=self.aspiration,
            opponent_last=opponent.aspiration,
            opponent_before=opponent.aspiration_before,
            opponent_war_value=opponent_value,
            first_mover=np.full(value.shape, self.side == 0),
            opponent_discount=opponent.p.tactic.discount,
        )
        return np.clip(tactic.aspiration(state, self.p.tactic), value, np.maximum(value, 1.0))

    def attend(self, held: np.ndarray, aspiration: np.ndarray) -> None:
        self.aspiration_before = np.where(held, self.aspiration, self.aspiration_before)
        self.aspiration = np.where(held, aspiration, self.aspiration)
        self.rounds_attended = self.rounds_attended + held

    def wanted_position(self, target, open_, terms, first) -> np.ndarray:
        """Its opening in its first round; later, on the line from its ideal toward the target
        (the last proposal), where its utility equals its aspiration, past the target if
        the aspiration is lower."""
        p = self.p
        base = np.where(open_, p.ideal, terms)
        settled_loss = (p.salience * power(np.abs(base - p.ideal), p.rho[:, None])).sum(axis=-1)
        target = np.where(first[:, None], p.opening, target)  # no proposal yet: the line is moot
        moved = point_of_utility(base, target, p.salience, p.rho, self.aspiration, open_, settled_loss, beyond=True)
        return np.where(first[:, None] & open_, p.opening, moved)

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

    def answer(self, proposal, on_table, value, shift_against) -> np.ndarray:
        """(W, K) yes/no per item; package items get the package's answer.

        Accept when U(a) >= A(r) and U(a) >= V, where `a` is the settlement that the item
        (or the package) makes with the party's own positions on everything else, and U
        counts the item's agreement value.
        """
        p, package = self.p, self.model.worlds.issues.package
        gain = p.salience * (issue_utility(proposal, p.ideal, p.rho) - issue_utility(self.position, p.ideal, p.rho))
        margin = gain + self.agreement_value(proposal, shift_against)
        stated = self.utility(self.position)
        # margin that reaches A and V; the tolerance forgives rounding when terms sit exactly there
        need = np.maximum(self.aspiration, value) - stated - 1e-12
        single = margin >= need[:, None]
        pkg = np.where(on_table & package, margin, 0.0).sum(axis=-1)
        return np.where(package, (pkg >= need)[:, None], single)
