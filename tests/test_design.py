"""Per-world parameters, distributions and designs (README: "Uncertain parameters and designs").

- a world's drawn values depend only on (seed, replication): the same alone, in an
  ensemble of any size, in any block, and at every point of a design;
- a point inside a design gives exactly the tables of the same point run alone;
- drawn values respect their ranges, and each distribution has its stated shape;
- chunks of a design join into the unsplit design;
- closed forms hold world by world when their parameters differ between worlds;
- bad distributions and axes stop with one line naming the key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_cfg, one_line_error
from scipy import stats

from sim import simulate
from sim.rules.tactic import faratin_alpha
from sim.schema.config import Range
from sim.schema.distributions import ppf
from sim.worlds.resolve import normalise_salience

FAST = ("record.timeline=false",)
DRAWN = (
    "scenario.parties.russia.optimism={dist: uniform, low: 0.0, high: 0.6}",
    "scenario.parties.ukraine.cost={dist: lognormal, mean: 0.002, sd: 0.001}",
    "war.noise={dist: triangular, low: 0.1, mode: 0.2, high: 0.5}",
    "scenario.parties.russia.tactic.deadline={dist: uniform, low: 6, high: 18}",
)


def _per_world(frame: pd.DataFrame, columns) -> pd.DataFrame:
    return frame.set_index(["point", "replication"])[list(columns)]


def test_drawn_values_depend_only_on_the_replication(monkeypatch):
    import sim.runs.ensemble as ensemble

    big = simulate(make_cfg("replications=40", *FAST, *DRAWN)).worlds
    small = simulate(make_cfg("replications=9", *FAST, *DRAWN)).worlds
    alone = simulate(make_cfg("replications=40", *FAST, *DRAWN), replication_ids=[17]).worlds
    monkeypatch.setattr(ensemble, "BLOCK", 7)
    blocks = simulate(make_cfg("replications=40", *FAST, *DRAWN)).worlds
    drawn = [c for c in big.columns if c.startswith(("scenario.", "war."))]
    assert len(drawn) == len(DRAWN)
    pd.testing.assert_frame_equal(_per_world(small, drawn), _per_world(big, drawn).iloc[:9])
    pd.testing.assert_frame_equal(_per_world(alone, drawn), _per_world(big, drawn).iloc[[17]])
    pd.testing.assert_frame_equal(blocks, big)
    assert big[drawn].nunique().min() > 5  # they do differ between worlds
    # another seed, other draws
    other = simulate(make_cfg("replications=40", "seed=5", *FAST, *DRAWN)).worlds
    assert (other[drawn].to_numpy() != big[drawn].to_numpy()).mean() > 0.9


def test_parameter_draws_are_independent_of_the_war_noise():
    """Drawing a parameter does not change the battles a world fights (separate streams)."""
    plain = simulate(make_cfg("replications=30", "scenario.calendar=[]", "scenario.policy.interval=0"))
    drawn = simulate(make_cfg("replications=30", "scenario.calendar=[]", "scenario.policy.interval=0",
                              "scenario.parties.russia.optimism={dist: uniform, low: 0.0, high: 0.6}"))
    cols = ["replication", "day", "balance", "capability_russia", "capability_ukraine"]
    pd.testing.assert_frame_equal(plain.timeline[cols], drawn.timeline[cols])


DESIGN = (
    "+design.axes={mediator.rule: [split, nash], mediator.bias: [-0.4, 0.3],"
    " scenario.parties.russia.tactic.name: [faratin, reciprocal]}",
    "design.replications=12",
)


@pytest.fixture(scope="module")
def grid_design():
    return simulate(make_cfg(*DESIGN))


def test_a_grid_is_the_product_of_its_axes_first_axis_slowest(grid_design):
    points = grid_design.points
    assert len(points) == 8
    assert list(points["mediator.rule"]) == ["split"] * 4 + ["nash"] * 4
    assert list(points["mediator.bias"]) == [-0.4, -0.4, 0.3, 0.3] * 2
    out = grid_design.outcomes
    assert list(out.columns[:4]) == ["point", "mediator.rule", "mediator.bias", "scenario.parties.russia.tactic.name"]
    assert out.groupby("point")["replication"].nunique().eq(12).all()
    assert len(grid_design.worlds) == 8 * 12


@pytest.mark.parametrize("point", [1, 6])
def test_a_point_inside_a_design_equals_the_point_run_alone(grid_design, point):
    values = grid_design.points.iloc[point]
    alone = simulate(make_cfg("replications=12", *(f"{k}={v}" for k, v in values.items())))
    axes = ["point", *grid_design.points.columns]
    for name in ("outcomes", "rounds", "timeline"):
        inside = getattr(grid_design, name)
        inside = inside[inside["point"] == point].drop(columns=axes).reset_index(drop=True)
        pd.testing.assert_frame_equal(inside, getattr(alone, name).reset_index(drop=True), check_exact=True, obj=name)


def test_replication_r_has_the_same_war_noise_at_every_point(grid_design):
    """Common random numbers: with no talks the battles of replication r are the same at every point."""
    res = simulate(make_cfg("scenario.calendar=[]", "scenario.policy.interval=0", "design.replications=5",
                            "+design.axes={mediator.bias: [-0.5, 0.5], war.learning_rate: [0.05, 0.2]}"))
    tl = res.timeline.set_index(["point", "replication", "day"])["balance"].unstack("point")
    assert tl.nunique(axis=1).eq(1).all()


def test_chunks_join_into_the_unsplit_design():
    whole = simulate(make_cfg(*DESIGN, *FAST))
    parts = [simulate(make_cfg(*DESIGN, *FAST, f"design.chunk={i}/3")) for i in (1, 2, 3)]
    assert sorted(np.concatenate([p.points.index[p.outcomes["point"].unique()] for p in parts])) == list(range(8))
    for name in ("outcomes", "worlds"):
        joined = pd.concat([getattr(p, name) for p in parts], ignore_index=True)
        pd.testing.assert_frame_equal(joined, getattr(whole, name), check_exact=True)


@pytest.mark.parametrize("sampler", ["random", "lhs", "sobol", "halton"])
def test_samplers_draw_inside_their_axes_and_are_reproducible(sampler):
    axes = ("+design.axes={war.noise: {dist: uniform, low: 0.1, high: 0.5},"
            " scenario.parties.russia.tactic.deadline: {dist: uniform, low: 6, high: 18},"
            " mediator.rule: [split, kalai]}")
    cfg = make_cfg(f"design.sampler={sampler}", "design.points=64", "design.replications=2", axes, *FAST)
    first, again = simulate(cfg), simulate(cfg)
    pd.testing.assert_frame_equal(first.points, again.points)
    p = first.points
    assert len(p) == 64
    assert p["war.noise"].between(0.1, 0.5).all()
    assert set(p["scenario.parties.russia.tactic.deadline"]) <= set(range(6, 19))
    assert set(p["mediator.rule"]) == {"split", "kalai"}
    if sampler == "lhs":  # one point in each of the 64 equal strata of every axis
        strata = np.floor((p["war.noise"] - 0.1) / 0.4 * 64).astype(int)
        assert sorted(strata) == list(range(64))


UNIT = Range(0.0, 1.0)
POSITIVE = Range(0.0, 10.0)
SPECS = [
    ({"dist": "uniform", "low": 0.2, "high": 0.7}, UNIT, stats.uniform(0.2, 0.5)),
    ({"dist": "loguniform", "low": 0.01, "high": 1.0}, UNIT, stats.loguniform(0.01, 1.0)),
    ({"dist": "triangular", "low": 0.0, "mode": 0.3, "high": 1.0}, UNIT, stats.triang(0.3, 0.0, 1.0)),
    ({"dist": "normal", "mean": 0.5, "sd": 0.1}, UNIT, stats.truncnorm(-5, 5, 0.5, 0.1)),
    ({"dist": "normal", "mean": 0.1, "sd": 0.2}, UNIT, stats.truncnorm(-0.5, 4.5, 0.1, 0.2)),
]


@pytest.mark.parametrize("spec,rng,reference", SPECS, ids=[s[0]["dist"] + str(i) for i, s in enumerate(SPECS)])
def test_each_distribution_has_its_stated_shape_inside_the_range(spec, rng, reference):
    u = (np.arange(20_000) + 0.5) / 20_000
    values = ppf(spec, u, rng)
    assert values.min() >= rng.low and values.max() <= rng.high
    np.testing.assert_allclose(values, reference.ppf(u), rtol=1e-6, atol=1e-9)


def test_lognormal_has_the_stated_mean_and_sd_and_is_truncated_to_the_range():
    u = (np.arange(200_000) + 0.5) / 200_000
    values = ppf({"dist": "lognormal", "mean": 2.0, "sd": 0.5}, u, POSITIVE)
    assert values.mean() == pytest.approx(2.0, rel=1e-3) and values.std() == pytest.approx(0.5, rel=1e-2)
    clipped = ppf({"dist": "lognormal", "mean": 2.0, "sd": 3.0}, u, Range(0.0, 3.0))
    assert clipped.max() <= 3.0 and np.all(np.diff(clipped) >= 0)


def test_choice_and_integer_keys():
    u = np.array([0.0, 0.3, 0.5, 0.99])
    np.testing.assert_array_equal(ppf({"dist": "choice", "values": [1, 2, 3]}, u), [1, 1, 2, 3])
    drawn = ppf({"dist": "uniform", "low": 6, "high": 18}, np.linspace(0, 0.999, 50), Range(1, 1e4, integer=True))
    assert np.all(drawn == np.rint(drawn)) and drawn.min() == 6 and drawn.max() == 18


def test_drawn_saliences_are_kept_and_the_others_share_what_is_left():
    w = np.array([[0.2, 0.3, 0.5], [0.9, 0.3, 0.5], [0.6, 0.3, 0.1]])
    keep = np.array([True, False, False])
    out = normalise_salience(w, keep)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    np.testing.assert_allclose(out[0], [0.2, 0.3, 0.5])  # already summing to 1
    np.testing.assert_allclose(out[2], [0.6, 0.4 * 0.75, 0.4 * 0.25])  # the rest keeps its proportions
    np.testing.assert_allclose(out[1], [0.9, 0.1 * 0.375, 0.1 * 0.625])
    every = normalise_salience(w, np.ones(3, bool))  # all drawn: all scale
    np.testing.assert_allclose(every, w / w.sum(axis=1, keepdims=True))


def test_drawn_saliences_sum_to_one_in_every_world():
    from sim.schema.checks import validate
    from sim.schema.config import to_config
    from sim.worlds.resolve import resolve

    cfg = validate(to_config(make_cfg("replications=200",
                                      "scenario.parties.russia.salience.neutrality={dist: uniform, low: 0.1, high: 0.6}")))
    worlds = resolve(cfg, np.zeros(200, int), np.arange(200))
    w = worlds.parties[0].salience  # russia: ceasefire, neutrality, withdrawal, demilitarization, corridors
    drawn = worlds.varied["scenario.parties.russia.salience.neutrality"]
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    np.testing.assert_array_equal(w[:, 1], drawn)  # the drawn salience is kept, and recorded as held
    assert drawn.min() < 0.2 and drawn.max() > 0.5
    fixed = np.array([0.2, 0.2, 0.25, 0.1])  # the others, in the config: they keep their proportions
    np.testing.assert_allclose(w[:, [0, 2, 3, 4]], (1 - drawn)[:, None] * fixed / fixed.sum())


def test_faratin_closed_form_world_by_world_over_a_design_of_beta():
    """A design over beta: every world's aspiration in every round is the Faratin curve."""
    betas = [0.2, 0.5, 1.0, 2.0, 5.0]
    res = simulate(make_cfg("scenario=symmetric_dyad", "design.replications=4",
                            f"+design.axes={{scenario.parties.a.tactic.beta: {betas}}}",
                            "scenario.parties.a.tactic.deadline=4", "scenario.parties.b.tactic.beta=0.05",
                            "scenario.parties.b.tactic.deadline=50", "scenario.days=30"))
    rows = res.rounds[res.rounds["party"] == "a"].drop_duplicates(["point", "replication", "round"]).copy()
    rows["index"] = rows.groupby(["point", "replication"]).cumcount()
    beta = rows["scenario.parties.a.tactic.beta"].to_numpy()
    alpha = faratin_alpha(rows["index"].to_numpy(), 4, beta)
    want = rows["war_value"] + (1 - rows["war_value"]) * (1 - alpha)
    np.testing.assert_allclose(rows["aspiration"], np.maximum(want, rows["war_value"]), rtol=1e-12)
    assert rows["scenario.parties.a.tactic.beta"].nunique() == len(betas)


BAD = [
    (("scenario.parties.russia.optimism={dist: uniform, low: 0.5, high: 1.5}",), "scenario.parties.russia.optimism", "[-1, 1]"),
    (("scenario.parties.russia.optimism={dist: gamma, shape: 2}",), "scenario.parties.russia.optimism", "uniform, loguniform"),
    (("scenario.parties.russia.cost={dist: normal, mean: 0.1}",), "scenario.parties.russia.cost", "mean, sd"),
    (("war.noise={dist: uniform, low: 0.4, high: 0.1}",), "war.noise", "low < high"),
    (("+design.axes={scenario.parties.russia.optimsm: [0, 0.2]}",), "design.axes.scenario.parties.russia.optimsm", "per-world"),
    (("+design.axes={mediator.rule: {dist: uniform, low: 0, high: 1}}", "design.sampler=lhs"), "design.axes.mediator.rule", "choice"),
    (("+design.axes={mediator.bias: {dist: uniform, low: 0, high: 1}}",), "design.axes.mediator.bias", "sampler"),
    (("+design.axes={mediator.bias: [0.1, 3]}",), "design.axes.mediator.bias", "[-1, 1]"),
    (("+design.axes={mediator.rule: [split, coin]}",), "design.axes.mediator.rule", "split, compromise, nash, kalai"),
    (("+design.axes={scenario.days: [30, 60]}",), "design.axes.scenario.days", "multirun"),
]


@pytest.mark.parametrize("overrides,key,allowed", BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_bad_distributions_and_axes_are_one_line_errors(overrides, key, allowed):
    one_line_error(lambda: simulate(make_cfg(*overrides)), key, allowed)
