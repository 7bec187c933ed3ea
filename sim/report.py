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
import yaml

from sim import plots
from sim.outcome import summarize
from sim.store import write_csv, write_parquet
from sim.sweep import DONE, PLAN, overrides_dict, swept_keys


def _value(text: str):
    """'0.5' -> 0.5, 'split' -> 'split': the override's YAML value."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (int, float, str, bool)) else text


def collect(folder: Path) -> tuple[pd.DataFrame, list[str], list[dict], list[list[str]]]:
    """(all outcomes with parameter columns, swept keys, failed records, missing jobs)."""
    plan = json.loads((folder / PLAN).read_text()) if (folder / PLAN).exists() else None
    records = {}
    for marker in sorted(folder.glob(f"*/{DONE}")):
        records[marker.parent.name] = json.loads(marker.read_text())
    jobs = plan["jobs"] if plan else [[f"{k}={v}" for k, v in r["overrides"].items()] for r in records.values()]
    swept = plan["swept"] if plan else swept_keys(jobs)
    frames, failed = [], []
    for name, rec in records.items():
        if rec.get("status") != "ok":
            failed.append(rec)
            continue
        frame = pd.read_parquet(folder / name / "outcomes.parquet")
        for key in swept:
            frame.insert(0, key, _value(rec["overrides"].get(key, "")))
        frame.insert(0, "point", int(rec["job"]))
        frames.append(frame)
    done = {frozenset(r["overrides"].items()) for r in records.values()}
    missing = [job for job in jobs if frozenset(overrides_dict(job).items()) not in done]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(table):
        table = table.sort_values(["point", "replication", "issue"], kind="stable").reset_index(drop=True)
    return table, swept, failed, missing


def report(folder: Path, quiet: bool = False) -> int:
    folder = Path(folder)
    outcomes, swept, failed, missing = collect(folder)
    if len(outcomes):
        write_parquet(outcomes, folder / "outcomes.parquet")
        summary = summarize(outcomes, by=["point", *swept])
        write_csv(summary, folder / "summary.csv")
        made = sweep_plots(outcomes, summary, swept, folder)
        if not quiet:
            shown = summary.drop(columns=["point"])
            print(shown.to_string(index=False, float_format=lambda v: f"{v:.3g}", na_rep="-"))
            print(f"\nwritten to {folder}/: outcomes.parquet, summary.csv, " + ", ".join(p.name for p in made))
    elif not quiet:
        print(f"no finished point in {folder}")
    for rec in failed:
        print(f"FAILED point {rec['job']} {rec['overrides']}: {rec.get('error')}", file=sys.stderr)
    for job in missing:
        print(f"MISSING point {' '.join(job)} (not run, or killed before it finished)", file=sys.stderr)
    return 1 if failed or missing else 0


def sweep_plots(outcomes: pd.DataFrame, summary: pd.DataFrame, swept: list[str], folder: Path) -> list[Path]:
    made = []
    numeric = [k for k in swept if pd.api.types.is_numeric_dtype(outcomes[k])]
    for key in swept:
        made.append(plots.share_against(outcomes, key, folder / f"share_vs_{key}.png"))
    if len(swept) >= 2:
        pair = (numeric + [k for k in swept if k not in numeric])[:2]
        made.append(plots.heatmaps(outcomes, pair[0], pair[1], folder / "heatmap.png"))
    made.append(plots.days_to_agreement(outcomes, swept[0] if swept else None, folder / "days_to_agreement.png"))
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
