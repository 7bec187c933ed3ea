"""A party: a Mesa agent that is the same actor in R parallel worlds.

It holds an ideal and saliences, fights (if belligerent), learns about the balance,
concedes by its tactic, states positions and answers the mediator's proposals. Every
attribute that differs between worlds is an (R,) or (R, K) array.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.config import PartyConfig
from sim.issue import Issues
from sim.tactic import TACTICS, Rubinstein, TacticState
from sim.utility import issue_utility, point_of_utility, utility, war_value


class Party(mesa.Agent):
    def __init__(self, model, name: str, cfg: PartyConfig, issues: Issues, replications: int):
        super().__init__(model)
        self.name = name
        self.side = 0 if cfg.side == "A" else 1
        self.belligerent = cfg.belligerent
        self.ideal = issues.vector(cfg.ideal)
        self.salience = issues.vector(cfg.salience)
        self.opening = issues.vector(cfg.opening, default=self.ideal)
        self.rho = cfg.rho
        self.resupply = cfg.resupply
        self.pause_resupply = cfg.pause_resupply
        self.attrition = cfg.attrition
        self.cost_per_day = cfg.cost
        self.horizon = cfg.horizon
        self.optimism = cfg.optimism
        self.asks_for = cfg.asks_for
        self.format_conditions = dict(cfg.format_conditions)
        self.tactic = TACTICS[cfg.tactic.name](cfg.tactic)
        if isinstance(self.tactic, Rubinstein):
            self.tactic.first_mover = self.side == 0

        R = replications
        self.capability = np.full(R, float(cfg.capability))
        self.belief = np.full(R, np.nan)  # chance its side prevails; set by the model
        self.cost = np.zeros(R)  # cumulative war cost, utility units
        self.aspiration = np.ones(R)
        self.aspiration_before = np.ones(R)
        self.rounds_attended = np.zeros(R, dtype=int)
        self.position = np.tile(self.opening, (R, 1))
        # leverage the mediator may apply (sim.mediator)
        self.pressure = 0.0
        self.guarantee = np.zeros(len(issues))
        # what winning and losing the war would impose, set by the model
        self.own_terms = self.ideal
        self.their_terms = self.ideal

    # -- the outside option -------------------------------------------------------------

    def utility(self, terms: np.ndarray) -> np.ndarray:
        return utility(terms, self.ideal, self.salience, self.rho)

    def cost_rate(self) -> float:
        return self.cost_per_day + self.pressure

    def war_value(self) -> np.ndarray:
        """V_i(t) = p_i U_i(own terms) + (1 - p_i) U_i(their terms) - kappa_i H_i."""
        return war_value(
            self.belief, self.utility(self.own_terms), self.utility(self.their_terms), self.cost_rate(), self.horizon
        )

    def stake(self) -> float:
        """What the war lottery swings between: U(own terms) - U(their terms)."""
        return float(self.utility(self.own_terms) - self.utility(self.their_terms))

    # -- a round --------------------------------------------------------------------------

    def next_aspiration(self, value, opponent, opponent_value) -> np.ndarray:
        state = TacticState(
            round_index=self.rounds_attended,
            war_value=value,
            last=self.aspiration,
            opponent_last=opponent.aspiration,
            opponent_before=opponent.aspiration_before,
            opponent_war_value=opponent_value,
        )
        return np.clip(self.tactic.aspiration(state), value, np.maximum(value, 1.0))

    def attend(self, held: np.ndarray, aspiration: np.ndarray) -> None:
        self.aspiration_before = np.where(held, self.aspiration, self.aspiration_before)
        self.aspiration = np.where(held, aspiration, self.aspiration)
        self.rounds_attended = self.rounds_attended + held

    def position_at_aspiration(self, target, open_, terms) -> np.ndarray:
        """On the line from its ideal toward the target, where its utility equals its
        aspiration; past the target (the last proposal) if the aspiration is lower."""
        base = np.where(open_, self.ideal, terms)
        settled_loss = (self.salience * np.abs(base - self.ideal) ** self.rho).sum(axis=-1)
        return point_of_utility(
            base, target, self.salience, self.rho, self.aspiration, open_, settled_loss, beyond=True
        )

    def state_position(self, held, wanted, target, opponent_wants) -> None:
        """State `wanted`, but on no issue past the target and what the opponent asks."""
        toward_up = target >= self.ideal
        stated = np.where(
            toward_up,
            np.minimum(wanted, np.maximum(target, opponent_wants)),
            np.maximum(wanted, np.minimum(target, opponent_wants)),
        )
        self.position = np.where(held[:, None], stated, self.position)

    def reservation_point(self, value: np.ndarray) -> np.ndarray:
        """Where on the line toward the opponent's terms its utility falls to its war value."""
        target = np.broadcast_to(self.their_terms, self.position.shape)
        return point_of_utility(np.broadcast_to(self.ideal, target.shape), target, self.salience, self.rho, value)

    def agreement_value(self, terms: np.ndarray, shift_against: np.ndarray) -> np.ndarray:
        """(R, K) what agreeing on each item is worth beyond its terms.

        Cost relief saves its share of the war cost over the horizon; a ceasefire of
        extent a saves a of it, minus a times the expected loss from the power shift
        against this party during the pause (the commitment problem); a mediator's
        guarantee adds its bonus per unit of the term.
        """
        issues = self.model.issues
        saving = self.cost_rate() * self.horizon
        penalty = np.maximum(shift_against, 0.0)[:, None] * self.stake()
        value = issues.cost_relief * saving + issues.stops_fighting * terms * (saving - penalty)
        return value + self.guarantee * terms

    def answer(self, proposal, on_table, value, shift_against) -> np.ndarray:
        """(R, K) yes/no per item; package items get the package's answer.

        Accept when U(a) >= A(r) and U(a) >= V (MODEL.md section 5), where `a` is the
        settlement that the item (or the package) makes with the party's own positions
        on everything else, and U counts the item's agreement value.
        """
        issues = self.model.issues
        w, x, rho = self.salience, self.ideal, self.rho
        gain = w * (issue_utility(proposal, x, rho) - issue_utility(self.position, x, rho))
        margin = gain + self.agreement_value(proposal, shift_against)
        stated = self.utility(self.position)
        # margin that reaches A and V; the tolerance forgives rounding when terms sit exactly there
        need = np.maximum(self.aspiration, value) - stated - 1e-12
        single = margin >= need[:, None]
        pkg = np.where(on_table & issues.package, margin, 0.0).sum(axis=-1)
        return np.where(issues.package, (pkg >= need)[:, None], single)
