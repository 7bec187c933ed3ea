"""Resolution: the worlds of an ensemble from a validated config.

`resolve(cfg, point, replication, points)` turns a validated config into `Worlds`, the
only route by which a config value reaches the agents:

1. every per-world key (`keys(cfg)`) starts at its config value, broadcast;
2. keys written as a distribution are drawn, world by world, from the world's parameter
   stream `SeedSequence(seed, spawn_key=(replication, 1))` (its war noise comes from
   `(replication,)`, `sim/worlds/noise.py`): replication r draws the same values alone, in an
   ensemble of any size, in any block, at every point of a design, and on any launcher;
3. with `posterior.file`, each world takes one row of a calibration's posterior
   (`sim/worlds/posterior.py`), picked by the word of its parameter stream after the private types;
4. a design's axes set each world's values at its point (`sim/worlds/design.py`);
5. a party whose saliences were drawn or set keeps those and scales its other saliences
   so that they sum to 1 again (if the set ones alone exceed 1, all are scaled).

Events (`sim/agents/model.py`) later change the same arrays, in the worlds where they fire.
"""

from __future__ import annotations

import numpy as np

from sim.schema.config import Config
from sim.schema.distributions import ppf
from sim.worlds import posterior, streams
from sim.worlds.keys import assign, keys
from sim.worlds.params import Worlds, empty


def parameter_uniforms(seed: int, replications: np.ndarray, n: int) -> np.ndarray:
    """(W, n) uniforms in [0, 1) from each world's parameter stream, one per drawn key.

    The stream is `SeedSequence(seed, spawn_key=(replication, 1))`; its n words
    (`generate_state`, well mixed by design; sim/worlds/streams.py computes them for all worlds at
    once) become n uniforms with 53-bit resolution. Worlds that share a replication share
    its draws (common random numbers).
    """
    words = streams.parameter_words(seed, np.asarray(replications), n)
    return (words >> np.uint64(11)) * 2.0**-53


def resolve(cfg: Config, point: np.ndarray, replication: np.ndarray, points=None) -> Worlds:
    """Per-world parameters for worlds (point[w], replication[w]); `points` is the design's
    table of axis values per point (`sim.worlds.design.expand`), or None outside designs."""
    table = keys(cfg)
    worlds = empty(cfg, len(replication))
    worlds.point[:] = point
    worlds.replication[:] = replication
    drawn = sorted(path for path, key in table.items() if isinstance(key.value, dict))
    for path, key in table.items():
        if path not in drawn:
            assign(worlds, key, key.encode(key.value))
    # the stream's first n words are the parties' private types, then the posterior row, then the draws
    n = len(cfg.scenario.parties)
    switch = "scenario.mechanisms.private_information.enabled"
    private = cfg.scenario.mechanisms.private_information.enabled or (points is not None and switch in points)
    from_posterior = bool(cfg.posterior.file)
    words = n + len(drawn) + from_posterior
    u = parameter_uniforms(cfg.seed, worlds.replication, words) if drawn or private or from_posterior else np.zeros((len(point), n))
    worlds.private_type[:] = u[:, :n]
    for j, path in enumerate(drawn, start=n + from_posterior):
        key = table[path]
        values = ppf(key.value, u[:, j], key.range)
        assign(worlds, key, values)
        worlds.varied[path] = values
    if from_posterior:  # the word after the types picks the world's posterior row (sim/worlds/posterior.py)
        for path, values in posterior.draw(cfg, u[:, n]).items():
            assign(worlds, table[path], values)
            worlds.varied[path] = values
    if points is not None:
        for path in points.columns:
            key = table[path]
            values = points[path].to_numpy()[worlds.point]
            assign(worlds, key, np.array([key.encode(v) for v in values]) if key.kind == "cat" else values)
            worlds.varied[path] = values
    _renormalise_saliences(cfg, worlds)
    return worlds


def _renormalise_saliences(cfg: Config, worlds: Worlds) -> None:
    issues = list(cfg.scenario.issues)
    for name, party in zip(cfg.scenario.parties, worlds.parties):
        prefix = f"scenario.parties.{name}.salience."
        varied = np.array([prefix + issue in worlds.varied for issue in issues])
        if varied.any():
            party.salience[:] = normalise_salience(party.salience, varied)
            for k, issue in enumerate(issues):  # what the worlds hold, for the record
                if prefix + issue in worlds.varied:
                    worlds.varied[prefix + issue] = party.salience[:, k].copy()


def normalise_salience(w: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """(W, K) saliences summing to 1: the `keep` columns stay, the others share what is left
    in their proportions; where the kept ones exceed 1 or nothing else is left, all scale."""
    kept = np.where(keep, w, 0.0).sum(axis=-1, keepdims=True)
    rest = np.where(keep, 0.0, w).sum(axis=-1, keepdims=True)
    fits = (kept <= 1.0) & (rest > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled_rest = np.where(keep, w, w * (1.0 - kept) / rest)
        scaled_all = w / (kept + rest)
    return np.where(fits, scaled_rest, scaled_all)
