"""The mediator: a Mesa agent that schedules rounds, picks their format and proposes terms.

Rounds are events on the model's day clock: the scenario's calendar first, then the
policy ("meet again in `interval` days"). The round days are common to all worlds;
whether a round is held, and in which format, is decided per world.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.config import MediatorConfig, PolicyConfig, RoundConfig
from sim.proposal import RULES, Table, tilt
from sim.round import Formats, agree, coverage


class Mediator(mesa.Agent):
    def __init__(self, model, cfg: MediatorConfig, calendar: list[RoundConfig], policy: PolicyConfig):
        super().__init__(model)
        self.rule = RULES[cfg.rule]
        self.bias = cfg.bias
        self.formats = Formats.from_config(cfg.formats)
        self.calendar = [(r.day, self.formats.level(r.format)) for r in calendar]
        self.policy = policy
        parties = model.parties
        self.favoured = next(p for p in parties if p.name == cfg.favours) if cfg.favours else model.leads[0]
        self.opposed = model.leads[1 - self.favoured.side]
        R = model.replications
        self.level = np.full(R, self.formats.level(policy.format))  # format of the next policy round
        self.idle = np.zeros(R, dtype=int)  # rounds in a row without a new agreement
        self.broken_off = np.zeros(R, dtype=bool)
        self.rounds_scheduled = 0
        self.rounds_held = np.zeros(R, dtype=int)
        self.leverage_from_day = cfg.leverage_from_day
        self._pressure = {name: v for name, v in cfg.pressure.items()}
        self._guarantees = {name: model.issues.vector(v) for name, v in cfg.guarantees.items()}

    # -- the calendar -----------------------------------------------------------------------

    def open_talks(self) -> None:
        # Mesa holds event callbacks by weak reference, so events call bound methods
        for day, _ in self.calendar:
            self.model.schedule_event(self._calendar_round, at=day)
        if not self.calendar:
            self._schedule_policy_round(0)

    def _calendar_round(self) -> None:
        day, level = self.calendar[self.rounds_scheduled]
        self.hold_round(level)
        if self.rounds_scheduled == len(self.calendar):
            self._schedule_policy_round(day)

    def _schedule_policy_round(self, after_day: int) -> None:
        day = after_day + self.policy.interval
        if self.policy.interval > 0 and day < self.model.days:
            self.model.schedule_event(self._policy_round, at=day)

    def _policy_round(self) -> None:
        self.hold_round(None)
        self._schedule_policy_round(int(self.model.time))

    # -- leverage ---------------------------------------------------------------------------

    def apply_leverage(self, day: int) -> None:
        active = day >= self.leverage_from_day
        for party in self.model.parties:
            party.pressure = self._pressure.get(party.name, 0.0) if active else 0.0
            zero = np.zeros(len(self.model.issues))
            party.guarantee = self._guarantees.get(party.name, zero) if active else zero

    # -- a round ----------------------------------------------------------------------------

    def choose_format(self, planned: np.ndarray, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Grant a party's request for a higher format if all attend it; else the planned one,
        lowered to the highest format every party attends. Returns (level, held)."""
        m = self.model
        gap = m.position_gap()
        n_levels = len(self.formats.names)
        attends = np.ones((n_levels, m.replications), dtype=bool)
        for party in m.parties:
            for fmt, max_gap in party.format_conditions.items():
                attends[self.formats.level(fmt)] &= gap <= max_gap
        level = planned.copy()
        for party in m.parties:
            if party.asks_for:
                asked = self.formats.level(party.asks_for)
                level = np.where(attends[asked] & (asked > level), asked, level)
        worlds = np.arange(m.replications)
        ok = attends[level, worlds]
        lower = ~ok & (level > 0)
        while lower.any():  # step refused worlds down until every party attends, or none is left
            level = np.where(lower, level - 1, level)
            ok = attends[level, worlds]
            lower = ~ok & (level > 0)
        return level, held & ok

    def hold_round(self, calendar_level: int | None) -> None:
        m = self.model
        self.rounds_scheduled += 1
        number, day = self.rounds_scheduled, int(m.time)
        open_ = ~m.in_force
        held = ~self.broken_off & open_.any(axis=-1)
        if not held.any():
            return
        planned = self.level if calendar_level is None else np.full(m.replications, calendar_level)
        level, held = self.choose_format(planned, held)
        self.rounds_held += held

        values = self._parties_take_stock(held, open_)
        proposal = self.propose(values, open_)
        on_table = held[:, None] & open_ & coverage(level, m.issue_salience, self.formats.max_salience)
        shifts = m.pause_shift_against()
        answers = np.stack([p.answer(proposal, on_table, values[p], shifts[p]) for p in m.parties])
        agreed = agree(answers, m.concerned, on_table, open_, m.issues.package, self.formats.packages[level])
        progress = m.settle(agreed, proposal, day, number)
        self._follow_policy(held, level, progress)
        m.target = np.where((held[:, None] & open_)[None], proposal[None], m.target)

        if m.log is not None:
            m.log.add(
                round=number, day=day, held=held, format=level, proposal=proposal, on_table=on_table,
                answer=answers, agreed=agreed, war_value=np.stack([values[p] for p in m.parties]),
                aspiration=np.stack([p.aspiration for p in m.parties]),
                position=np.stack([p.position for p in m.parties]),
            )

    def _parties_take_stock(self, held, open_) -> dict:
        """Each party weighs the war, concedes by its tactic and restates its positions."""
        m = self.model
        values = {p: p.war_value() for p in m.parties}
        new = {p: p.next_aspiration(values[p], m.opponent(p), values[m.opponent(p)]) for p in m.parties}
        for p in m.parties:
            p.attend(held, new[p])
        wanted = {p: p.position_at_aspiration(m.target[p.side], open_, m.terms) for p in m.parties}
        for p in m.parties:  # nobody offers more than the other side now asks
            p.state_position(held, wanted[p], m.target[p.side], wanted[m.opponent(p)])
        return values

    def propose(self, values: dict, open_) -> np.ndarray:
        """Terms on every open issue by the rule, tilted by the bias; settled ones unchanged."""
        m = self.model
        table = Table(
            positions=np.stack([p.position for p in m.parties]),
            concerned=m.concerned,
            salience=m.salience,
            capability=np.stack([m.clout(p) for p in m.parties]),
            ideal=np.stack([p.ideal for p in m.parties]),
            rho=np.array([p.rho for p in m.parties]),
            reservation=np.stack([p.reservation_point(values[p]) for p in m.parties]),
            together=open_ & m.issues.package,
        )
        proposal = self.rule(table)
        if self.bias:
            proposal = tilt(proposal, self.favoured.position, self.opposed.position, self.bias)
        return np.where(open_, np.clip(proposal, 0.0, 1.0), m.terms)

    def _follow_policy(self, held, level, progress) -> None:
        """Escalate after rounds without a new agreement; give up after more."""
        self.idle = np.where(held, np.where(progress, 0, self.idle + 1), self.idle)
        top = len(self.formats.names) - 1
        if self.policy.escalate_after > 0:
            up = held & (self.idle > 0) & (self.idle % self.policy.escalate_after == 0)
            self.level = np.where(up, np.minimum(np.maximum(self.level, level) + 1, top), self.level)
        if self.policy.give_up_after > 0:
            self.broken_off |= held & (self.idle >= self.policy.give_up_after)
