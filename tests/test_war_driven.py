"""The 2022 scenario answers to the war (the checks of a model that responds to it): a party's
optimism, which motivated reasoning keeps alive [Sharot2011; Johnson2004], moves whether the
war goes on; no single judgement value carries most of the variance of that outcome."""

from __future__ import annotations

import pytest
from conftest import make_cfg

from sim import simulate

QUIET = ("replications=300", "record.rounds=false", "record.timeline=false")


def at_war_end(*overrides: str) -> float:
    return float(simulate(make_cfg(*QUIET, *overrides)).worlds["at_war_end"].mean())


def test_russias_optimism_moves_the_share_still_at_war_by_at_least_a_tenth():
    calm, sanguine = at_war_end("scenario.parties.russia.optimism=0"), at_war_end("scenario.parties.russia.optimism=0.6")
    assert sanguine - calm >= 0.10, (calm, sanguine)


def test_under_plain_convergence_optimism_fades_and_moves_the_outcome_less():
    """Motivated reasoning is what keeps optimism in play: with war.motivated=0 the beliefs
    converge to the balance within a few weeks and the same contrast moves less."""
    plain = at_war_end("war.motivated=0", "scenario.parties.russia.optimism=0.6") - \
        at_war_end("war.motivated=0", "scenario.parties.russia.optimism=0")
    motivated = at_war_end("scenario.parties.russia.optimism=0.6") - at_war_end("scenario.parties.russia.optimism=0")
    assert plain < motivated


def test_a_costlier_war_for_russia_brings_the_ceasefire_sooner():
    """Ripeness [Zartman2000]: the more the war hurts, the sooner a party concedes."""
    days = [simulate(make_cfg(*QUIET, f"scenario.parties.russia.cost={c}")).worlds["day_ceasefire"].median()
            for c in (0.0008, 0.0015, 0.0025)]
    assert days[0] > days[1] > days[2], days


@pytest.mark.slow
def test_sensitivity_2022_has_no_single_value_above_half_the_variance_of_the_war_going_on(tmp_path):
    from sim.analysis.sensitivity import analyze

    cfg = make_cfg("experiment=sensitivity_2022", "plots=false")
    result = simulate(cfg)
    table = analyze(cfg, result.points, result.worlds).set_index(["outcome", "parameter"])
    st = table.loc["at_war_end", "ST"]
    assert st.max() <= 0.5, st.sort_values().tail(3)
