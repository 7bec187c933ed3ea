"""Sweeps: each Hydra job is one parameter point; nothing is lost and nothing is done twice.

When a sweep starts, `sweep.json` records its plan: every job's overrides and an id of
that list. A job writes its tables into its own folder of the sweep, then `done.json`
(the plan id, its job number, overrides, a hash of its resolved config, its time, or
its error) as the mark that the point is complete. Re-running the same command into the
same folder skips a point whose `done.json` has the same hash and status "ok"; `negsim`
refuses a folder whose plan differs unless given `--force`, and aggregation reads only
the points of the folder's current plan. A sweep keeps only each point's outcomes,
unless `record.rounds=true` or `record.timeline=true` is given on the command line.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.commands import interrupt
from sim.commands.plan import (
    DONE,
    PLAN,
    PROGRESS,
    PlanError,
    config_hash,
    overrides_dict,
    plan_id,
    planned_jobs,
    read_plan,
    read_record,
    records_for_sweep,
    swept_keys,
)
from sim.runs.store import WriteError, remove_stale, write_text, write_versions
from sim.schema.config import ConfigError

AGGREGATES = ("outcomes.parquet", "summary.csv", "*.png")  # what `negsim-report` writes into a sweep folder


def run_job(cfg: DictConfig, run_point) -> dict[str, Any]:
    """One sweep point: skip it if complete, else run it and record success or error. A
    result that cannot be written (full disk) stops the sweep with one line; the points
    finished so far stay complete and the point being written is run again on resume."""
    try:
        return _run_job(cfg, run_point)
    except WriteError as err:
        _stop(err)  # Hydra's launcher would record the exception and go on to the next point


def _run_job(cfg: DictConfig, run_point) -> dict[str, Any]:
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    sweep_dir = Path(hc.sweep.dir)
    task = OmegaConf.to_container(hc.overrides.task, resolve=False)
    records_for_sweep(cfg, task)
    plan = _plan_or_none(sweep_dir)
    pid = plan["id"] if plan else None
    num = hc.job.num
    digest = config_hash(cfg)
    marker = out / DONE
    old = read_record(marker) if marker.exists() else None
    if old and old.get("hash") == digest and old.get("status") == "ok" and _readable(out / "outcomes.parquet"):
        if (old.get("plan"), old.get("job")) != (pid, num):  # the same point in a new plan
            write_text(json.dumps(old | {"plan": pid, "job": num}, indent=1), marker)
        _mark(sweep_dir, pid, num)
        _progress(sweep_dir, plan, f"point {num} already complete, skipped")
        return old
    # results of another config, an old error, or files a killed job was writing
    marker.unlink(missing_ok=True)
    (out / "error.txt").unlink(missing_ok=True)
    remove_stale(out)
    record = {"plan": pid, "job": num, "overrides": overrides_dict(task), "hash": digest}
    started = time.perf_counter()
    try:
        done = run_point(cfg, out, plots_ok=False)
        record |= {"status": "ok", "seconds": done["seconds"], "replications": done["config"].replications}
    except ConfigError as exc:
        record |= {"status": "failed", "error": f"config: {exc}"}
    except WriteError:
        raise
    except Exception as exc:  # noqa: BLE001 - a failed point must not stop the others
        if interrupt.came():  # a Ctrl-C that came out as another error: the sweep stops
            raise KeyboardInterrupt from exc
        out.mkdir(parents=True, exist_ok=True)
        write_text(traceback.format_exc(), out / "error.txt")
        record |= {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    record["wall_seconds"] = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    write_text(json.dumps(record, indent=1), marker)
    _mark(sweep_dir, pid, num)
    _progress(sweep_dir, plan, f"point {num} {record['status']}")
    return record


def _readable(table: Path) -> bool:
    try:
        pq.read_schema(table)  # the footer: cheap, and enough to tell a table from a damaged file
    except (OSError, pa.ArrowException):
        return False
    return True


def _plan_or_none(sweep_dir: Path) -> dict | None:
    try:
        return read_plan(sweep_dir)
    except PlanError:
        return None


def _mark(sweep_dir: Path, pid: str | None, num: int) -> None:
    """An empty file per finished point of this plan: progress counts them without reading."""
    if pid is None:
        return
    folder = sweep_dir / PROGRESS / pid
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / str(num)).touch()
    except OSError as err:
        raise WriteError(f"cannot write {folder / str(num)}: {err.strerror}") from err


def _finished(sweep_dir: Path, pid: str) -> int:
    folder = sweep_dir / PROGRESS / pid
    return sum(1 for _ in folder.iterdir()) if folder.is_dir() else 0


def _progress(sweep_dir: Path, plan: dict | None, what: str) -> None:
    """Points done, left, and the time left at this session's pace, on stderr."""
    if plan is None:
        return
    total = len(plan["jobs"])
    finished = min(_finished(sweep_dir, plan["id"]), total)
    fresh = finished - plan.get("complete_before", 0)  # points from an earlier session do not set the pace
    elapsed = time.time() - plan.get("started", time.time())
    left = total - finished
    eta = elapsed / max(fresh, 1) * left
    print(
        f"[sweep] {what}: {finished}/{total} points done, {left} left, "
        f"~{_duration(eta)} left ({_duration(elapsed)} elapsed)",
        file=sys.stderr, flush=True,
    )


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _stop(err: Exception) -> None:
    print(f"negsim: error: {err}; finished points are kept, rerun the same command to resume",
          file=sys.stderr, flush=True)
    sys.exit(1)


class SweepCallback(Callback):
    """Plans the sweep (for progress, resumption and aggregation) and aggregates it at the end."""

    # Hydra turns an exception in a callback into a warning; a write that fails must stop

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        try:
            self._plan(config)
        except (WriteError, OSError) as err:
            _stop(err)

    def _plan(self, config: DictConfig) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        jobs = planned_jobs(config.hydra)
        pid = plan_id(jobs)
        old = _plan_or_none(sweep_dir)
        if old is None or old["id"] != pid:  # a new plan: no progress yet
            shutil.rmtree(sweep_dir / PROGRESS, ignore_errors=True)
        if old is not None and old["id"] != pid:  # it replaces another (--force): so do its tables
            for name in AGGREGATES:
                for path in sweep_dir.glob(name):
                    path.unlink(missing_ok=True)
        plan = {"id": pid, "started": time.time(), "jobs": jobs, "swept": swept_keys(jobs),
                "complete_before": _finished(sweep_dir, pid)}
        write_text(json.dumps(plan, indent=1), sweep_dir / PLAN)
        write_versions(sweep_dir)
        print(f"[sweep] {len(jobs)} points into {sweep_dir}", file=sys.stderr, flush=True)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from sim.commands.report import report

        try:
            code = report(Path(config.hydra.sweep.dir))
        except WriteError as err:
            _stop(err)
        except Exception:  # noqa: BLE001 - Hydra would turn it into a warning and exit 0
            traceback.print_exc()
            print("negsim: error: aggregating the sweep failed; the points' results are in their folders; "
                  "rerun `negsim-report <folder>` after fixing", file=sys.stderr)
            code = 1
        if code:
            sys.exit(code)
