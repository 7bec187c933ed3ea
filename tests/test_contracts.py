"""Contracts every registered tactic and proposal rule keeps, whatever it computes:
metadata that names its source, arrays of the right shape, values in their bounds."""

from __future__ import annotations

import re
from dataclasses import fields

import numpy as np
import pytest
from conftest import ROOT, make_cfg
from oracles import tactic_params

from sim import simulate
from sim.rules.proposal import RULES, Table, propose
from sim.rules.tactic import TACTICS, TacticState, aspiration
from sim.schema.config import TacticConfig

KEYS = set(re.findall(r"\*\*\[(\w+)\]\*\*", (ROOT / "docs" / "bibliography.md").read_text()))
W, K = 400, 3


def state(rng) -> TacticState:
    value = rng.uniform(-0.2, 0.9, W)
    return TacticState(
        round_index=rng.integers(0, 15, W), war_value=value, last=rng.uniform(value, 1.0),
        opponent_last=rng.uniform(0.3, 1.0, W), opponent_before=rng.uniform(0.3, 1.0, W),
        opponent_war_value=rng.uniform(-0.2, 0.9, W), first_mover=rng.random(W) < 0.5,
        opponent_discount=rng.uniform(0.0, 0.99, W), hurt=rng.uniform(0.0, 0.2, W),
    )


@pytest.mark.parametrize("name", list(TACTICS))
def test_every_tactic_names_its_source_and_its_parameters(name):
    tactic = TACTICS[name]
    assert tactic.name == name and tactic.reference in KEYS, tactic.reference
    assert tactic.__doc__ and set(tactic.parameters) <= {f.name for f in fields(TacticConfig)}


@pytest.mark.parametrize("name", list(TACTICS))
def test_every_tactic_demands_at_least_its_war_value_and_is_elementwise(name):
    rng = np.random.default_rng(1)
    s = state(rng)
    p = tactic_params(W, list(TACTICS).index(name), beta=rng.uniform(0.1, 5, W), deadline=rng.integers(1, 12, W),
                      k=rng.uniform(0, 0.5, W), first_step=rng.uniform(0, 0.2, W), discount=rng.uniform(0, 0.99, W),
                      budget=rng.uniform(0.01, 0.2, W))
    out = TACTICS[name].aspiration(s, p)
    assert out.shape == (W,) and np.isfinite(out).all()
    assert (out >= s.war_value - 1e-12).all()
    # world by world: one world alone gives its own answer
    one = TacticState(**{f: getattr(s, f)[[7]] for f in s.__dataclass_fields__})
    alone = TACTICS[name].aspiration(one, tactic_params(1, p.code[7], p.beta[7], p.deadline[7], p.k[7],
                                                             p.first_step[7], p.discount[7], budget=p.budget[7]))
    assert alone[0] == out[7]
    # mixing tactics across worlds picks each world's own
    codes = rng.integers(0, len(TACTICS), W)
    mixed = aspiration(s, tactic_params(W, codes, p.beta, p.deadline, p.k, p.first_step, p.discount, budget=p.budget))
    for code, tactic in enumerate(TACTICS.values()):
        here = codes == code
        np.testing.assert_array_equal(mixed[here], tactic.aspiration(s, tactic_params(
            W, code, p.beta, p.deadline, p.k, p.first_step, p.discount, budget=p.budget))[here])


def table(rng, together: bool) -> Table:
    ideal = np.stack([rng.uniform(0.6, 1.0, (W, K)), rng.uniform(0.0, 0.4, (W, K))])
    reservation = ideal + (ideal[::-1] - ideal) * rng.uniform(0.2, 0.9, (2, W, K))
    return Table(positions=ideal + (ideal[::-1] - ideal) * rng.uniform(0, 0.5, (2, W, K)),
                 concerned=np.ones((2, W, K), bool), salience=rng.dirichlet(np.ones(K), (2, W)),
                 capability=rng.uniform(0.5, 2, (2, W)), ideal=ideal, rho=np.ones((2, W)),
                 reservation=reservation, together=np.full((W, K), together))


@pytest.mark.parametrize("name", list(RULES))
@pytest.mark.parametrize("together", [False, True])
def test_every_rule_names_its_source_and_proposes_terms_between_the_ideals(name, together):
    rule = RULES[name]
    assert rule.name == name and rule.reference in KEYS and rule.propose.__doc__
    t = table(np.random.default_rng(2), together)
    terms = rule.propose(t)
    assert terms.shape == (W, K) and np.isfinite(terms).all()
    low, high = t.ideal.min(axis=0), t.ideal.max(axis=0)
    assert ((terms >= low - 1e-9) & (terms <= high + 1e-9)).all()  # never beyond both parties
    codes = np.random.default_rng(3).integers(0, len(RULES), W)
    mixed = propose(t, codes)
    here = codes == list(RULES).index(name)
    np.testing.assert_allclose(mixed[here], terms[here], rtol=0, atol=0)


def test_the_opening_is_what_a_party_states_in_its_first_round():
    opening = {"ceasefire": 0.2, "neutrality": 0.3}
    res = simulate(make_cfg("replications=5", "record.timeline=false",
                            f"+scenario.parties.ukraine.opening={{ceasefire: {opening['ceasefire']}, neutrality: {opening['neutrality']}}}"))
    first = res.rounds[(res.rounds["round"] == 1) & (res.rounds["party"] == "ukraine")].set_index("issue")["position"]
    for issue, value in opening.items():
        assert (first.loc[issue] == value).all()
    plain = simulate(make_cfg("replications=5", "record.timeline=false"))
    assert not plain.rounds.equals(res.rounds)  # and it changes the talks
