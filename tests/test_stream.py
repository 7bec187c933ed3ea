"""A large design is written block by block (`sim.runs.store.TableWriter`): its files hold
exactly the tables the whole design gives in memory, its summary is the one grouped by every
axis, and a failure mid-way leaves no table and no file aside."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_cfg

from sim import simulate
from sim.commands import budget, study
from sim.runs import ensemble
from sim.runs.outcome import summarize
from sim.runs.store import TableWriter, WriteError
from sim.schema.checks import validate
from sim.schema.config import to_config

DESIGN = ("+design.axes={mediator.rule: [split, nash], mediator.bias: [-0.4, 0.1, 0.3]}", "design.replications=5",
          "record.rounds=false", "plots=false")


def frames(seed: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 4
    day = pd.array(rng.integers(0, 9, n), dtype="Int64")
    day[rng.random(n) < 0.5] = pd.NA
    return {"t": pd.DataFrame({
        "issue": pd.Categorical.from_codes(rng.integers(0, 3, n), categories=["a", "b", "c"]),
        "day": day, "terms": rng.random(n), "agreed": rng.random(n) < 0.5,
        "rule": rng.choice(np.array(["split", "nash", None], dtype=object), n),
    })}


def round_trip(frame: pd.DataFrame, folder) -> pd.DataFrame:
    """A frame as the in-memory writer's file reads back (pandas' string and date units)."""
    frame.to_parquet(folder / "whole.parquet", index=False)
    return pd.read_parquet(folder / "whole.parquet")


def test_tables_written_block_by_block_read_back_as_the_blocks_concatenated(tmp_path):
    parts = [frames(seed) for seed in range(5)]
    with TableWriter(tmp_path, ["t"]) as writer:
        for part in parts:
            writer.append(part)
        assert not (tmp_path / "t.parquet").exists()  # no reader sees a table before its last block
        writer.close()
    whole = pd.concat([p["t"] for p in parts], ignore_index=True)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), round_trip(whole, tmp_path), check_exact=True)
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_failure_mid_stream_leaves_no_table_and_no_file_aside(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with TableWriter(tmp_path, ["t", "u"]) as writer:
            writer.append(frames(0) | {"u": frames(1)["t"]})
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_a_table_that_cannot_be_written_is_one_line_naming_it(tmp_path):
    folder = tmp_path / "gone"
    with pytest.raises(WriteError, match=r"cannot write .*t\.parquet"):
        with TableWriter(folder, ["t"]) as writer:
            writer.append(frames(0))


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 7 worlds: a 30-world design streams in five, one point straddling each edge."""
    monkeypatch.setattr(ensemble, "BLOCK", 7)
    monkeypatch.setattr(budget, "BLOCK", 7)


def test_a_streamed_design_writes_exactly_the_tables_of_the_design_in_memory(small_blocks, tmp_path):
    cfg = make_cfg(*DESIGN)
    config = validate(to_config(cfg))
    assert budget.streams(config)
    done = study.run(cfg, tmp_path, plots_ok=False)
    whole = simulate(cfg)
    elsewhere = tmp_path / "in_memory"
    elsewhere.mkdir()
    for name in ("outcomes", "worlds", "timeline"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"{name}.parquet"),
                                      round_trip(getattr(whole, name), elsewhere), check_exact=True)
    pd.testing.assert_frame_equal(done["result"].worlds, round_trip(whole.worlds, elsewhere), check_exact=True)
    axes = ["mediator.rule", "mediator.bias"]
    grouped = summarize(whole.outcomes, by=["point", *axes])  # the summary grouped by every axis
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "summary.csv"),
                                  pd.read_csv(pd.io.common.StringIO(grouped.to_csv(index=False))))


def test_streaming_holds_one_block_of_tables_in_the_estimate_of_memory():
    """The memory refusal counts one block of a streamed design, not all its tables."""
    axes = "+design.axes={mediator.bias: {dist: uniform, low: -0.5, high: 0.5}}"
    big = validate(to_config(make_cfg(axes, "design.sampler=lhs", "design.points=100000", "design.replications=10",
                                      "record.rounds=false", "record.timeline=false")))
    assert budget.streams(big) and budget.worlds(big) == 1_000_000
    held = budget.COPIES * 8 * sum(budget.cells(big).values())
    assert budget.footprint(big).memory < held
    assert budget.footprint(big).memory < 2 * 2**30  # the bench measures the run's peak (python -m sim.bench stream)
