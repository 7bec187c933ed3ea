"""The mechanisms that keep rational parties fighting (docs/model.md, "Why wars go on").

Each is held to its source's closed form or stated direction, and "off" gives exactly the
base model's tables. Expected values are computed here from the formulas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_cfg
from omegaconf import OmegaConf

from sim import simulate
from sim.mechanisms import commitment
from sim.mechanisms.audience import penalty

MECHANISMS = ("power_shift", "private_information", "red_lines", "audience_costs", "war_driven_aspirations")
# parameters each mechanism reads, set to values that would matter if it were on
PARAMETERS = {
    "power_shift": [],
    "private_information": ["scenario.parties.russia.private_spread=0.2", "scenario.parties.ukraine.private_spread=0.2"],
    "red_lines": ["scenario.parties.ukraine.red_lines.demilitarization=0.1", "scenario.issues.corridors.indivisible=true"],
    "audience_costs": ["scenario.parties.russia.audience_cost=0.5"],
    "war_driven_aspirations": ["scenario.parties.ukraine.tactic.eta=2"],
}
ALL_OFF = tuple(f"scenario.mechanisms.{m}.enabled=false" for m in MECHANISMS)
BASE = ("replications=30", *ALL_OFF)  # the 2022 scenario turns them on; the base model has them off


@pytest.fixture(scope="module")
def base_run():
    return simulate(make_cfg(*BASE))


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_off_gives_exactly_the_base_tables(base_run, mechanism):
    off = simulate(make_cfg(*BASE, *PARAMETERS[mechanism]))
    on = simulate(make_cfg(*BASE, *PARAMETERS[mechanism], f"scenario.mechanisms.{mechanism}.enabled=true"))
    for name in ("outcomes", "rounds", "timeline"):
        pd.testing.assert_frame_equal(getattr(off, name), getattr(base_run, name), check_exact=True)
    assert not on.rounds.equals(base_run.rounds)  # and on, it does something


def test_private_information_with_no_spread_is_the_base_model(base_run):
    on = simulate(make_cfg(*BASE, "scenario.mechanisms.private_information.enabled=true",
                           "scenario.parties.russia.private_spread=0", "scenario.parties.ukraine.private_spread=0"))
    for name in ("outcomes", "rounds", "timeline"):
        pd.testing.assert_frame_equal(getattr(on, name), getattr(base_run, name), check_exact=True)


# ---------------------------------------------------------------- 1. shifting power [Powell2006]

# Two parties, one issue: A's ideal 1 (U_A = a), B's 0 (U_B = 1 - a). No attrition, no noise:
# A stays at capability 1, B grows by r a day from b0, so p_A(u) = 1 / (1 + b0 + r u), and the
# mean over [s, s + H] has the closed form ln((1 + b0 + r (s + H)) / (1 + b0 + r s)) / (r H).
ROUND_DAYS = (5, 12, 19, 26)  # the rounds that can settle the issue (leaders), days 0-29


def dyad(r_b: float, *more: str, b0: float = 1.0, cost: float = 0.002):
    return make_cfg(
        "scenario=symmetric_dyad", "replications=8", "war.noise=0", "war.learning_rate=0",
        "scenario.parties.a.attrition=0", "scenario.parties.b.attrition=0", "scenario.parties.a.resupply=0",
        f"scenario.parties.b.resupply={r_b}", f"scenario.parties.b.capability={b0}",
        f"scenario.parties.a.cost={cost}", f"scenario.parties.b.cost={cost}",
        "scenario.parties.a.tactic.deadline=1", "scenario.parties.b.tactic.deadline=1",
        "mediator.rule=nash", "scenario.mechanisms.power_shift.enabled=true", *more,
    )


def balance_a(b0: float, r: float, days):
    return 1.0 / (1.0 + b0 + r * np.asarray(days, dtype=float))


def window_mean_a(b0: float, r: float, start, horizon: float):
    """(1/H) integral_s^{s+H} 1 / (1 + b0 + r u) du."""
    start = np.asarray(start, dtype=float)
    return np.log((1 + b0 + r * (start + horizon)) / (1 + b0 + r * start)) / (r * horizon)


@pytest.mark.parametrize("r_b", [0.005, 0.02, 0.08])
def test_forward_looking_war_value_is_the_integral_of_the_projected_balance(r_b):
    cfg = dyad(r_b, "scenario.mechanisms.power_shift.renege=false")
    res = simulate(cfg)
    rounds = res.rounds.merge(res.timeline[["replication", "day", "capability_b", "belief_a", "belief_b", "balance"]])
    for party in ("a", "b"):
        p = cfg.scenario.parties[party]
        rows = rounds[rounds["party"] == party]
        mean_a = window_mean_a(rows["capability_b"].to_numpy(), r_b, 0.0, p.horizon)
        expected = mean_a if party == "a" else 1.0 - mean_a
        now = rows["balance"] if party == "a" else 1.0 - rows["balance"]
        p_bar = np.clip(expected + (rows[f"belief_{party}"] - now), 0, 1)
        np.testing.assert_allclose(rows["war_value"], p_bar - p.cost * p.horizon, rtol=0, atol=1e-5)  # Simpson's rule, 16 steps


@pytest.mark.parametrize("decisiveness", [[1.0, 1.0, 1.0], [1.0, 1.5, 0.7]])
def test_projected_path_with_attrition_follows_the_capability_formula_and_its_window_means_the_integral(decisiveness):
    """With attrition a > 0 a capability follows c(u) = r/a + (c - r/a)(1 - a)^u (c + r u when
    a = 0), a side's strength is the sum over its belligerents, and the balance is the
    contest success function; the window means are its integrals over [s, s + H] / H."""
    from scipy.integrate import quad

    capability = np.array([[1.0, 0.4, 2.0], [0.5, 0.3, 1.0], [0.8, 1.5, 0.2]])  # rows: belligerents
    attrition = np.array([[0.02, 0.0, 0.05], [0.01, 0.03, 0.0], [0.04, 0.002, 0.01]])
    resupply = np.array([[0.01, 0.005, 0.0], [0.002, 0.01, 0.02], [0.03, 0.0, 0.004]])
    side = np.array([0, 0, 1])  # two belligerents on side A
    decisiveness, horizon = np.array(decisiveness), np.array([40.0, 90.0, 17.0])

    def strength(u, w, s):
        c, a, r = capability[side == s, w], attrition[side == s, w], resupply[side == s, w]
        worn = a > 0
        steady = np.where(worn, r / np.where(worn, a, 1.0), 0.0)
        return np.where(worn, steady + (c - steady) * (1.0 - a) ** u, c + r * u).sum()

    def p_a(u, w):
        a, b = strength(u, w, 0) ** decisiveness[w], strength(u, w, 1) ** decisiveness[w]
        return a / (a + b)

    path = commitment.balance_path(capability, attrition, resupply, side, decisiveness, horizon)
    days = commitment.path_days(horizon)
    expected = np.array([[p_a(u, w) for u in days[w]] for w in range(3)])
    np.testing.assert_allclose(path, expected, rtol=1e-12, atol=0)
    means = commitment.window_means(path)
    for w, H in enumerate(horizon):
        starts = H * np.arange(commitment.CHECKS + 1) / commitment.CHECKS
        integral = [quad(p_a, s, s + H, args=(w,))[0] / H for s in starts]
        np.testing.assert_allclose(means[w], integral, rtol=0, atol=1e-6)  # Simpson's rule, 16 steps


def test_raising_the_opponents_resupply_lowers_a_partys_war_value():
    values = []
    for r_b in (0.0, 0.01, 0.02, 0.04):
        rounds = simulate(dyad(r_b)).rounds
        values.append(rounds.loc[(rounds["party"] == "a") & (rounds["round"] == 1), "war_value"].mean())
    assert np.all(np.diff(values) < 0), values


def acceptable(r: float, b0: float, cost: float, day: int, horizon: float = 50.0) -> np.ndarray:
    """The terms a (A's share) both accept on `day`, by the documented rules: forward-looking
    war values, and a deal worth f U + (1 - f) V(s*) when the other side would break it on
    the first check day s* = H j / n its war value exceeds what the deal gives it (f = j / n)."""
    n = commitment.CHECKS
    a = np.linspace(0, 1, 20001)
    c = cost * horizon
    b_now = b0 + r * day
    err_a = balance_a(b0, r, 0) - balance_a(b0, r, day)  # beliefs stay at day 0's balance
    checks = horizon * np.arange(1, n + 1) / n

    def war(side_a: bool, start):
        mean = window_mean_a(b_now, r, start, horizon)
        return (np.clip(mean + err_a, 0, 1) if side_a else np.clip(1 - mean - err_a, 0, 1)) - c

    def deal(u_mine, side_a: bool):
        other = (1 - window_mean_a(b_now, r, checks, horizon)) if side_a else window_mean_a(b_now, r, checks, horizon)
        breaks = other[None, :] - c > (1 - u_mine)[:, None]  # what the deal leaves the other side
        j = np.where(breaks.any(axis=1), breaks.argmax(axis=1) + 1, n)
        f = np.where(breaks.any(axis=1), j / n, 1.0)
        return f * u_mine + (1 - f) * war(side_a, checks[j - 1])

    return a[(deal(a, True) >= war(True, 0.0) - 1e-9) & (deal(1 - a, False) >= war(False, 0.0) - 1e-9)]


@pytest.mark.parametrize("r_b,b0,agree", [(0.002, 1.0, True), (0.04, 0.01, False)])
def test_powells_condition_a_large_enough_shift_leaves_no_self_enforcing_deal(r_b, b0, agree):
    cost = 0.001
    # Powell's condition at the first round: the expected shift over the horizon against both costs
    b5 = b0 + 5 * r_b
    shift = window_mean_a(b5, r_b, 0, 50) - window_mean_a(b5, r_b, 50, 50)
    assert (shift <= 2 * cost * 50) == agree
    sets = [acceptable(r_b, b0, cost, day) for day in ROUND_DAYS]
    res = simulate(dyad(r_b, b0=b0, cost=cost))
    if agree:  # the parties make a deal at round 2, within what both accept
        assert len(sets[0]) > 0
        assert res.outcomes["agreed"].all() and (res.outcomes["round"] == 2).all()
        assert res.outcomes["terms"].between(sets[0].min() - 1e-6, sets[0].max() + 1e-6).all()
    else:  # no division acceptable to both at any round: no world ever agrees ...
        assert all(len(s) == 0 for s in sets)
        assert not res.outcomes["agreed"].any()
        # ... while the forward-looking value alone leaves the range open: it is the expected breach
        alone = simulate(dyad(r_b, "scenario.mechanisms.power_shift.renege=false", b0=b0, cost=cost))
        assert alone.outcomes["agreed"].all()


# ------------------------------------------------------ 2. private information [Fearon1995]


def test_a_round_fails_more_often_the_wider_the_prior():
    shares = []
    for spread in (0.0, 0.15, 0.3):
        res = simulate(make_cfg("replications=300", "record.timeline=false", *ALL_OFF,
                                "scenario.mechanisms.private_information.enabled=true",
                                f"scenario.parties.russia.private_spread={spread}",
                                f"scenario.parties.ukraine.private_spread={spread}"))
        put = res.rounds[res.rounds["on_table"]]
        failed = put.groupby(["replication", "round"])["answer"].apply(lambda s: not s.astype(bool).all())
        shares.append((failed.mean(), np.sqrt(failed.mean() * (1 - failed.mean()) / len(failed))))
    for (lo, se_lo), (hi, se_hi) in zip(shares, shares[1:]):
        assert hi >= lo - 2 * np.hypot(se_lo, se_hi), shares
    assert shares[-1][0] > shares[0][0] + 2 * np.hypot(shares[0][1], shares[-1][1]), shares


@pytest.mark.parametrize("seed", range(20))
def test_where_the_types_bounds_say_they_agree_every_type_answers_alike(seed):
    """`Weighing.types_agree` skips asking each type where the lowest and highest need over
    the types fall on the same side of every asked item's margin: there, every type's own
    answers (`decide`) must equal the common ones. Random weighings on a coarse grid, so that
    margins and needs tie, with deals that break, red lines and packages."""
    from sim.agents.party import Weighing

    rng = np.random.default_rng(seed)
    W, K, M = 400, 4, 5
    grid = lambda *shape: rng.integers(-4, 5, shape) / 4  # noqa: E731  (ties on purpose)
    with_deal, with_lines = seed % 2 == 0, seed % 3 == 0
    package, stated = rng.random((W, K)) < 0.4, grid(W)
    margin = grid(W, K) - stated[:, None] - 1e-12  # as a need is computed: many margins equal one exactly
    w = Weighing(margin=margin, stated=stated, package=package, pkg_margin=np.where(package, margin, 0).sum(axis=1))
    if with_deal:
        w.share, w.p_break = rng.choice([0.0, 0.5, 1.0], W), rng.random(W)
        w.breaks = rng.random((W, K)) < 0.5
        w.now, w.u_own, w.u_their, w.cost, w.horizon = rng.random(W), grid(W), grid(W), rng.random(W) / 100, np.full(W, 30.0)
    if with_lines:
        w.inside = rng.random((W, K)) < 0.8
        w.pkg_inside = (w.inside | ~package).all(axis=1)
    value, aspiration, belief = grid(M, W), grid(M, W), rng.random((M, W))
    value[rng.random((M, W)) < 0.02] = np.nan  # a NaN need compares false both ways: never "alike" by the bounds
    asked = rng.random((W, K)) < 0.7
    agree, common = w.types_agree(value, aspiration, belief, asked)
    every = w.decide(value, aspiration, belief)  # (M, W, K)
    alike = ((every == common) | ~asked).all(axis=-1).all(axis=0)
    assert alike[agree].all()
    assert agree.mean() > 0.2  # the shortcut does apply


def test_answers_rule_out_types_but_never_the_true_one():
    from sim.agents.model import NegotiationModel
    from sim.schema.checks import validate
    from sim.schema.config import to_config
    from sim.worlds.resolve import resolve

    cfg = validate(to_config(make_cfg("replications=200", "scenario.mechanisms.private_information.enabled=true",
                                      "scenario.mechanisms.power_shift.enabled=true",
                                      "scenario.parties.russia.private_spread=0.2", "scenario.parties.ukraine.private_spread=0.2")))
    model = NegotiationModel(cfg, resolve(cfg, np.zeros(200, int), np.arange(200))).run()
    for party in model.parties:
        beliefs = party.beliefs
        assert np.take_along_axis(beliefs.possible, beliefs.true[None, :], axis=0).all()
        assert beliefs.possible.sum(axis=0).mean() < beliefs.possible.shape[0]  # the answers did reveal something


DYAD3 = """\
name: dyad3
start_date: "2022-01-01"
days: 120
issues:
  border: {poles: ["all of it to B", "all of it to A"]}
  ceasefire: {poles: ["fight", "stop"], stops_fighting: true}
  money: {poles: ["none", "all"], cost_relief: 0.2}
parties:
  a: {side: A, ideal: {border: 1.0, ceasefire: 0.0, money: 1.0}, salience: {border: 0.5, ceasefire: 0.2, money: 0.3},
      capability: 1.0, resupply: 0.005, attrition: 0.01, cost: 0.003, horizon: 50, optimism: 0.2, private_spread: 0.1,
      tactic: {name: faratin, beta: 3.0, deadline: 4}}
  b: {side: B, ideal: {border: 0.0, ceasefire: 1.0, money: 0.0}, salience: {border: 0.4, ceasefire: 0.4, money: 0.2},
      capability: 0.8, resupply: 0.012, attrition: 0.01, cost: 0.002, horizon: 40, optimism: 0.3, private_spread: 0.3,
      tactic: {name: faratin, beta: 0.5, deadline: 6}}
calendar: [{day: 2, format: delegation}, {day: 5, format: leaders}]
policy: {interval: 5, format: leaders, escalate_after: 0, give_up_after: 0}
mechanisms:
  power_shift: {enabled: true, renege: true}
  private_information: {enabled: true, types: 7}
"""


def test_the_true_type_survives_a_round_that_leaves_one_item_open(tmp_path):
    """The types are weighed on the proposal as the party weighed it, before the round's
    agreements: once an agreement left one item open, that item became "the last one"
    (a deal that ends the war, priced as breaking) for the types but not for the party, and
    the party's own type could be ruled out, leaving no type possible (seen in 7 of 2,000
    worlds of this dyad before the fix)."""
    from sim import compose
    from sim.agents.model import NegotiationModel
    from sim.schema.checks import validate
    from sim.schema.config import to_config
    from sim.worlds.resolve import resolve

    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "dyad3.yaml").write_text(DYAD3)
    cfg = validate(to_config(compose(["scenario=dyad3", "replications=2000", "seed=7", "record.timeline=false"],
                                     config_dir=tmp_path)))
    model = NegotiationModel(cfg, resolve(cfg, np.zeros(2000, int), np.arange(2000))).run()
    for party in model.parties:
        beliefs = party.beliefs
        assert np.take_along_axis(beliefs.possible, beliefs.true[None, :], axis=0).all(), party.name
    assert (model.first_day >= 0).any(axis=0).all()  # every issue is agreed somewhere: the case arises


@pytest.mark.parametrize("motivated", [0.0, 1.0])
def test_in_the_2022_scenario_the_answers_reveal_a_type_only_where_beliefs_stay_apart(motivated):
    """README's finding: with private information alone and plain convergence (war.motivated=0),
    the types' beliefs converge, every type rejects the same early proposals, and at the
    horizon all seven types are still possible in most worlds. With motivated reasoning (the
    default) each type keeps its own optimism, the types' beliefs settle apart, their answers
    differ, and the answers rule out most types."""
    from sim.agents.model import NegotiationModel
    from sim.schema.checks import validate
    from sim.schema.config import to_config
    from sim.worlds.resolve import resolve

    alone = [f"scenario.mechanisms.{m}.enabled=false" for m in MECHANISMS if m != "private_information"]
    cfg = validate(to_config(make_cfg("replications=300", "record.timeline=false", "record.rounds=false", *alone,
                                      f"war.motivated={motivated}")))
    model = NegotiationModel(cfg, resolve(cfg, np.zeros(300, int), np.arange(300))).run()
    types = cfg.scenario.mechanisms.private_information.types
    for party in model.parties:
        left = party.beliefs.possible.sum(axis=0)
        if motivated == 0:
            assert (left == types).mean() > 0.8, party.name
            assert (left == 1).mean() < 0.05, party.name
        else:
            assert left.mean() < types / 2, party.name


def test_the_types_beliefs_converge_as_battles_reveal_the_balance():
    """Every type learns from the same battles by p <- p + lambda (signal - p), so two types'
    beliefs differ by their initial gap times (1 - lambda)^battles (plain convergence, m = 0);
    with motivated reasoning each type reads bad news by its own optimism, and the gap stays."""
    from sim.agents.model import NegotiationModel
    from sim.schema.checks import validate
    from sim.schema.config import to_config
    from sim.worlds.resolve import resolve

    cfg = validate(to_config(make_cfg("scenario=symmetric_dyad", "replications=6", "scenario.calendar=[]", "scenario.days=60",
                                      "scenario.policy.interval=0", "scenario.mechanisms.private_information.enabled=true",
                                      "scenario.parties.a.private_spread=0.05", "war.learning_rate=0.1", "war.motivated=0")))
    model = NegotiationModel(cfg, resolve(cfg, np.zeros(6, int), np.arange(6)))
    start = model.parties[0].beliefs.spread()
    for day in (5, 20, 40):
        model.run_until(day)  # a battle every day: fighting goes on at full intensity
        np.testing.assert_allclose(model.parties[0].beliefs.spread(), start * 0.9**day, rtol=1e-9)
    motivated = validate(to_config(OmegaConf.merge(OmegaConf.structured(cfg), {"war": {"motivated": 1.0}})))
    model = NegotiationModel(motivated, resolve(motivated, np.zeros(6, int), np.arange(6)))
    model.run_until(40)
    assert (model.parties[0].beliefs.spread() > 10 * start * 0.9**40).all()  # about 15x: the fixed points differ


# ------------------------------------------------------------------ 3. red lines [Hassner2003]


def test_a_red_line_beyond_the_others_reservation_point_leaves_no_bargaining_range():
    # B's war value in the dyad is 0.5 - 0.002 * 50 = 0.4, so it accepts no term above 0.6;
    # A's red line at 0.7 (it accepts nothing below) lies beyond: no term is acceptable to both
    on = ("scenario=symmetric_dyad", "replications=40", "scenario.mechanisms.red_lines.enabled=true",
          "+scenario.parties.a.red_lines.border=0.7", "war.learning_rate=0")
    assert not simulate(make_cfg(*on)).outcomes["agreed"].any()
    assert not simulate(make_cfg(*on, "scenario.parties.a.red_lines_public=false")).outcomes["agreed"].any()
    # a red line inside the range still leaves agreement
    inside = simulate(make_cfg(*on[:3], "+scenario.parties.a.red_lines.border=0.5", "war.learning_rate=0"))
    assert inside.outcomes["agreed"].all() and (inside.outcomes["terms"] >= 0.5 - 1e-12).all()


def test_a_red_line_on_a_package_item_blocks_the_whole_package():
    res = simulate(make_cfg("replications=60", "record.timeline=false", *ALL_OFF, "scenario.mechanisms.red_lines.enabled=true",
                            "scenario.parties.russia.format_conditions.leaders=1.0",
                            "scenario.parties.ukraine.red_lines.demilitarization=0.0",
                            "scenario.parties.russia.red_lines.demilitarization=1.0"))
    out = res.outcomes.set_index("issue")
    package = ["neutrality", "withdrawal", "demilitarization"]
    assert not out.loc[package, "agreed"].any()
    assert out.loc["corridors", "agreed"].mean() > 0.9  # what lies outside the package still settles


def test_public_red_lines_bound_the_proposals_and_indivisible_terms_are_poles():
    res = simulate(make_cfg("replications=60", "record.timeline=false", *ALL_OFF, "scenario.mechanisms.red_lines.enabled=true",
                            "+scenario.parties.ukraine.red_lines.ceasefire=0.6", "scenario.issues.corridors.indivisible=true"))
    r = res.rounds
    assert (r.loc[r["issue"] == "ceasefire", "proposal"] >= 0.6 - 1e-12).all()  # Ukraine (ideal 1) accepts >= 0.6
    assert r.loc[r["issue"] == "corridors", "proposal"].isin([0.0, 1.0]).all()
    terms = res.outcomes.loc[res.outcomes["agreed"] & (res.outcomes["issue"] == "corridors"), "terms"]
    assert terms.isin([0.0, 1.0]).all() and len(terms) > 0


# ---------------------------------------------------------------- 4. audience costs [Fearon1994]


def test_the_audience_cost_is_its_formula():
    terms, opening, ideal, their = np.array([[0.3, 0.5]]), np.array([[0.1, 0.5]]), np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])
    w, gamma, loss = np.array([[0.6, 0.4]]), np.array([2.0]), np.array([0.25])
    # past the opening toward the other side: 0.2 on the first issue, 0 on the second (0.5 -> 0.5)
    assert penalty(terms, opening, ideal, their, w, gamma, loss)[0] == pytest.approx(2.0 * 1.25 * 0.6 * 0.2)
    # moving away from the other side costs nothing
    assert penalty(np.array([[0.0, 0.9]]), opening, ideal, their, w, gamma, loss)[0] == 0.0


def test_the_bargaining_range_narrows_as_audience_costs_rise():
    """In the dyad a term a is acceptable to B (ideal 0, opening 0) when
    1 - (1 + g) a >= V_B, so the highest such term is (1 - V_B) / (1 + g): falling in g."""
    highest, gaps = [], []
    for gamma in (0.0, 0.25, 1.0, 4.0):
        res = simulate(make_cfg("scenario=symmetric_dyad", "replications=40", "war.learning_rate=0",
                                "scenario.mechanisms.audience_costs.enabled=true", f"scenario.parties.b.audience_cost={gamma}",
                                "scenario.parties.b.tactic.deadline=4", "scenario.parties.a.tactic.beta=0.3"))
        r = res.rounds[res.rounds["party"] == "b"]
        answered = r[r["on_table"]]
        yes = answered.loc[answered["answer"].astype(bool), "proposal"]
        v_b = answered["war_value"]
        highest.append(((1 - v_b) / (1 + gamma * (1 + 0))).max())  # no losses in the first rounds' bound
        if len(yes):
            assert (yes <= highest[-1] + 1e-9).all()
        last = res.rounds.groupby(["replication", "party"], observed=True)["position"].last().unstack()
        gaps.append((last["a"] - last["b"]).mean())
    assert np.all(np.diff(highest) < 0)
    assert np.all(np.diff(gaps) >= -1e-12), gaps


def test_a_large_audience_cost_means_conceding_nothing_past_the_opening():
    res = simulate(make_cfg("scenario=symmetric_dyad", "replications=20", "scenario.mechanisms.audience_costs.enabled=true",
                            "scenario.parties.b.audience_cost=100"))
    # conceding a costs it (1 + 100) a at home on top of a: it moves at most 1 / 101 from its
    # opening (its ideal, 0), and agrees to nothing farther
    b = res.rounds[res.rounds["party"] == "b"]
    assert (b["position"] <= 1 / 101).all()
    agreed = res.outcomes.loc[res.outcomes["agreed"], "terms"]
    assert (agreed <= 1 / 101).all()


# ---------------------------------------------------- 5. war-driven aspirations [Wagner2000]


def test_when_the_balance_turns_stated_positions_move_apart():
    """B's fortunes rise sharply from day 20 (an event multiplies its resupply by 40): with
    eta > 0 B hardens, and the positions move apart after the turn."""
    turn = "+scenario.events={turn: {day: 20, scale: {scenario.parties.b.resupply: 40}}}"
    common = ("scenario=symmetric_dyad", "replications=30", "scenario.days=60", turn,
              "scenario.parties.a.tactic.beta=0.3", "scenario.parties.b.tactic.beta=0.3",
              "scenario.parties.a.tactic.deadline=12", "scenario.parties.b.tactic.deadline=12",
              "scenario.mechanisms.war_driven_aspirations.enabled=true")

    def gap_by_day(eta):
        r = simulate(make_cfg(*common, f"scenario.parties.b.tactic.eta={eta}")).rounds
        pos = r.pivot_table(index=["replication", "day"], columns="party", values="position", observed=True)
        return (pos["a"] - pos["b"]).groupby(level="day").mean()

    still, driven = gap_by_day(0.0), gap_by_day(3.0)
    before, after = 19, 26  # the rounds on either side of the turn
    assert still[after] <= still[before]  # time alone keeps them converging
    assert driven[after] > driven[before]  # the rising side hardens: they move apart


def test_switch_effects_tabulate_none_each_alone_and_all():
    from sim.analysis.switches import effects

    points = pd.DataFrame({"a.enabled": [False, True, False, True], "b.enabled": [False, False, True, True]})
    rng = np.random.default_rng(0)
    worlds = pd.DataFrame({"point": np.repeat(np.arange(4), 50)})
    worlds["at_war_end"] = rng.random(200) < np.repeat([0.1, 0.3, 0.5, 0.9], 50)
    worlds["agreed_x"] = ~worlds["at_war_end"]
    worlds["day_x"] = np.where(worlds["agreed_x"], np.repeat([10.0, 20, 30, 40], 50), np.nan)
    table = effects(worlds, points).set_index("configuration")
    assert list(table.index) == ["none", "a", "b", "all"]
    for name, point in (("none", 0), ("a", 1), ("b", 2), ("all", 3)):
        w = worlds[worlds["point"] == point]
        assert table.loc[name, "at_war_end"] == w["at_war_end"].mean()
        assert table.loc[name, "at_war_end_low"] <= table.loc[name, "at_war_end"] <= table.loc[name, "at_war_end_high"]
        assert table.loc[name, "median_day_x"] == [10, 20, 30, 40][point]
