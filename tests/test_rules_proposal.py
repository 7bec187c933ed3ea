"""sim/rules/proposal.py held to its definitions, rule by rule: `split` and `compromise` against
their formulas; `nash` and `kalai` when a party does not care about an issue, when the
bargaining range is empty, and over packages mixed with items agreed alone; the
mediator's bias. (The one-issue closed forms are in test_closed_forms.py, the package
optimum against a grid and linear programs in test_packages.py.)"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import make_cfg
from omegaconf import open_dict
from scipy.optimize import linprog

from sim import simulate
from sim.rules.proposal import RULES, Table, _golden_max, compromise, kalai, nash, propose, split, tilt
from sim.rules.utility import point_of_utility
from sim.schema.config import IssueConfig

# the rules guard their divisions (a zero step, an item nobody trades, an empty range):
# no floating-point warning may escape them
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

def make_table(positions, salience, ideal, values, rho=None, capability=None, together=None, concerned=None):
    """A Table whose reservation points are where each party's utility falls to `values`
    (n, R) on the line toward the other side's ideal, as the model computes them."""
    positions, salience, ideal = (np.asarray(a, dtype=float) for a in (positions, salience, ideal))
    n, R, K = positions.shape
    rho = np.ones(n) if rho is None else np.asarray(rho, dtype=float)
    values = np.asarray(values, dtype=float)
    opposite = [ideal[-1 if i == 0 else 0] for i in range(n)]  # the first party faces the last, the rest the first
    reservation = np.stack([
        point_of_utility(np.tile(ideal[i], (R, 1)), np.tile(opposite[i], (R, 1)), salience[i], rho[i], values[i])
        for i in range(n)
    ])
    return Table(
        positions=positions, concerned=salience > 0 if concerned is None else np.asarray(concerned),
        salience=salience, capability=np.ones((n, R)) if capability is None else np.asarray(capability, dtype=float),
        ideal=ideal, rho=rho, reservation=reservation, together=together,
    )


# --------------------------------------------------------------------------------- split


def test_split_is_the_midpoint_of_the_concerned_positions():
    positions = np.array([
        [[0.9, 0.2, 0.6], [0.5, 0.5, 0.5]],
        [[0.1, 0.4, 0.0], [0.3, 0.9, 0.7]],
        [[0.0, 1.0, 0.3], [1.0, 0.0, 0.2]],  # the third party is concerned by the last issue only
    ])
    concerned = np.array([[True, True, True], [True, True, True], [False, False, True]])
    t = Table(positions, concerned, concerned * 1.0, np.ones((3, 2)), np.zeros((3, 3)), np.ones(3), positions)
    got = split(t)
    np.testing.assert_allclose(got, [[0.5, 0.3, 0.3], [0.4, 0.7, 0.45]], rtol=1e-14)


# ---------------------------------------------------------------------------- compromise


def test_compromise_is_the_capability_times_salience_weighted_mean():
    rng = np.random.default_rng(11)
    n, R, K = 3, 5, 4
    positions = rng.random((n, R, K))
    salience = rng.dirichlet(np.ones(K), size=n)
    salience[2, 1] = 0.0  # not concerned: its position on issue 1 must not count
    capability = rng.uniform(0.2, 3.0, size=(n, R))
    t = Table(positions, salience > 0, salience, capability, np.zeros((n, K)), np.ones(n), positions)
    got = compromise(t)
    for r, k in itertools.product(range(R), range(K)):
        w = [capability[i, r] * salience[i, k] for i in range(n)]
        assert got[r, k] == pytest.approx(sum(wi * positions[i, r, k] for i, wi in enumerate(w)) / sum(w), rel=1e-12)


def test_compromise_ignores_a_party_that_is_not_concerned_whatever_its_salience():
    positions = np.array([[[0.8]], [[0.2]]])
    t = Table(positions, np.array([[True], [False]]), np.array([[0.5], [0.5]]), np.ones((2, 1)), np.zeros((2, 1)),
              np.ones(2), positions)
    np.testing.assert_allclose(compromise(t), [[0.8]])


def test_compromise_without_any_weight_falls_back_to_split():
    positions = np.array([[[0.9, 0.6]], [[0.1, 0.0]]])
    salience = np.array([[0.5, 0.5], [0.5, 0.5]])
    capability = np.array([[0.0], [0.0]])  # no clout anywhere
    t = Table(positions, salience > 0, salience, capability, np.zeros((2, 2)), np.ones(2), positions)
    np.testing.assert_allclose(compromise(t), [[0.5, 0.3]], rtol=1e-14)
    # one world without weight, one with: each gets its own rule
    capability = np.array([[0.0, 3.0], [0.0, 1.0]])
    positions = np.concatenate([positions, positions], axis=1)
    t = Table(positions, salience > 0, salience, capability, np.zeros((2, 2)), np.ones(2), positions)
    np.testing.assert_allclose(compromise(t), [[0.5, 0.3], [0.7, 0.45]], rtol=1e-14)


# ---------------------------------------------------------------------- golden section


def test_golden_section_finds_the_maximum_of_a_concave_function_per_world():
    peak = np.array([0.3, -0.5, 2.0, 0.7, 0.42])
    lo, hi = np.array([0.0, 0.0, 0.0, 0.7, 0.1]), np.array([1.0, 1.0, 1.0, 0.7, 0.9])
    got = _golden_max(lambda a: -((a - peak) ** 2), lo, hi)
    np.testing.assert_allclose(got, np.clip(peak, lo, hi), atol=1e-10)
    # a maximum at an end of the interval, with a kink
    got = _golden_max(lambda a: -np.abs(a - 0.25), np.zeros(2), np.array([1.0, 0.2]))
    np.testing.assert_allclose(got, [0.25, 0.2], atol=1e-10)
    assert lo[0] == 0.0 and hi[0] == 1.0  # the bounds are not written into


# --------------------------------------------------- a party that does not care about an issue

# Two parties, two issues; B (the second) gives issue 1 no salience. A's ideal is (1, 0.3),
# B's (0, 0): inside the scale, so that no clipping to [0, 1] can stand in for the rule.
IDEAL = np.array([[1.0, 0.3], [0.0, 0.0]])
SAL_ONE_SIDED = np.array([[0.5, 0.5], [1.0, 0.0]])


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("together", [None, [[False, False]], [[True, True]]], ids=["alone", "none-in-package", "package"])
def test_terms_follow_the_concerned_party_alone_on_an_issue_the_other_ignores(rule, together):
    positions = np.array([[[0.8, 0.7]], [[0.1, 0.2]]])
    t = make_table(positions, SAL_ONE_SIDED, IDEAL, [[0.3], [0.3]], together=None if together is None else np.array(together))
    got = RULES[rule].propose(t)
    if rule in ("split", "compromise"):
        assert got[0, 1] == pytest.approx(0.7)  # A's stated position: B's says nothing here
    else:
        assert got[0, 1] == pytest.approx(0.3, abs=1e-9)  # A's ideal: only A gains from it


@pytest.mark.parametrize("rule", ["nash", "kalai"])
def test_in_a_package_an_item_only_one_side_cares_about_goes_to_that_side(rule):
    # three package items: both care about item 0, only A about item 1, only B about item 2
    ideal = np.array([[1.0, 0.3, 0.6], [0.0, 0.8, 0.1]])
    salience = np.array([[0.5, 0.5, 0.0], [0.6, 0.0, 0.4]])
    # per world (A, B) war values; at 0 a party's reservation point is the other side's
    # ideal, where its gain is exactly 0
    values = np.array([[0.2, 0.0, 0.3, 0.0, 0.5], [0.2, 0.3, 0.0, 0.0, 0.1]])
    t = make_table(np.zeros((2, 5, 3)), salience, ideal, values, together=np.ones((5, 3), bool))
    got = RULES[rule].propose(t)
    np.testing.assert_allclose(got[:, 1:], np.tile([0.3, 0.1], (5, 1)), atol=1e-12)


# ------------------------------------------------------------------ an empty bargaining range


def empty_range_table(rho_b: float, together=None):
    """A's ideal 1, B's 0, one issue: war values 0.9 and 0.8 leave no terms both prefer to war.

    A's reservation point r_A = 0.9 (U_A = a), B's r_B = 0.2 ** (1 / rho_b) (U_B = 1 - a ** rho_b).
    """
    return make_table(np.array([[[0.95]], [[0.05]]]), np.ones((2, 1)), np.array([[1.0], [0.0]]),
                      [[0.9], [0.8]], rho=[1.0, rho_b], together=together)


@pytest.mark.parametrize("rule", ["nash", "kalai"])
@pytest.mark.parametrize("rho_b", [1.0, 2.0])
def test_an_empty_range_gives_the_midpoint_between_the_reservation_points(rule, rho_b):
    t = empty_range_table(rho_b)
    r_a, r_b = 0.9, 0.2 ** (1 / rho_b)
    assert r_b < r_a  # each side's worst acceptable terms lie beyond the other's: no range
    np.testing.assert_allclose(RULES[rule].propose(t), [[(r_a + r_b) / 2]], rtol=1e-12)
    # the same in a package: no package leaves both sides at or above their war values
    np.testing.assert_allclose(RULES[rule].propose(empty_range_table(rho_b, np.ones((1, 1), bool))), [[(r_a + r_b) / 2]],
                               rtol=1e-12)


@pytest.mark.parametrize("rule", ["split", "compromise"])
def test_an_empty_range_does_not_change_the_rules_of_positions(rule):
    got = RULES[rule].propose(empty_range_table(1.0))
    np.testing.assert_allclose(got, [[0.5]], rtol=1e-12)  # positions 0.95 and 0.05, equal weights


def test_the_range_is_clipped_to_the_scale():
    # generous war values: A's range reaches below 0, B's above 1; both rules then agree on
    # the one-issue linear solution, the midpoint of the range clipped to [0, 1]
    t = make_table(np.zeros((2, 1, 1)), np.ones((2, 1)), np.array([[1.0], [0.0]]), [[0.0], [0.0]])
    for rule in ("nash", "kalai"):
        np.testing.assert_allclose(RULES[rule].propose(t), [[0.5]], atol=1e-9)


# ------------------------------------------------------------------------------ packages


def package_gains(t: Table, terms, r, items):
    """Each party's utility gain over its reservation points in world r, summed over `items`."""
    ideal, salience = t.ideal[:, r], t.salience[:, r]
    floor = 1.0 - np.abs(t.reservation[:, r] - ideal)
    return np.array([(salience[i, items] * (1.0 - np.abs(terms[..., items] - ideal[i, items]) - floor[i, items])).sum(-1)
                     for i in range(2)])


MIXED_IDEAL = np.array([[1.0, 0.0, 1.0, 0.6], [0.0, 1.0, 0.0, 0.6]])  # the last item: a shared ideal


def mixed_table(seed, together):
    rng = np.random.default_rng(seed)
    R = 4
    salience = rng.dirichlet(np.ones(4), size=2)
    values = rng.uniform(0.0, 0.35, size=(2, R))
    return make_table(rng.random((2, R, 4)), salience, MIXED_IDEAL, values, together=together)


@pytest.mark.parametrize("seed", range(3))
def test_package_items_are_solved_together_and_the_others_alone(seed):
    together = np.tile([True, True, False, True], (4, 1))  # item 2 is agreed alone
    t = mixed_table(seed, together)
    alone = mixed_table(seed, None)
    pkg = [0, 1, 3]
    grid = np.array(list(itertools.product(np.linspace(0, 1, 101), repeat=2)))
    for rule in ("nash", "kalai"):
        got, by_issue = RULES[rule].propose(t), RULES[rule].propose(alone)
        # the item outside the package gets its own issue's solution
        np.testing.assert_allclose(got[:, 2], by_issue[:, 2], rtol=1e-12)
        # the item both sides want at the same point gets that point
        np.testing.assert_allclose(got[:, 3], 0.6, atol=1e-12)
        for r in range(4):
            mine = package_gains(t, got[r], r, pkg)
            assert np.all(mine >= -1e-12)  # nobody is asked to lose against war
            if rule == "nash":  # no point of the package's own items gives a larger product
                terms = np.tile(got[r], (len(grid), 1))
                terms[:, :2] = grid
                g = package_gains(t, terms, r, pkg)
                best = np.where((g >= 0).all(axis=0), g[0] * g[1], -np.inf).max()
                assert mine[0] * mine[1] >= best - 1e-12


def test_package_kalai_against_linear_programs_with_a_single_item_beside():
    together = np.tile([True, True, False, False], (4, 1))
    for seed in range(3):
        t = mixed_table(seed, together)
        got = kalai(t)
        d = np.abs(MIXED_IDEAL[1, :2] - MIXED_IDEAL[0, :2])
        for r in range(4):
            al, be = t.salience[0, r, :2] * d, t.salience[1, r, :2] * d
            ga0, gb0 = package_gains(t, MIXED_IDEAL[0], r, [0, 1])
            best_a = ga0 - linprog(al, A_ub=[-be], b_ub=[gb0], bounds=[(0, 1)] * 2).fun
            best_b = gb0 - linprog(-be, A_ub=[al], b_ub=[ga0], bounds=[(0, 1)] * 2).fun
            ga, gb = package_gains(t, got[r], r, [0, 1])
            assert ga / best_a == pytest.approx(gb / best_b, abs=1e-9)
            lp = linprog(np.r_[0.0, 0.0, -1.0], A_ub=[np.r_[al / best_a, 1.0], np.r_[-be / best_b, 1.0]],
                         b_ub=[ga0 / best_a, gb0 / best_b], bounds=[(0, 1)] * 2 + [(None, None)])
            assert ga / best_a == pytest.approx(-lp.fun, abs=1e-9)


@pytest.mark.parametrize("rule", ["nash", "kalai"])
def test_an_infeasible_package_falls_back_to_the_items_alone(rule):
    # war values so high that no package leaves both sides above them
    ideal = np.array([[1.0, 0.0], [0.0, 1.0]])
    salience = np.array([[0.6, 0.4], [0.3, 0.7]])
    values = np.array([[0.8, 0.7], [0.75, 0.9]])
    positions = np.zeros((2, 2, 2))
    t = make_table(positions, salience, ideal, values, together=np.ones((2, 2), bool))
    grid = np.array(list(itertools.product(np.linspace(0, 1, 101), repeat=2)))
    for r in range(2):
        assert not (package_gains(t, grid, r, [0, 1]) >= 0).all(axis=0).any()
    alone = make_table(positions, salience, ideal, values)
    np.testing.assert_allclose(RULES[rule].propose(t), RULES[rule].propose(alone), rtol=1e-12)


def test_a_package_of_one_party_or_of_no_item_is_solved_issue_by_issue():
    # only A is concerned by the package items: no second party to trade with
    ideal = np.array([[1.0, 0.0], [0.0, 1.0]])
    salience = np.array([[0.5, 0.5], [1.0, 0.0]])
    t = make_table(np.zeros((2, 1, 2)), salience, ideal, [[0.3], [0.3]], together=np.array([[False, True]]))
    alone = make_table(np.zeros((2, 1, 2)), salience, ideal, [[0.3], [0.3]])
    for rule in ("nash", "kalai"):
        np.testing.assert_allclose(RULES[rule].propose(t), RULES[rule].propose(alone), rtol=1e-12)


@pytest.mark.parametrize("values", [[0.2, 0.3], [0.9, 0.8]], ids=["range", "no-range"])
def test_a_package_of_one_issue_is_that_issue_solved_alone(values):
    t = make_table(np.zeros((2, 1, 1)), np.ones((2, 1)), np.array([[1.0], [0.0]]), [[values[0]], [values[1]]],
                   together=np.ones((1, 1), bool))
    alone = make_table(np.zeros((2, 1, 1)), np.ones((2, 1)), np.array([[1.0], [0.0]]), [[values[0]], [values[1]]])
    for rule in ("nash", "kalai"):
        np.testing.assert_allclose(RULES[rule].propose(t), RULES[rule].propose(alone), atol=1e-9)


def test_three_parties_in_a_package_are_solved_issue_by_issue():
    ideal = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    salience = np.array([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]])
    positions = np.zeros((3, 1, 2))
    values = np.full((3, 1), 0.2)
    t = make_table(positions, salience, ideal, values, together=np.ones((1, 2), bool))
    alone = make_table(positions, salience, ideal, values)
    for rule in ("nash", "kalai"):
        np.testing.assert_allclose(RULES[rule].propose(t), RULES[rule].propose(alone), rtol=1e-12)


# ------------------------------------------------------------ the table and the rule of each world


def test_a_table_spreads_per_party_values_over_the_worlds():
    n, W, K = 2, 3, 2
    positions = np.zeros((n, W, K))
    t = Table(positions, np.array([[True, False], [True, True]]), np.array([[1.0, 0.0], [0.5, 0.5]]), np.ones((n, W)),
              np.array([[1.0, 0.2], [0.0, 0.9]]), np.array([1.0, 2.0]), positions)
    for name in ("concerned", "salience", "ideal"):
        assert getattr(t, name).shape == (n, W, K), name
    np.testing.assert_array_equal(t.ideal[1], np.tile([0.0, 0.9], (W, 1)))
    np.testing.assert_array_equal(t.concerned[0], np.tile([True, False], (W, 1)))
    np.testing.assert_array_equal(t.rho, [[1.0] * W, [2.0] * W])
    # (n, W, K) and (n, W) values stay as given
    salience = np.random.default_rng(0).random((n, W, K))
    t = Table(positions, salience > 0.5, salience, np.ones((n, W)), positions, np.array([[1.0, 2.0, 0.5]] * 2), positions)
    np.testing.assert_array_equal(t.salience, salience)
    np.testing.assert_array_equal(t.rho[:, 2], [0.5, 0.5])


def test_a_subset_keeps_the_worlds_asked_for_of_every_field():
    rng = np.random.default_rng(4)
    n, W, K = 2, 5, 3
    t = make_table(rng.random((n, W, K)), rng.dirichlet(np.ones(K), size=n), rng.random((n, K)),
                   rng.uniform(0.1, 0.4, (n, W)), capability=rng.uniform(0.5, 2.0, (n, W)),
                   together=rng.random((W, K)) < 0.5)
    worlds = np.array([3, 0])
    sub = t.subset(worlds)
    for name in ("positions", "concerned", "salience", "capability", "ideal", "rho", "reservation"):
        np.testing.assert_array_equal(getattr(sub, name), getattr(t, name)[:, worlds], err_msg=name)
    np.testing.assert_array_equal(sub.together, t.together[worlds])
    assert make_table(rng.random((n, W, K)), np.full((n, K), 1 / K), rng.random((n, K)), np.full((n, W), 0.2)).subset(
        worlds).together is None


def test_rules_are_registered_by_name_with_their_source():
    assert list(RULES) == ["split", "compromise", "nash", "kalai"]  # the codes the worlds store
    assert all(rule.name == name for name, rule in RULES.items())
    assert [r.propose for r in RULES.values()] == [split, compromise, nash, kalai]
    assert [r.reference for r in RULES.values()] == ["Raiffa1982", "Thomson2006", "Nash1950", "Kalai1975"]


def test_each_world_gets_the_terms_of_its_own_rule():
    rng = np.random.default_rng(8)
    n, W, K = 2, 8, 3
    t = make_table(rng.random((n, W, K)), rng.dirichlet(np.ones(K), size=n), np.array([[1.0, 0.0, 0.8], [0.0, 1.0, 0.1]]),
                   rng.uniform(0.1, 0.4, (n, W)), capability=rng.uniform(0.5, 2.0, (n, W)),
                   together=np.tile([True, True, False], (W, 1)))
    code = np.array([0, 1, 2, 3, 3, 2, 1, 0])
    got = propose(t, code)
    rules = list(RULES.values())
    for w in range(W):  # each world alone, by its rule
        alone = rules[code[w]].propose(t.subset(np.array([w])))
        np.testing.assert_allclose(got[w], alone[0], rtol=1e-12, atol=1e-15, err_msg=f"world {w}")
    # one rule everywhere: that rule on the whole table
    for c, rule in enumerate(rules):
        np.testing.assert_array_equal(propose(t, np.full(W, c)), rule.propose(t))


# ---------------------------------------------------------------------------------- bias


def test_bias_moves_each_world_toward_one_side_by_its_share():
    terms = np.array([[0.5, 0.2], [0.4, 0.4]])
    ours, theirs = np.array([[1.0, 0.0], [0.8, 0.6]]), np.array([[0.0, 1.0], [0.2, 0.0]])
    np.testing.assert_allclose(tilt(terms, ours, theirs, 0.5), terms + 0.5 * (ours - terms), rtol=1e-14)
    np.testing.assert_allclose(tilt(terms, ours, theirs, -0.25), terms + 0.25 * (theirs - terms), rtol=1e-14)
    np.testing.assert_allclose(tilt(terms, ours, theirs, 0.0), terms, rtol=1e-14)
    # each world its own bias: toward one side, toward the other, none
    terms, ours, theirs = np.tile(terms[0], (3, 1)), np.tile(ours[0], (3, 1)), np.tile(theirs[0], (3, 1))
    got = tilt(terms, ours, theirs, np.array([0.5, -0.25, 0.0]))
    want = [terms[0] + 0.5 * (ours[0] - terms[0]), terms[0] + 0.25 * (theirs[0] - terms[0]), terms[0]]
    np.testing.assert_allclose(got, want, rtol=1e-14)
    np.testing.assert_array_equal(tilt(terms, ours, theirs, np.array([1.0, -1.0, 0.0])), [ours[0], theirs[0], terms[0]])


# ------------------------------------------------------------------ through the whole model


def one_sided_cfg(rule: str, protocol: str):
    """The symmetric dyad with a second issue, `pact`, that only A cares about."""
    cfg = make_cfg("scenario=symmetric_dyad", "replications=10", f"mediator.rule={rule}", "record.timeline=false")
    with open_dict(cfg):
        cfg.scenario.issues.border.protocol = protocol
        cfg.scenario.issues.pact = IssueConfig(protocol=protocol)
        cfg.scenario.parties.a.ideal = {"border": 1.0, "pact": 1.0}
        cfg.scenario.parties.a.salience = {"border": 0.5, "pact": 0.5}
        cfg.scenario.parties.b.ideal = {"border": 0.0, "pact": 0.0}
    return cfg


@pytest.mark.parametrize("protocol", ["issue_by_issue", "package"])
@pytest.mark.parametrize("rule", list(RULES))
def test_in_a_run_terms_on_an_issue_one_side_ignores_follow_the_other(rule, protocol):
    rounds = simulate(one_sided_cfg(rule, protocol)).rounds
    first = rounds[(rounds["round"] == 1) & (rounds["issue"] == "pact")]  # every item is open in round 1
    a = first[first["party"] == "a"]
    assert len(a) == 10
    want = a["position"] if rule in ("split", "compromise") else np.ones(len(a))
    np.testing.assert_allclose(a["proposal"], want, atol=1e-9)


@pytest.mark.parametrize("rule", ["nash", "kalai"])
def test_in_a_run_an_empty_range_gives_the_midpoint_of_the_reservation_points(rule):
    # both sides 0.3 too optimistic and war costs nothing: war values near 0.8 at opposite
    # poles; B's utility 1 - a^2 puts its reservation point at sqrt(1 - V_B)
    cfg = make_cfg("scenario=symmetric_dyad", "replications=20", f"mediator.rule={rule}", "record.timeline=false",
                   "scenario.parties.a.optimism=0.3", "scenario.parties.b.optimism=0.3",
                   "scenario.parties.a.cost=0", "scenario.parties.b.cost=0", "scenario.parties.b.rho=2")
    rounds = simulate(cfg).rounds
    v = rounds.pivot_table(index=["replication", "round"], columns="party", values="war_value", observed=True)
    proposal = rounds.groupby(["replication", "round"], observed=True)["proposal"].first().loc[v.index]
    agreed = rounds.groupby(["replication", "round"], observed=True)["agreed"].any().loc[v.index]
    r_a, r_b = v["a"], np.sqrt(1.0 - v["b"])
    empty = r_a > r_b
    assert empty.mean() > 0.5, "the setup should leave the range empty in most rounds"
    np.testing.assert_allclose(proposal[empty], ((r_a + r_b) / 2)[empty], rtol=1e-9)
    assert not agreed[empty].any()  # terms below both war values are refused


# --------------------------------------------------- packages over many random worlds


def random_package(seed: int, R: int = 200):
    """Two parties, three package items (the third not a pure conflict), random saliences
    (one draw per seed) and war values per world between 0.3 and 0.95."""
    rng = np.random.default_rng(seed)
    ideal = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.2]])
    salience = rng.dirichlet(np.ones(3), size=2)
    values = rng.uniform(0.3, 0.95, size=(2, R))
    t = make_table(np.zeros((2, R, 3)), salience, ideal, values, together=np.ones((R, 3), bool))
    alone = make_table(np.zeros((2, R, 3)), salience, ideal, values)
    return t, alone


def linear_gains(t: Table):
    """Per world, G_A = g_a - alpha . s and G_B = g_b + beta . s over s in [0, 1]^K, the share
    of the way from A's ideal to B's on each item; (W,) gains and (W, K) rates."""
    d = np.abs(t.ideal[1] - t.ideal[0])
    floor = 1.0 - np.abs(t.reservation - t.ideal)
    g_a = (t.salience[0] * (1 - floor[0])).sum(-1)
    g_b = (t.salience[1] * (1 - d - floor[1])).sum(-1)
    return g_a, t.salience[0] * d, g_b, t.salience[1] * d


@pytest.mark.parametrize("seed", range(3))
def test_random_packages_are_individually_rational_or_fall_back(seed):
    t, alone = random_package(seed)
    g_a, al, g_b, be = linear_gains(t)
    K = al.shape[-1]
    # the most A can keep while B loses nothing against war (a linear program per world)
    lps = [linprog(al[r], A_ub=[-be[r]], b_ub=[g_b[r]], bounds=[(0, 1)] * K) for r in range(len(g_a))]
    best_a = np.array([g_a[r] - lp.fun if lp.success else -np.inf for r, lp in enumerate(lps)])
    feasible, infeasible = best_a > 1e-9, best_a < -1e-9
    assert feasible.sum() > 20 and infeasible.sum() > 20, "both kinds of world should be drawn"
    for rule in ("nash", "kalai"):
        got, by_issue = RULES[rule].propose(t), RULES[rule].propose(alone)
        # where no package leaves both sides at their war values, each item is solved alone
        np.testing.assert_allclose(got[infeasible], by_issue[infeasible], rtol=1e-12, err_msg=rule)
        # where one does, nobody is asked to lose against war
        s = (got - t.ideal[0]) / (t.ideal[1] - t.ideal[0])
        ga, gb = g_a - (s * al).sum(-1), g_b + (s * be).sum(-1)
        assert np.all(ga[feasible] >= -1e-9) and np.all(gb[feasible] >= -1e-9), rule


@pytest.mark.parametrize("rule", ["nash", "kalai"])
def test_a_package_of_separate_interests_gives_each_side_its_own_items(rule):
    # A cares only about item 1, B about items 0 and 2: nothing to trade, each gets its ideal.
    # A's war value (0.5) is below its utility at B's ideal (0.6): its reservation point is
    # B's ideal, where its gain is exactly 0.
    ideal = np.array([[0.2, 1.0, 0.6], [0.6, 0.6, 1.0]])
    salience = np.array([[0.0, 1.0, 0.0], [0.8, 0.0, 0.2]])
    t = make_table(np.zeros((2, 3, 3)), salience, ideal, [[0.5, 0.3, 0.0], [0.8, 0.5, 0.95]],
                   together=np.ones((3, 3), bool))
    np.testing.assert_allclose(RULES[rule].propose(t), np.tile([0.6, 1.0, 1.0], (3, 1)), atol=1e-12)


@pytest.mark.parametrize("rule", ["nash", "kalai"])
def test_a_package_without_a_trade_leaves_items_where_the_concerned_want_them(rule):
    # item 0 only A cares about; on item 1 both share the ideal 0.4: nothing moves toward B
    # (B's ideal on item 0, 0.0, would cost A and give B nothing)
    ideal = np.array([[1.0, 0.4], [0.0, 0.4]])
    salience = np.array([[0.6, 0.4], [0.0, 1.0]])
    t = make_table(np.zeros((2, 2, 2)), salience, ideal, [[0.3, 0.7], [0.2, 0.5]], together=np.ones((2, 2), bool))
    np.testing.assert_allclose(RULES[rule].propose(t), np.tile([1.0, 0.4], (2, 1)), atol=1e-12)


def test_nash_package_when_one_side_accepts_nothing_short_of_its_ideal():
    """A's war value 1: its reservation point is its ideal, so a package leaves A a gain of
    exactly 0 (G_A >= 0 holds only at A's ideal on item 0, the item A weighs) and the Nash
    product is 0 on every feasible package. Of those, the Pareto-efficient one gives B
    item 1, which only B cares about, at B's ideal 0.9: terms (1, 0.9) in both worlds.

    World 0: B's war value 0.4 puts its reservation point at (0.75, 0.45) (t = 0.6 / 0.8 of
    the way from (0, 0.9) to A's ideal (1, 0.3)); its gain at (1, 0.9) is
    0.5 (0 - 0.25) + 0.5 (1 - 0.55) = 0.1 >= 0. Item 0 alone has no range (A wants 1, B
    nothing above 0.75): the package is what lets A keep its ideal there, where issue by
    issue gives the midpoint 0.875 of the reservation points.
    World 1: B's war value 0.1 is below its utility at A's ideal (0.2): its reservation
    point is A's ideal, where both gains are exactly 0."""
    ideal = np.array([[1.0, 0.3], [0.0, 0.9]])
    salience = np.array([[1.0, 0.0], [0.5, 0.5]])
    values = [[1.0, 1.0], [0.4, 0.1]]
    t = make_table(np.zeros((2, 2, 2)), salience, ideal, values, together=np.ones((2, 2), bool))
    np.testing.assert_allclose(t.reservation[:, 0], [[1.0, 0.3], [0.75, 0.45]], rtol=1e-12)
    np.testing.assert_allclose(t.reservation[1, 1], [1.0, 0.3], rtol=1e-12)
    np.testing.assert_allclose(nash(t), [[1.0, 0.9], [1.0, 0.9]], atol=1e-12)
    alone = make_table(np.zeros((2, 2, 2)), salience, ideal, values)
    np.testing.assert_allclose(nash(alone), [[0.875, 0.9], [1.0, 0.9]], atol=1e-9)


@pytest.mark.parametrize("rule", ["nash", "kalai"])
def test_a_one_issue_package_on_which_both_share_the_ideal_is_that_ideal(rule):
    # nothing to trade and nothing to split: whatever the war values, the terms are the ideal
    ideal = np.array([[0.3], [0.3]])
    t = make_table(np.zeros((2, 2, 1)), np.ones((2, 1)), ideal, [[0.2, 0.9], [0.5, 0.1]], together=np.ones((2, 1), bool))
    np.testing.assert_allclose(RULES[rule].propose(t), [[0.3], [0.3]], atol=1e-9)


def test_nash_package_when_the_second_side_accepts_nothing_short_of_its_ideal():
    # the case above with the parties' order swapped: now the second party's gain is the one
    # that is exactly 0, and the product 0 must still count as feasible (G >= 0, not > 0)
    ideal = np.array([[0.0, 0.9], [1.0, 0.3]])
    salience = np.array([[0.5, 0.5], [1.0, 0.0]])
    values = [[0.4, 0.1], [1.0, 1.0]]
    t = make_table(np.zeros((2, 2, 2)), salience, ideal, values, together=np.ones((2, 2), bool))
    np.testing.assert_allclose(nash(t), [[1.0, 0.9], [1.0, 0.9]], atol=1e-12)


@pytest.mark.parametrize("rule", ["nash", "kalai"])
def test_a_party_outside_the_package_does_not_change_its_terms(rule):
    # the second of three parties weighs only item 2, which is agreed alone: the package
    # (items 0 and 1) is between the first and the last party, as if the second were absent
    ideal = np.array([[1.0, 0.0, 1.0], [0.5, 0.5, 0.0], [0.0, 1.0, 0.0]])
    salience = np.array([[0.4, 0.3, 0.3], [0.0, 0.0, 1.0], [0.5, 0.5, 0.0]])
    values = [[0.2, 0.3], [0.2, 0.2], [0.25, 0.1]]
    together = np.tile([True, True, False], (2, 1))
    three = make_table(np.zeros((3, 2, 3)), salience, ideal, values, together=together)
    two = make_table(np.zeros((2, 2, 3)), salience[[0, 2]], ideal[[0, 2]], [values[0], values[2]], together=together)
    by_issue = make_table(np.zeros((2, 2, 3)), salience[[0, 2]], ideal[[0, 2]], [values[0], values[2]])
    got = RULES[rule].propose(three)[:, :2]
    np.testing.assert_allclose(got, RULES[rule].propose(two)[:, :2], atol=1e-12)
    assert np.abs(got - RULES[rule].propose(by_issue)[:, :2]).max() > 0.05  # the package is traded, not split alone


def stack_worlds(*tables: Table) -> Table:
    """One table of the worlds of several (parties' rho may differ between them)."""
    per_party = ("positions", "concerned", "salience", "capability", "ideal", "rho", "reservation")
    return Table(**{name: np.concatenate([getattr(t, name) for t in tables], axis=1) for name in per_party},
                 together=np.concatenate([t.together for t in tables]))


@pytest.mark.parametrize("rule", ["nash", "kalai"])
def test_a_package_is_joint_in_the_worlds_where_both_utilities_are_linear(rule):
    # the same package in two worlds; in the first B's utility is quadratic (rho 2), so that
    # world is solved issue by issue; the second, linear in both, still gets the joint terms
    ideal = np.array([[1.0, 0.0], [0.0, 1.0]])
    salience = np.array([[0.7, 0.3], [0.4, 0.6]])
    together = np.ones((1, 2), bool)
    curved = make_table(np.zeros((2, 1, 2)), salience, ideal, [[0.2], [0.2]], rho=[1.0, 2.0], together=together)
    linear = make_table(np.zeros((2, 1, 2)), salience, ideal, [[0.2], [0.2]], together=together)
    got = RULES[rule].propose(stack_worlds(curved, linear))
    np.testing.assert_allclose(got[1], RULES[rule].propose(linear)[0], atol=1e-12)
    np.testing.assert_allclose(got[0], RULES[rule].propose(curved)[0], atol=1e-12)
    alone = make_table(np.zeros((2, 1, 2)), salience, ideal, [[0.2], [0.2]])
    assert np.abs(got[1] - RULES[rule].propose(alone)[0]).max() > 0.05  # the joint terms differ from item by item


@pytest.mark.parametrize("radius_a, radius_b, want", [
    # B's gain is exactly 0 once item 1 is at its ideal: A's best; then KS on item 0, t = 1/6
    ((0.5, 0.5), (1.0, 0.0), (1 / 6, 1.0)),
    # A's gain is exactly 0 when item 1 is at B's ideal: B's best; KS on item 1, t = 5/6
    ((0.0, 1.0), (0.5, 0.5), (0.0, 5 / 6)),
], ids=["B-reaches-0-at-a-segment-end", "A-reaches-0-at-a-segment-end"])
def test_kalai_package_when_a_gain_reaches_0_exactly_where_a_segment_ends(radius_a, radius_b, want):
    """A's ideal (0, 0), B's (1, 1), saliences A (0.75, 0.25), B (0.25, 0.75): the frontier
    moves item 1 first (A loses 1/3 of what B gains), then item 0. Reservation points at the
    given distances from each ideal; the gains are binary fractions, so a gain of 0 at a
    segment's end is exactly 0. Case 1: G_A = 0.5 - 0.25 s1 - 0.75 s0, G_B = -0.75 + 0.75 s1
    + 0.25 s0: A's best 0.25 (s1 = 1), B's best 1/12 (s0 = 1/3); equal shares at s0 = 1/6.
    Case 2: G_A = 0.25 - 0.25 s1, G_B = -0.5 + 0.75 s1: A's best 1/12, B's 0.25 (s1 = 1);
    equal shares at s1 = 5/6. Issue by issue both have an empty range on one item."""
    ideal = np.array([[0.0, 0.0], [1.0, 1.0]])
    salience = np.array([[0.75, 0.25], [0.25, 0.75]])
    reservation = np.array([[radius_a], [np.subtract(1.0, radius_b)]])  # (n, W, K)
    t = Table(np.zeros((2, 1, 2)), salience > 0, salience, np.ones((2, 1)), ideal, np.ones(2), reservation,
              together=np.ones((1, 2), bool))
    np.testing.assert_allclose(kalai(t), [want], atol=1e-12)
    alone = Table(np.zeros((2, 1, 2)), salience > 0, salience, np.ones((2, 1)), ideal, np.ones(2), reservation)
    assert np.abs(kalai(alone)[0] - want).max() > 0.1  # the package, not the items alone, gives these terms


@pytest.mark.parametrize("order", [[0, 1], [1, 0]], ids=["first-side", "second-side"])
def test_kalai_package_falls_back_when_a_side_accepts_nothing_short_of_its_ideal(order):
    """A (war value 1) gains exactly 0 at best, so its share of its best gain is undefined:
    Kalai-Smorodinsky has no package solution and the items get their issue-by-issue terms,
    whichever side is listed first (the rounding of a zero gain must not decide it). World 0:
    item 0 has no range alone, so its terms are the midpoint 0.875 of the reservation
    points (see the Nash case above); item 1, which only B weighs, goes to B's ideal."""
    ideal = np.array([[1.0, 0.3], [0.0, 0.9]])[order]
    salience = np.array([[1.0, 0.0], [0.5, 0.5]])[order]
    values = np.array([[1.0, 1.0], [0.4, 0.1]])[order]
    t = make_table(np.zeros((2, 2, 2)), salience, ideal, values, together=np.ones((2, 2), bool))
    alone = make_table(np.zeros((2, 2, 2)), salience, ideal, values)
    np.testing.assert_allclose(kalai(t), kalai(alone), atol=1e-12)
    np.testing.assert_allclose(kalai(t)[0], [0.875, 0.9], atol=1e-9)
