"""negsim: an agent-based simulation of negotiations while a war goes on.

The public API: `compose` a config as the command line would, `simulate` its worlds, and
read the `Result`'s tables; `ConfigError` is the one-line refusal of a bad value.
The layers below are laid out in docs/architecture.md.
"""

# The features below register the checks of their config sections when imported
# (sim/schema/checks.py): importing them here means any use of negsim validates every section.
from sim.analysis import calibrate, compare, observed, sensitivity  # noqa: F401  (calibrate, compare, observed, analysis)
from sim.commands.precheck import compose
from sim.runs.ensemble import Result, simulate
from sim.schema.config import Config, ConfigError
from sim.worlds import design, events, keys, posterior  # noqa: F401  (scenario.parties, mediator, events, design, posterior)

__all__ = ["Config", "ConfigError", "Result", "compose", "simulate"]
