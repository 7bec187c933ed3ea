"""Talks without a mediator: liaison officers keep the calendar, the sides propose in turn.

`scenario.talks: alternating`. The rounds are the same events on the model's clock as a
mediator's (the calendar, then the policy); what changes is who drafts the terms. In each
world the sides' leads take turns, side A in that world's first round held, side B in
its second, and so on: the alternating offers of Rubinstein [Rubinstein1982], with offers
made by the parties' own concession tactics rather than by equilibrium. The proposer puts
on the table the position it states this round, having conceded by its tactic; the other
parties at the table answer it as they answer a mediator. Nobody tilts the terms, presses
or guarantees (`mediator.bias`, `pressure` and `guarantees` must stay off: sim/schema/checks.py).
"""

from __future__ import annotations

import numpy as np

from sim.agents.mediator import Mediator
from sim.mechanisms import red_lines


class Liaison(Mediator):
    """Holds the rounds of direct talks; the proposal is the proposing side's position."""

    def proposer_side(self) -> np.ndarray:
        """(W,) 0 where side A proposes this round, 1 where side B does: by the rounds held in the world."""
        return (self.rounds_held - 1) % 2

    def propose(self, values: dict, open_) -> np.ndarray:
        m = self.model
        a_proposes = (self.proposer_side() == 0)[:, None]
        terms = np.where(a_proposes, m.leads[0].position, m.leads[1].position)
        lines = m.worlds.mechanisms.red_lines
        if lines.any():  # an indivisible issue is offered at one of its poles
            terms = np.where(lines[:, None], red_lines.to_pole(terms, m.worlds.issues.indivisible), terms)
        return np.where(open_, np.clip(terms, 0.0, 1.0), m.terms)
