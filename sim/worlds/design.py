"""Designs: parameter points simulated as the worlds of one lockstep ensemble.

    design:
      sampler: grid          # grid | random | lhs | sobol | halton
      points: 64             # for samplers other than grid
      replications: 500      # worlds per point
      axes:                  # config path -> list of values (grid) or a distribution
        mediator.bias: [-0.5, 0, 0.5]
      chunk: ""              # "i/n": only the i-th of n disjoint parts

`expand` gives the table of points (one column per axis, named by its config path).
A grid is the product of the axes' lists, the first axis varying slowest (the order of
Hydra's multirun). The other samplers draw points in the unit cube (scipy.stats.qmc,
scrambled, seeded from the config's seed) and map each coordinate through its axis's
inverse CDF; a list there is a uniform choice among its values. Replication r of every
point uses the war-noise and parameter streams of replication r (common random numbers).
A Sobol' or Morris `analysis` block draws the points itself, as SALib requires
(`analysis_points`, below); the sampler and `points` are then not used.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pandas as pd

from sim.schema.checks import check, fail
from sim.schema.config import Config, ConfigError, Method, Sampler, to_config
from sim.schema.distributions import check as check_distribution
from sim.schema.distributions import ppf
from sim.worlds.keys import flat_paths, keys

DESIGN_STREAM = 2**32  # spawn key of the design's own stream, beyond any replication id
LEVELS = 4  # Morris grid levels (SALib's default)


def axes(cfg: Config) -> dict[str, Any]:
    """The design's axes as {config path: list or distribution}; nested mappings written
    on the command line (`+design.axes.mediator.bias=[...]`) are flattened to paths."""
    return flat_paths(cfg.design.axes)


def is_design(cfg: Config) -> bool:
    return bool(cfg.design.axes)


def replications(cfg: Config) -> int:
    return cfg.design.replications if cfg.design.replications is not None else cfg.replications


@check("design")
def check_design(cfg: Config) -> None:
    """One-line errors for a design whose axes, sampler, replications or chunk cannot run."""
    d = cfg.design
    if d.replications is not None and not 1 <= d.replications <= 10**9:
        fail("design.replications", d.replications, "allowed: an integer in [1, 1e9], or null for `replications`")
    if not 1 <= d.points <= 10**8:
        fail("design.points", d.points, "allowed: an integer in [1, 1e8]")
    found = axes(cfg)
    if not found:
        if d.chunk:
            fail("design.chunk", d.chunk, "allowed: only with design.axes")
        return
    table = keys(cfg)
    for path, spec in found.items():
        key = table.get(path)
        where = f"design.axes.{path}"
        if key is None:
            raise ConfigError(
                f"{where}: {path!r} is not a per-world key; allowed: a numeric or categorical value of a party, "
                "issue, the mediator, the war or the policy (e.g. mediator.bias); structure "
                "(scenario, issues, parties, days, calendar days, seed) varies with Hydra multirun: negsim -m"
            )
        if isinstance(spec, dict):
            if d.sampler == Sampler.grid and not sampled_by_analysis(cfg):
                prim = cfg.analysis.method is not None and getattr(cfg.analysis.method, "name", cfg.analysis.method) == "prim"
                fail(where, spec, "a grid takes a list of values; distributions need sampler random, lhs, sobol or halton"
                     + ("; PRIM analyses the design's own points (design.sampler=lhs design.points=N), while Sobol' "
                        "and Morris draw theirs as SALib requires" if prim else ""))
            if key.kind in ("cat", "bool"):
                if spec.get("dist") != "choice" or set(spec) != {"dist", "values"}:
                    fail(where, spec, f"a {key.kind} key takes a list or {{dist: choice, values: [...]}}")
                _check_values(where, key, spec["values"])
            else:
                check_distribution(where, spec, key.range)
        elif isinstance(spec, list):
            _check_values(where, key, spec)
        else:
            fail(where, spec, "allowed: a list of values, or a distribution {dist: ...}")
    n_points = len(expand_index(cfg))
    if d.chunk:
        parts = d.chunk.split("/")
        ok = len(parts) == 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[0]) <= int(parts[1]) <= n_points
        if not ok:
            fail("design.chunk", d.chunk, f"allowed: i/n with 1 <= i <= n <= {n_points} (the design's points)")


def _check_values(where: str, key, values: list) -> None:
    if not values:
        fail(where, values, "allowed: a non-empty list")
    for v in values:
        if key.kind == "cat":
            name = getattr(v, "name", v)
            if name not in key.categories and not (name in ("", None) and where.endswith("asks_for")):
                fail(where, v, "allowed: " + ", ".join(key.categories))
        elif key.kind == "bool":
            if not isinstance(v, bool):
                fail(where, v, "allowed: true, false")
        elif isinstance(v, bool) or not isinstance(v, (int, float)) or v not in key.range:
            fail(where, v, f"allowed: {key.range.describe()}")


def sampled_by_analysis(cfg: Config) -> bool:
    """A Sobol' or Morris analysis draws the points as SALib requires, whatever the sampler."""
    return cfg.analysis.method in (Method.sobol, Method.morris)


def expand_index(cfg: Config) -> range:
    d = cfg.design
    if sampled_by_analysis(cfg):
        return range(n_points(cfg.analysis.method, len(axes(cfg)), cfg.analysis.samples))
    if d.sampler == Sampler.grid:
        return range(int(np.prod([len(v) for v in axes(cfg).values()])))
    return range(d.points)


def expand(cfg: Config) -> pd.DataFrame:
    """The design's points: one row per point, one column per axis (its config path)."""
    found, d = axes(cfg), cfg.design
    if sampled_by_analysis(cfg):
        return analysis_points(cfg)
    if d.sampler == Sampler.grid:
        rows = list(itertools.product(*found.values()))
        return pd.DataFrame(rows, columns=list(found)) if rows else pd.DataFrame(columns=list(found))
    return from_unit(cfg, sample(d.sampler, d.points, len(found), cfg.seed))


def from_unit(cfg: Config, u: np.ndarray) -> pd.DataFrame:
    """Points from (P, D) uniforms in [0, 1): column j through the inverse CDF of the j-th
    axis (a list is a uniform choice among its values)."""
    found, table = axes(cfg), keys(cfg)
    columns = {}
    for j, (path, spec) in enumerate(found.items()):
        values = spec if isinstance(spec, list) else spec.get("values") if spec.get("dist") == "choice" else None
        if values is not None and table[path].kind in ("cat", "bool"):
            columns[path] = [values[i] for i in np.minimum((u[:, j] * len(values)).astype(int), len(values) - 1)]
        else:
            spec = {"dist": "choice", "values": spec} if isinstance(spec, list) else spec
            columns[path] = ppf(spec, u[:, j], table[path].range)
            if table[path].kind == "int":
                columns[path] = columns[path].astype(int)
    return pd.DataFrame(columns)


def sample(sampler: Sampler, n: int, dims: int, seed: int) -> np.ndarray:
    """(n, dims) points in the unit cube; the same for the same seed on any machine."""
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_STREAM,)))
    if sampler == Sampler.random:
        return rng.random((n, dims))
    engine = {Sampler.lhs: qmc.LatinHypercube, Sampler.sobol: qmc.Sobol, Sampler.halton: qmc.Halton}[sampler]
    with warnings.catch_warnings():  # Sobol prefers powers of 2; any n is still a valid sample
        warnings.simplefilter("ignore", UserWarning)
        return engine(d=dims, scramble=True, rng=rng).random(n)


def chunk(cfg: Config, n_points: int) -> np.ndarray:
    """The point ids this run simulates: all of them, or the i-th of n near-equal parts."""
    ids = np.arange(n_points)
    if not cfg.design.chunk:
        return ids
    i, n = (int(x) for x in cfg.design.chunk.split("/"))
    return np.array_split(ids, n)[i - 1]


# -- the samples a Sobol' or Morris analysis requires (sim/analysis/sensitivity.py) ----------------


def method_of(method) -> Method:
    """A Method from itself or its name."""
    return method if isinstance(method, Method) else Method[method]


def salib_problem(n_axes: int, names=None) -> dict:
    names = list(names) if names is not None else [f"x{j}" for j in range(n_axes)]
    return {"num_vars": n_axes, "names": names, "bounds": [[0.0, 1.0]] * n_axes}


def salib_sample(method, n_axes: int, samples: int, seed: int) -> np.ndarray:
    """SALib's own sample in its unit coordinates (Morris: levels 0, 1/3, 2/3, 1)."""
    from SALib.sample import morris, sobol  # SALib only for a Sobol' or Morris design

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_STREAM,)))
    with warnings.catch_warnings():  # SALib warns when N is not a power of 2: still a valid sample
        warnings.simplefilter("ignore", UserWarning)
        if method_of(method) == Method.sobol:
            return sobol.sample(salib_problem(n_axes), samples, calc_second_order=True, seed=rng)
        if method_of(method) == Method.morris:
            return morris.sample(salib_problem(n_axes), samples, num_levels=LEVELS, seed=rng)
    raise ValueError(f"method={method!r}: allowed sobol, morris")


def unit_sample(method, n_axes: int, samples: int, seed: int) -> np.ndarray:
    """(P, D) points in [0, 1) as the method requires, the same for the same seed.

    Sobol': P = N (2D + 2). Morris: P = N (D + 1); the grid levels 0, 1/3, 2/3, 1 are
    put at the centres of four equal strata (1/8, 3/8, 5/8, 7/8), so that no point sits at
    a quantile of 0 or 1 (an unbounded distribution's inverse CDF is infinite there).
    """
    u = salib_sample(method, n_axes, samples, seed)
    if method_of(method) == Method.morris:
        u = (u * (LEVELS - 1) + 0.5) / LEVELS
    return u


def n_points(method, n_axes: int, samples: int) -> int:
    """How many points `unit_sample` draws: N (2D + 2) for Sobol', N (D + 1) for Morris."""
    return samples * (2 * n_axes + 2 if method_of(method) == Method.sobol else n_axes + 1)


def analysis_points(cfg) -> pd.DataFrame:
    """The design's points for a Sobol' or Morris analysis: one row per point, one column
    per axis of `axes(cfg)`, in SALib's sample order."""
    cfg = to_config(cfg)
    u = unit_sample(cfg.analysis.method, len(axes(cfg)), cfg.analysis.samples, cfg.seed)
    return from_unit(cfg, u)
