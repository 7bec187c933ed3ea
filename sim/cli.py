"""`negsim`: the Hydra app. One run of the default scenario by default; `-m` sweeps.

Bad config values stop it before any simulation with one line naming the key and
what is allowed, and exit code 2.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from pathlib import Path

import hydra
import yaml
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import MissingConfigException
from omegaconf import DictConfig, OmegaConf, open_dict

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
    key = re.sub(r"\[(\d+)\]", r".\1", key) if key else key  # calendar[0] -> calendar.0, as typed
    msg = lines[0].replace("expected one of", "allowed:")
    if "not in struct" in msg and key:
        msg += f"; a new key needs a leading +: +{key}=..."
    if "valid bool" in msg:
        msg += "; allowed: true, false"
    return f"{key}: {msg}" if key else msg


def _split_argv(argv: list[str]) -> tuple[list[str], list[str], bool] | None:
    """(overrides, extra config dirs, multirun) from the command line; None when it holds
    a Hydra flag the check does not follow (--help, --cfg, ...): Hydra answers those."""
    overrides, dirs, multirun, i = [], [], False, 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-m", "--multirun"):
            multirun = True
        elif arg in ("-cd", "--config-dir"):
            if i + 1 == len(argv):
                return None
            dirs.append(argv[i + 1])
            i += 1
        elif arg.startswith("--config-dir="):
            dirs.append(arg.split("=", 1)[1])
        elif arg.startswith("-"):
            return None
        else:
            overrides.append(arg)
        i += 1
    return overrides, dirs, multirun


def _yaml_type(value: str) -> type:
    try:
        return type(yaml.safe_load(value))
    except yaml.YAMLError:
        return str


def precheck(argv: list[str]) -> None:
    """Compose the config up front, so that a bad value is reported on one line instead of
    Hydra's multi-line report: every value a sweep takes must compose (types), and a single
    run must also pass `validate` (ranges, names). A sweep point whose value composes but is
    out of range is left to run and fail on its own, recorded in the sweep folder."""
    split = _split_argv(argv)
    if split is None:
        return
    overrides, dirs, multirun = split
    if dirs:
        paths = ", ".join(f"file://{Path(d).resolve()}" for d in dirs)
        overrides = [*overrides, f"hydra.searchpath=[{paths}]"]
    parser = OverridesParser.create()
    try:
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            parsed = parser.parse_overrides(overrides)
            sweeps = {o.get_key_element(): list(o.sweep_string_iterator()) for o in parsed if o.is_sweep_override()}
            fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
            first = [f"{k}={v[0]}" for k, v in sweeps.items()]
            cfg = compose("config", overrides=fixed + first, return_hydra_config=True)
            params = OmegaConf.select(cfg, "hydra.sweeper.params") or {}
            sweeps |= {k: list(o.sweep_string_iterator()) for k, v in params.items()
                       for o in parser.parse_overrides([f"{k}={v}"]) if o.is_sweep_override()}
            sweeping = multirun or cfg.hydra.mode == RunMode.MULTIRUN
            for key, values in sweeps.items():  # one value of each YAML type, the other sweeps at their first
                others = [x for x in first if not x.startswith(f"{key}=")]
                for value in {_yaml_type(v): v for v in reversed(values)}.values():
                    compose("config", overrides=fixed + others + [f"{key}={value}"])
    except Exception as err:  # noqa: BLE001 - every composition error becomes one line
        fail(one_line(err))
    if sweeping:
        return
    with open_dict(cfg):
        del cfg["hydra"]
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
