"""Red lines and indivisible issues [Fearon1995; Toft2003; Hassner2003].

With `scenario.mechanisms.red_lines` on: a party with a red line at term t on an issue
accepts nothing farther from its ideal than t is, and states no position beyond it; a
public red line is known to the mediator, which keeps its proposals within it (where the
lines of the two sides cross, no term is within both: that issue, and any package holding
it, cannot be agreed). An indivisible issue has only its poles as terms: the mediator's
proposal goes to the nearer pole (0.5 to 1).
"""

from __future__ import annotations

import numpy as np


def reach(ideal, red_line):
    """(..., K) how far from its ideal a party accepts terms: |t - x|, infinite with no line (NaN)."""
    return np.where(np.isnan(red_line), np.inf, np.abs(red_line - ideal))


def within(terms, ideal, red_line):
    """(..., K) bool: the terms are on the party's side of its red line."""
    return np.abs(terms - ideal) <= reach(ideal, red_line) + 1e-12


def keep_within(terms, ideal, red_line):
    """Terms moved, issue by issue, to the nearest point within the red line."""
    r = reach(ideal, red_line)
    return np.clip(terms, ideal - r, ideal + r)


def to_pole(terms, indivisible):
    """The nearer pole on indivisible issues (a half goes to 1); other terms unchanged."""
    return np.where(indivisible, np.floor(terms + 0.5), terms)
