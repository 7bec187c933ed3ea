"""sim/rules/round.py held to its rules: which issues a format can settle, and which items the
answers agree, one by one or as a package."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_cfg
from omegaconf import open_dict

from sim import simulate
from sim.rules.round import RoundLog, agree, coverage
from sim.schema.checks import validate
from sim.schema.config import FORMATS, FormatConfig, IssueConfig, PartyConfig, TacticConfig, to_config
from sim.worlds.resolve import resolve


def test_formats_reach_the_worlds_in_level_order():
    cfg = make_cfg("scenario=symmetric_dyad")
    with open_dict(cfg):  # given out of order: the levels are FORMATS' order, not the mapping's
        cfg.mediator.formats = {
            "leaders": FormatConfig(max_salience=1.0, packages=True),
            "delegation": FormatConfig(max_salience=0.12),
            "ministers": FormatConfig(max_salience=0.3),
        }
    cfg = validate(to_config(cfg))
    mediator = resolve(cfg, np.zeros(2, int), np.arange(2)).mediator
    assert FORMATS == ("delegation", "ministers", "leaders")
    np.testing.assert_array_equal(mediator.max_salience, [[0.12, 0.3, 1.0]] * 2)
    np.testing.assert_array_equal(mediator.packages, [[False, False, True]] * 2)


# ------------------------------------------------------------------------------- coverage


def test_a_format_covers_issues_up_to_its_max_salience():
    max_salience = np.tile([0.12, 0.3, 1.0], (4, 1))  # (W, L)
    salience = np.tile([0.1, 0.12, 0.25, 0.3, 0.31, 1.0], (4, 1))  # (W, K) highest salience of a concerned party
    level = np.array([0, 1, 2, 1])  # (W,) the format of each world
    got = coverage(level, salience, max_salience)
    assert got.shape == (4, 6)
    np.testing.assert_array_equal(got, [
        [True, True, False, False, False, False],  # at the reach itself it is covered
        [True, True, True, True, False, False],
        [True, True, True, True, True, True],
        [True, True, True, True, False, False],
    ])


def test_what_a_format_reaches_and_what_it_must_reach_may_differ_between_worlds():
    # the same level (ministers) in three worlds, each with its own reach and saliences
    max_salience = np.array([[0.1, 0.2, 1.0], [0.1, 0.5, 1.0], [0.1, 0.5, 1.0]])
    salience = np.array([[0.2, 0.3], [0.2, 0.3], [0.6, 0.5]])
    got = coverage(np.ones(3, int), salience, max_salience)
    np.testing.assert_array_equal(got, [[True, False], [True, True], [False, True]])
    # the level picks the column of each world's own row
    got = coverage(np.array([0, 2, 1]), salience, max_salience)
    np.testing.assert_array_equal(got, [[False, False], [True, True], [False, True]])


def test_coverage_forgives_rounding_but_nothing_more():
    # saliences that sum to the reach in floating point (0.1 + 0.2 > 0.3) are within it
    salience = np.array([[0.1 + 0.2, 0.3 + 1e-9]])
    np.testing.assert_array_equal(coverage(np.array([0]), salience, np.array([[0.3]])), [[True, False]])


# ---------------------------------------------------------------------------------- agree
# Three parties, four items: 0 and 1 alone, 2 and 3 a package. Party 2 (say, a guarantor)
# is concerned only by items 1 and 3.

CONCERNED = np.array([[True, True, True, True], [True, True, True, True], [False, True, False, True]])
PACKAGE = np.array([False, False, True, True])


def package(W: int) -> np.ndarray:
    """(W, K) package flags, the same in every world."""
    return np.tile(PACKAGE, (W, 1))


def answers(*per_party):
    """(n, R, K) from one (R, K) list of answers per party."""
    return np.array(per_party, dtype=bool)


def test_an_item_alone_needs_every_concerned_yes_and_a_place_on_the_table():
    yes = np.ones((1, 4), bool)
    accept = answers([[1, 1, 0, 0]], [[1, 1, 0, 0]], [[0, 1, 0, 0]])  # party 2's no on item 0 does not count
    got = agree(accept, CONCERNED, yes, yes, package(1), np.array([True]))
    np.testing.assert_array_equal(got, [[True, True, False, False]])
    accept = answers([[1, 1, 0, 0]], [[0, 1, 0, 0]], [[1, 0, 0, 0]])
    np.testing.assert_array_equal(agree(accept, CONCERNED, yes, yes, package(1), np.array([True])), [[False] * 4])
    # all say yes, but the format does not reach item 1
    accept = np.ones((3, 1, 4), bool)
    on_table = np.array([[True, False, True, True]])
    got = agree(accept, CONCERNED, on_table, yes, package(1), np.array([True]))
    np.testing.assert_array_equal(got, [[True, False, True, True]])


def test_a_package_is_agreed_whole_or_not_at_all():
    yes = np.ones((5, 4), bool)
    allowed = np.array([True, True, True, False, True])
    accept = np.ones((3, 5, 4), bool)
    accept[2, 1, 3] = False  # world 1: the guarantor refuses item 3
    accept[0, 2, 1] = False  # world 2: a rejected item outside the package does not block it
    accept[1, 4, 2] = False  # world 4: party 1 refuses item 2
    got = agree(accept, CONCERNED, yes, yes, package(5), allowed)
    np.testing.assert_array_equal(got, [
        [True, True, True, True],
        [True, True, False, False],
        [True, False, True, True],
        [True, True, False, False],  # world 3's format cannot close packages
        [True, True, False, False],
    ])


def test_a_package_needs_all_its_open_items_on_the_table():
    accept = np.ones((3, 2, 4), bool)
    open_ = np.ones((2, 4), bool)
    on_table = np.array([[True, True, True, False], [True, True, True, True]])
    got = agree(accept, CONCERNED, on_table, open_, package(2), np.array([True, True]))
    np.testing.assert_array_equal(got, [[True, True, False, False], [True, True, True, True]])


def test_a_package_item_already_in_force_does_not_block_the_reopened_rest():
    # item 3 is in force (not open, so not on the table); item 2 broke down and is open again
    open_ = np.array([[True, True, True, False]])
    on_table = open_.copy()
    accept = np.ones((3, 1, 4), bool)
    got = agree(accept, CONCERNED, on_table, open_, package(1), np.array([True]))
    np.testing.assert_array_equal(got, [[True, True, True, False]])  # item 3 is not agreed again


def test_no_open_package_item_agrees_nothing_of_the_package():
    open_ = np.array([[True, True, False, False]])
    accept = np.ones((3, 1, 4), bool)
    got = agree(accept, CONCERNED, open_, open_, package(1), np.array([True]))
    np.testing.assert_array_equal(got, [[True, True, False, False]])


@pytest.mark.parametrize("per_world", [False, True], ids=["same-concerned", "concerned-per-world"])
def test_agree_per_world_with_more_worlds_than_parties_and_items(per_world):
    rng = np.random.default_rng(3)
    R = 60
    accept = rng.random((3, R, 4)) < 0.8
    open_ = rng.random((R, 4)) < 0.8
    on_table = open_ & (rng.random((R, 4)) < 0.9)
    allowed = rng.random(R) < 0.7
    pkg = rng.random((R, 4)) < 0.5  # which items form the package differs between worlds
    # who must accept may differ between worlds too (a salience drawn per world)
    concerned = rng.random((3, R, 4)) < 0.7 if per_world else np.broadcast_to(CONCERNED[:, None, :], (3, R, 4))
    got = agree(accept, concerned if per_world else CONCERNED, on_table, open_, pkg, allowed)
    for r in range(R):  # the rule, world by world, written out
        yes = [on_table[r, k] and all(accept[i, r, k] or not concerned[i, r, k] for i in range(3)) for k in range(4)]
        items = [k for k in range(4) if pkg[r, k] and open_[r, k]]
        whole = allowed[r] and bool(items) and all(yes[k] for k in items)
        want = [yes[k] if not pkg[r, k] else (whole and k in items) for k in range(4)]
        np.testing.assert_array_equal(got[r], want, err_msg=f"world {r}")


# -------------------------------------------------------------------------------- RoundLog


def test_round_log_keeps_copies_of_arrays_and_other_values_as_they_are():
    log = RoundLog()
    terms, tag = np.array([0.2, 0.4]), ("delegation", 1)
    log.add(round=3, terms=terms, tag=tag)
    terms[0] = 9.0  # the model goes on changing its arrays in place
    assert len(log.rounds) == 1
    assert log.rounds[0]["round"] == 3 and log.rounds[0]["tag"] is tag
    np.testing.assert_array_equal(log.rounds[0]["terms"], [0.2, 0.4])
    assert RoundLog().rounds == []  # each log has its own list


# ------------------------------------------------------------------ through the whole model


def guarded_pact_cfg(protocol: str):
    """The symmetric dyad with a second issue, `pact`, that A and B weigh as much as the
    border, and a guarantor on side A that cares only about the pact and holds out."""
    cfg = make_cfg("scenario=symmetric_dyad", "replications=20", "record.timeline=false")
    with open_dict(cfg):
        cfg.scenario.issues.border.protocol = protocol
        cfg.scenario.issues.pact = IssueConfig(protocol=protocol)
        for name, ideal in (("a", 1.0), ("b", 0.0)):
            cfg.scenario.parties[name].ideal = {"border": ideal, "pact": ideal}
            cfg.scenario.parties[name].salience = {"border": 0.5, "pact": 0.5}
        cfg.scenario.parties.c = PartyConfig(
            side="A", belligerent=False, ideal={"border": 1.0, "pact": 1.0}, salience={"pact": 1.0},
            tactic=TacticConfig(name="faratin", beta=0.05, deadline=50),
        )
    return cfg


def test_one_unacceptable_package_item_keeps_the_whole_package_from_being_agreed():
    alone = simulate(guarded_pact_cfg("issue_by_issue")).outcomes
    package = simulate(guarded_pact_cfg("package"))
    # agreed one by one, the border is settled everywhere and the guarded pact nowhere
    assert alone.loc[alone["issue"] == "border", "agreed"].all()
    assert not alone.loc[alone["issue"] == "pact", "agreed"].any()
    # in a package, the guarantor's no to the pact blocks the border too ...
    assert not package.outcomes["agreed"].any()
    r = package.rounds[package.rounds["on_table"]]
    assert not r.loc[r["party"] == "c", "answer"].astype(bool).any()
    # ... though A and B both said yes to the package in some round
    yes = r[r["party"].isin(["a", "b"])].groupby(["replication", "round"], observed=True)["answer"].all()
    assert yes.any()
