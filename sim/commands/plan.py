"""A sweep's plan: every job's overrides in `sweep.json`, and each point's `done.json`.

Read by the sweep as it runs (sim/commands/sweep.py), by the check before it
(sim/commands/precheck.py) and by the aggregation after it (sim/commands/report.py).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

DONE, PLAN, PROGRESS = "done.json", "sweep.json", ".progress"


class PlanError(ValueError):
    """A `sweep.json` that is not a sweep plan; the message is one line."""


def config_hash(cfg: DictConfig) -> str:
    text = OmegaConf.to_yaml(cfg, resolve=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def plan_id(jobs: list[list[str]]) -> str:
    return hashlib.sha256(json.dumps(jobs).encode()).hexdigest()[:16]


def planned_jobs(hydra_cfg: DictConfig, config_loader=None) -> list[list[str]]:
    """Every job's overrides, in launch order, as Hydra's basic sweeper expands them (the
    config loader expands `glob(*)` over a config group's options)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.global_hydra import GlobalHydra

    if config_loader is None and GlobalHydra.instance().is_initialized():
        config_loader = GlobalHydra.instance().config_loader()
    params = OmegaConf.select(hydra_cfg, "sweeper.params") or {}
    args = [f"{k}={v}" for k, v in params.items()] + OmegaConf.to_container(hydra_cfg.overrides.task, resolve=False)
    parsed = OverridesParser.create(config_loader=config_loader).parse_overrides(args)
    return BasicSweeper.split_arguments(parsed, None)[0]


def overrides_dict(overrides: list[str]) -> dict[str, str]:
    pairs = (o.lstrip("+~").split("=", 1) for o in overrides if "=" in o)
    return {k: v for k, v in pairs if not k.startswith("hydra")}


def swept_keys(jobs: list[list[str]]) -> list[str]:
    values: dict[str, set] = {}
    for job in jobs:
        for k, v in overrides_dict(job).items():
            values.setdefault(k, set()).add(v)
    return [k for k, v in values.items() if len(v) > 1]


def describe(jobs: list[list[str]]) -> str:
    """`mediator.bias=0,0.5 replications=20`: a plan in one line."""
    values: dict[str, list[str]] = {}
    for job in jobs:
        for k, v in overrides_dict(job).items():
            if v not in values.setdefault(k, []):
                values[k].append(v)
    return " ".join(f"{k}={','.join(v)}" for k, v in values.items()) or "no overrides"


def read_plan(sweep_dir: Path) -> dict | None:
    """The folder's plan, None if it has none; PlanError if `sweep.json` is not one."""
    path = Path(sweep_dir) / PLAN
    if not path.exists():
        return None
    try:
        plan = json.loads(path.read_text())
        if not isinstance(plan, dict):
            raise TypeError("not a JSON object")
        jobs = plan["jobs"]
        if not (isinstance(jobs, list) and all(isinstance(j, list) and all(isinstance(o, str) for o in j) for j in jobs)):
            raise TypeError("jobs is not a list of override lists")
    except (OSError, ValueError, TypeError, KeyError) as err:
        raise PlanError(f"{path} is not a sweep plan ({type(err).__name__}: {err})") from err
    if "id" not in plan:  # a plan of an older negsim: derive them (each point reads the plan)
        plan["id"] = plan_id(jobs)
    if "swept" not in plan:
        plan["swept"] = swept_keys(jobs)
    return plan


def read_record(marker: Path) -> dict | None:
    """A point's `done.json`, None if it cannot be read (a killed writer cannot leave half of
    one, but a person can)."""
    try:
        record = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    if isinstance(record, dict) and isinstance(record.get("job"), int) and isinstance(record.get("overrides"), dict):
        return record
    return None


def records_for_sweep(cfg: Any, overrides: list[str]) -> None:
    """A sweep keeps only outcomes, unless the command line asks for more (`cfg` is a
    DictConfig or a `sim.schema.config.Config`)."""
    keys = overrides_dict(overrides)
    for name in ("rounds", "timeline"):
        if f"record.{name}" not in keys and "record" not in keys:
            setattr(cfg.record, name, False)
