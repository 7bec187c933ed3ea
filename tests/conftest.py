"""Shared helpers: compose configs from conf/ exactly as `negsim` does, and run the command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from sim.schema.config import ConfigError, register

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"

register()


def make_cfg(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose("config", overrides=list(overrides))


def one_line_error(call, *words: str) -> str:
    """The message of the ConfigError `call()` raises: one line, holding every one of `words`
    (the key and its allowed values, as every bad input must say)."""
    with pytest.raises(ConfigError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message and all(w in message for w in words), message
    return message


def negsim(*args: str, timeout: int = 600, module: str = "sim", **kw) -> subprocess.CompletedProcess:
    """`negsim ARGS` (or `python -m <module> ARGS`) in a child process, from the repository."""
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, **kw)
