"""The mediator: a Mesa agent that schedules rounds, picks their format and proposes terms.

Rounds are events on the model's day clock: the scenario's calendar first, then the
policy ("meet again every `interval` days", Mesa's recurring schedule). The round days
are common to all worlds; whether a round is held, in which format, by which proposal
rule and with what bias is decided per world (`sim.worlds.params.MediatorParams`, `PolicyParams`).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
from mesa.time import Schedule

from sim.mechanisms import commitment, red_lines
from sim.rules import proposal as rules
from sim.rules.round import agree, coverage
from sim.rules.utility import across
from sim.schema.config import Role


@dataclass
class Stock:
    """What the parties bring to a round: war values, the ones their positions show, the ones
    the others price them at, and, with private information, each type's."""

    values: dict  # party -> (W,) its true war value
    stated: dict  # party -> (W,) the war value its stated positions reflect
    public: dict  # party -> (W,) the war value the mediator and the other side price it at
    types: dict  # party -> (M, W) each type's war value (private information only)
    type_aspirations: dict  # party -> (M, W) each type's aspiration this round


class Mediator(mesa.Agent):
    """Holds the talks: when, in which format, on what terms; escalates or gives up."""

    def __init__(self, model, favours: str, calendar_days: list[int], interval: int):
        super().__init__(model)
        self.p, self.policy = model.worlds.mediator, model.worlds.policy
        self.favoured = next(p for p in model.parties if p.name == favours) if favours else model.leads[0]
        self.opposed = model.leads[1 - self.favoured.side]
        self.calendar_days, self.interval = calendar_days, interval
        W = len(model.worlds)
        self.level = self.policy.format.copy()  # format of the next policy round, per world
        self.idle = np.zeros(W, dtype=int)  # rounds in a row without a new agreement
        self.broken_off = np.zeros(W, dtype=bool)
        self.rounds_scheduled = 0
        self.rounds_held = np.zeros(W, dtype=int)
        self.proposal = np.full((W, len(model.issues)), np.nan)  # the last terms put on the table

    # -- the calendar -----------------------------------------------------------------------

    def open_talks(self) -> None:
        # Mesa holds event callbacks by weak reference, so events call bound methods
        for day in self.calendar_days:
            self.model.schedule_event(self._calendar_round, at=day)
        first = (self.calendar_days[-1] if self.calendar_days else 0) + self.interval
        if self.interval > 0 and first < self.model.days:
            self.model.schedule_recurring(self._policy_round, Schedule(interval=self.interval, start=first, end=self.model.days - 1))

    def _calendar_round(self) -> None:
        self.hold_round(self.policy.calendar[:, self.rounds_scheduled])

    def _policy_round(self) -> None:
        self.hold_round(self.level)

    # -- a round ----------------------------------------------------------------------------

    def choose_format(self, planned: np.ndarray, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Grant a party's request for a higher format if all attend it; else the planned one,
        lowered to the highest format every party attends. Returns (level, held)."""
        m = self.model
        gap = m.position_gap()
        attends = np.ones((self.p.max_salience.shape[1], len(gap)), dtype=bool)  # (L, W)
        for party in m.parties:
            attends &= gap[None, :] <= party.p.format_conditions.T
        worlds = np.arange(len(gap))
        level = planned.copy()
        for party in m.parties:
            asked = party.p.asks_for
            grant = (asked > level) & attends[np.maximum(asked, 0), worlds]
            level = np.where(grant, asked, level)
        ok = attends[level, worlds]
        lower = ~ok & (level > 0)
        while lower.any():  # step refused worlds down until every party attends, or none is left
            level = np.where(lower, level - 1, level)
            ok = attends[level, worlds]
            lower = ~ok & (level > 0)
        return level, held & ok

    def hold_round(self, planned: np.ndarray) -> None:
        m = self.model
        self.rounds_scheduled += 1
        number, day = self.rounds_scheduled, int(m.time)
        open_ = ~m.in_force
        planned_here = ~self.broken_off & across(open_, np.logical_or)
        suspended = day < m.suspended_until  # a party walked out: liaison officers meet on side deals only
        held = planned_here & (~suspended | across(open_ & m.worlds.issues.side_deal, np.logical_or))
        if not held.any():
            if m.log is not None and m.can_suspend and planned_here.any():
                self._log_suspended(number, day, planned_here)
            return
        level, held = self.choose_format(planned, held)
        self.rounds_held += held

        stock = self._parties_take_stock(held, open_)
        terms = self.propose(stock.public, open_)
        reach = coverage(level, m.issue_salience(), self.p.max_salience)
        on_table = held[:, None] & open_ & reach & (~suspended[:, None] | m.worlds.issues.side_deal)
        shifts = m.pause_shift_against()
        weighed = {p: p.weigh(terms, on_table, shifts[p], self._deal_for(p, terms)) for p in m.parties}
        answers = np.stack([self._answer(p, weighed, stock) for p in m.parties])
        packages_allowed = np.take_along_axis(self.p.packages, level[:, None], axis=-1)[:, 0]
        agreed = agree(answers, m.concerned(), on_table, open_, m.worlds.issues.package, packages_allowed)
        progress = m.settle(agreed, terms, day, number, [answers[a.index] for a in m.allies])
        self._follow_policy(held, level, progress)
        self.proposal = np.where(held[:, None] & open_, terms, self.proposal)
        for p, answer in zip(m.parties, answers):  # what the answers reveal about each party's type
            if p.beliefs is not None and p.role == Role.table:
                self._learn_types(p, stock, weighed[p], on_table, answer, held)
        if m.can_suspend:
            self._walk_out(held & ~suspended, terms, stock.values, agreed, day)

        if m.log is not None:
            extra = {"suspended": suspended & planned_here} if m.can_suspend else {}
            m.log.add(
                round=number, day=day, held=held | (planned_here & suspended) if m.can_suspend else held,
                format=level, proposal=terms, on_table=on_table, **extra,
                answer=answers, agreed=agreed, war_value=np.stack([stock.values[p] for p in m.parties]),
                aspiration=np.stack([p.aspiration for p in m.parties]),
                position=np.stack([p.position for p in m.parties]),
                fired=m.fired == day,
            )

    def _answer(self, p, weighed, stock) -> np.ndarray:
        """(W, K) a party's answers. At the table: its own, or with patrons those of a weighing
        that adds each patron's slack times its influence w to (1 - sum w) times its own
        [Putnam1988]. Not at the table: what it would say at its war value (an ally's says what
        it will not observe)."""
        m = self.model
        if p.role != Role.table:
            return weighed[p].decide(stock.values[p], stock.values[p], p.belief)
        own = weighed[p].decide(stock.values[p], p.true_aspiration, p.belief)
        pull = m.pull(p)
        if pull is None or not (pull[0] > 0).any():
            return own
        w = pull[0]
        single, whole = weighed[p].slack(stock.values[p], p.true_aspiration, p.belief)
        single, whole = (1.0 - w)[:, None] * single, (1.0 - w) * whole
        for q in m.patrons:
            if q.side == p.side:
                q_single, q_whole = weighed[q].slack(stock.values[q], stock.values[q], q.belief)
                single, whole = single + q.p.influence[:, None] * q_single, whole + q.p.influence * q_whole
        pulled = weighed[p].answers(single >= 0.0, whole >= 0.0)
        return np.where((w > 0)[:, None], pulled, own)

    def _walk_out(self, held, terms, values, agreed, day) -> None:
        """A party at the table suspends the talks for its `suspend.days` when a plenary round
        agreed nothing and the terms on the table give it less than its war value by more
        than its `suspend.gap` (no ripe moment [Zartman2000]; a walk-out is a move [Schelling1960])."""
        m = self.model
        nothing = held & ~across(agreed, np.logical_or)
        for p in m.table:
            days = p.p.suspend_days
            walks = nothing & (days > 0) & (values[p] - p.utility(terms) > p.p.suspend_gap) & (m.suspended_until <= day)
            m.suspended_until = np.where(walks, day + 1 + days, m.suspended_until)  # the `days` days after this one

    def _log_suspended(self, number, day, planned_here) -> None:
        """A round no world held because the talks were suspended: its rows say so."""
        m = self.model
        W, K, n = len(planned_here), len(m.issues), len(m.parties)
        m.log.add(
            round=number, day=day, held=planned_here, suspended=planned_here, format=np.zeros(W, dtype=int),
            proposal=self.proposal, on_table=np.zeros((W, K), dtype=bool), answer=np.zeros((n, W, K), dtype=bool),
            agreed=np.zeros((W, K), dtype=bool), war_value=np.stack([p.last_value for p in m.parties]),
            aspiration=np.stack([p.aspiration for p in m.parties]), position=np.stack([p.position for p in m.parties]),
            fired=m.fired == day,
        )

    def _parties_take_stock(self, held, open_) -> Stock:
        """Each party weighs the war, concedes by its tactic and restates its positions.

        With private information a party states what its most resolute possible type would,
        the others (and this mediator) price it at its middle possible type, and it keeps
        its true aspiration for its answers (sim/mechanisms/information.py)."""
        m = self.model
        values = {p: p.war_value() for p in m.parties}
        stock = Stock(values, dict(values), dict(values), {}, {})
        private = m.worlds.mechanisms.private_information
        for p in m.parties:
            if p.beliefs is not None:
                per_type = p.war_value(belief=p.beliefs.balance)  # (M, W)
                stock.types[p] = per_type
                stock.stated[p] = np.where(private, p.beliefs.toughest(per_type), values[p])
                stock.public[p] = np.where(private, p.beliefs.middle(per_type), values[p])
        first = {p: p.rounds_attended == 0 for p in m.table}
        new, true = {}, {}
        for p in m.table:  # allies and patrons are not at the table: they keep their positions
            other = m.opponent(p)
            change = values[p] - p.last_value  # its fortunes, whatever it shows
            new[p] = p.next_aspiration(stock.stated[p], other, stock.public[other], change)
            true[p] = new[p]
            if p.beliefs is not None:
                true[p] = np.where(private, p.next_aspiration(values[p], other, stock.public[other], change), new[p])
                stock.type_aspirations[p] = p.next_aspiration(stock.types[p], other, stock.public[other], change)
        for p in m.table:
            p.attend(held, new[p], true[p], values[p])
        wanted = {p: self._pulled(p, p.wanted_position(self.proposal, open_, m.terms, first[p]), open_) for p in m.table}
        for p in m.table:  # nobody offers more than the other side now asks
            p.state_position(held, wanted[p], self.proposal, wanted[m.opponent(p)], first[p])
        return stock

    def _pulled(self, p, wanted, open_) -> np.ndarray:
        """Its wanted position pulled toward its side's patrons' ideal by their influence w:
        (1 - w) x + w x_patrons on open issues [Putnam1988]; unchanged without patrons."""
        pull = self.model.pull(p)
        if pull is None:
            return wanted
        w, ideal = pull
        pulled = (1.0 - w)[:, None] * wanted + w[:, None] * ideal
        return np.where((w[:, None] > 0) & open_, pulled, wanted)

    def _deal_for(self, party, terms):
        """(f, balance on the day the deal breaks) for a party weighing `terms`, or None: with
        power shift and renege on, the other side breaks a deal from the first projected day
        its war value exceeds what the deal gives it (sim/mechanisms/commitment.py)."""
        m = self.model
        ps = m.worlds.mechanisms
        on = ps.power_shift & ps.renege
        if not on.any():
            return None
        other = m.opponent(party)
        means = m.projection(party.side, party.p.horizon)
        u_own, u_their = other.lottery()
        v_other = (1.0 - means) * u_own[:, None] + means * u_their[:, None] - (other.cost_rate() * other.p.horizon)[:, None]
        share, at = commitment.renege_share(v_other, other.utility(terms))
        p_break = np.take_along_axis(means, at[:, None], axis=-1)[:, 0]
        return np.where(on, share, 1.0), p_break

    def _learn_types(self, party, stock, weighed, on_table, answer, held) -> None:
        """Rule out the types that would have answered otherwise on the items put to the party
        (weighed as the party weighed them, before this round's agreements)."""
        m = self.model
        update = held & m.worlds.mechanisms.private_information & (party.beliefs.possible.sum(axis=0) > 1)
        pull = m.pull(party)
        if pull is not None:  # answers a patron pulls are not its type's alone: nothing to learn from them
            update &= pull[0] == 0
        if not update.any():  # every type already revealed: nothing left to learn
            return
        asked = on_table & m.concerned()[party.index]
        per_type = stock.types[party], stock.type_aspirations[party], party.beliefs.balance  # (M, W) each
        agree, common = weighed.types_agree(*per_type, asked)  # where all types answer alike, no need to ask each
        consistent = np.broadcast_to(across((common == answer) | ~asked, np.logical_and), per_type[0].shape).copy()
        rest = np.flatnonzero(update & ~agree)
        if len(rest):
            would = weighed.take(rest).decide(*(t[:, rest] for t in per_type))  # (M, n, K)
            consistent[:, rest] = across((would == answer[rest]) | ~asked[rest], np.logical_and)
        party.beliefs.rule_out(consistent | ~update)  # the true type's answers are the party's own

    def propose(self, values: dict, open_) -> np.ndarray:
        """Terms on every open issue by each world's rule, tilted by its bias, within the public
        red lines and at a pole on indivisible issues; settled ones unchanged."""
        m = self.model
        table = rules.Table(
            positions=np.stack([p.position for p in m.parties]),
            concerned=m.concerned(),
            salience=np.stack([p.p.salience for p in m.parties]),
            capability=np.stack([m.clout(p) for p in m.parties]),
            ideal=np.stack([p.p.ideal for p in m.parties]),
            rho=np.stack([p.p.rho for p in m.parties]),
            reservation=np.stack([p.reservation_point(values[p]) for p in m.parties]),
            together=open_ & m.worlds.issues.package,
        )
        terms = rules.propose(table, self.p.rule)
        terms = rules.tilt(terms, self.favoured.position, self.opposed.position, self.p.bias)
        lines = m.worlds.mechanisms.red_lines
        if lines.any():
            for p, concerned in zip(m.parties, table.concerned):
                public = (lines & p.p.red_lines_public)[:, None] & concerned
                terms = np.where(public, red_lines.keep_within(terms, p.p.ideal, p.p.red_lines), terms)
            terms = np.where(lines[:, None], red_lines.to_pole(terms, m.worlds.issues.indivisible), terms)
        return np.where(open_, np.clip(terms, 0.0, 1.0), m.terms)

    def _follow_policy(self, held, level, progress) -> None:
        """Escalate after rounds without a new agreement; give up after more."""
        self.idle = np.where(held, np.where(progress, 0, self.idle + 1), self.idle)
        top = self.p.max_salience.shape[1] - 1
        every = self.policy.escalate_after
        up = held & (every > 0) & (self.idle > 0) & (self.idle % np.maximum(every, 1) == 0)
        self.level = np.where(up, np.minimum(np.maximum(self.level, level) + 1, top), self.level)
        give_up = self.policy.give_up_after
        self.broken_off |= held & (give_up > 0) & (self.idle >= give_up)
