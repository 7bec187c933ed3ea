"""Benchmark: `python -m sim.bench [--quick] [SECTION ...]`, sections as below (default: all
but `sweeps`). Every figure is a median of repeated runs with its min and max; compare the
ratios, measured in the same run, more than the seconds, which vary with the machine's load.

  startup       a command's fixed cost: `negsim replications=1` with and without plots, and
                Mesa's import, each against `python -c pass` in the same run
  lockstep      worlds/s of the default scenario at R = 1 .. 10,000 against a loop of single
                runs, and peak memory (outcome tables only)
  mechanisms    R = 10,000 with the 2022 scenario's mechanisms on (its default) and all off
  per-world     R = 10,000 with every value fixed against ten values drawn per world
  designs       a 20-point x 500-world design as a whole command (start-up, tables, plots,
                report) and its simulation, against one 10,000-world simulate; a 100,000-world
                Latin hypercube over ten parameters: worlds/s and peak memory
  long          the korea_1951 scenario, 1,000 worlds over its 731 days (the long horizon), with
                and without its rounds and timeline tables, against 1,000 worlds of the 2022 scenario
  view          negsim-view: from a change's request to its updated figure data over HTTP, 1,000 and
                10,000 worlds of the 2022 scenario, against simulate() of the same worlds (outcomes only)
  stream        a design of 1,000,000 worlds (Latin hypercube, 100,000 points x 10 worlds, PRIM),
                its tables streamed to Parquet block by block: wall time and peak memory
  sobol         `negsim experiment=sensitivity_2022` (22,528 points x 10 worlds), start to page
  calibration   the calibrate_2022 fit from 200,000 prior draws
  sweeps        Hydra sweeps (one job per point) with the basic and joblib launchers
  disk          bytes per table cell on disk at R = 2,000, against the estimate of
                sim/commands/budget.py that `negsim` warns by
  profile       where the time of R = 10,000 goes (cProfile): noise, days of war, rounds,
                and the rules that take the most
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

from sim.commands.precheck import compose
from sim.runs.ensemble import simulate
from sim.schema.checks import validate
from sim.schema.config import to_config

SIZES = (1, 100, 1_000, 10_000)
SECTIONS = ("startup", "lockstep", "mechanisms", "per-world", "designs", "long", "view", "stream", "sobol", "calibration", "sweeps", "disk", "profile")
MECHANISMS = ("power_shift", "private_information", "red_lines", "audience_costs", "war_driven_aspirations")
DRAWN = (  # ten judgement values of the 2022 scenario, drawn per world over their ranges
    "scenario.parties.russia.optimism={dist: uniform, low: 0, high: 0.5}",
    "scenario.parties.ukraine.optimism={dist: uniform, low: 0, high: 0.3}",
    "scenario.parties.russia.cost={dist: uniform, low: 0.0005, high: 0.003}",
    "scenario.parties.ukraine.cost={dist: uniform, low: 0.001, high: 0.004}",
    "scenario.parties.russia.tactic.deadline={dist: uniform, low: 6, high: 18}",
    "scenario.parties.ukraine.tactic.beta={dist: loguniform, low: 1, high: 4}",
    "scenario.parties.ukraine.resupply={dist: uniform, low: 0.003, high: 0.015}",
    "war.noise={dist: uniform, low: 0.1, high: 0.5}",
    "war.learning_rate={dist: uniform, low: 0.02, high: 0.3}",
    "mediator.formats.ministers.max_salience={dist: uniform, low: 0.2, high: 0.35}",
)
LHS_AXES = "{" + ", ".join(d.replace("=", ": ", 1) for d in DRAWN) + "}"


def config(replications: int, *overrides: str):
    return validate(to_config(compose(
        overrides=[f"replications={replications}", "record.rounds=false", "record.timeline=false", *overrides])))


def seconds(fn, repeats: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def fmt(values: list[float], unit: str = "/s") -> str:
    """Median (min-max): rates as whole numbers, seconds to a hundredth."""
    d = 2 if unit.strip() == "s" else 0
    return f"{statistics.median(values):>9,.{d}f}{unit} ({min(values):,.{d}f}-{max(values):,.{d}f})"


def rates(R: int, repeats: int, *overrides: str) -> list[float]:
    cfg = config(R, *overrides)
    return [R / s for s in seconds(lambda: simulate(cfg), repeats)]


def peak_memory_mb(R: int) -> float:
    cfg = config(R)
    tracemalloc.start()
    simulate(cfg)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def lockstep(repeats: int, loop_cap: int) -> None:
    print(f"{'R':>7} | {'lockstep worlds/s median (min-max)':>36} | {'single-run loop worlds/s':>30} | ratio | peak MB")
    cfg1 = config(1)
    for R in SIZES:
        lock = rates(R, repeats if R < 10_000 else max(3, repeats // 2))
        n = min(R, loop_cap)
        loop = [n / s for s in seconds(lambda: [simulate(cfg1, replication_ids=[r]) for r in range(n)], 3)]
        ratio = statistics.median(lock) / statistics.median(loop)
        print(f"{R:>7,} | {fmt(lock):>36} | {fmt(loop):>30} | {ratio:>5.0f} | {peak_memory_mb(R):7.1f}")
    print(f"(the loop times min(R, {loop_cap}) single runs; its rate does not depend on R)")


def mechanisms(repeats: int) -> None:
    on = rates(10_000, repeats)
    off = rates(10_000, repeats, *(f"scenario.mechanisms.{m}.enabled=false" for m in MECHANISMS))
    print(f"R = 10,000, mechanisms on (the 2022 default): {fmt(on)}")
    print(f"R = 10,000, mechanisms off:                   {fmt(off)}")
    print(f"on / off: {statistics.median(on) / statistics.median(off):.2f}")


def per_world(repeats: int) -> None:
    fixed = rates(10_000, repeats)
    drawn = rates(10_000, repeats, *DRAWN)
    print(f"R = 10,000, every value fixed:        {fmt(fixed)}")
    print(f"R = 10,000, ten values drawn per world: {fmt(drawn)}")
    print(f"cost of per-world parameters: {1 - statistics.median(drawn) / statistics.median(fixed):.1%} of throughput")


_PEAK = (  # run a command in a grandchild and print the grandchild's peak RSS, in KB
    "import resource, subprocess, sys; proc = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "sys.stderr.write(proc.stderr); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
    "sys.exit(proc.returncode)"
)


def _command(*args: str) -> tuple[float, int]:
    """Wall seconds and peak memory (MB, resident) of `negsim ARGS` in a process of its own."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _PEAK, sys.executable, "-m", "sim", *args], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"negsim {' '.join(args)} failed: {proc.stderr[-2000:]}")
    return wall, int(proc.stdout.split()[-1]) // 1024


def _wall(*argv: str) -> float:
    t = time.perf_counter()
    proc = subprocess.run(list(argv), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {proc.stderr[-2000:]}")
    return time.perf_counter() - t


def startup(repeats: int) -> None:
    """Each command in a fresh process, interleaved so that the machine's load falls on all alike."""
    folder = tempfile.mkdtemp(prefix="bench-startup-")
    run = [sys.executable, "-m", "sim", "replications=1"]
    rows = {  # label: (argv, target over `python -c pass`, in s)
        "python -c pass": ([sys.executable, "-c", "pass"], None),
        "python -c 'import mesa' (Mesa's own import)": ([sys.executable, "-c", "import mesa"], None),
        "negsim replications=1 plots=false": ([*run, "plots=false", f"hydra.run.dir={folder}/a"], 0.8),
        "negsim replications=1 (4 plots, report.html)": ([*run, f"hydra.run.dir={folder}/b"], 1.5),
    }
    walls: dict[str, list[float]] = {label: [] for label in rows}
    for _ in range(max(3, repeats)):
        for label, (argv, _target) in rows.items():
            walls[label].append(_wall(*argv))
    shutil.rmtree(folder, ignore_errors=True)
    base = statistics.median(walls["python -c pass"])
    mesa = statistics.median(walls["python -c 'import mesa' (Mesa's own import)"]) - base
    for label, (_argv, target) in rows.items():
        over = statistics.median(walls[label]) - base
        goal = (f"  (target <= {target} s: {'met' if over <= target else 'not met'}; "
                f"beyond Mesa's import {over - mesa:.2f} s: {'met' if over - mesa <= target else 'not met'})") if target else ""
        print(f"{label:<46} {fmt(walls[label], ' s')}  = pass + {over:.2f} s{goal}")


def designs(repeats: int) -> None:
    values = ", ".join(f"{-0.95 + 1.9 * i / 19:.3f}" for i in range(20))
    axes = [f"+design.axes={{mediator.bias: [{values}]}}", "design.replications=500"]
    ref = seconds(lambda: simulate(config(10_000)), repeats)
    design_sim = seconds(lambda: simulate(config(1, *axes)), repeats)
    walls = []
    for _ in range(max(2, repeats // 2)):
        folder = tempfile.mkdtemp(prefix="bench-design-")
        walls.append(_command(*axes, "record.rounds=false", "record.timeline=false", f"hydra.run.dir={folder}")[0])
        shutil.rmtree(folder, ignore_errors=True)
    r = statistics.median(ref)
    print(f"one simulate of 10,000 worlds:                      {fmt(ref, ' s')}")
    print(f"20 x 500 design, simulation:                        {fmt(design_sim, ' s')}  "
          f"= {statistics.median(design_sim) / r:.2f} x (target <= 1.3)")
    over = statistics.median(walls) - r
    mesa = statistics.median(_wall(sys.executable, "-c", "import mesa") for _ in range(3))
    print(f"20 x 500 design, whole command (tables, plots, page): {fmt(walls, ' s')}  "
          f"= {statistics.median(walls) / r:.2f} x = simulate + {over:.2f} s "
          f"(target <= simulate + 1.5 s: {'met' if over <= 1.5 else 'not met'}; beyond Mesa's import "
          f"({mesa:.2f} s) {over - mesa:.2f} s: {'met' if over - mesa <= 1.5 else 'not met'})")
    lhs = ["design.sampler=lhs", "design.points=10000", "design.replications=10", f"+design.axes={LHS_AXES}",
           "plots=false"]
    folder = tempfile.mkdtemp(prefix="bench-lhs-")
    simulate(config(1, *lhs[:1], "design.points=100", *lhs[2:]))  # warm-up: its first call imports scipy.stats (0.5 s)
    t = time.perf_counter()
    result = simulate(config(1, *lhs))
    sim_s = time.perf_counter() - t
    wall, peak = _command(*lhs, "record.rounds=false", "record.timeline=false", f"hydra.run.dir={folder}")
    shutil.rmtree(folder, ignore_errors=True)
    n = len(result.worlds)
    print(f"LHS design, 10,000 points x 10 worlds over 10 parameters: {n / sim_s:,.0f} worlds/s in simulation "
          f"(one core); whole command {wall:.1f} s, peak memory {peak:,} MB")
    off = [f"scenario.mechanisms.{m}.enabled=false" for m in MECHANISMS]
    t = time.perf_counter()
    simulate(config(1, *lhs, *off))
    print(f"the same design with the mechanisms off (the model the target of 15,000/s was set for): "
          f"{n / (time.perf_counter() - t):,.0f} worlds/s")


def long_horizon(repeats: int) -> None:
    korea = config(1_000, "scenario=korea_1951")
    recorded = validate(to_config(compose(overrides=["replications=1000", "scenario=korea_1951"])))
    reference = config(1_000)
    k, r = seconds(lambda: simulate(korea), repeats), seconds(lambda: simulate(reference), repeats)
    tables = seconds(lambda: simulate(recorded), max(3, repeats // 2))
    print(f"korea_1951, 1,000 worlds x {korea.scenario.days} days, outcomes only:  {fmt(k, ' s')}")
    print(f"korea_1951, 1,000 worlds, with rounds and timeline:      {fmt(tables, ' s')}")
    print(f"2022 scenario, 1,000 worlds x {reference.scenario.days} days (reference): {fmt(r, ' s')}")
    per_day = (statistics.median(k) / korea.scenario.days) / (statistics.median(r) / reference.scenario.days)
    print(f"seconds per world-day, korea / 2022: {per_day:.2f}")


def view(repeats: int) -> None:
    """A browser's round trip without the browser: POST the change, long-poll its state until
    the result is in, read the JSON. Each repeat moves the mediator's bias to a new value."""
    import threading
    import urllib.request

    from sim.commands.view import Session, serve

    targets = {1_000: 0.5, 10_000: 2.0}
    # the reference first, in a process that holds no view yet
    configs = {worlds: config(worlds) for worlds in targets}
    reference = {worlds: seconds(lambda c=c: simulate(c), repeats) for worlds, c in configs.items()}
    for worlds, target in targets.items():
        session = Session([f"replications={worlds}"], out=Path(tempfile.mkdtemp(prefix="bench-view-")))
        server = serve(session, port=0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        session.state(1, timeout=600)
        biases = iter(f"{0.01 * i:.2f}" for i in range(1, 100))

        def change():
            body = json.dumps({"change": {"mediator.bias": next(biases)}}).encode()
            request = urllib.request.Request(url + "/api/run", data=body, headers={"Content-Type": "application/json"})
            job = json.load(urllib.request.urlopen(request))["id"]
            while True:
                state = json.load(urllib.request.urlopen(f"{url}/api/state?wait={job}&timeout=30"))
                if state["done"] >= job:
                    assert state["result"]["id"] == job, state.get("error")
                    return

        took = seconds(change, repeats)
        server.shutdown()
        server.server_close()
        print(f"{worlds:>6,} worlds: change to figure data {fmt(took, ' s')} (target {target:g} s: "
              f"{'met' if statistics.median(took) <= target else 'not met'}); simulate() alone {fmt(reference[worlds], ' s')}; "
              f"ratio {statistics.median(took) / statistics.median(reference[worlds]):.2f}")


def stream() -> None:
    import pyarrow.parquet as pq

    folder = tempfile.mkdtemp(prefix="bench-stream-")
    args = ["design.sampler=lhs", "design.points=100000", "design.replications=10", f"+design.axes={LHS_AXES}",
            "record.rounds=false", "record.timeline=false", "analysis.method=prim", "analysis.outcomes=[at_war_end]",
            f"hydra.run.dir={folder}"]
    wall, peak = _command(*args)
    worlds = pq.read_metadata(Path(folder) / "worlds.parquet").num_rows
    print(f"a design of {worlds:,} worlds (LHS, 100,000 points x 10, PRIM on at_war_end), start to report.html: "
          f"{wall:.0f} s ({worlds / wall:,.0f} worlds/s), peak memory {peak:,} MB (target < 2,000 MB: "
          f"{'met' if peak < 2000 else 'not met'})")
    shutil.rmtree(folder, ignore_errors=True)


def sobol() -> None:
    import pyarrow.parquet as pq

    folder = tempfile.mkdtemp(prefix="bench-sobol-")
    wall, peak = _command("experiment=sensitivity_2022", f"hydra.run.dir={folder}")
    worlds = pq.read_metadata(Path(folder) / "worlds.parquet").num_rows
    print(f"negsim experiment=sensitivity_2022 (Sobol', 10 parameters, N = 1024: {worlds:,} worlds), start to "
          f"report.html: {wall:.1f} s (target < 60 s), peak memory {peak:,} MB")
    shutil.rmtree(folder, ignore_errors=True)


def calibration(draws: int) -> None:
    from sim.analysis.calibrate import run_calibration

    cfg = compose(["experiment=calibrate_2022", f"calibrate.draws={draws}"])
    t = time.perf_counter()
    result = run_calibration(cfg)
    elapsed = time.perf_counter() - t
    print(f"calibrate_2022, rejection ABC of 6 parameters from {draws:,} prior draws: {elapsed:.1f} s "
          f"({draws / elapsed:,.0f} worlds/s), {len(result.posterior):,} accepted (target < 60 s)")


def sweep(launcher: str, points: int, replications: int, workers: int) -> dict:
    """Time `negsim -m` over `points` values of the mediator's bias; read each job's
    simulation time."""
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{launcher}-"))
    values = ",".join(f"{b:.4f}" for b in [-0.95 + 1.9 * i / (points - 1) for i in range(points)])
    args = ["-m", f"mediator.bias={values}", f"replications={replications}", "plots=false", f"hydra.sweep.dir={folder}"]
    if launcher == "joblib":
        args += ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={workers}"]
    wall, peak = _command(*args)
    sim_seconds = sum(json.loads(p.read_text()).get("seconds", 0) for p in folder.glob("*/done.json"))
    shutil.rmtree(folder, ignore_errors=True)
    return {"wall": wall, "simulation": sim_seconds, "peak_mb": peak}


def sweeps() -> None:
    for reps in (500, 50_000):
        print(f"sweep: 20 points x {reps:,} replications (mediator.bias), one Hydra job per point")
        basic, joblib = sweep("basic", 20, reps, 1), sweep("joblib", 20, reps, 2)
        for name, res, workers in (("basic", basic, 1), ("joblib, 2 workers", joblib, 2)):
            outside = 1.0 - res["simulation"] / workers / res["wall"]
            print(f"  {name:<18} wall {res['wall']:6.1f} s   outside simulation {outside:5.1%}")
        print(f"  joblib/basic throughput: {basic['wall'] / joblib['wall']:.2f}x")


def disk() -> None:
    """Bytes per cell of each table as Parquet, and the share of budget's estimate of cells recorded."""
    from sim.commands import budget

    result = simulate(validate(to_config(compose(overrides=["replications=2000"]))))
    expected = budget.cells(result.config)
    with tempfile.TemporaryDirectory() as tmp:
        for name in expected:
            table = getattr(result, name)
            path = Path(tmp) / f"{name}.parquet"
            table.to_parquet(path, index=False)
            print(f"{name:9s} {path.stat().st_size / table.size:.2f} bytes per cell (budget assumes "
                  f"{budget.DISK_PER_CELL[name]}); {table.size / expected[name]:.2f} of the estimated cells")


def profile(top: int = 12) -> None:
    import cProfile
    import pstats

    cfg = config(10_000)
    simulate(config(200))  # warm-up
    profiler = cProfile.Profile()
    profiler.runcall(simulate, cfg)
    stats = pstats.Stats(profiler).stats  # {(file, line, name): (calls, primitive, own, cumulative, callers)}

    def cumulative(module: str, name: str) -> float:
        return sum(v[3] for (f, _, n), v in stats.items() if f.endswith(module) and n == name)

    total = cumulative("sim/runs/ensemble.py", "simulate")  # the profiled call itself

    print(f"R = 10,000, mechanisms on, under cProfile: {total:.2f} s")
    for label, module, name in (("drawing the noise streams", "sim/worlds/noise.py", "draw"),
                                ("the days of war", "sim/agents/model.py", "step"),
                                ("the rounds", "sim/agents/mediator.py", "hold_round")):
        print(f"  {label:<28} {cumulative(module, name) / total:5.0%}")
    print(f"the {top} functions of sim/ with the most time of their own:")
    own = sorted(((v[2], f"{f.rsplit('/sim/', 1)[-1]}:{n}") for (f, _, n), v in stats.items() if "/sim/" in f), reverse=True)
    for seconds, where in own[:top]:
        print(f"  {seconds / total:5.1%}  {where}")
    # Amdahl's bound on compiling the rules: numpy's ufuncs count in their caller's own time
    rules = sum(v[2] for (f, _, n), v in stats.items() if "/sim/rules/" in f or "/sim/mechanisms/" in f) / total
    print(f"own time in sim/rules and sim/mechanisms: {rules:.0%}; were the rules free, a run would be at most "
          f"{1 / (1 - rules):.2f} x as fast")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sim.bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sections", nargs="*", choices=[*SECTIONS, []], default=[], metavar="SECTION",
                        help=f"any of {', '.join(SECTIONS)} (default: all but sweeps)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a rough look)")
    parser.add_argument("--loop-cap", type=int, default=100, help="at most this many single runs per loop timing")
    parser.add_argument("--draws", type=int, default=200_000, help="prior draws of the calibration fit")
    args = parser.parse_args(argv)
    chosen = args.sections or [s for s in SECTIONS if s != "sweeps"]
    repeats = 3 if args.quick else 5
    print(f"negsim benchmark on {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M')}; "
          f"load {os.getloadavg()[0]:.1f}")
    run = {"startup": lambda: startup(repeats), "lockstep": lambda: lockstep(repeats, args.loop_cap), "mechanisms": lambda: mechanisms(repeats),
           "per-world": lambda: per_world(repeats), "designs": lambda: designs(repeats), "long": lambda: long_horizon(repeats),
           "view": lambda: view(repeats), "stream": stream, "sobol": sobol,
           "calibration": lambda: calibration(args.draws), "sweeps": sweeps, "disk": disk, "profile": profile}
    for name in chosen:
        print(f"\n== {name}")
        run[name]()


if __name__ == "__main__":
    main()
