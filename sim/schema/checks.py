"""The checks OmegaConf cannot make: `validate(cfg)` raises `ConfigError`, one line naming
the key and what is allowed, on the first value the model cannot run with.

Two kinds of check. The schema's own, here: every numeric value within its field's
`allowed(...)` range (or a distribution whose support fits it), names of issues and
parties that exist, saliences that sum to 1, a calendar inside the horizon. And the
features' checks of their own sections (events, designs, analyses, counterfactuals,
calibration, observed data, posteriors), which each feature registers with
`@check("<section>")` beside its code: `validate` runs them after the schema's, section by
section in the schema's order, so that adding a feature never edits this module.
Importing `sim` imports every feature, so every check is registered before any runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import date
from enum import Enum
from typing import Any

from sim.schema.config import FORMATS, Config, ConfigError, Format, Range, Role, Side, Talks, TerritoryConfig, field_range
from sim.schema.distributions import check as check_distribution
from sim.schema.distributions import support

Check = Callable[[Config], None]
_CHECKS: dict[str, list[Check]] = {}  # section -> its features' checks, in registration order


def sections(node: Any = Config, prefix: str = "") -> list[str]:
    """Every section of the schema (a field holding a dataclass or a mapping), depth first."""
    out = []
    for f in fields(node):
        path = f"{prefix}{f.name}"
        default = f.default_factory() if callable(f.default_factory) else f.default
        if is_dataclass(default):
            out += [path, *sections(type(default), f"{path}.")]
        elif isinstance(default, dict):
            out.append(path)
    return out


def check(section: str) -> Callable[[Check], Check]:
    """Register `fn(cfg)` as a check of the schema's `section` (e.g. "compare",
    "scenario.events"); it raises ConfigError on a value its feature cannot run with."""
    if section not in sections():
        raise ValueError(f"{section!r} is not a section of the config schema; allowed: {', '.join(sections())}")

    def add(fn: Check) -> Check:
        found = _CHECKS.setdefault(section, [])
        if all(f"{g.__module__}.{g.__qualname__}" != f"{fn.__module__}.{fn.__qualname__}" for g in found):
            found.append(fn)  # a module imported twice (python -m) registers once
        return fn

    return add


def registered() -> dict[str, list[str]]:
    """section -> the registered checks' qualified names, in the order `validate` runs them."""
    order = sections()
    return {s: [f"{fn.__module__}.{fn.__qualname__}" for fn in _CHECKS[s]]
            for s in sorted(_CHECKS, key=order.index)}


def validate(cfg: Config) -> Config:
    """Raise ConfigError on the first value the model cannot run with; `cfg` if none."""
    _check_schema(cfg)
    order = sections()
    for section in sorted(_CHECKS, key=order.index):
        for fn in _CHECKS[section]:
            fn(cfg)
    return cfg


# ----------------------------------------------------------------------------- helpers


def fail(key: str, value: Any, allowed_: str) -> None:
    raise ConfigError(f"{key}={show(value)} is not allowed; {allowed_}")


def show(value: Any) -> str:
    """A value as a message quotes it: an enum by name, at most 80 characters."""
    text = repr(value.name if isinstance(value, Enum) else value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_number(key: str, value: Any, rng: Range) -> None:
    """A plain number in range, or a distribution whose support fits the range."""
    if isinstance(value, dict):
        check_distribution(key, value, rng)
    elif isinstance(value, bool) or not isinstance(value, (int, float)) or value not in rng:
        fail(key, value, f"allowed: {rng.describe()}, or a distribution {{dist: ...}}")


def choice(key: str, value: str, allowed_: list[str], what: str = "") -> None:
    """`value` is one of `allowed_`; `what` names the kind of a mapping key (issue, party)
    when the key is the value."""
    if value in allowed_:
        return
    if what:
        raise ConfigError(f"{key}: {value!r} is not a known {what}; allowed: {', '.join(allowed_)}")
    fail(key, value, "allowed: " + ", ".join(allowed_))


def numeric_leaves(node: Any, prefix: str):
    """(path, value, Range) for every numeric value of a config dataclass, recursively."""
    for f in fields(node):
        value, path = getattr(node, f.name), f"{prefix}.{f.name}"
        rng = f.metadata.get("range")
        if rng is not None and str(f.type).startswith("dict"):
            for k, v in value.items():
                k = k.name if isinstance(k, Enum) else k
                if isinstance(v, dict) and "dist" not in v:  # guarantees: party -> issue -> value
                    yield from ((f"{path}.{k}.{i}", x, rng) for i, x in v.items())
                else:
                    yield f"{path}.{k}", v, rng
        elif rng is not None:
            yield path, value, rng
        elif is_dataclass(value):
            yield from numeric_leaves(value, path)
        elif isinstance(value, dict):
            for k, v in value.items():
                if is_dataclass(v):
                    yield from numeric_leaves(v, f"{path}.{k.name if isinstance(k, Enum) else k}")


# ----------------------------------------------------------------------------- the schema's own


def _check_schema(cfg: Config) -> None:
    if not 0 <= cfg.seed < 2**63:
        fail("seed", cfg.seed, "allowed: an integer in [0, 2^63)")
    if not 1 <= cfg.replications <= 10**9:
        fail("replications", cfg.replications, "allowed: an integer in [1, 1e9]")
    _check_scenario(cfg)
    _check_roles(cfg)
    _check_mediator(cfg)
    for path, value, rng in numeric_leaves(cfg.war, "war"):
        check_number(path, value, rng)
    _check_territory(cfg)


def _check_scenario(cfg: Config) -> None:
    sc = cfg.scenario
    try:
        date.fromisoformat(sc.start_date)
    except ValueError:
        fail("scenario.start_date", sc.start_date, "allowed: a date as YYYY-MM-DD")
    if not 1 <= sc.days <= 100_000:
        fail("scenario.days", sc.days, "allowed: an integer in [1, 100000]")
    if not sc.issues:
        fail("scenario.issues", {}, "allowed: at least one issue")
    issues, parties = list(sc.issues), list(sc.parties)
    for name, issue in sc.issues.items():
        if len(issue.poles) != 2:
            fail(f"scenario.issues.{name}.poles", issue.poles, "allowed: two names, for 0 and for 1")

    if len(parties) < 2:
        fail("scenario.parties", parties, "allowed: at least two parties")
    for name, party in sc.parties.items():
        key = f"scenario.parties.{name}"
        for vec in ("ideal", "salience", "opening", "red_lines"):
            for issue in getattr(party, vec):
                choice(f"{key}.{vec}.{issue}", issue, issues, "issue")
        missing = [i for i in issues if i not in party.ideal]
        if missing:
            fail(f"{key}.ideal", dict(party.ideal), f"every issue needs a value; missing: {', '.join(missing)}")
    for path, value, rng in numeric_leaves(sc, "scenario"):
        check_number(path, value, rng)
    for name, party in sc.parties.items():
        fixed = [v for v in party.salience.values() if not isinstance(v, dict)]
        if len(fixed) == len(party.salience) and abs(sum(fixed) - 1.0) > 1e-6:
            fail(f"scenario.parties.{name}.salience", dict(party.salience), "allowed: non-negative weights that sum to 1")
    for name, party in sc.parties.items():
        cap = party.capability
        if party.belligerent and not isinstance(cap, dict) and cap <= 0:
            fail(f"scenario.parties.{name}.capability", cap, "allowed: a number > 0 for a belligerent")
    for issue in issues:
        if not any(_maybe_positive(p.salience.get(issue, 0.0)) for p in sc.parties.values()):
            fail(f"scenario.issues.{issue}", issue, "allowed: an issue some party gives salience > 0")
    sides = {p.side for p in sc.parties.values() if p.belligerent and p.role != Role.patron}
    if sides != set(Side):
        fail("scenario.parties.*.side", sorted(s.name for s in sides), "allowed: belligerent parties on both sides A and B")

    for i, rnd in enumerate(sc.calendar):
        if not 0 <= rnd.day < sc.days:
            fail(f"scenario.calendar.{i}.day", rnd.day, f"allowed: a day in [0, {sc.days - 1}] (scenario.days={sc.days})")
    days = [r.day for r in sc.calendar]
    if days != sorted(set(days)):
        fail("scenario.calendar", days, "allowed: rounds on distinct days in increasing order")
    if not 1 <= sc.mechanisms.private_information.types <= 101:
        fail("scenario.mechanisms.private_information.types", sc.mechanisms.private_information.types,
             "allowed: an integer in [1, 101]")
    if not 0 <= sc.policy.interval <= 10_000:
        fail("scenario.policy.interval", sc.policy.interval, "allowed: an integer in [0, 10000]")


def _high(value: Any) -> float:
    """A fixed value, or the top of a distribution's support."""
    return support(value)[1] if isinstance(value, dict) else value


def _check_roles(cfg: Config) -> None:
    """Each side has a party at the table; allies and patrons stand by one; their own keys
    are theirs alone; a suspension ends within the horizon; a side deal is no package item."""
    sc = cfg.scenario
    at_table = {p.side for p in sc.parties.values() if p.role == Role.table}
    for name, party in sc.parties.items():
        key = f"scenario.parties.{name}"
        if party.role != Role.table and party.side not in at_table:
            fail(f"{key}.side", party.side, f"side {party.side.name} has no party at the table to be an {party.role.name} of; "
                 f"allowed: {', '.join(s.name for s in sorted(at_table, key=lambda s: s.value)) or 'a side with a party at the table'}")
        if party.role == Role.patron and party.belligerent:
            fail(f"{key}.belligerent", True, "allowed: false for a patron (it backs its side by resupply and influence, not in battle)")
        if party.role != Role.patron and _high(party.influence) > 0:
            fail(f"{key}.influence", party.influence, f"allowed: 0 for a party whose role is {party.role.name}; influence is a patron's")
        if party.role != Role.ally and _high(party.spoil) > 0:
            fail(f"{key}.spoil", party.spoil, f"allowed: 0 for a party whose role is {party.role.name}; spoiling is an ally's")
        if party.role != Role.table and _high(party.suspend.days) > 0:
            fail(f"{key}.suspend.days", party.suspend.days, "allowed: 0 for a party not at the table; only a party at the table can suspend the talks")
        if _high(party.suspend.days) >= sc.days:
            fail(f"{key}.suspend.days", party.suspend.days,
                 f"a suspension past the horizon; allowed: an integer in [0, {sc.days - 1}] (scenario.days={sc.days})")
    for side in Side:
        pull = sum(_high(p.influence) for p in sc.parties.values() if p.role == Role.patron and p.side == side)
        if pull > 1:
            fail(f"scenario.parties.*.influence (side {side.name})", pull, "allowed: a sum over a side's patrons of at most 1")
    for name, issue in sc.issues.items():
        if issue.side_deal and issue.protocol.name == "package":
            fail(f"scenario.issues.{name}.side_deal", True, "allowed: true only for an issue agreed alone (protocol: issue_by_issue)")
    if all(issue.side_deal for issue in sc.issues.values()):
        fail("scenario.issues.*.side_deal", True, "allowed: at least one issue that is not a side deal (the war ends on those)")


def _check_mediator(cfg: Config) -> None:
    med, issues, parties = cfg.mediator, list(cfg.scenario.issues), list(cfg.scenario.parties)
    if cfg.scenario.talks == Talks.alternating:  # no mediator: nothing of one may be asked for
        for key, value, none in (("bias", med.bias, 0.0), ("pressure", dict(med.pressure), {}), ("guarantees", dict(med.guarantees), {})):
            if value != none:
                fail(f"mediator.{key}", value, f"allowed: {show(none)} with scenario.talks=alternating (no mediator)")
    if med.favours:
        choice("mediator.favours", med.favours, parties)
    missing = [f for f in Format if f not in med.formats]
    if missing:
        fail("mediator.formats", [f.name for f in med.formats], f"allowed: all of {', '.join(FORMATS)}")
    for party in med.pressure:
        choice(f"mediator.pressure.{party}", party, parties, "party")
    for party, by_issue in med.guarantees.items():
        choice(f"mediator.guarantees.{party}", party, parties, "party")
        if not isinstance(by_issue, dict):
            fail(f"mediator.guarantees.{party}", by_issue, "allowed: a mapping issue -> number")
        for issue in by_issue:
            choice(f"mediator.guarantees.{party}.{issue}", issue, issues, "issue")
    for path, value, rng in numeric_leaves(med, "mediator"):
        check_number(path, value, rng)


def _check_territory(cfg: Config) -> None:
    """Side A's area on day 0 cannot exceed the whole; war values name known parties, holds a side."""
    t = cfg.scenario.territory
    a_high = support(t.A, field_range(TerritoryConfig, "A"))[1] if isinstance(t.A, dict) else t.A
    total_low = support(t.total, field_range(TerritoryConfig, "total"))[0] if isinstance(t.total, dict) else t.total
    if a_high > total_low:
        fail("scenario.territory.A", t.A, f"allowed: at most scenario.territory.total ({show(t.total)})")
    for party in t.war_value:
        choice(f"scenario.territory.war_value.{party}", party, list(cfg.scenario.parties), "party")
    for side in t.hold:
        choice(f"scenario.territory.hold.{side}", side, ["A", "B"], "side")


def _maybe_positive(value: Any) -> bool:
    """A fixed salience > 0, or a distribution that can draw one."""
    return _high(value) > 0
