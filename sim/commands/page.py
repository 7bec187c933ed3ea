"""One page to look at: `report.html` of a run, design or analysis folder.

`write_report(folder, question=..., title=...)` reads what the folder holds and writes a
self-contained page beside it (images inlined as base64, no scripts, no external files):
the study's question, for an analysis the ranked drivers in words, the summary table,
every plot, and the config (collapsed). The question is the "Question:" comment block of
the study's YAML file, which the resolved config does not keep: `study_question` reads it.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import pandas as pd

from sim.runs.store import write_text

MAX_ROWS = 200  # rows of the summary table shown; the CSV has them all
SMALL = 0.05  # a total index below this is "hardly matters"
# plots in the order a reader wants them: the analysis, the study's question, the single run
ORDER = ("sensitivity", "prim", "metrics_vs", "heatmap", "share_vs", "days_to", "positions", "agreement", "balance")


def study_question(path: Path) -> str:
    """The "# Question: ..." comment block at the top of a study file, as one paragraph."""
    lines, inside = [], False
    for line in Path(path).read_text().splitlines():
        text = line.lstrip("#").strip() if line.startswith("#") else None
        if text is None:
            break
        if text.startswith("Question:"):
            inside, text = True, text.removeprefix("Question:").strip()
        elif inside and re.match(r"^[A-Z][a-z]+:", text):  # the next block ("Design:", "Run:")
            break
        if inside:
            lines.append(text)
    return " ".join(lines)


def drivers(table: pd.DataFrame, top: int = 4) -> list[str]:
    """Sentences ranking the parameters of each outcome in a sensitivity table."""
    sobol = "ST" in table
    key = "ST" if sobol else "mu_star"
    out = []
    for outcome, rows in table.groupby("outcome", sort=False):
        rows = rows.sort_values(key, ascending=False, na_position="last")
        note = str(rows["note"].astype(object).fillna("").iloc[0]) if "note" in rows else ""
        if rows[key].isna().all() and note:  # not computed, or constant: the note says why
            out.append(f"{outcome}: {note}.")
            continue
        if rows[key].isna().all() or rows[key].max() <= 0:
            out.append(f"{outcome} does not change over the sampled parameters.")
            continue
        strong = rows[rows[key] >= SMALL] if sobol else rows.head(top)
        strong = (strong if len(strong) else rows.head(1)).head(top)
        parts = []
        for i, (_, r) in enumerate(strong.iterrows()):
            if sobol:
                value = f"total index {r['ST']:.2f}" if i == 0 else f"{r['ST']:.2f}"
                if r["S1"] < r["ST"] / 2:
                    value += ", mostly through interactions"
            else:
                value = f"mu* {r['mu_star']:.3g}" if i == 0 else f"{r['mu_star']:.3g}"
            parts.append(f"{r['parameter']} ({value})")
        verb = "depends mostly on" if sobol else "moves most with"
        sentence = f"{outcome} {verb} {parts[0]}" + (", then " + ", ".join(parts[1:]) if len(parts) > 1 else "")
        rest = len(rows) - len(strong)
        if sobol and rest:
            sentence += (f"; the other {rest} parameters have total indices below {SMALL}" if rest > 1 else
                         f"; the other parameter has a total index below {SMALL}")
        out.append(sentence + (f" ({note})" if note else "") + ".")
    return out


def boxes(table: pd.DataFrame, qp: float = 0.05) -> list[str]:
    """Sentences describing each PRIM box of a prim.csv table: its limits whose quasi-p-value
    is below `qp` (the others are counted: they add little)."""
    out = []
    for outcome, rows in table.groupby("outcome", sort=False):
        name = f"not {outcome[1:]}" if outcome.startswith("!") else outcome
        if not rows["parameter"].astype(bool).any():
            out.append(f"{name} holds in {rows['density'].iloc[0]:.0%} of all worlds; "
                       "no box of parameter values makes it clearly more likely.")
            continue
        kept = rows[rows["qp"] < qp] if (rows["qp"] < qp).any() else rows.head(1)
        limits = [f"{r['parameter']} is " + (r["values"] or f"{r['low']:.3g}–{r['high']:.3g}") for _, r in kept.iterrows()]
        first = rows.iloc[0]
        text = (f"{name} is most likely where {' and '.join(limits)}: {first['density']:.0%} of the worlds in this "
                f"box have it, and the box holds {first['coverage']:.0%} of all worlds that do")
        weak = len(rows) - len(kept)
        if weak:
            more = f"{weak} more limits with quasi-p-value {qp} or more add" if weak > 1 else \
                f"1 more limit with quasi-p-value {qp} or more adds"
            text += f" ({more} little)"
        out.append(text + ".")
    return out


def read_prim(path: Path) -> pd.DataFrame:
    """prim.csv with an empty `parameter` or `values` kept as "" (not NaN)."""
    table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    table[["parameter", "values"]] = table[["parameter", "values"]].astype(object).fillna("")  # object first: no dtype change
    return table


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    caption = html.escape(path.stem.replace("_", " "))
    return f'<figure><img src="data:image/png;base64,{data}" alt="{caption}"><figcaption>{caption}</figcaption></figure>'


def _rank(path: Path) -> tuple[int, str]:
    return next((i for i, p in enumerate(ORDER) if path.stem.startswith(p)), len(ORDER)), path.name


def _summary(folder: Path) -> tuple[pd.DataFrame | None, str]:
    """The summary table to show, and what it is: per point (a small design, or a run),
    or pooled over every world when a design has too many points or axes to read."""
    per_point = pd.read_csv(folder / "summary.csv") if (folder / "summary.csv").exists() else None
    axes = [] if per_point is None else list(per_point.columns[: list(per_point.columns).index("issue")])
    if per_point is not None and len(per_point) <= MAX_ROWS and len(axes) <= 5:
        return per_point, "Summary per point and issue"
    if (folder / "outcomes.parquet").exists():
        import pyarrow.parquet as pq

        from sim.runs.outcome import summarize

        wanted = ("point", "issue", "agreed", "day", "terms", "held")  # what the pooled summary reads
        present = pq.read_schema(folder / "outcomes.parquet").names
        outcomes = pd.read_parquet(folder / "outcomes.parquet", columns=[c for c in wanted if c in present])
        pooled = "point" in outcomes and outcomes["point"].nunique() > 1
        return summarize(outcomes), "Summary per issue, pooled over every point (summary.csv has each point)" if pooled \
            else "Summary per issue"
    return per_point, "Summary per point and issue"


def _list(sentences: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in sentences) + "</ul>"


def _table(frame: pd.DataFrame) -> str:
    shown = frame.head(MAX_ROWS)
    note = "" if len(frame) <= MAX_ROWS else \
        f"<p class=note>The first {MAX_ROWS} of {len(frame)} rows; the CSV holds them all.</p>"
    return shown.to_html(index=False, float_format=lambda v: f"{v:.3g}", border=0, na_rep="") + note


STYLE = """
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
.question{background:#f4f6fa;border-left:4px solid #4a6fa5;padding:.6em 1em}
table{border-collapse:collapse;font-size:.85em}td,th{padding:.2em .6em;border-bottom:1px solid #eee;text-align:right}
figure{margin:1.2em 0}img{max-width:100%;height:auto;border:1px solid #eee}figcaption{font-size:.85em;color:#555}
pre{background:#f7f7f7;padding:1em;overflow:auto;font-size:.8em}.note{font-size:.85em;color:#555}
"""


def experiment_question(name: str | None, sources) -> str:
    """The question of study `name` (experiment=NAME): its file in the first of the config
    folders `sources` (Hydra's config sources' paths) that holds it; "" if none does."""
    for source in sources if name else []:
        path = Path(str(source).removeprefix("file://")) / "experiment" / f"{name}.yaml"
        if path.exists():
            return study_question(path)
    return ""


def folder_question(folder: Path) -> str:
    """The question of the study a run or sweep folder holds, found from what Hydra recorded
    (`.hydra/hydra.yaml` of a run, `multirun.yaml` of a sweep); "" if it ran no study or the
    study's file is gone."""
    import yaml

    for record in (Path(folder) / ".hydra" / "hydra.yaml", Path(folder) / "multirun.yaml"):
        try:
            runtime = yaml.safe_load(record.read_text())["hydra"]["runtime"]
            return experiment_question(runtime["choices"].get("experiment"),
                                       [s["path"] for s in runtime["config_sources"] if s.get("schema") == "file"])
        except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError):
            continue
    return ""


def folder_title(folder: Path) -> str:
    """"<scenario>: <folder>", as `negsim` titles the page of a run; the folder's name otherwise."""
    import yaml

    folder = Path(folder)
    try:
        name = yaml.safe_load((folder / "config.yaml").read_text())["scenario"]["name"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return folder.name
    return f"{name}: {folder.name}"


def write_report(folder: Path, question: str | None = None, title: str | None = None, problems=()) -> Path:
    """Write `folder/report.html` from what the folder holds; returns its path. Without a
    question or title, those the folder's run recorded (`folder_question`, `folder_title`):
    rebuilding a page keeps them. `problems`: lines about points of a sweep that did not
    finish, shown first."""
    folder = Path(folder)
    question = folder_question(folder) if question is None else question
    title = folder_title(folder) if title is None else title
    parts = [f"<h1>{html.escape(title or folder.name)}</h1>"]
    if question:
        parts.append(f'<p class="question"><b>Question.</b> {html.escape(question[:1].upper() + question[1:])}</p>')
    if problems:
        parts.append("<h2>Points that did not finish</h2><p class=note>The tables and plots below hold the "
                     "others; rerun the sweep's command to run these again.</p>" + _list(list(problems)))
    if (folder / "sensitivity.csv").exists():
        table = pd.read_csv(folder / "sensitivity.csv")
        parts.append("<h2>What drives the outcomes</h2>" + _list(drivers(table)))
        parts.append("<details><summary>All indices (sensitivity.csv)</summary>" + _table(table) + "</details>")
    if (folder / "effects.csv").exists():
        parts.append("<h2>Effects of each variant</h2><p class=note>Each variant minus the baseline on the same "
                     "worlds: the mean paired difference with its 95% interval (effects.csv).</p>"
                     + _table(pd.read_csv(folder / "effects.csv")))
    if (folder / "prim.csv").exists():
        table = read_prim(folder / "prim.csv")
        parts.append("<h2>Where the outcome is most likely (PRIM)</h2>" + _list(boxes(table))
                     + "<p class=note>qp: the quasi-p-value of each limit; a large one means the limit adds little.</p>"
                     + _table(table))
    summary, heading = _summary(folder)
    if summary is not None:
        parts.append(f"<h2>{heading}</h2>" + _table(summary))
    plots = sorted(folder.glob("*.png"), key=_rank)
    if plots:
        parts.append("<h2>Plots</h2>" + "".join(_image(p) for p in plots))
    if (folder / "config.yaml").exists():
        config = html.escape((folder / "config.yaml").read_text())
        parts.append("<h2>Config</h2><details><summary>The resolved config (config.yaml)</summary>"
                     f"<pre>{config}</pre></details>")
    files = sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix in (".parquet", ".csv", ".yaml"))
    if files:
        links = ", ".join(f'<a href="{html.escape(f)}">{html.escape(f)}</a>' for f in files)
        parts.append(f"<p class=note>Files in this folder: {links}</p>")
    page = (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{html.escape(title or folder.name)}</title>"
            f"<link rel=icon href=\"data:,\"><style>{STYLE}</style></head><body>{''.join(parts)}</body></html>")
    return write_text(page, folder / "report.html")
