"""Counterfactuals: variants of a config run on the same worlds as the baseline.

    compare:
      outcomes: [at_war_end, agreed_ceasefire, day_ceasefire, terms_neutrality]
      variants:
        no_aid: {scenario.events.western_aid.enabled: false}
        aid_day_20: {scenario.events.western_aid.day: 20}

The baseline and every variant run on the same replications, so world r of a variant has
the war noise and the parameter draws of world r of the baseline (common random numbers)
and each difference is paired world by world. Per variant and outcome, `effects` gives
the mean of the differences d_w with the paired 95% interval
mean(d) +- t_{0.975, n-1} sd(d) / sqrt(n). A boolean outcome is a share; `day_<issue>`
and `terms_<issue>` exist only where the issue was agreed, so their difference is taken
over the worlds where both runs agreed it (`n` says how many).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from omegaconf import OmegaConf
from scipy.special import stdtrit  # the t quantile without importing scipy.stats (~0.3 s at start-up)

from sim.runs.outcome import worlds_columns
from sim.schema.checks import check, fail, validate
from sim.schema.config import Config, ConfigError, to_config

COLUMNS = ["variant", "outcome", "baseline", "value", "difference", "ci_low", "ci_high", "n"]


def variant_config(cfg: Config, name: str) -> Config:
    """The baseline config with a variant's values set (its own compare block dropped)."""
    base = OmegaConf.structured(cfg)
    base.compare.variants, base.compare.outcomes = {}, []  # a variant compares nothing itself
    for path, value in cfg.compare.variants[name].items():
        if OmegaConf.select(base, path, default="__missing__") == "__missing__":
            raise ConfigError(f"compare.variants.{name}.{path}: {path!r} is not a config key of the baseline; "
                              f"allowed{siblings(base, path)}")
        OmegaConf.update(base, path, value, merge=False)
    try:
        return validate(to_config(base))
    except ConfigError as err:
        raise ConfigError(f"compare.variants.{name}: {err}") from None


def siblings(base, path: str) -> str:
    """': a, b, c' (or ' in parent: a, b, c'): the keys where `path` first leaves the config."""
    node, parent = base, []
    for part in path.split("."):
        if not OmegaConf.is_dict(node) or part not in node:
            keys = list(node.keys()) if OmegaConf.is_dict(node) else []
            where = f" in {'.'.join(parent)}" if parent else ""
            return f"{where}: {', '.join(map(str, keys))}" if keys else ": a key of the baseline config"
        node, parent = node[part], [*parent, part]
    return ": a key of the baseline config"


@check("compare")
def check_compare(cfg: Config) -> None:
    """One line for a variant that names an unknown key or a value out of range, an outcome
    that is no column of the worlds table, or a block that would compare nothing: outcomes
    without variants, variants without outcomes (refused as `analysis.outcomes=[]` is)."""
    known = worlds_columns(cfg)
    c = cfg.compare
    for outcome in c.outcomes:
        if outcome not in known:
            raise ConfigError(f"compare.outcomes: {outcome!r} is not a column of worlds.parquet; allowed: {', '.join(known)}")
    if c.variants and not c.outcomes:
        fail("compare.outcomes", [], "allowed: a non-empty list of worlds.parquet columns: " + ", ".join(known))
    if c.outcomes and not c.variants:
        fail("compare.variants", {}, "allowed: at least one variant, name -> {config path: value}, "
             "run on the baseline's worlds; without variants there is nothing to compare")
    for name in cfg.compare.variants:
        variant_config(cfg, name)


def effects(baseline: pd.DataFrame, variants: dict[str, pd.DataFrame], outcomes: list[str]) -> pd.DataFrame:
    """Paired differences of each variant's worlds from the baseline's, per outcome."""
    rows = []
    for name, worlds in variants.items():
        for outcome in outcomes:
            a = baseline[outcome].to_numpy(dtype=float)
            b = worlds[outcome].to_numpy(dtype=float)
            both = ~np.isnan(a) & ~np.isnan(b)
            rows.append({"variant": name, "outcome": outcome, **paired(a[both], b[both])})
    return pd.DataFrame(rows, columns=COLUMNS)


def unit(outcome: str) -> tuple[float, str]:
    """(scale, unit) in which a difference of this outcome reads: a share in percentage
    points, a day in days, terms on the issue's 0-1 scale."""
    if outcome == "at_war_end" or outcome.startswith(("agreed_", "held_")):
        return 100.0, "percentage points"
    if outcome.startswith("day_") or outcome == "fighting_days":
        return 1.0, "days"
    if outcome.startswith("terms_"):
        return 1.0, "terms, 0-1 scale of the issue"
    return 1.0, ""


def paired(a: np.ndarray, b: np.ndarray) -> dict:
    """Mean of a and b, and the mean of b - a with its paired 95% t interval."""
    n = len(a)
    d = b - a
    mean = d.mean() if n else np.nan
    half = stdtrit(n - 1, 0.975) * d.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
    return {"baseline": a.mean() if n else np.nan, "value": b.mean() if n else np.nan, "difference": mean,
            "ci_low": mean - half, "ci_high": mean + half, "n": n}


def paired_by_day(a: np.ndarray, b: np.ndarray) -> dict:
    """`paired` for each row of (T, W) arrays at once: per day, the mean of b - a over the
    worlds with its paired 95% t interval (the live view's difference in the share at war)."""
    d = b.astype(float) - a.astype(float)
    n = d.shape[1]
    mean = d.mean(axis=1)
    half = stdtrit(n - 1, 0.975) * d.std(axis=1, ddof=1) / np.sqrt(n) if n > 1 else np.full_like(mean, np.nan)
    return {"difference": mean, "ci_low": mean - half, "ci_high": mean + half, "n": n}
