"""Aggregate a sweep folder, finished or not: `negsim-report <folder>`.

Writes into a sweep folder `outcomes.parquet` (the rows of every finished point of the
folder's plan, one column per swept parameter), `summary.csv` (per point and issue) and
the sweep plots; prints the summary, then the failed, missing and unreadable points.
Exit code 1 if there are any, 2 if the folder is not a sweep folder. A design folder's
summary is rebuilt from its tables; every folder gets `report.html` (`--open` opens it).

Two parts: `find_points` and `merge` read a sweep folder; `tally` and `publish` turn any
outcomes table with parameter columns into the summary and plots.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim.commands.plan import DONE, PlanError, overrides_dict, read_plan, read_record, swept_keys
from sim.runs.outcome import summarize
from sim.runs.store import TableWriter, WriteError, atomically, write_csv


@dataclass
class Points:
    """The points of a sweep folder's plan, by what became of them."""

    swept: list[str]
    ok: list[tuple[int, dict, Path]] = field(default_factory=list)  # job, overrides, outcomes file
    failed: list[dict] = field(default_factory=list)  # their done.json
    missing: list[list[str]] = field(default_factory=list)  # overrides of points not run or not finished
    unreadable: list[str] = field(default_factory=list)  # files that are not what they should be


def _value(text: str):
    """'0.5' -> 0.5, 'split' -> 'split': the override's YAML value."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (int, float, str, bool)) else text


def find_points(folder: Path) -> Points:
    """Each job of the folder's plan (`sweep.json`) and the folder that holds its result
    (its `done.json` names the plan and the job, wherever `hydra.sweep.subdir` put it).
    Points of another plan in the same folder are not this sweep's and are left out."""
    plan = read_plan(folder)  # PlanError if it is not one
    found = Points(swept=plan["swept"] if plan else [])
    latest: dict[int, tuple[float, dict, Path]] = {}
    for marker in sorted(folder.rglob(DONE)):
        record = read_record(marker)
        if record is None:
            found.unreadable.append(f"{marker}: not a point record")
            continue
        if plan and not _of_plan(record, plan):
            continue
        job, when = record["job"], marker.stat().st_mtime
        if job not in latest or when > latest[job][0]:
            latest[job] = (when, record, marker.parent)
    if plan:
        jobs = dict(enumerate(plan["jobs"]))
    else:  # a folder from before plans: every point it holds
        jobs = {job: [f"{k}={v}" for k, v in latest[job][1]["overrides"].items()] for job in sorted(latest)}
        found.swept = swept_keys(list(jobs.values()))
    for job in sorted(j for j in latest if j in jobs):
        _, record, where = latest[job]
        table = where / "outcomes.parquet"
        if record.get("status") != "ok":
            found.failed.append(record)
        elif table.exists():
            found.ok.append((job, record["overrides"], table))
    done = {job for job, _, _ in found.ok} | {r["job"] for r in found.failed}
    found.missing = [overrides for job, overrides in jobs.items() if job not in done]
    return found


def _of_plan(record: dict, plan: dict) -> bool:
    """A point of this plan; one written before points named their plan, if it is the
    plan's point of that number."""
    if "plan" in record:
        return record["plan"] == plan["id"]
    job = record["job"]
    return 0 <= job < len(plan["jobs"]) and overrides_dict(plan["jobs"][job]) == record["overrides"]


def merge(points: Points, target: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Stream the finished points into one Parquet table, a point at a time (memory does
    not grow with the number of rows), keeping what the summary and plots need. Returns
    the summary, the day counts and the parameter columns: a swept key, or `swept.<key>`
    where the key is also a column of the tables (`-m replications=100,500`). A point
    whose table cannot be read is moved to `points.unreadable`."""
    readable = []
    for job, overrides, path in points.ok:
        try:
            readable.append((job, overrides, path, pq.read_schema(path)))
        except (OSError, pa.ArrowException) as err:
            points.unreadable.append(f"{path}: {_first_line(err)}")
    if not readable:
        return pd.DataFrame(), pd.DataFrame(), []
    schemas = [s for *_, s in readable]
    taken = {"point", *(f.name for s in schemas for f in s), *summarize(schemas[0].empty_table().to_pandas()).columns}
    params = {key: f"swept.{key}" if key in taken else key for key in points.swept}
    values = {params[key]: [_value(o.get(key, "")) for _, o, _, _ in readable] for key in points.swept}
    for name, vals in values.items():  # 0 and 0.5 in one column: all floats
        if any(isinstance(v, float) for v in vals) and all(isinstance(v, (int, float)) for v in vals):
            values[name] = [float(v) for v in vals]
    schema = _merged_schema(schemas, values)
    by = ["point", *values]
    summaries, days = [], []

    def write(aside: Path) -> None:
        with pq.ParquetWriter(aside, schema) as writer:
            for i, (job, _, path, _) in enumerate(readable):
                try:
                    frame = pd.read_parquet(path)
                except (OSError, pa.ArrowException) as err:
                    points.unreadable.append(f"{path}: {_first_line(err)}")
                    continue
                frame = pd.concat([pd.DataFrame({"point": job} | {n: v[i] for n, v in values.items()},
                                                index=frame.index), frame], axis=1)
                table = pa.Table.from_pandas(frame, preserve_index=False)
                columns = [table.column(f.name).cast(f.type) if f.name in table.column_names
                           else pa.nulls(len(table), f.type) for f in schema]
                writer.write_table(pa.Table.from_arrays(columns, schema=schema))
                summary, day_counts = tally(frame, by)
                summaries.append(summary)
                days.append(day_counts)

    atomically(target, write)  # only a complete table replaces the last one
    summary = pd.concat(summaries, ignore_index=True) if summaries else pd.DataFrame()
    return summary, (pd.concat(days, ignore_index=True) if days else pd.DataFrame()), list(values)


def _merged_schema(schemas: list[pa.Schema], values: dict[str, list]) -> pa.Schema:
    """`point`, the parameters, then the union of the points' columns (a sweep over
    scenarios with other parties has nulls where a point has no such column), with the
    pandas metadata that keeps `day` and `round` nullable integers when read back."""
    params = [pa.field("point", pa.int64())] + [
        pa.field(name, pa.Table.from_pydict({name: vals}).schema.field(name).type) for name, vals in values.items()
    ]
    schema = pa.schema(params + list(pa.unify_schemas(schemas, promote_options="permissive")))
    template = pd.concat([pd.DataFrame({f.name: [] for f in params}), *(s.empty_table().to_pandas() for s in schemas)])
    return schema.with_metadata(pa.Schema.from_pandas(template, preserve_index=False).metadata)


def tally(outcomes: pd.DataFrame, by: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summary per parameter point and issue, and how many worlds first agreed on each
    day: what `publish` needs from an outcomes table with parameter columns `by`."""
    summary = summarize(outcomes, by=by)
    agreed = outcomes[outcomes["agreed"]]
    counts = agreed.groupby([*by, "issue"], observed=True)["day"].value_counts()
    return summary, counts.rename("count").reset_index()


def publish(folder: Path, summary: pd.DataFrame, days: pd.DataFrame, swept: list[str], quiet: bool = False) -> list[Path]:
    """`summary.csv` and the plots into `folder`; the summary on stdout."""
    made = [write_csv(summary, folder / "summary.csv"), *sweep_plots(summary, days, swept, folder)]
    if not quiet:
        shown = summary.drop(columns=["point"], errors="ignore")
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.3g}", na_rep="-"))
        print(f"\nwritten to {folder}/: outcomes.parquet, " + ", ".join(p.name for p in made))
    return made


def design_axes(folder: Path) -> list[str] | None:
    """The axes of the design a run folder holds (its config.yaml), None if it is not one."""
    from sim.worlds.keys import flat_paths

    try:
        config = yaml.safe_load((folder / "config.yaml").read_text())
        return list(flat_paths((config.get("design") or {}).get("axes") or {})) or None
    except (OSError, yaml.YAMLError, AttributeError):
        return None


def report_design(folder: Path, axes: list[str], quiet: bool = False) -> int:
    """A design folder: its summary again, from its tables (the study plots come with the run)."""
    columns = ["point", *axes, "issue", "agreed", "day", "terms", "held"]  # what the summary reads, not every column
    summary = summarize(pd.read_parquet(folder / "outcomes.parquet", columns=columns), by=["point", *axes])
    write_csv(summary, folder / "summary.csv")
    if not quiet:
        shown = summary.drop(columns=["point"], errors="ignore")
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.3g}", na_rep="-"))
        print(f"\nwritten to {folder}/: summary.csv")
    return 0


def merge_chunks(points: Points, folder: Path) -> list[str]:
    """A sweep over `design.chunk` (the parts of one design): each table is the parts' rows
    one after the other, in the order of their points: exactly the unsplit design's table.
    Returns the design's axes."""
    parts = sorted(points.ok, key=lambda p: int(p[1]["design.chunk"].split("/")[0]))
    for name in ("outcomes", "worlds"):  # one part in memory at a time
        with TableWriter(folder, [name]) as writer:
            for _, _, path in parts:
                writer.append({name: pd.read_parquet(path.with_name(f"{name}.parquet"))})
            writer.close()
    return design_axes(parts[0][2].parent) or []


def report(folder: Path, quiet: bool = False) -> int:
    folder = Path(folder)
    axes = design_axes(folder)
    if axes and not (folder / "sweep.json").exists() and (folder / "outcomes.parquet").exists():
        code = report_design(folder, axes, quiet)
        page(folder)
        return code
    points = find_points(folder)
    if points.swept == ["design.chunk"] and points.ok and not points.missing and not points.failed:
        code = report_design(folder, merge_chunks(points, folder), quiet)
        page(folder)
        return code
    summary, days, params = merge(points, folder / "outcomes.parquet")
    if len(summary):
        publish(folder, summary, days, params, quiet)
    elif not quiet:
        print(f"no finished point in {folder}")
    problems = [f"FAILED point {rec['job']} {rec['overrides']}: {rec.get('error')}" for rec in points.failed]
    problems += [f"MISSING point {' '.join(job)} (not run, or killed before it finished)" for job in points.missing]
    problems += [f"UNREADABLE {what}" for what in points.unreadable]
    for line in problems:
        print(line, file=sys.stderr)
    page(folder, problems)
    return 1 if points.failed or points.missing or points.unreadable else 0


def sweep_plots(summary: pd.DataFrame, days: pd.DataFrame, swept: list[str], folder: Path) -> list[Path]:
    """The sweep's figures, drawn on the spare cores (sim/figures/parallel.py)."""
    from sim.figures import sweeps  # matplotlib only when plotting
    from sim.figures.parallel import Figures

    figures = Figures()
    for key in swept:
        figures.add(partial(sweeps.share_against, summary, key, folder / f"share_vs_{key}.png"))
    if len(swept) >= 2:
        numeric = [k for k in swept if pd.api.types.is_numeric_dtype(summary[k])]
        pair = (numeric + [k for k in swept if k not in numeric])[:2]
        figures.add(partial(sweeps.heatmaps, summary, pair[0], pair[1], folder / "heatmap.png"))
    figures.add(partial(sweeps.days_to_agreement, days, swept[0] if swept else None, folder / "days_to_agreement.png"))
    return figures.done()


def _written_by_negsim(folder: Path) -> bool:
    """A run, design or sweep folder: its config, a table, a sweep plan or points of its own."""
    return (any((folder / name).exists() for name in ("config.yaml", "sweep.json", "outcomes.parquet"))
            or any(folder.glob("*/config.yaml")) or any(folder.glob("*/.hydra")))


def _aggregates(folder: Path) -> bool:
    """A sweep or design folder has tables to aggregate; a single run's folder has only its page."""
    return (folder / "sweep.json").exists() or bool(design_axes(folder)) or any(folder.glob(f"*/{DONE}"))


def _damaged(folder: Path) -> str:
    """The first table of `folder` whose footer cannot be read: Arrow's error does not name
    the file when only some columns are read."""
    for path in sorted(folder.rglob("*.parquet")):
        try:
            pq.read_metadata(path)
        except (pa.ArrowException, OSError):
            return str(path)
    return f"a table of {folder}"


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def page(folder: Path, problems=()) -> Path:
    """report.html of the folder (sim/commands/page.py), naming the points that did not finish."""
    from sim.commands.page import write_report

    return write_report(folder, problems=problems)  # with the question and title the folder's run recorded


def _open(path: Path) -> None:
    import webbrowser

    if not webbrowser.open(path.resolve().as_uri()):
        print(f"negsim-report: no browser to open; the page is {path}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="negsim-report", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a run, design or sweep folder (results/...)")
    parser.add_argument("--open", action="store_true", help="open the folder's report.html in a browser")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"negsim-report: error: {args.folder} is not a folder", file=sys.stderr)
        sys.exit(2)
    if not _written_by_negsim(args.folder):
        print(f"negsim-report: error: {args.folder} holds no negsim run, design or sweep (no config.yaml, tables or "
              "sweep.json); allowed: a folder negsim wrote (results/...)", file=sys.stderr)
        sys.exit(1)
    try:
        if _aggregates(args.folder):
            code, path = report(args.folder), args.folder / "report.html"  # the page comes with the aggregate
        else:  # a single run's folder: its page only
            code, path = 0, page(args.folder)
        print(f"report: {path}")
        if args.open:
            _open(path)
    except PlanError as err:
        print(f"negsim-report: error: {err}", file=sys.stderr)
        code = 2
    except WriteError as err:
        print(f"negsim-report: error: {err}", file=sys.stderr)
        code = 1
    except (pa.ArrowException, OSError) as err:  # a damaged table: name it, write nothing more
        print(f"negsim-report: error: {_damaged(args.folder)} cannot be read: {_first_line(err)}; "
              "rerun the command that wrote it", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        print("negsim-report: interrupted; the folder's tables are as before", file=sys.stderr)
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
