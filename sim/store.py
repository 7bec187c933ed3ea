"""Writing results so that a crash never leaves a half-written file: write aside, then rename."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd


def _aside(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    path = Path(path)
    tmp = _aside(path)
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path


def write_text(text: str, path: Path) -> Path:
    path = Path(path)
    tmp = _aside(path)
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path = Path(path)
    tmp = _aside(path)
    frame.to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path
