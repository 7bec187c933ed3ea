"""Aggregate a sweep folder, finished or not: `negsim-report <folder>`.

Writes into the folder `outcomes.parquet` (every point's rows, one column per swept
parameter), `summary.csv` (per point and issue) and the sweep plots; prints the summary,
the failed and the missing points. Exit code 1 if any point failed or is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim.outcome import summarize
from sim.store import write_csv
from sim.sweep import DONE, PLAN, overrides_dict, swept_keys


def _value(text: str):
    """'0.5' -> 0.5, 'split' -> 'split': the override's YAML value."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (int, float, str, bool)) else text


def collect(folder: Path) -> dict:
    """Stream the finished points of a sweep folder into `outcomes.parquet`, one point at a
    time, keeping only what the summary and the plots need (memory does not grow with the
    number of rows). Returns the summary, the day histograms, swept keys, failed, missing."""
    plan = json.loads((folder / PLAN).read_text()) if (folder / PLAN).exists() else None
    records = {m.parent.name: json.loads(m.read_text()) for m in sorted(folder.glob(f"*/{DONE}"))}
    jobs = plan["jobs"] if plan else [[f"{k}={v}" for k, v in r["overrides"].items()] for r in records.values()]
    swept = plan["swept"] if plan else swept_keys(jobs)
    def complete(name, r):
        return r.get("status") == "ok" and (folder / name / "outcomes.parquet").exists()

    ok = sorted((r for n, r in records.items() if complete(n, r)), key=lambda r: int(r["job"]))
    failed = [r for r in records.values() if r.get("status") != "ok"]
    done = {frozenset(r["overrides"].items()) for n, r in records.items() if complete(n, r) or r in failed}
    missing = [job for job in jobs if frozenset(overrides_dict(job).items()) not in done]

    values = {key: [_value(r["overrides"].get(key, "")) for r in ok] for key in swept}
    for key, vals in values.items():  # 0 and 0.5 in one column: all floats
        if any(isinstance(v, float) for v in vals) and all(isinstance(v, (int, float)) for v in vals):
            values[key] = [float(v) for v in vals]

    summaries, days = [], []
    target = folder / "outcomes.parquet"
    aside = target.with_name(f".{target.name}.tmp")
    files = [folder / str(rec["job"]) / "outcomes.parquet" for rec in ok]
    if ok:
        # points may differ in columns (a sweep over scenarios with other parties): the
        # union of their schemas, with nulls where a point has no such column
        frames_schema = pa.unify_schemas([pq.read_schema(f) for f in files], promote_options="permissive")
        params = [pa.field("point", pa.int64())] + [
            pa.field(k, pa.Table.from_pydict({k: values[k]}).schema.field(k).type) for k in swept
        ]
        schema = pa.schema(params + [f for f in frames_schema if f.name not in swept])
        with pq.ParquetWriter(aside, schema) as writer:
            for i, (rec, path) in enumerate(zip(ok, files)):
                frame = pd.read_parquet(path)
                for key in reversed(swept):
                    frame.insert(0, key, values[key][i])
                frame.insert(0, "point", int(rec["job"]))
                table = pa.Table.from_pandas(frame, preserve_index=False)
                columns = [
                    table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type)
                    for f in schema
                ]
                writer.write_table(pa.Table.from_arrays(columns, schema=schema))
                summaries.append(summarize(frame, by=["point", *swept]))
                agreed = frame[frame["agreed"]]
                counts = agreed.groupby(["point", *swept, "issue"], observed=True)["day"].value_counts()
                days.append(counts.rename("count").reset_index())
        aside.replace(target)  # only a complete table replaces the last one
    aside.unlink(missing_ok=True)
    summary = pd.concat(summaries, ignore_index=True) if summaries else pd.DataFrame()
    day_counts = pd.concat(days, ignore_index=True) if days else pd.DataFrame()
    return {"summary": summary, "days": day_counts, "swept": swept, "failed": failed, "missing": missing}


def report(folder: Path, quiet: bool = False) -> int:
    folder = Path(folder)
    found = collect(folder)
    summary, swept = found["summary"], found["swept"]
    if len(summary):
        write_csv(summary, folder / "summary.csv")
        made = sweep_plots(summary, found["days"], swept, folder)
        if not quiet:
            shown = summary.drop(columns=["point"])
            print(shown.to_string(index=False, float_format=lambda v: f"{v:.3g}", na_rep="-"))
            print(f"\nwritten to {folder}/: outcomes.parquet, summary.csv, " + ", ".join(p.name for p in made))
    elif not quiet:
        print(f"no finished point in {folder}")
    for rec in found["failed"]:
        print(f"FAILED point {rec['job']} {rec['overrides']}: {rec.get('error')}", file=sys.stderr)
    for job in found["missing"]:
        print(f"MISSING point {' '.join(job)} (not run, or killed before it finished)", file=sys.stderr)
    return 1 if found["failed"] or found["missing"] else 0


def sweep_plots(summary: pd.DataFrame, days: pd.DataFrame, swept: list[str], folder: Path) -> list[Path]:
    from sim import plots  # matplotlib only when plotting

    made = [plots.share_against(summary, key, folder / f"share_vs_{key}.png") for key in swept]
    if len(swept) >= 2:
        numeric = [k for k in swept if pd.api.types.is_numeric_dtype(summary[k])]
        pair = (numeric + [k for k in swept if k not in numeric])[:2]
        made.append(plots.heatmaps(summary, pair[0], pair[1], folder / "heatmap.png"))
    made.append(plots.days_to_agreement(days, swept[0] if swept else None, folder / "days_to_agreement.png"))
    return made


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="negsim-report", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a sweep folder (results/sweeps/...)")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"negsim-report: error: {args.folder} is not a folder", file=sys.stderr)
        sys.exit(2)
    sys.exit(report(args.folder))


if __name__ == "__main__":
    main()
