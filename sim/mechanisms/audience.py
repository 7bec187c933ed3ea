"""Domestic audiences and sunk costs [Fearon1994; Goemans2000].

With `scenario.mechanisms.audience_costs` on, a leader who concedes past the position it
stated in public at the start (its opening) pays, in utility,
    gamma_i (1 + L_i) sum_k w_ik c_k,   c_k = max(0, (a_k - s_ik) * sign(y_k - x_ik)),
where c_k is how far the terms a go past its opening s toward the other side's terms y,
and L_i is its side's cumulative loss of capability relative to the start: the more its
side has lost, the dearer conceding becomes. gamma = 0 switches it off for a party.
"""

from __future__ import annotations

import numpy as np

from sim.rules.utility import across


def conceded(terms, opening, ideal, their_terms):
    """(..., K) how far the terms go past the opening toward the other side's terms."""
    return np.maximum((terms - opening) * np.sign(their_terms - ideal), 0.0)


def penalty(terms, opening, ideal, their_terms, salience, gamma, loss_share):
    """(...,) gamma (1 + L) sum_k w_k c_k: the utility a leader loses at home for the terms."""
    weight = (np.asarray(gamma) * (1.0 + np.asarray(loss_share)))[..., None]
    return across(weight * salience * conceded(terms, opening, ideal, their_terms))
