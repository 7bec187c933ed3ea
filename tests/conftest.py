"""Shared helpers: compose configs from conf/ exactly as `negsim` does, and run the command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hydra import compose, initialize_config_dir

from sim.config import register

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"

register()


def make_cfg(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose("config", overrides=list(overrides))


def negsim(*args: str, timeout: int = 600, module: str = "sim", **kw) -> subprocess.CompletedProcess:
    """`negsim ARGS` (or `python -m <module> ARGS`) in a child process, from the repository."""
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, **kw)
