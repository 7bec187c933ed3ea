"""Writing results so that a crash never leaves a half-written file: write aside, then rename."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd


def atomically(path: Path, write: Callable[[Path], None]) -> Path:
    path = Path(path)
    aside = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(aside)
    os.replace(aside, path)  # atomic on POSIX: readers see the old file or the new one
    return path


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    return atomically(path, lambda p: frame.to_parquet(p, index=False))


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return atomically(path, lambda p: frame.to_csv(p, index=False))


def write_text(text: str, path: Path) -> Path:
    return atomically(path, lambda p: p.write_text(text))
