"""negsim: an agent-based simulation of negotiations while a war goes on."""

from sim.config import Config, ConfigError
from sim.ensemble import simulate
from sim.precheck import compose

__all__ = ["Config", "ConfigError", "compose", "simulate"]
