"""Benchmark: `python -m sim.bench [--quick] [--no-sweep] [--studies] [--calibration]`.

Prints, for the default scenario with outcome tables only (no rounds or timeline):
replications per second of the lockstep run at R = 1, 100, 1,000 and 10,000 (median,
min and max of several runs) against a plain loop of single runs measured in the same
process, their ratio, peak memory, and the wall time of a 20-point sweep with the basic
and joblib launchers. Figures vary with the machine's load: compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from hydra import compose, initialize_config_dir

from sim.cli import CONF
from sim.config import register, to_config, validate
from sim.ensemble import simulate

SIZES = (1, 100, 1_000, 10_000)


def config(replications: int, *overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(
            "config",
            overrides=[f"replications={replications}", "record.rounds=false", "record.timeline=false", *overrides],
        )
    return validate(to_config(cfg))


def lockstep_rates(R: int, repeats: int) -> list[float]:
    cfg = config(R)
    simulate(cfg)  # warm-up
    rates = []
    for _ in range(repeats):
        t = time.perf_counter()
        simulate(cfg)
        rates.append(R / (time.perf_counter() - t))
    return rates


def loop_rates(n: int, repeats: int) -> list[float]:
    """n separate single runs (replication ids 0..n-1), the config built once."""
    cfg = config(1)
    simulate(cfg, replication_ids=[0])
    rates = []
    for _ in range(repeats):
        t = time.perf_counter()
        for r in range(n):
            simulate(cfg, replication_ids=[r])
        rates.append(n / (time.perf_counter() - t))
    return rates


def peak_memory_mb(R: int) -> float:
    cfg = config(R)
    tracemalloc.start()
    simulate(cfg)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def fmt(rates: list[float]) -> str:
    return f"{statistics.median(rates):>10,.0f} ({min(rates):,.0f}-{max(rates):,.0f})"


_PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True, check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def sweep(launcher: str, points: int, replications: int, workers: int) -> dict:
    """Time `negsim -m` over `points` values of the mediator's bias; read each job's
    simulation time; the peak RSS of the sweep's main process (all of it, for basic)."""
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{launcher}-"))
    values = ",".join(f"{b:.4f}" for b in [-0.95 + 1.9 * i / (points - 1) for i in range(points)])
    cmd = [
        sys.executable, "-m", "sim", "-m", f"mediator.bias={values}", f"replications={replications}",
        "record.rounds=false", "record.timeline=false", "plots=false", f"hydra.sweep.dir={folder}",
    ]
    if launcher == "joblib":
        cmd += ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={workers}"]
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _PEAK, *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"sweep failed: {proc.stderr[-2000:]}")
    sim_seconds = sum(json.loads(p.read_text())["seconds"] for p in folder.glob("*/done.json"))
    peak_mb = int(proc.stdout.split()[-1]) / 1024
    shutil.rmtree(folder, ignore_errors=True)
    return {"wall": wall, "simulation": sim_seconds, "peak_mb": peak_mb}


def studies() -> None:
    """Wall time of every named study with the basic and the joblib launcher."""
    names = sorted(p.stem for p in (CONF.parent / "experiments").glob("*.yaml"))
    print(f"{'study':<24} {'points':>6} {'basic s':>8} {'joblib s':>9} {'ratio':>6}")
    for name in names:
        walls = {}
        for launcher in ("basic", "joblib"):
            folder = Path(tempfile.mkdtemp(prefix=f"study-{name}-"))
            cmd = [sys.executable, "-m", "sim", f"experiment={name}", f"hydra.sweep.dir={folder}"]
            if launcher == "joblib":
                cmd.append("hydra/launcher=joblib")
            t = time.perf_counter()
            subprocess.run(cmd, capture_output=True, text=True, check=True)
            walls[launcher] = time.perf_counter() - t
            points = len(list(folder.glob("*/done.json")))
            shutil.rmtree(folder, ignore_errors=True)
        print(f"{name:<24} {points:>6} {walls['basic']:>8.1f} {walls['joblib']:>9.1f} {walls['basic'] / walls['joblib']:>6.2f}")


def calibration(draws: int) -> None:
    """Wall time of the rejection calibration of `experiments/calibrate_2022.yaml` with
    `draws` prior draws (the fit only: no posterior-predictive worlds, no files)."""
    from sim.calibrate import run_calibration

    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose("config", overrides=["experiment=calibrate_2022", f"calibrate.draws={draws}",
                                           "calibrate.predictive=0"])
    config = validate(to_config(cfg))
    started = time.perf_counter()
    result = run_calibration(config)
    wall = time.perf_counter() - started
    print(f"calibration (calibrate_2022, rejection): {draws:,} prior draws of {len(result.priors)} parameters, "
          f"{result.fit.scenario.days} days each, {len(result.posterior):,} kept")
    print(f"  wall {wall:6.1f} s   {draws / wall:8,.0f} worlds/s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a rough look)")
    parser.add_argument("--no-sweep", action="store_true", help="skip the launcher sweeps")
    parser.add_argument("--loop-cap", type=int, default=1000, help="at most this many single runs per loop timing")
    parser.add_argument("--heavy", type=int, default=50_000, help="replications per point of the second sweep")
    parser.add_argument("--studies", action="store_true", help="only time the named studies, both launchers")
    parser.add_argument("--calibration", action="store_true", help="only time the calibrate_2022 fit")
    parser.add_argument("--draws", type=int, default=200_000, help="prior draws of the --calibration fit")
    args = parser.parse_args(argv)
    register()
    if args.studies:
        studies()
        return
    if args.calibration:
        calibration(args.draws)
        return
    repeats = 3 if args.quick else 7
    cores = os.cpu_count()
    print(f"negsim benchmark: default scenario ({config(1).scenario.days} days), outcome tables only; {cores} cores")
    print(f"{'R':>7} | {'lockstep reps/s median (min-max)':>34} | {'single-run loop reps/s':>30} | ratio | peak MB")
    for R in SIZES:
        lock = lockstep_rates(R, repeats if R < 10_000 else max(3, repeats // 2))
        n = min(R, args.loop_cap)
        loop = loop_rates(n, 3 if n >= 100 else repeats)
        ratio = statistics.median(lock) / statistics.median(loop)
        print(f"{R:>7,} | {fmt(lock):>34} | {fmt(loop):>30} | {ratio:>5.0f} | {peak_memory_mb(R):7.1f}")
    print(f"(the loop times min(R, {args.loop_cap}) single runs; its rate does not depend on R)")
    if args.no_sweep:
        return
    for reps in (500, args.heavy):
        points = 20
        print(f"\nsweep: {points} points x {reps:,} replications (mediator.bias), plots off")
        basic = sweep("basic", points, reps, 1)
        joblib = sweep("joblib", points, reps, 2)
        for name, res, workers in (("basic", basic, 1), ("joblib, 2 workers", joblib, 2)):
            outside = 1.0 - res["simulation"] / workers / res["wall"]
            print(
                f"  {name:<18} wall {res['wall']:6.1f} s   {points * reps / res['wall']:8,.0f} reps/s   "
                f"outside simulation {outside:5.1%}"
            )
        print(f"  joblib/basic throughput: {basic['wall'] / joblib['wall']:.2f}x")
    print("\npeak memory of a basic sweep (main process) against its number of points, 500 replications:")
    for points in (10, 20, 40):
        print(f"  {points:>3} points: {sweep('basic', points, 500, 1)['peak_mb']:6.0f} MB")

if __name__ == "__main__":
    main()
