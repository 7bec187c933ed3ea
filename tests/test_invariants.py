"""Invariants every run must keep (docs/model.md), on the 2022 scenario and variants.

- positions, proposals, beliefs and agreed terms stay in [0, 1];
- cumulative war costs never fall;
- nothing is agreed that a concerned party said no to;
- replication r gives exactly the same tables alone as inside an ensemble of any size;
- the same seed gives identical tables, another seed different ones.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from conftest import make_cfg

from sim.runs.ensemble import simulate


@lru_cache(maxsize=None)
def run(overrides: tuple[str, ...]):
    return simulate(make_cfg(*overrides))


DEFAULT = ("replications=100",)  # russia_ukraine_2022
CONFIGS = [
    pytest.param(DEFAULT, id="default"),
    pytest.param(("replications=40", "mediator.rule=split", "mediator.bias=0.5"), id="split-bias+0.5"),
    pytest.param(("replications=40", "mediator.rule=split", "mediator.bias=-0.5"), id="split-bias-0.5"),
    pytest.param(("replications=40", "mediator.rule=compromise"), id="compromise"),
    pytest.param(("replications=40", "mediator.rule=nash"), id="nash"),
    pytest.param(("replications=40", "mediator.rule=nash", "mediator.bias=-0.5"), id="nash-bias-0.5"),
    pytest.param(("replications=40", "mediator.rule=kalai"), id="kalai"),
    pytest.param(("replications=40", "mediator.rule=kalai", "mediator.bias=0.5"), id="kalai-bias+0.5"),
    pytest.param(("replications=40", "scenario=symmetric_dyad", "mediator.rule=compromise"), id="dyad-compromise"),
]


def _party_names(res) -> list[str]:
    return list(res.config.scenario.parties)


def _unit(series: pd.Series) -> bool:
    values = series.to_numpy(dtype=float)
    return bool(np.all((values >= 0.0) & (values <= 1.0)))


@pytest.mark.parametrize("overrides", CONFIGS)
def test_positions_and_proposals_in_unit_interval(overrides):
    rounds = run(overrides).rounds
    assert len(rounds) > 0
    assert rounds["position"].notna().all() and rounds["proposal"].notna().all()
    assert _unit(rounds["position"])
    assert _unit(rounds["proposal"])


@pytest.mark.parametrize("overrides", CONFIGS)
def test_beliefs_in_unit_interval(overrides):
    res = run(overrides)
    tl = res.timeline
    for name in _party_names(res):
        assert tl[f"belief_{name}"].notna().all()
        assert _unit(tl[f"belief_{name}"]), name


@pytest.mark.parametrize("overrides", CONFIGS)
def test_cumulative_costs_never_decrease(overrides):
    res = run(overrides)
    tl = res.timeline.sort_values(["replication", "day"], kind="stable")
    for name in _party_names(res):
        step = tl.groupby("replication")[f"cost_{name}"].diff().dropna()
        assert (step >= 0).all(), name
        assert (tl[f"cost_{name}"] >= 0).all()
    # and the outcome reports the cost at the end of the run
    last = tl.groupby("replication").tail(1).set_index("replication")
    out = res.outcomes.groupby("replication").first()
    for name in _party_names(res):
        np.testing.assert_array_equal(out[f"cost_{name}"].to_numpy(), last.loc[out.index, f"cost_{name}"].to_numpy())


@pytest.mark.parametrize("overrides", CONFIGS)
def test_nothing_agreed_against_a_concerned_no(overrides):
    res = run(overrides)
    rounds = res.rounds
    parties = res.config.scenario.parties
    concerned = np.array(
        [parties[str(p)].salience.get(str(i), 0.0) > 0 for p, i in zip(rounds["party"], rounds["issue"])]
    )
    agreed = rounds["agreed"].to_numpy(dtype=bool)
    assert agreed.any(), "the config should reach some agreement, or the test proves nothing"
    assert rounds.loc[agreed, "on_table"].all()
    answers = rounds.loc[agreed & concerned, "answer"]
    assert answers.notna().all()
    assert answers.astype(bool).all()
    # every agreed item has a (yes) row from each concerned party in that round and world
    n_concerned = {
        issue: sum(p.salience.get(issue, 0.0) > 0 for p in parties.values()) for issue in res.config.scenario.issues
    }
    yes = rounds.loc[agreed & concerned]
    per_item = yes.groupby(["replication", "round", "issue"], observed=True).size()
    want = [n_concerned[str(i)] for i in per_item.index.get_level_values("issue")]
    np.testing.assert_array_equal(per_item.to_numpy(), want)


@pytest.mark.parametrize("overrides", CONFIGS)
def test_agreed_terms_in_unit_interval(overrides):
    out = run(overrides).outcomes
    agreed = out["agreed"].to_numpy(dtype=bool)
    assert out.loc[agreed, "terms"].notna().all()
    assert _unit(out.loc[agreed, "terms"])
    assert out.loc[~agreed, "terms"].isna().all()
    assert out.loc[~agreed, "held"].eq(False).all()


def _rows(df: pd.DataFrame, r: int) -> pd.DataFrame:
    return df[df["replication"] == r].reset_index(drop=True)


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(("replications=30",), id="default"),
        pytest.param(("replications=30", "mediator.rule=nash", "mediator.bias=-0.5"), id="nash-bias-0.5"),
        pytest.param(("replications=30", "mediator.rule=compromise"), id="compromise"),
        pytest.param(("replications=30", "scenario=symmetric_dyad"), id="dyad"),
    ],
)
def test_replication_alone_equals_replication_in_ensemble(overrides):
    cfg = make_cfg(*overrides)
    big = simulate(cfg)
    small = simulate(make_cfg(*overrides[1:], "replications=7"))
    assert sorted(big.outcomes["replication"].unique()) == list(range(cfg.replications))
    for r in range(cfg.replications):
        alone = simulate(cfg, replication_ids=[r])
        for table in ("outcomes", "timeline", "rounds"):
            want = _rows(getattr(big, table), r)
            assert len(want) > 0 or table == "rounds"
            pd.testing.assert_frame_equal(_rows(getattr(alone, table), r), want, check_exact=True, obj=f"{table} r={r}")
            if r < 7:
                pd.testing.assert_frame_equal(
                    _rows(getattr(small, table), r), want, check_exact=True, obj=f"{table} r={r} (7 vs 30)"
                )


@pytest.mark.parametrize(
    "overrides",
    [pytest.param(("replications=20",), id="default"), pytest.param(("replications=20", "scenario=symmetric_dyad"), id="dyad")],
)
def test_same_seed_same_tables_other_seed_different(overrides):
    first = simulate(make_cfg(*overrides, "seed=7"))
    again = simulate(make_cfg(*overrides, "seed=7"))
    other = simulate(make_cfg(*overrides, "seed=8"))
    for table in ("outcomes", "rounds", "timeline"):
        pd.testing.assert_frame_equal(getattr(first, table), getattr(again, table), check_exact=True)
    assert not first.timeline.equals(other.timeline)
    # the noise differs day by day, not only somewhere: the balance path differs in most worlds
    a = first.timeline.set_index(["replication", "day"])["balance"]
    b = other.timeline.set_index(["replication", "day"])["balance"]
    common = a.index.intersection(b.index)
    differs = (a.loc[common] != b.loc[common]).groupby(level="replication").any()
    assert differs.mean() > 0.9


def test_a_world_is_its_replication_whatever_the_order_of_the_ids():
    """Replication r fights the same war listed first or last (a bug once gave each world the
    noise of the replication at its rank among the sorted ids)."""
    cfg = make_cfg("replications=4", "record.timeline=false")
    forward = simulate(cfg, replication_ids=[1, 3]).worlds.set_index("replication")
    backward = simulate(cfg, replication_ids=[3, 1]).worlds.set_index("replication")
    pd.testing.assert_frame_equal(backward.loc[[1, 3]], forward.loc[[1, 3]], check_exact=True)


def test_a_design_block_across_two_points_keeps_each_worlds_noise(monkeypatch):
    """A block that holds the last replications of one point and the first of the next (none
    repeated) gives every world its own replication's war, as one big block does."""
    import sim.runs.ensemble as run

    cfg = make_cfg("+design.axes={mediator.bias: [0.0, 0.3]}", "design.replications=3", "record.timeline=false")
    whole = run.simulate(cfg)
    monkeypatch.setattr(run, "BLOCK", 2)  # blocks: (p0 r0, p0 r1), (p0 r2, p1 r0), (p1 r1, p1 r2)
    blocks = run.simulate(cfg)
    for name in ("outcomes", "worlds"):
        pd.testing.assert_frame_equal(getattr(blocks, name), getattr(whole, name), check_exact=True)


def test_blocks_give_exactly_the_tables_of_one_ensemble(monkeypatch):
    import sim.runs.ensemble as run

    cfg = make_cfg("replications=23")
    whole = run.simulate(cfg)
    monkeypatch.setattr(run, "BLOCK", 7)
    blocks = run.simulate(cfg)
    for name in ("outcomes", "rounds", "timeline"):
        pd.testing.assert_frame_equal(getattr(whole, name), getattr(blocks, name), check_exact=True)
