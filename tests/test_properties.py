"""Every numeric key, any value: rejected with one line naming the key, or run to finite tables.

Hypothesis draws a key of the schema (every number of the default config, with its allowed
range: `sim.schema.checks.numeric_leaves`) and a value in its range, out of it, or not finite.
"""

from __future__ import annotations

import math

import numpy as np
from conftest import make_cfg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import ConfigError, simulate
from sim.schema.checks import numeric_leaves
from sim.schema.config import to_config

SMALL = ("replications=2", "scenario.days=12", "record.rounds=false")
KEYS = [(path, rng) for sub in ("scenario", "mediator", "war")
        for path, value, rng in numeric_leaves(getattr(to_config(make_cfg()), sub), sub)
        if not isinstance(value, dict) and "calendar" not in path and ".events." not in path]


def values(rng):
    inside = st.floats(max(rng.low, -1e6), min(rng.high, 1e6), allow_nan=False)
    if rng.integer:
        inside = st.integers(int(max(rng.low, -1e6)), int(min(rng.high, 1e6)))
    outside = st.one_of(
        st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not rng.low <= x <= rng.high),
        st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308]),
    )
    return st.one_of(inside, outside)


@st.composite
def key_and_value(draw):
    path, rng = draw(st.sampled_from(KEYS))
    return path, draw(values(rng)), rng


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key_and_value())
def test_any_number_is_refused_in_one_line_or_runs_to_finite_tables(example):
    path, value, rng = example
    try:
        result = simulate(make_cfg(*SMALL, f"{path}={value!r}"))
    except ConfigError as err:
        message = str(err)
        # a salience in range can still break the sum to 1: then the party's saliences are named
        named = path.rsplit(".", 1)[0] if ".salience." in path else path
        assert "\n" not in message and named in message and "allowed" in message, message
        # a value in range can still be refused when an event of the scenario would move it out,
        # or when one key bounds another (the area held at the start, A, is at most territory.total)
        moved_out = f"after it the value would leave the allowed range of {path}:" in message
        cross_key = "allowed: at most scenario." in message
        assert (value not in rng or ".salience." in path or path.endswith("capability") or moved_out
                or cross_key), message
        return
    assert value in rng, f"{path}={value!r} ran although outside {rng.describe()}"
    for table in (result.outcomes, result.timeline, result.worlds):
        for column in table.select_dtypes("number").columns:
            numbers = table[column].to_numpy(dtype=float)
            may_be_missing = column.split("_")[0] in ("day", "round", "terms")  # only where nothing was agreed
            assert np.isfinite(numbers[~np.isnan(numbers)]).all() and (may_be_missing or not np.isnan(numbers).any()), column
