"""Distributions a config value may be written as, instead of a number.

    optimism: {dist: uniform, low: 0.1, high: 0.5}

Each is turned into values by its inverse CDF applied to uniform draws in [0, 1), so
that a world's value depends only on its own uniform (its stream, `sim/worlds/keys.py`) and
a variant that changes a distribution's parameters stays paired world by world.
`normal` and `lognormal` (mean and sd of the value itself) are truncated to the key's
allowed range; a bounded distribution must fit inside it. Draws for an integer key are
rounded to the nearest integer.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from sim.schema.config import ConfigError

PARAMS = {
    "uniform": ("low", "high"),
    "loguniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("mean", "sd"),
    "triangular": ("low", "mode", "high"),
    "choice": ("values",),
}


def _error(key: str, spec: Any, why: str):
    text = repr(dict(spec)) if isinstance(spec, dict) else repr(spec)
    return ConfigError(f"{key}={text} is not allowed; {why}")


def check(key: str, spec: dict, rng) -> None:
    """Raise ConfigError unless `spec` is a distribution whose draws all lie in `rng`."""
    name = spec.get("dist")
    if name not in PARAMS:
        raise _error(key, spec, f"allowed dist: {', '.join(PARAMS)}")
    want = set(PARAMS[name])
    if set(spec) - {"dist"} != want:
        raise _error(key, spec, f"a {name} distribution takes exactly: {', '.join(PARAMS[name])}")
    if name == "choice":
        values = spec["values"]
        if not isinstance(values, (list, tuple)) or not values:
            raise _error(key, spec, "choice takes a non-empty list of values")
        bad = [v for v in values if isinstance(v, bool) or not isinstance(v, (int, float)) or v not in rng]
        if bad:
            raise _error(key, spec, f"every value must be {rng.describe()}")
        return
    nums = {p: spec[p] for p in PARAMS[name]}
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) for v in nums.values()):
        raise _error(key, spec, f"{', '.join(PARAMS[name])} must be finite numbers")
    if name in ("normal", "lognormal"):
        if nums["sd"] <= 0 or (name == "lognormal" and nums["mean"] <= 0):
            raise _error(key, spec, "sd > 0 (and mean > 0 for lognormal)")
        lo, hi = support(spec, rng)
        if not lo < hi:
            raise _error(key, spec, f"its truncation to {rng.describe()} must leave a range of values")
        inside = mass_inside(spec, lo, hi)
        if inside < 0.5:  # truncation would pin most worlds at a bound: not the distribution asked for
            raise _error(key, spec, f"only {inside:.0%} of its mass lies in the allowed range {rng.describe()}; "
                                    "allowed: a mean and sd with at least half of it there")
        return
    lo, hi = nums["low"], nums["high"]
    if not lo < hi or (name == "triangular" and not lo <= nums["mode"] <= hi) or (name == "loguniform" and lo <= 0):
        why = "low < high" + (", low <= mode <= high" if name == "triangular" else "") + (", low > 0" if name == "loguniform" else "")
        raise _error(key, spec, f"needs {why}")
    if lo not in rng or hi not in rng:
        raise _error(key, spec, f"its support [{lo:g}, {hi:g}] leaves the allowed range: {rng.describe()}")


def mass_inside(spec: dict, lo: float, hi: float) -> float:
    """The share of a normal's or lognormal's mass (before truncation) within [lo, hi]."""
    if spec["dist"] == "normal":
        mu, sigma = spec["mean"], spec["sd"]
        return float(ndtr((hi - mu) / sigma) - ndtr((lo - mu) / sigma))
    sigma2 = math.log1p((spec["sd"] / spec["mean"]) ** 2)
    mu, sigma = math.log(spec["mean"]) - sigma2 / 2.0, math.sqrt(sigma2)
    upper = ndtr((math.log(hi) - mu) / sigma) if hi < math.inf else 1.0
    lower = ndtr((math.log(lo) - mu) / sigma) if lo > 0 else 0.0
    return float(upper - lower)


def support(spec: dict, rng=None) -> tuple[float, float]:
    """The smallest and largest value the distribution can draw (after truncation to `rng`)."""
    name = spec["dist"]
    if name == "choice":
        return min(spec["values"]), max(spec["values"])
    if name in ("normal", "lognormal"):
        lo = -math.inf if rng is None else rng.low
        hi = math.inf if rng is None else rng.high
        return (max(lo, 0.0) if name == "lognormal" else lo), hi
    return spec["low"], spec["high"]


def ppf(spec: dict, u: np.ndarray, rng=None) -> np.ndarray:
    """Values for uniforms `u` in [0, 1): the inverse CDF of the distribution."""
    name, u = spec["dist"], np.asarray(u, dtype=float)
    if name == "uniform":
        out = spec["low"] + u * (spec["high"] - spec["low"])
    elif name == "loguniform":
        a, b = math.log(spec["low"]), math.log(spec["high"])
        out = np.exp(a + u * (b - a))
    elif name == "triangular":
        lo, mode, hi = spec["low"], spec["mode"], spec["high"]
        cut = (mode - lo) / (hi - lo)
        out = np.where(
            u < cut,
            lo + np.sqrt(u * (hi - lo) * (mode - lo)),
            hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mode)),
        )
    elif name == "choice":
        values = np.asarray(spec["values"], dtype=float)
        out = values[np.minimum((u * len(values)).astype(int), len(values) - 1)]
    else:
        lo, hi = support(spec, rng)
        if name == "normal":
            mu, sigma = spec["mean"], spec["sd"]
            out = _truncated_normal(u, mu, sigma, lo, hi)
        else:  # lognormal with the given mean and sd of the value itself
            sigma2 = math.log1p((spec["sd"] / spec["mean"]) ** 2)
            mu = math.log(spec["mean"]) - sigma2 / 2.0
            log_lo = math.log(lo) if lo > 0 else -math.inf
            out = np.exp(_truncated_normal(u, mu, math.sqrt(sigma2), log_lo, math.log(hi) if hi < math.inf else math.inf))
    if rng is not None:
        if rng.integer:
            out = np.rint(out)
        out = np.clip(out, rng.low, rng.high)
    return out


def _truncated_normal(u, mu, sigma, lo, hi):
    a, b = ndtr((lo - mu) / sigma), ndtr((hi - mu) / sigma)
    p = np.clip(a + u * (b - a), 1e-300, 1.0 - 1e-16)
    return np.clip(mu + sigma * ndtri(p), lo, hi)


def mean(spec: dict, rng=None, n: int = 4096) -> float:
    """The distribution's mean (by quadrature on the inverse CDF): its central value."""
    return float(ppf(spec, (np.arange(n) + 0.5) / n, rng).mean())


def pdf(spec: dict, x: np.ndarray, rng=None) -> np.ndarray:
    """The density of a continuous distribution at `x` (0 outside its support), after the
    truncation `ppf` applies: what a calibration's importance weights need."""
    from scipy import stats

    name, x = spec["dist"], np.asarray(x, dtype=float)
    lo, hi = support(spec, rng)
    if name == "uniform":
        dens = stats.uniform(lo, hi - lo).pdf(x)
    elif name == "loguniform":
        dens = stats.loguniform(lo, hi).pdf(x)
    elif name == "triangular":
        dens = stats.triang((spec["mode"] - lo) / (hi - lo), lo, hi - lo).pdf(x)
    elif name == "normal":
        law = stats.norm(spec["mean"], spec["sd"])
        dens = law.pdf(x) / (law.cdf(hi) - law.cdf(lo))
    elif name == "lognormal":
        sigma2 = math.log1p((spec["sd"] / spec["mean"]) ** 2)
        law = stats.lognorm(math.sqrt(sigma2), scale=math.exp(math.log(spec["mean"]) - sigma2 / 2.0))
        dens = law.pdf(x) / (law.cdf(hi) - law.cdf(lo))
    else:
        raise ValueError(f"{name} has no density")
    return np.where((x >= lo) & (x <= hi), dens, 0.0)
