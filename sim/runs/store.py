"""Writing results so that a failure never leaves a half-written or stray file.

Every file is written aside under a name no other writer uses, then renamed: a reader
sees the old file or the new one, never part of one, and two writers of one file (two
sweeps into one folder, `negsim-report` during a sweep) do not take each other's file.
A write that fails (a full disk, a read-only folder, Ctrl-C) removes its file aside and
raises `WriteError`, one line naming the file; what was written before stays complete.
Run folders are named from `safe_name`, so a config value cannot point a path elsewhere.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import socket
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

_HOST = re.sub(r"[^\w-]", "_", socket.gethostname())
_count = itertools.count()
# the libraries a result depends on; versions.json records them beside every table
DEPENDENCIES = ("numpy", "pandas", "pyarrow", "mesa", "hydra-core", "omegaconf", "scipy", "matplotlib")


class WriteError(Exception):
    """A result file could not be written (full disk, read-only or missing folder);
    the message is one line naming the file."""


def _aside(path: Path) -> Path:
    """A name beside `path` that no other writer uses (remove_stale knows its form)."""
    return path.with_name(f".{path.name}.{_HOST}.{os.getpid()}.{next(_count)}.tmp")


def atomically(path: Path, write: Callable[[Path], None]) -> Path:
    path = Path(path)
    aside = _aside(path)
    try:
        write(aside)
        os.replace(aside, path)  # atomic on POSIX: readers see the old file or the new one
    except BaseException as exc:  # also Ctrl-C: no stray file aside
        aside.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write {path}: {_reason(exc)}") from exc
        raise
    return path


def _reason(exc: OSError) -> str:
    if exc.strerror:
        return exc.strerror
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def remove_stale(folder: Path) -> None:
    """Remove the files aside that a killed process of this host left in `folder` (a
    writer that is still running keeps its own)."""
    for aside in Path(folder).glob(".*.tmp"):
        parts = aside.name.rsplit(".", 4)  # .<name>.<host>.<pid>.<n>.tmp
        if len(parts) == 5 and parts[1] == _HOST and parts[2].isdigit() and not _running(int(parts[2])):
            aside.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class TableWriter:
    """Tables written block by block: `append` adds a block's rows to each table's file aside,
    `close` renames every file into place, so no reader sees a table before its last block.
    A failure (a full disk, Ctrl-C) removes every file aside; an OSError becomes WriteError.
    Read back, each file equals the blocks' frames concatenated (tests/test_stream.py)."""

    def __init__(self, folder: Path, names: Sequence[str]):
        self.paths = {name: Path(folder) / f"{name}.parquet" for name in names}
        self.asides = {name: _aside(path) for name, path in self.paths.items()}
        self.writers: dict = {}

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None:
            self.abort()

    def append(self, tables: dict[str, pd.DataFrame]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for name in self.paths:
            try:
                writer = self.writers.get(name)
                if writer is None:  # the first block sets the schema (and pandas' dtypes) for all
                    table = pa.Table.from_pandas(tables[name], preserve_index=False)
                    writer = self.writers[name] = pq.ParquetWriter(self.asides[name], table.schema)
                else:
                    table = pa.Table.from_pandas(tables[name], schema=writer.schema, preserve_index=False)
                writer.write_table(table)
            except OSError as exc:
                raise WriteError(f"cannot write {self.paths[name]}: {_reason(exc)}") from exc

    def close(self) -> list[Path]:
        try:
            for writer in self.writers.values():
                writer.close()
            for name, path in self.paths.items():
                os.replace(self.asides[name], path)
        except OSError as exc:
            self.abort()
            raise WriteError(f"cannot write {exc.filename or 'a table'}: {_reason(exc)}") from exc
        return list(self.paths.values())

    def abort(self) -> None:
        for writer in self.writers.values():
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - the file is removed next
                pass
        for aside in self.asides.values():
            aside.unlink(missing_ok=True)


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    return atomically(path, lambda p: frame.to_parquet(p, index=False))


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return atomically(path, lambda p: frame.to_csv(p, index=False))


def write_text(text: str, path: Path) -> Path:
    return atomically(path, lambda p: p.write_text(text, encoding="utf-8"))


def versions() -> dict[str, str]:
    """negsim's version and its main dependencies', for `versions.json`."""
    found = {"negsim": _version("negsim"), "python": sys.version.split()[0]}
    return found | {name: _version(name) for name in DEPENDENCIES}


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def write_versions(folder: Path) -> Path:
    return write_text(json.dumps(versions(), indent=1) + "\n", Path(folder) / "versions.json")


def safe_name(text: object) -> str:
    """A value as one folder name: letters, digits, `_` and `-` only, never empty, so that
    `scenario.name=../../x` names a folder `x` under results/ and not a path out of it."""
    name = re.sub(r"[^\w-]+", "_", str(text)).strip("_")
    return name[:100] or "unnamed"


# conf/config.yaml builds the run and sweep folders with ${safe_name:${scenario.name}};
# registered on import, so that every process that resolves them (joblib, Ray) has it
if not OmegaConf.has_resolver("safe_name"):
    OmegaConf.register_new_resolver("safe_name", safe_name)
