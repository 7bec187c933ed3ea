"""The plots of a calibration: posterior marginals against the priors, and the posterior
predictive of the fitted series with the observations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.figures.canvas import grid_of, plt, save
from sim.schema.distributions import pdf, support


def marginals(posterior: pd.DataFrame, priors: dict[str, dict], ranges: list, path: Path) -> Path:
    """One panel per parameter: the posterior's weighted histogram over the prior's density."""
    fig, axes = grid_of(len(priors), sharex=False)
    weight = posterior["weight"].to_numpy(float)
    for ax, ((name, spec), rng) in zip(axes, zip(priors.items(), ranges)):
        lo, hi = support(spec, rng)
        values = posterior[name].to_numpy(float)
        if not np.isfinite(lo) or not np.isfinite(hi):
            lo, hi = np.quantile(values, [0.0, 1.0])
        log = spec["dist"] in ("loguniform", "lognormal") and lo > 0
        grid = np.geomspace(lo, hi, 200) if log else np.linspace(lo, hi, 200)
        bins = np.geomspace(lo, hi, 31) if log else np.linspace(lo, hi, 31)
        ax.hist(values, bins=bins, weights=weight / weight.sum(), density=True, alpha=0.6, label="posterior")
        ax.plot(grid, pdf(spec, grid, rng), color="0.3", ls="--", label="prior")
        if log:
            ax.set_xscale("log")
        ax.set_title(name, fontsize=7)
        ax.set_yticks([])
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Posterior marginals ({len(posterior):,} draws kept) against the priors")
    return save(fig, Path(path))


def predictive(predictive: pd.DataFrame, observed: pd.DataFrame, path: Path) -> Path:
    """Per fitted series: the posterior-predictive median and 90% band by date, and the
    observations (filled: used in the fit; open: not used)."""
    names = list(dict.fromkeys(observed["series"]))
    fig, axes = plt.subplots(1, len(names), figsize=(6.5 * len(names), 4.0), squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        band = predictive[predictive["series"] == name]
        line = ax.plot(band["date"], band["median"], label="posterior predictive (median)")[0]
        ax.fill_between(band["date"], band["low"], band["high"], alpha=0.25, color=line.get_color(), lw=0,
                        label="90% band")
        seen = observed[observed["series"] == name]
        used = seen[seen["used"]]
        ax.plot(used["date"], used["value"], "o", color="k", label="observed, fitted")
        other = seen[~seen["used"]]
        if len(other):
            ax.plot(other["date"], other["value"], "o", mfc="none", color="k", label="observed, not fitted")
        ax.set_title(name)
        ax.tick_params(axis="x", labelrotation=30)
        ax.legend(fontsize=8)
    fig.suptitle("Posterior predictive of the fitted series (state at the end of each date)")
    return save(fig, Path(path))
