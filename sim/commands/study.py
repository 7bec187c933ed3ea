"""What one run writes into its folder: a single parameter point, or a whole design.

Every run writes, in this order (a later failure cannot lose what came first):
`config.yaml`, `versions.json`, `outcomes.parquet`, `worlds.parquet`, then `rounds.parquet`
and `timeline.parquet` when recorded, then the plots. A design (`sim/worlds/design.py`) adds
`summary.csv` (per point and issue) and the plots against its axes; its tables carry a
`point` column and one column per axis. `negsim-report` rebuilds a design folder's
summary and plots from its tables.
"""

from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from sim.commands import budget
from sim.figures.parallel import Figures
from sim.runs.ensemble import blocks, points_of, simulate
from sim.runs.outcome import Result
from sim.runs.store import TableWriter, write_parquet, write_text, write_versions
from sim.schema.checks import validate
from sim.schema.config import Role, Talks, to_config
from sim.worlds import design


def run(cfg: DictConfig, out: Path, plots_ok: bool = True, question: str = "") -> dict:
    """Simulate the config's worlds and write them into `out`, with `report.html` (the study's
    `question` on it); ConfigError before any simulation."""
    config = validate(to_config(cfg))
    out.mkdir(parents=True, exist_ok=True)
    if config.calibrate.parameters:
        return page(calibration(cfg, config, out), out, question, plots_ok)
    if budget.streams(config):
        files = [write_text(OmegaConf.to_yaml(cfg, resolve=True), out / "config.yaml"), write_versions(out)]
        result, elapsed, tables = stream(config, out)
        files += tables
    else:
        started = time.perf_counter()
        result = simulate(config, progress=True)
        elapsed = time.perf_counter() - started
        files = [
            write_text(OmegaConf.to_yaml(cfg, resolve=True), out / "config.yaml"),
            write_versions(out),
            write_parquet(result.outcomes, out / "outcomes.parquet"),
            write_parquet(result.worlds, out / "worlds.parquet"),
        ]
        for name, recorded in (("timeline", config.record.timeline), ("rounds", config.record.rounds)):
            if recorded:
                files.append(write_parquet(getattr(result, name), out / f"{name}.parquet"))
    figures = Figures() if config.plots and plots_ok else None  # drawn on the spare cores (sim/figures/parallel.py)
    if design.is_design(config):
        files += summarise_design(result, config, out, figures)
        files += switch_effects(result, out, figures)
        files += analysis(result, config, out, figures)
    elif figures is not None:
        run_plots(result, config, out, figures)
    if config.compare.variants:
        files += counterfactuals(result, config, out, figures)
    if figures is not None:
        files += figures.done()
    return page({"result": result, "files": files, "seconds": elapsed, "config": config}, out, question, plots_ok)


def stream(config, out: Path) -> tuple[Result, float, list[Path]]:
    """A large design (`budget.streams`): its tables written block by block as the blocks are
    simulated, so that memory holds one block; then read back for the summaries, analyses and
    plots, the worlds whole and of the outcomes only the columns the summaries read."""
    import pandas as pd

    names = ["outcomes", "worlds", *(["timeline"] if config.record.timeline else [])]
    started = time.perf_counter()
    with TableWriter(out, names) as writer:
        for tables in blocks(config, progress=True):
            writer.append(tables)
        files = writer.close()
    elapsed = time.perf_counter() - started
    outcomes = pd.read_parquet(out / "outcomes.parquet", columns=list(budget.READ_BACK))
    result = Result(config=config, points=points_of(config), outcomes=outcomes, rounds=pd.DataFrame(),
                    timeline=pd.DataFrame(), worlds=pd.read_parquet(out / "worlds.parquet"))
    return result, elapsed, files


def page(done: dict, out: Path, question: str, plots_ok: bool) -> dict:
    """report.html: one page with the folder's summary, plots, config and question (sim/commands/page.py).
    Not for the points of a sweep: the sweep's folder gets it."""
    if plots_ok:
        from sim.commands.page import write_report

        done["files"].append(write_report(out, question=question))  # titled "<scenario>: <folder>" (page.folder_title)
    return done


def calibration(cfg, config, out: Path) -> dict:
    """A calibration study: the posterior and its files instead of a run (sim/analysis/calibrate.py)."""
    from sim.analysis.calibrate import run_calibration

    started = time.perf_counter()
    result = run_calibration(config, progress=True)
    elapsed = time.perf_counter() - started
    files = [write_text(OmegaConf.to_yaml(cfg, resolve=True), out / "config.yaml"), write_versions(out),
             *write_calibration(result, out)]
    return {"result": None, "calibration": result, "files": files, "seconds": elapsed, "config": config}


def write_calibration(result, folder: Path) -> list:
    """posterior.parquet, calibration.csv, predictive.csv, posterior.png, predictive.png in `folder`."""
    from sim.analysis import calibrate
    from sim.figures import calibration as figures
    from sim.runs.store import write_csv

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_parquet(result.posterior, folder / "posterior.parquet"),
        write_csv(calibrate.summary(result), folder / "calibration.csv"),
        write_csv(result.predictive, folder / "predictive.csv"),
        figures.marginals(result.posterior, result.priors, calibrate.ranges(result.fit, list(result.priors)),
                          folder / "posterior.png"),
        figures.predictive(result.predictive, result.observed, folder / "predictive.png"),
    ]


def summarise_design(result, config, out: Path, figures: Figures | None = None) -> list:
    """`summary.csv` per point and issue, and (with `figures`) the study's metrics against its
    axes (sim/figures/designs.py)."""
    from sim.runs.outcome import summarize
    from sim.runs.store import write_csv

    summary = summarize(result.outcomes[list(budget.READ_BACK)], by=["point"])  # then each point's axis values:
    for i, axis in enumerate(design.axes(config), start=1):  # as grouping by them too, on fewer columns
        summary.insert(i, axis, result.points[axis].to_numpy()[summary["point"].to_numpy()])
    files = [write_csv(summary, out / "summary.csv")]
    if figures is None:
        return files
    from sim.figures import designs

    for job in designs.study_jobs(config, result.worlds, out):
        figures.add(job)
    return files


def analysis(result, config, out: Path, figures: Figures | None = None) -> list:
    """The design's analysis: `sensitivity.csv` (Sobol or Morris, SALib) or `prim.csv`
    (scenario discovery), with their plots."""
    from sim.runs.store import write_csv
    from sim.schema.config import Method

    method = config.analysis.method
    if method is None:
        return []
    if method == Method.prim:
        from sim.analysis import prim

        table, peelings = prim.analyze(config, result.worlds)
        files = [write_csv(table, out / "prim.csv")]
        if figures is not None:
            from sim.figures.drivers import prim_trajectory

            for peeling in peelings:
                name = peeling.outcome.replace("!", "not_")
                figures.add(partial(prim_trajectory, peeling, table[table["outcome"] == peeling.outcome],
                                    out / f"prim_{name}.png"))
        return files
    from sim.analysis import sensitivity

    table = sensitivity.analyze(config, result.points, result.worlds)
    files = [write_csv(table, out / "sensitivity.csv")]
    for outcome, note in table.drop_duplicates("outcome")[["outcome", "note"]].itertuples(index=False):
        if note:  # one line each; the page and sensitivity.csv say it too
            print(f"negsim: warning: sensitivity of {outcome}: {note}", file=sys.stderr, flush=True)
    if figures is not None:
        from sim.figures.drivers import indices

        figures.add(partial(indices, table, out / "sensitivity.png"))
    return files


def counterfactuals(result, config, out: Path, figures: Figures | None = None) -> list:
    """Each variant on the baseline's worlds: `worlds_<variant>.parquet`, `effects.csv` and
    `effects.png`, the paired differences from the baseline (sim/analysis/compare.py)."""
    from sim.analysis import compare
    from sim.runs.store import write_csv

    variants, files = {}, []
    for name in config.compare.variants:
        variants[name] = simulate(compare.variant_config(config, name), progress=True).worlds
        files.append(write_parquet(variants[name], out / f"worlds_{name}.parquet"))
    outcomes = list(config.compare.outcomes)  # non-empty: sim.analysis.compare.check_compare
    table = compare.effects(result.worlds, variants, outcomes)
    files.append(write_csv(table, out / "effects.csv"))
    if figures is not None:
        from sim.figures.effects import effects

        figures.add(partial(effects, table, out / "effects.png", len(result.worlds)))
    return files


def switch_effects(result, out: Path, figures: Figures | None = None) -> list:
    """For a design of switches only: none, each alone, all together (sim/analysis/switches.py)."""
    from sim.analysis import switches
    from sim.runs.store import write_csv

    if not switches.is_switch_design(result.points):
        return []
    table = switches.effects(result.worlds, result.points)
    files = [write_csv(table, out / "switches.csv")]
    if figures is not None:
        from sim.figures import effects

        figures.add(partial(effects.switches, table, out / "switches.png"))
    return files


def run_plots(result, config, out: Path, figures: Figures) -> None:
    """Positions, agreement, balance and beliefs of a single run, with dates, poles, sides,
    agreements and breakdowns marked: added to `figures`, the largest first."""
    from sim.figures import talks  # matplotlib only when plotting
    from sim.figures.designs import package_issues

    sc = config.scenario
    poles = {name: tuple(issue.poles) for name, issue in sc.issues.items()}
    sides = {name: p.side for name, p in sc.parties.items()}
    if len(result.rounds):  # the parties at the table: allies' and patrons' positions never move
        at_table = [name for name, p in sc.parties.items() if p.role == Role.table]
        rounds = result.rounds[result.rounds["party"].isin(at_table)]
        proposer = "proposal (the sides in turn)" if sc.talks == Talks.alternating else "mediator's proposal"
        figures.add(partial(talks.positions, rounds, poles, out / "positions.png", start_date=sc.start_date,
                            outcomes=result.outcomes, sides=sides, proposer=proposer))
    timeline = result.timeline if len(result.timeline) else None
    figures.add(partial(talks.agreement, result.outcomes, timeline, sc.days, out / "agreement.png",
                        start_date=sc.start_date, package=package_issues(config)))
    if timeline is not None:
        figures.add(partial(talks.balance, result.timeline, sides, out / "balance.png", start_date=sc.start_date))
        if "area_A" in timeline:  # the map, with what was observed
            from sim.analysis import observed
            from sim.figures.territory import territory

            leads = tuple(next(n for n, p in sc.parties.items() if p.belligerent and p.side.name == s) for s in "AB")
            figures.add(partial(territory, timeline, out / "territory.png",
                                observed=observed.table(config) if sc.observed else None,
                                sides=leads, unit="km2" if sc.territory.total > 1000 else ""))
