"""Sweeps: each Hydra job is one parameter point; nothing is lost and nothing is done twice.

A job writes its tables into its own folder of the sweep, then `done.json` (the point's
overrides, a hash of its resolved config, its time, or its error) as the mark that the
point is complete. Re-running into the same folder skips a point whose `done.json` has
the same hash and status "ok". The callback writes `sweep.json` (every job's overrides)
when the sweep starts and aggregates the folder when it ends.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError
from sim.store import write_text

DONE, PLAN = "done.json", "sweep.json"


def config_hash(cfg: DictConfig) -> str:
    text = OmegaConf.to_yaml(cfg, resolve=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def planned_jobs(hydra_cfg: DictConfig) -> list[list[str]]:
    """Every job's overrides, in launch order, as Hydra's basic sweeper expands them."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    params = OmegaConf.select(hydra_cfg, "sweeper.params") or {}
    args = [f"{k}={v}" for k, v in params.items()] + list(hydra_cfg.overrides.task)
    parsed = OverridesParser.create().parse_overrides(args)
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


def run_job(cfg: DictConfig, run_point) -> dict[str, Any]:
    """One sweep point: skip it if complete, else run it and record success or error."""
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    sweep_dir = Path(hc.sweep.dir)
    digest = config_hash(cfg)
    marker = out / DONE
    if marker.exists():
        old = json.loads(marker.read_text())
        if old.get("hash") == digest and old.get("status") == "ok" and (out / "outcomes.parquet").exists():
            _progress(sweep_dir, f"point {hc.job.num} already complete, skipped")
            return old
    # results of another config, an old error, or files a killed job was writing
    for stale in [marker, out / "error.txt", *out.glob(".*.tmp")]:
        stale.unlink(missing_ok=True)
    record = {"job": hc.job.num, "overrides": overrides_dict(list(hc.overrides.task)), "hash": digest}
    started = time.perf_counter()
    try:
        done = run_point(cfg, out, plots_ok=False)
        record |= {"status": "ok", "seconds": done["seconds"], "replications": done["config"].replications}
    except ConfigError as exc:
        record |= {"status": "failed", "error": f"config: {exc}"}
    except Exception as exc:  # noqa: BLE001 - a failed point must not stop the others
        (out / "error.txt").write_text(traceback.format_exc())
        record |= {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    record["wall_seconds"] = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    write_text(json.dumps(record, indent=1), marker)
    _progress(sweep_dir, f"point {hc.job.num} {record['status']}")
    return record


def _progress(sweep_dir: Path, what: str) -> None:
    """Points done, left, and the time left at this session's pace, on stderr."""
    try:
        plan = json.loads((sweep_dir / PLAN).read_text())
    except (OSError, ValueError):
        return
    total = len(plan["jobs"])
    finished = sum(1 for _ in sweep_dir.glob(f"*/{DONE}"))
    fresh = finished - plan["complete_before"]  # points from an earlier session do not set the pace
    elapsed = time.time() - plan["started"]
    left = max(total - finished, 0)
    eta = elapsed / max(fresh, 1) * left
    print(
        f"[sweep] {what}: {finished}/{total} points done, {left} left, "
        f"~{_duration(eta)} left ({_duration(elapsed)} elapsed)",
        file=sys.stderr, flush=True,
    )


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class SweepCallback(Callback):
    """Plans the sweep (for progress and resumption) and aggregates it at the end."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        jobs = planned_jobs(config.hydra)
        before = sum(1 for _ in sweep_dir.glob(f"*/{DONE}"))
        plan = {"started": time.time(), "jobs": jobs, "swept": swept_keys(jobs), "complete_before": before}
        write_text(json.dumps(plan, indent=1), sweep_dir / PLAN)
        print(f"[sweep] {len(jobs)} points into {sweep_dir}", file=sys.stderr, flush=True)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from sim.report import report

        try:
            code = report(Path(config.hydra.sweep.dir))
        except Exception:  # noqa: BLE001 - Hydra would turn it into a warning and exit 0
            traceback.print_exc()
            print("negsim: error: aggregating the sweep failed; the points' results are in their folders; "
                  "rerun `negsim-report <folder>` after fixing", file=sys.stderr)
            code = 1
        if code:
            sys.exit(code)
