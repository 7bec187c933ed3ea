"""`negsim`: the Hydra app. One run of the default scenario by default; `-m` sweeps.

Bad config values stop it before any simulation with one line naming the key and
what is allowed, and exit code 2.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import hydra
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.errors import MissingConfigException
from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError, register, to_config, validate
from sim.outcome import summarize
from sim.ensemble import simulate
from sim.store import write_parquet, write_text
from sim.sweep import run_job

EXIT_CONFIG = 2
CONF = Path(__file__).resolve().parents[1] / "conf"  # the repository's conf/ (editable install)


def fail(message: str) -> None:
    print(f"negsim: error: {message}", file=sys.stderr)
    sys.exit(EXIT_CONFIG)


def run_point(cfg: DictConfig, out: Path, plots_ok: bool = True) -> dict:
    """Simulate one parameter point and write its tables, config and plots into `out`."""
    config = validate(to_config(cfg))  # ConfigError before any simulation
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result = simulate(config, progress=True)
    elapsed = time.perf_counter() - started
    write_text(OmegaConf.to_yaml(cfg, resolve=True), out / "config.yaml")
    files = [out / "config.yaml"]
    for name, recorded in (("rounds", config.record.rounds), ("timeline", config.record.timeline)):
        if recorded:
            files.append(write_parquet(getattr(result, name), out / f"{name}.parquet"))
    files.insert(0, write_parquet(result.outcomes, out / "outcomes.parquet"))
    if config.plots and plots_ok:
        from sim import plots  # matplotlib only when plotting

        sc = config.scenario
        poles = {name: tuple(issue.poles) for name, issue in sc.issues.items()}
        if len(result.rounds):
            files.append(plots.positions(result.rounds, poles, out / "positions.png"))
        timeline = result.timeline if len(result.timeline) else None
        files.append(plots.agreement(result.outcomes, timeline, sc.days, out / "agreement.png"))
        if timeline is not None:
            sides = {name: p.side for name, p in sc.parties.items()}
            files.append(plots.balance(result.timeline, sides, out / "balance.png"))
    return {"result": result, "files": files, "seconds": elapsed, "config": config}


@hydra.main(config_path=str(CONF), config_name="config", version_base="1.3")
def app(cfg: DictConfig) -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        run_job(cfg, run_point)  # one point of a sweep; the callback aggregates at the end
        return
    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        done = run_point(cfg, out)
    except ConfigError as err:
        fail(str(err))
    config = done["config"]
    table = summarize(done["result"].outcomes)
    print(
        f"\n{config.scenario.name}: {config.replications} replications, {config.scenario.days} days, "
        f"seed {config.seed}, simulated in {done['seconds']:.2f} s\n"
    )
    print(format_summary(table))
    print(f"\nwritten to {out}/")
    for f in done["files"]:
        print(f"  {f.name}")


def format_summary(table) -> str:
    shown = table.copy()
    at = shown.columns.get_loc("share_agreed")
    interval = [f"{s:.2f} [{lo:.2f}, {hi:.2f}]" for s, lo, hi in zip(shown.share_agreed, shown.ci_low, shown.ci_high)]
    shown = shown.drop(columns=["share_agreed", "ci_low", "ci_high"])
    shown.insert(at, "share agreed [95% CI]", interval)
    return shown.to_string(index=False, float_format=lambda v: f"{v:.3g}", na_rep="-")


def one_line(err: Exception) -> str:
    """Hydra/OmegaConf composition errors as `key: message; allowed: ...` on one line."""
    cause = err.__cause__ or err
    lines = [ln.strip() for ln in str(cause).splitlines()]
    if isinstance(err, MissingConfigException) and "Available options" in str(err):
        lines = [ln.strip() for ln in str(err).splitlines()]
        start = next(i for i, ln in enumerate(lines) if ln.startswith("Available options")) + 1
        options = [ln for ln in lines[start:] if ln and not ln.startswith("Config search path")]
        options = options[: next((i for i, o in enumerate(options) if ":" in o), len(options))]
        return f"{lines[0]}; allowed: {', '.join(options)}"
    key = getattr(cause, "full_key", None)
    msg = lines[0]
    if "not in struct" in msg and key:
        msg += f"; a new key needs a leading +: +{key}=..."
    if "valid bool" in msg:
        msg += "; allowed: true, false"
    return f"{key}: {msg}" if key else msg


def precheck(argv: list[str]) -> None:
    """Compose and validate a single run's config up front, so that any bad value (a type
    OmegaConf rejects or a range `validate` rejects) is reported on one line, not
    Hydra's multi-line report. Sweeps and Hydra's own flags go straight to Hydra."""
    if any(a.startswith("-") for a in argv):
        return
    try:
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            cfg = compose("config", overrides=argv)
    except Exception as err:  # noqa: BLE001 - every composition error becomes one line
        fail(one_line(err))
    try:
        validate(to_config(cfg))
    except ConfigError as err:
        fail(str(err))


def main() -> None:
    register()
    precheck(sys.argv[1:])
    app()


if __name__ == "__main__":
    main()
