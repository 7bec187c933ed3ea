"""Calibration by simulation: approximate Bayesian computation over lockstep worlds.

    calibrate:
      parameters:                       # config path -> its prior, a distribution
        war.territory.speed: {dist: loguniform, low: 0.05, high: 2}
      series: [area_A]                  # scenario.observed series to fit; [] = all
      until: "2022-03-07"               # observations after this date are not used
      distance: relative                # relative | rmse
      method: rejection                 # rejection | smc
      draws: 200000                     # worlds per generation
      accept: 0.005                     # share kept, nearest first (or `tolerance`: a distance)
      generations: 3                    # smc: generations after the one from the prior
      predictive: 2000                  # worlds run from the posterior, for the predictive check

Every draw is a world of one lockstep ensemble (`sim/worlds/keys.py`, `NegotiationModel`, in
blocks of `sim.runs.ensemble.BLOCK`), run only for the days the observations need: the fit
sets `scenario.days` to the day of the last observation used (and drops the rounds and
events that could only come later). World i of generation g is replication g * draws + i:
its own war noise. Generation 0 draws each parameter from its prior through the world's
parameter stream, exactly as a plain run with the priors written as distributions would.

- Rejection [Pritchard1999]: keep the `accept` share of the draws nearest the observations
  (or those within `tolerance`); equal weights.
- SMC, as population Monte Carlo [Beaumont2009]: each later generation proposes `draws`
  parameter sets from the kept ones, picked by weight and moved by a normal kernel with
  twice their weighted covariance (proposals outside the priors' support are drawn
  again), keeps the `accept` share nearest the observations, and weights each kept set by
  prior density / proposal density, sum_j w_j N(theta; theta_j, 2 Sigma).

The distance between a world's simulated series and the observations, over every
observation used (series by date): `relative` is the root mean square of
(simulated - observed) / observed; `rmse` the root mean square of the differences.
A world's simulated value for an observation dated D is its timeline at the dawn of the
next day (`sim/analysis/observed.py`).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from sim.agents.model import NegotiationModel
from sim.analysis import observed as obs
from sim.runs.ensemble import BLOCK
from sim.runs.outcome import timeline_value
from sim.schema.checks import check, fail, validate
from sim.schema.config import CalibrationMethod, Config, ConfigError, Distance, SeriesConfig, to_config
from sim.schema.distributions import PARAMS, pdf, ppf, support
from sim.schema.distributions import check as check_distribution
from sim.worlds.keys import flat_paths, keys
from sim.worlds.resolve import resolve

CALIBRATION_STREAM = 2**32 + 1  # spawn key of the calibration's own stream (proposals, predictive rows)
QUANTILES = (0.05, 0.5, 0.95)  # the 90% interval and the median


@dataclass
class CalibrationResult:
    config: Config  # the study's config
    fit: Config  # the config the draws ran (its horizon cut to the observations)
    priors: dict[str, dict]  # config path -> prior
    posterior: pd.DataFrame  # kept draws: replication, generation, parameters, distance, weight
    observed: pd.DataFrame  # series, date, day, value, used
    predictive: pd.DataFrame  # series, day, date, low, median, high (5%, 50%, 95% of posterior worlds)
    simulated: int  # worlds simulated for the fit
    seconds: float
    tolerance: float  # the largest distance kept in the last generation


# -- the fit -------------------------------------------------------------------------------------


def run_calibration(cfg: Any, progress: bool = False) -> CalibrationResult:
    """Fit the `calibrate.parameters` of a config to its observed series; see the module doc.

    `cfg` is a composed Hydra config, a dict of the same shape, or a `Config`. Raises
    `ConfigError` (one line) before any simulation if the calibrate block cannot run."""
    config = validate(to_config(cfg))
    cal = config.calibrate
    if not cal.parameters:
        fail("calibrate.parameters", {}, "allowed: at least one config path with a prior {dist: ...}")
    priors = prior_specs(config)
    started = time.perf_counter()
    data = observations(config)
    used = data[data["used"]]
    fit = fit_config(config, int(used["day"].max()))
    paths = list(priors)
    targets = list(zip(used["series"], used["day"]))
    truth = used["value"].to_numpy(float)

    keep = max(1, int(round(cal.accept * cal.draws)))
    ids = np.arange(cal.draws)
    values, sims = simulate_draws(fit, paths, targets, ids, None, progress)
    dist = distance(sims, truth, cal.distance)
    kept = _nearest(dist, keep, cal.tolerance if cal.method == CalibrationMethod.rejection else None)
    if not len(kept):
        fail("calibrate.tolerance", cal.tolerance, f"allowed: a distance some draw reaches (the nearest: {dist.min():.4g})")
    theta, d, weight = values[kept], dist[kept], np.full(len(kept), 1.0 / max(len(kept), 1))
    replication, generation = ids[kept], np.zeros(len(kept), dtype=int)
    simulated = cal.draws
    if cal.method == CalibrationMethod.smc:
        for g in range(1, cal.generations + 1):
            proposals = propose(theta, weight, priors, fit, cal.draws, _stream(config.seed, g))
            ids = g * cal.draws + np.arange(cal.draws)
            points = pd.DataFrame(proposals, columns=paths)
            values, sims = simulate_draws(fit, paths, targets, ids, points, progress)
            dist = distance(sims, truth, cal.distance)
            kept = _nearest(dist, keep, None)
            new_weight = importance_weights(values[kept], theta, weight, priors, fit)
            theta, d, weight = values[kept], dist[kept], new_weight
            replication, generation = ids[kept], np.full(len(kept), g)
            simulated += cal.draws
    posterior = pd.DataFrame(theta, columns=paths)
    posterior.insert(0, "generation", generation)
    posterior.insert(0, "replication", replication)
    posterior["distance"] = d
    posterior["weight"] = weight
    posterior = posterior.sort_values("distance", kind="stable", ignore_index=True)
    offset = (cal.generations + 1 if cal.method == CalibrationMethod.smc else 1) * cal.draws
    predictive = posterior_predictive(fit, posterior, paths, data, cal.predictive, offset, config.seed)
    return CalibrationResult(
        config=config, fit=fit, priors=priors, posterior=posterior, observed=data, predictive=predictive,
        simulated=simulated, seconds=time.perf_counter() - started, tolerance=float(d.max()) if len(d) else np.nan,
    )


def prior_specs(config: Config) -> dict[str, Any]:
    """config path -> prior; mappings nested on the command line
    (`+calibrate.parameters.war.noise={...}`) are flattened to paths, as a design's axes are."""
    return {path: dict(spec) if isinstance(spec, dict) else spec
            for path, spec in flat_paths(config.calibrate.parameters).items()}


def observations(config: Config) -> pd.DataFrame:
    """The observed series the calibration names, each row marked `used` when it is on or
    before `until` and after day 0 (the initial state, which the scenario sets)."""
    cal = config.calibrate
    names = list(cal.series) or list(config.scenario.observed)
    data = obs.table(config, names)
    used = data["day"] >= 1
    if cal.until:
        used &= data["date"] <= pd.Timestamp(cal.until)
    return data.assign(used=used.to_numpy())


def fit_config(config: Config, days: int) -> Config:
    """The config the draws run: `days` days, timeline only, no plots; rounds and events
    that could only come after the last observation are dropped."""
    oc = OmegaConf.structured(config)
    sc = oc.scenario
    sc.days = days
    sc.calendar = [r for r in sc.calendar if r.day < days]
    late = [name for name, ev in config.scenario.events.items()
            if (support(ev.day)[0] if isinstance(ev.day, dict) else ev.day) >= days]
    for name in late:
        del sc.events[name]
    # the observations beyond the fit's last day are the backtest's, not the fit's: keep only
    # those inside it (inline), which the shortened horizon allows
    data = obs.table(config)
    for name in list(sc.observed):
        inside = data[(data["series"] == name) & (data["day"] <= days)]
        if inside.empty:
            del sc.observed[name]
            continue
        sc.observed[name] = SeriesConfig(values={str(d.date()): float(v) for d, v in zip(inside["date"], inside["value"])},
                                         source=config.scenario.observed[name].source)
    oc.record.rounds, oc.record.timeline, oc.plots = False, True, False
    for path, spec in prior_specs(config).items():  # generation 0 draws the priors in each world's stream
        OmegaConf.update(oc, path, spec, merge=False)
    return validate(to_config(oc))


def simulate_draws(fit: Config, paths: list[str], targets: list[tuple[str, int]], replication: np.ndarray,
                   points: pd.DataFrame | None, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Run one world per replication id (at point i of `points`, if given, else with the
    priors drawn); (W, P) its parameter values and (W, J) its simulated observations."""
    W = len(replication)
    values, sims = np.empty((W, len(paths))), np.empty((W, len(targets)))
    point = np.arange(W) if points is not None else np.zeros(W, dtype=int)
    started = time.perf_counter()
    for first in range(0, W, BLOCK):
        block = slice(first, first + BLOCK)
        model = NegotiationModel(fit, resolve(fit, point[block], replication[block], points)).run()
        for j, path in enumerate(paths):
            values[block, j] = model.worlds.varied[path]
        for j, (column, day) in enumerate(targets):
            sims[block, j] = timeline_value(model, day, column)
        done = min(first + BLOCK, W)
        if progress and W > BLOCK:
            left = (time.perf_counter() - started) / done * (W - done)
            print(f"[calibrate] {done:,}/{W:,} worlds, ~{left:.0f} s left", file=sys.stderr, flush=True)
    return values, sims


def distance(simulated: np.ndarray, observed: np.ndarray, kind: Distance) -> np.ndarray:
    """(W,) each world's distance from the observations (module doc)."""
    gap = simulated - observed
    if kind == Distance.relative:
        gap = gap / observed
    return np.sqrt(np.mean(gap**2, axis=-1))


def _nearest(dist: np.ndarray, keep: int, tolerance: float | None) -> np.ndarray:
    order = np.argsort(dist, kind="stable")
    if tolerance is not None:
        return order[dist[order] <= tolerance]
    return order[:keep]


def _stream(seed: int, generation: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(CALIBRATION_STREAM, generation)))


def ranges(fit: Config, paths: list[str]) -> list:
    """The allowed Range of each parameter path."""
    table = keys(fit)
    return [table[p].range for p in paths]


def prior_density(theta: np.ndarray, priors: dict[str, dict], ranges: list) -> np.ndarray:
    """(N,) the joint prior density (independent priors) of parameter rows `theta`."""
    dens = np.ones(len(theta))
    for j, (spec, rng) in enumerate(zip(priors.values(), ranges)):
        dens *= pdf(spec, theta[:, j], rng)
    return dens


def kernel_covariance(theta: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Twice the weighted covariance of the particles [Beaumont2009], kept positive definite."""
    cov = 2.0 * np.atleast_2d(np.cov(theta, rowvar=False, aweights=weight)) if len(theta) > 1 else np.eye(theta.shape[1])
    return cov + 1e-12 * np.eye(len(cov)) * max(np.trace(cov), 1e-12)


def propose(theta, weight, priors, fit, n, rng) -> np.ndarray:
    """(n, P) proposals: a kept set picked by weight, moved by the normal kernel; those outside
    the priors' support are drawn again."""
    bounds_of = ranges(fit, list(priors))
    bounds = np.array([support(spec, rng_) for spec, rng_ in zip(priors.values(), bounds_of)])
    chol = np.linalg.cholesky(kernel_covariance(theta, weight))
    out = np.empty((0, theta.shape[1]))
    for _ in range(1000):
        picked = theta[rng.choice(len(theta), size=2 * n, p=weight / weight.sum())]
        moved = picked + rng.standard_normal(picked.shape) @ chol.T
        inside = ((moved >= bounds[:, 0]) & (moved <= bounds[:, 1])).all(axis=1)
        out = np.concatenate([out, moved[inside]])
        if len(out) >= n:
            return out[:n]
    raise RuntimeError("calibrate: the SMC kernel keeps leaving the priors' support")


def importance_weights(new, old, old_weight, priors, fit) -> np.ndarray:
    """prior(theta) / sum_j w_j N(theta; theta_j, 2 Sigma), normalised to sum 1."""
    cov = kernel_covariance(old, old_weight)
    inv = np.linalg.inv(cov)
    diff = new[:, None, :] - old[None, :, :]
    kernel = np.exp(-0.5 * np.einsum("ijk,kl,ijl->ij", diff, inv, diff))  # the normal's constant cancels
    proposal = kernel @ (old_weight / old_weight.sum())
    weight = prior_density(new, priors, ranges(fit, list(priors))) / proposal
    return weight / weight.sum()


def posterior_predictive(fit, posterior, paths, data, n, offset, seed) -> pd.DataFrame:
    """5%, 50% and 95% of each observed series, day by day, over `n` fresh worlds that each
    take a posterior row by weight (replication ids from `offset`: new war noise)."""
    columns = list(dict.fromkeys(data["series"]))
    frame = pd.DataFrame(columns=["series", "day", "date", "low", "median", "high"])
    if n == 0 or not len(posterior):
        return frame
    rng = _stream(seed, 10**6)
    weight = posterior["weight"].to_numpy(float)
    rows = rng.choice(len(posterior), size=n, p=weight / weight.sum())
    points = posterior.loc[rows, paths].reset_index(drop=True)
    targets = [(c, d) for c in columns for d in range(fit.scenario.days + 1)]
    _, sims = simulate_draws(fit, paths, targets, offset + np.arange(n), points)
    q = np.quantile(sims, QUANTILES, axis=0)
    start = pd.Timestamp(fit.scenario.start_date)
    days = np.array([d for _, d in targets])
    return pd.DataFrame({
        "series": [c for c, _ in targets], "day": days,
        "date": start + pd.to_timedelta(days - 1, unit="D"),  # the state at the end of this date
        "low": q[0], "median": q[1], "high": q[2],
    })


# -- summaries and files ---------------------------------------------------------------------------


def describe(spec: dict) -> str:
    """A prior as text: `loguniform(low=0.05, high=2)`."""
    return f"{spec['dist']}(" + ", ".join(f"{p}={spec[p]:g}" for p in PARAMS[spec["dist"]]) + ")"


def weighted_quantiles(values: np.ndarray, weight: np.ndarray, q=QUANTILES) -> np.ndarray:
    """Quantiles of a weighted sample: the inverse of its weighted empirical CDF (midpoints)."""
    order = np.argsort(values, kind="stable")
    v, w = values[order], weight[order] / weight.sum()
    cdf = np.cumsum(w) - w / 2.0
    return np.interp(q, cdf, v)


def summary(result: CalibrationResult) -> pd.DataFrame:
    """Per parameter: its prior, the prior's and the posterior's median and 90% interval."""
    bounds_of = ranges(result.fit, list(result.priors))
    rows = []
    for (path, spec), rng in zip(result.priors.items(), bounds_of):
        prior_q = ppf(spec, np.asarray(QUANTILES, dtype=float), rng)  # the prior's own quantiles, truncated as drawn
        post_q = weighted_quantiles(result.posterior[path].to_numpy(float), result.posterior["weight"].to_numpy(float))
        rows.append({
            "parameter": path, "prior": describe(spec),
            "prior_median": prior_q[1], "prior_low": prior_q[0], "prior_high": prior_q[2],
            "posterior_median": post_q[1], "posterior_low": post_q[0], "posterior_high": post_q[2],
        })
    return pd.DataFrame(rows)


# -- checks ------------------------------------------------------------------------------------------


@check("calibrate")
def check_calibrate(cfg: Config) -> None:
    """One line for a calibrate block that cannot run."""
    cal = cfg.calibrate
    if not cal.parameters:
        return
    table = keys(cfg)
    for path, spec in prior_specs(cfg).items():
        where = f"calibrate.parameters.{path}"
        key = table.get(path)
        if key is None or key.kind != "num":
            raise ConfigError(f"{where}: {path!r} is not a continuous per-world key; allowed: a numeric value of a "
                              "party, an issue, the mediator, the war or the territory (e.g. war.territory.speed)")
        if not isinstance(spec, dict) or spec.get("dist") == "choice":
            fail(where, spec, "allowed: a continuous prior {dist: uniform | loguniform | normal | lognormal | triangular, ...}")
        check_distribution(where, spec, key.range)
    names = list(cfg.scenario.observed)
    if not names:
        fail("calibrate.series", list(cal.series), "allowed: names of scenario.observed series; the scenario observes none")
    for name in cal.series:
        if name not in names:
            fail("calibrate.series", name, f"allowed: {', '.join(names)} (scenario.observed)")
    if cal.until:
        try:
            date.fromisoformat(cal.until)
        except ValueError:
            fail("calibrate.until", cal.until, "allowed: a date as YYYY-MM-DD, or '' for every observation")
    if not 1 <= cal.draws <= 10**9:
        fail("calibrate.draws", cal.draws, "allowed: an integer in [1, 1e9]")
    if not 0 < cal.accept <= 1:
        fail("calibrate.accept", cal.accept, "allowed: a share in (0, 1]")
    if cal.tolerance is not None and not cal.tolerance > 0:
        fail("calibrate.tolerance", cal.tolerance, "allowed: a distance > 0, or null to keep the `accept` share")
    if cal.tolerance is not None and cal.method == CalibrationMethod.smc:
        fail("calibrate.tolerance", cal.tolerance, "allowed: null with method smc (it keeps the `accept` share)")
    if not 0 <= cal.generations <= 100:
        fail("calibrate.generations", cal.generations, "allowed: an integer in [0, 100]")
    if cal.method == CalibrationMethod.smc and round(cal.accept * cal.draws) < 2:
        fail("calibrate.accept", cal.accept, "allowed: a share that keeps at least 2 draws for smc")
    if not 0 <= cal.predictive <= 10**8:
        fail("calibrate.predictive", cal.predictive, "allowed: an integer in [0, 1e8]")
    if cfg.design.axes:
        fail("calibrate", "design.axes", "allowed: a calibration or a design, not both in one study")
    if cfg.posterior.file:
        fail("calibrate", "posterior.file", "allowed: a calibration draws from its priors, not from a posterior file")
    data = observations(cfg)
    used = data[data["used"]]
    if not len(used):
        fail("calibrate.until", cal.until, "allowed: a date that keeps at least one observation after day 0")
    if cal.distance == Distance.relative and (used["value"] == 0).any():
        fail("calibrate.distance", "relative", "allowed: rmse when an observed value is 0")
    last = int(used["day"].max())
    for name, event in cfg.scenario.events.items():
        if isinstance(event.day, dict) and support(event.day)[0] < last <= support(event.day)[1]:
            fail(f"scenario.events.{name}.day", event.day,
                 f"allowed: for a calibration, a day on one side of the fit's horizon (day {last})")
