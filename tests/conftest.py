"""Shared fixtures: compose configs from conf/ exactly as `negsim` does."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from sim.config import register

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"

register()


def make_cfg(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose("config", overrides=list(overrides))


@pytest.fixture
def cfg_factory():
    return make_cfg
