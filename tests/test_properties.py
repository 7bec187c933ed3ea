"""Every numeric key, any value: rejected with one line naming the key, or run to finite tables.

Hypothesis draws a key of the schema (every number of the default config, with its allowed
range: `sim.schema.checks.numeric_leaves`) and a value in its range, out of it, or not finite.
It also draws observed files (dates and values in and out of what the model can show) and
compare blocks (outcomes and variants, known or not, empty or not): each is refused in one
line naming where, or accepted exactly when it is valid.
"""

from __future__ import annotations

import math
import tempfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from conftest import make_cfg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import ConfigError, compose, simulate
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
        # a key of another role (a patron's influence, an ally's spoil) or a suspension past the horizon
        by_role = "for a party whose role is" in message or "past the horizon" in message
        assert (value not in rng or ".salience." in path or path.endswith("capability") or moved_out
                or cross_key or by_role), message
        return
    assert value in rng, f"{path}={value!r} ran although outside {rng.describe()}"
    for table in (result.outcomes, result.timeline, result.worlds):
        for column in table.select_dtypes("number").columns:
            numbers = table[column].to_numpy(dtype=float)
            may_be_missing = column.split("_")[0] in ("day", "round", "terms")  # only where nothing was agreed
            assert np.isfinite(numbers[~np.isnan(numbers)]).all() and (may_be_missing or not np.isnan(numbers).any()), column


# -- observed files -----------------------------------------------------------------------------------

START, DAYS, TOTAL = date(2022, 2, 24), 84, 603_500  # the 2022 scenario's start, horizon and area
ROW = st.tuples(st.integers(-20, 120),  # days after the start
                st.one_of(st.floats(-1e7, 1e7, allow_nan=False), st.sampled_from([math.nan, math.inf, 0.0, TOTAL])))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, min_size=1, max_size=6, unique_by=lambda r: r[0]))
def test_an_observed_file_is_refused_in_one_line_naming_its_row_or_read_as_written(rows):
    from sim.analysis.observed import table
    from sim.schema.config import to_config

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "obs.csv"
        path.write_text("date,area\n" + "".join(f"{START + timedelta(days=d)},{v!r}\n" for d, v in rows))
        valid = all(-1 <= d <= DAYS - 1 and math.isfinite(v) and 0 <= v <= TOTAL for d, v in rows)
        try:
            cfg = compose([f"scenario.observed.area_A={{file: {path}, column: area}}"])
        except ConfigError as err:
            message = str(err)
            assert "\n" not in message and "scenario.observed.area_A" in message and "allowed" in message, message
            assert "row " in message and "column area" in message, message
            assert not valid, message
            return
        assert valid, f"{rows} was accepted"
        observed = table(to_config(cfg))
        assert sorted(observed["value"]) == sorted(v for _, v in rows)
        assert sorted(observed["day"]) == sorted(d + 1 for d, _ in rows)  # the dawn after each date


# -- compare blocks --------------------------------------------------------------------------------

KNOWN_OUTCOMES = ["at_war_end", "agreed_ceasefire", "day_ceasefire"]
CHANGES = st.one_of(st.tuples(st.just("mediator.bias"), st.floats(-2, 2, allow_nan=False)),
                    st.tuples(st.just("scenario.parties.russia.optimism"), st.floats(-2, 2, allow_nan=False)),
                    st.tuples(st.just("scenario.parties.russia.no_such_key"), st.just(1.0)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([*KNOWN_OUTCOMES, "no_such_outcome"]), max_size=3, unique=True),
       st.dictionaries(st.sampled_from(["v1", "v2"]), st.lists(CHANGES, min_size=1, max_size=2, unique_by=lambda c: c[0]),
                       max_size=2))
def test_a_compare_block_is_refused_in_one_line_or_accepted_exactly_when_it_compares_something(outcomes, variants):
    block = {name: dict(changes) for name, changes in variants.items()}
    text = "{" + ", ".join(f"{n}: {{{', '.join(f'{k}: {v!r}' for k, v in c.items())}}}" for n, c in block.items()) + "}"
    valid = (not outcomes and not block) or (bool(outcomes) and bool(block) and "no_such_outcome" not in outcomes
             and all(k != "scenario.parties.russia.no_such_key" and -1 <= v <= 1 for c in block.values()
                     for k, v in c.items()))
    try:
        cfg = compose([f"compare.outcomes=[{', '.join(outcomes)}]", f"++compare.variants={text}"])
    except ConfigError as err:
        message = str(err)
        assert "\n" not in message and "compare" in message and "allowed" in message, message
        assert not valid, message
        return
    assert valid, f"{outcomes} {block} was accepted"
    assert list(cfg.compare.outcomes) == outcomes and set(cfg.compare.variants) == set(block)
