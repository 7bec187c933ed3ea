"""What a run will cost in memory and disk, estimated from its config before it starts.

`negsim` refuses a run whose estimate exceeds the memory this machine has free (one
line instead of a MemoryError after minutes), and says so before a run that will write
more than `LARGE` bytes, with the switches that make it smaller.

The estimate is an upper bound in rows (every planned round held in every world) times
bytes per cell measured on the default scenario (`python -m sim.commands.budget` re-measures):
in memory a cell costs 8 bytes, held about three times over while the tables are built
and written; on disk, Parquet compresses it to the figures in `DISK_PER_CELL`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sim.runs.ensemble import BLOCK
from sim.schema.config import Config

LARGE = 100 * 2**20  # bytes written before `negsim` warns
COPIES = 3  # the tables in memory: as recorded, as DataFrames, as Arrow while written
DISK_PER_CELL = {"outcomes": 1.8, "rounds": 1.3, "timeline": 3.5, "worlds": 3.5}  # bytes, Parquet (snappy)
NOISE_PER_WORLD_DAY = 4  # float32 uniforms per belligerent, battle, fighting and issue ...
READ_BACK = ("point", "replication", "issue", "agreed", "day", "terms", "held")  # of a streamed outcomes table
NORMAL_PER_WORLD_DAY = 24  # ... and three float64 arrays per belligerent for its normal shocks


@dataclass
class Footprint:
    memory: int  # peak bytes, roughly
    disk: dict[str, int]  # bytes per table written


def rounds_planned(cfg: Config) -> int:
    """Rounds the mediator can hold: the calendar, then one every `policy.interval` days."""
    sc = cfg.scenario
    days = [r.day for r in sc.calendar]
    interval = sc.policy.interval
    after = days[-1] if days else 0
    further = (sc.days - 1 - after) // interval if interval > 0 else 0
    return len(days) + max(further, 0)


def worlds(cfg: Config) -> int:
    """The worlds the run simulates: its replications, at every point of its design (or chunk)."""
    from sim.worlds import design

    if not design.is_design(cfg):
        return cfg.replications
    return len(design.chunk(cfg, len(design.expand_index(cfg)))) * design.replications(cfg)


def cells(cfg: Config) -> dict[str, int]:
    """Cells (rows x columns) of each table the run records; a design adds its point and axes."""
    from sim.worlds import design

    sc, R = cfg.scenario, worlds(cfg)
    P, K, E = len(sc.parties), len(sc.issues), len(sc.events) + 1
    B = sum(1 for p in sc.parties.values() if p.belligerent)
    extra = 1 + len(design.axes(cfg)) if design.is_design(cfg) else 0
    found = {"outcomes": R * K * (11 + 2 * P + extra), "worlds": R * (7 + 4 * K + 2 * P + extra)}
    if cfg.record.rounds:
        found["rounds"] = R * rounds_planned(cfg) * P * K * (15 + extra)
    if cfg.record.timeline:
        found["timeline"] = R * (sc.days + 1) * (5 + 2 * P + B + K + E + extra)
    return found


def streams(cfg: Config) -> bool:
    """Whether `negsim` writes the run's tables block by block (sim/commands/study.py): a design
    of more than one block that records no rounds table (whose rows go in round order across
    blocks). Its memory is then one block's, plus the outcomes and worlds read back."""
    from sim.worlds import design

    return design.is_design(cfg) and worlds(cfg) > BLOCK and not cfg.record.rounds


def footprint(cfg: Config) -> Footprint:
    sc = cfg.scenario
    B = sum(1 for p in sc.parties.values() if p.belligerent)
    per_world_day = NOISE_PER_WORLD_DAY * (B + 2 + len(sc.issues)) + NORMAL_PER_WORLD_DAY * B
    n = worlds(cfg)
    blocks = 2 if n > BLOCK else 1  # the next block is built while the last is alive
    noise = blocks * min(n, BLOCK) * sc.days * per_world_day
    table_cells = cells(cfg)
    if streams(cfg):  # one block's tables as they are written; then the worlds and a few outcome columns
        block = COPIES * 8 * sum(table_cells.values()) * BLOCK / n
        read_back = 2 * 8 * (table_cells["worlds"] + n * len(sc.issues) * len(READ_BACK))
        memory = noise + block + read_back
    else:
        memory = noise + COPIES * 8 * sum(table_cells.values())
    disk = {name: int(n * DISK_PER_CELL[name]) for name, n in table_cells.items()}
    return Footprint(memory=int(memory), disk=disk)


def available_memory() -> int | None:
    """Bytes of memory free for a new process (Linux's MemAvailable), None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.3g} {unit}"
        n /= 1000
    return ""
