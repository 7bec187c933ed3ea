"""`simulate(cfg)`: run R replications of one parameter point and return its tables."""

from __future__ import annotations

from typing import Any

from sim.config import to_config, validate
from sim.model import NegotiationModel
from sim.outcome import Result, outcomes_table, rounds_table, timeline_table


def simulate(cfg: Any, replication_ids=None) -> Result:
    """Run the config's `replications` worlds in lockstep (or the given replication ids).

    `cfg` is a composed Hydra config, a dict of the same shape, or a `sim.config.Config`.
    Raises `sim.config.ConfigError` before any simulation if a value is not allowed.
    """
    config = validate(to_config(cfg))
    model = NegotiationModel(config, replication_ids).run()
    return Result(
        outcomes=outcomes_table(model),
        rounds=rounds_table(model),
        timeline=timeline_table(model),
        config=config,
    )
