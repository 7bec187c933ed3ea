"""The ceasefire commitment problem (docs/model.md, section 1, closed forms; section 7.12).

Raising Russia's resupply advantage during ceasefires (`pause_resupply`, the multiplier
on its resupply while a ceasefire holds) lowers the probability that Ukraine accepts a
ceasefire put on the table: monotone within sampling error.
"""

from __future__ import annotations

import numpy as np
from conftest import make_cfg

from sim import simulate

ADVANTAGE = [1.0, 2.0, 3.0, 4.0, 6.0]


def acceptance(pause_resupply: float, replications: int = 200) -> tuple[float, float, float]:
    res = simulate(make_cfg(f"replications={replications}", f"scenario.parties.russia.pause_resupply={pause_resupply}",
                            "record.timeline=false"))
    r = res.rounds
    offered = r[(r["issue"] == "ceasefire") & r["on_table"] & (r["party"] == "ukraine")]
    yes = offered["answer"].astype(bool)
    p = yes.mean()
    return p, np.sqrt(p * (1 - p) / len(yes)), res


def test_ukraine_accepts_ceasefires_less_as_russia_gains_more_during_a_pause():
    shares = [acceptance(a)[:2] for a in ADVANTAGE]
    for (p_lo, se_lo), (p_hi, se_hi) in zip(shares, shares[1:]):
        assert p_hi <= p_lo + 2 * np.hypot(se_lo, se_hi), shares
    assert shares[-1][0] < shares[0][0] - 3 * np.hypot(shares[0][1], shares[-1][1]), "the effect must be visible"


def test_the_advantage_works_only_through_pauses():
    # Before any ceasefire is in force, Russia's pause resupply changes nothing on the
    # battlefield: the days before the first agreement are identical.
    a = simulate(make_cfg("replications=30", "scenario.parties.russia.pause_resupply=1.0", "record.rounds=false"))
    b = simulate(make_cfg("replications=30", "scenario.parties.russia.pause_resupply=5.0", "record.rounds=false"))
    first = min(f.outcomes.loc[f.outcomes["issue"] == "ceasefire", "day"].min() for f in (a, b))
    assert first > 7
    cols = ["replication", "day", "balance", "capability_russia", "capability_ukraine", "belief_ukraine"]
    early_a, early_b = (f.timeline.loc[f.timeline["day"] <= first, cols].reset_index(drop=True) for f in (a, b))
    assert early_a.equals(early_b)
