"""The negotiation model: W worlds run in lockstep on a day clock.

Each step is a day of war; the mediator's rounds are events on the same clock, held at
the start of their day, before that day's fighting. Scheduled parameter changes (events,
`sim/worlds/events.py`) fire at the start of their day, before its round.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.agents.liaison import Liaison
from sim.agents.mediator import Mediator
from sim.agents.party import Party
from sim.mechanisms import commitment, information
from sim.rules import tactic, territory, war
from sim.rules.issue import Issues, cost_factor, fighting_intensity
from sim.rules.round import RoundLog
from sim.rules.utility import across
from sim.schema.config import Config, Role, Talks
from sim.worlds import events, noise
from sim.worlds.keys import can_suspend
from sim.worlds.params import Worlds


class NegotiationModel(mesa.Model):
    """Talks between parties while their war goes on, in W worlds at once.

    A day: the war is fought at the intensity the agreements in force leave, costs are
    paid, beliefs learn from the day's battle, agreed items may break down; the next day
    opens with the events scheduled for it, then the round, if one is planned.
    """

    def __init__(self, cfg: Config, worlds: Worlds):
        super().__init__(rng=cfg.seed)
        sc = cfg.scenario
        self.cfg, self.worlds, self.days = cfg, worlds, sc.days
        W = len(worlds)
        self.issues = Issues.from_config(sc.issues)
        K = len(self.issues)

        self.parties = [
            Party(self, name, i, pc.side.value, pc.belligerent, worlds.parties[i], pc.role)
            for i, (name, pc) in enumerate(sc.parties.items())
        ]
        self.table = [p for p in self.parties if p.role == Role.table]  # who answers proposals
        self.leads = [next((p for p in self.table if p.belligerent and p.side == s),
                           next(p for p in self.table if p.side == s)) for s in (0, 1)]
        self.belligerents = [p for p in self.parties if p.belligerent]
        self.patrons = [p for p in self.parties if p.role == Role.patron]
        self.allies = [p for p in self.parties if p.role == Role.ally]
        # a patron's supply reaches its side's first belligerent
        self._supplied = [next(j for j, b in enumerate(self.belligerents) if b.side == s) for s in (0, 1)]
        self._sides = np.array([p.side for p in self.belligerents])
        self.start_strength = np.stack([war.side_strength(self.capabilities(), self._sides, s) for s in (0, 1)])
        self.lost = np.zeros((len(self.belligerents), W))  # capability each belligerent lost in battle
        self._daily: dict = {}  # what stays the same all day, computed once (`daily`); cleared at dawn
        self._meet_the_parties(sc.mechanisms.private_information.types)

        # agreements, per world and issue
        self.in_force = np.zeros((W, K), dtype=bool)
        self.terms = np.full((W, K), np.nan)
        self.first_day = np.full((W, K), -1)
        self.first_round = np.full((W, K), -1)
        self.first_terms = np.full((W, K), np.nan)
        self.times_agreed = np.zeros((W, K), dtype=int)
        self.breakdowns = np.zeros((W, K), dtype=int)
        self.fighting_days = np.zeros(W)
        self.intensity = np.ones(W)  # of the last day fought
        self.done = np.zeros(W, dtype=bool)  # every issue but the side deals settled: that world's war is over
        self.opposed = np.zeros((len(self.allies), W, K), dtype=bool)  # items in force each ally rejected
        self.spoiled = np.zeros((W, K), dtype=int)  # items an ally broke
        self.suspended_until = np.zeros(W, dtype=int)  # no plenary round before this day
        self.area = worlds.territory.start.astype(float)  # side A's area; side B holds the rest (sim/rules/territory.py)
        self.anchor = self.area.copy()  # the line where the current advance began

        self.noise = noise.draw(cfg.seed, worlds.replication, self.days, len(self.belligerents), K)
        self.log = RoundLog() if cfg.record.rounds else None
        self.timeline = [] if cfg.record.timeline else None
        self.events = events.from_config(cfg, worlds)
        self.fired = np.full((len(self.events), W), events.NEVER)  # the day each event fired in each world
        host = Liaison if sc.talks == Talks.alternating else Mediator  # no mediator: liaison officers hold the rounds
        self.can_suspend = can_suspend(cfg)  # a walk-out is possible: the tables record suspensions
        self.days_suspended = np.zeros(W, dtype=int)
        self.mediator = host(self, cfg.mediator.favours, [r.day for r in sc.calendar], sc.policy.interval)
        self._open_day(0)
        self.mediator.open_talks()
        self._record_day(0, np.ones(W))

    def _meet_the_parties(self, types: int) -> None:
        """Initial beliefs: the true balance for one's side plus one's optimism. With private
        information, a party's optimism is its type, and the others track every type."""
        private = self.worlds.mechanisms.private_information
        for p, u in zip(self.parties, self.worlds.private_type.T):
            now = self.balance_for(p.side)
            optimism = p.p.optimism
            if private.any():
                offsets = information.type_offsets(p.p.optimism, p.p.private_spread, types)
                true = information.true_type(u, types)
                optimism = np.where(private, np.take_along_axis(offsets, true[None, :], axis=0)[0], optimism)
                p.beliefs = information.Beliefs(
                    balance=np.clip(now + offsets, 0.0, 1.0), possible=np.ones(offsets.shape, bool), true=true,
                    optimism=offsets,
                )
            p.belief = np.clip(now + optimism, 0.0, 1.0)
            p.optimism = optimism  # its own (its type's): how little it learns from bad news

    # -- views the agents use -----------------------------------------------------------------

    def opponent(self, party: Party) -> Party:
        return self.leads[1 - party.side]

    def capabilities(self) -> np.ndarray:
        return np.stack([p.capability for p in self.belligerents])

    def balance_for(self, side: int) -> np.ndarray:
        c = self.capabilities()
        p_a = war.balance(war.side_strength(c, self._sides, 0), war.side_strength(c, self._sides, 1),
                          self.worlds.war.decisiveness)
        return p_a if side == 0 else 1.0 - p_a

    def expected_balance(self, side: int, horizon: np.ndarray) -> np.ndarray:
        """(W,) the side's mean chance of prevailing over the next `horizon` days of full war,
        projected without noise (sim/mechanisms/commitment.py)."""
        return self.projection(side, horizon)[:, 0]

    def projection(self, side: int, horizon: np.ndarray) -> np.ndarray:
        """(W, CHECKS + 1) the side's mean chance over [s, s + H] for the check days s: computed
        once a day per horizon (capabilities move only in the step, parameters at dawn)."""
        projections = self.daily("projections", list)  # (horizon, side A's window means) of the day
        for seen, means in projections:
            if seen is horizon or np.array_equal(seen, horizon):
                break
        else:
            b = self.belligerents
            p_a = commitment.balance_path(
                self.capabilities(), [p.p.attrition for p in b], list(self.supply()), self._sides,
                self.worlds.war.decisiveness, horizon,
            )
            means = commitment.window_means(p_a)
            projections.append((horizon.copy(), means))
        return means if side == 0 else 1.0 - means

    def daily(self, key, compute):
        """compute(), once a day: for what moves only at dawn (parameters, by events) or in the
        day's step (capabilities), so stays the same through the day's round."""
        if key not in self._daily:
            self._daily[key] = compute()
        return self._daily[key]

    def loss_share(self, side: int) -> np.ndarray:
        """(W,) the capability the side has lost in battle, as a share of its strength at the start."""
        return war.side_strength(self.lost, self._sides, side) / self.start_strength[side]

    def area_value(self, party: Party, belief: np.ndarray):
        """(W,) what the area its side expects to gain by fighting on is worth to the party:
        its `territory.war_value` times the share of the total its side gains over its horizon
        of full war at its believed balance (sim/rules/territory.py); 0 where the weight is 0."""
        weight = self.worlds.territory.war_value[:, party.index]
        if not weight.any():
            return 0.0
        land, wp = self.worlds.territory, self.worlds.war
        gain = territory.expected_gain(self.area, land.start, land.total, belief, party.side, party.p.horizon,
                                       wp.speed, wp.reach, wp.stalemate, *land.hold.T, self.anchor)
        return weight * gain

    def clout(self, party: Party) -> np.ndarray:
        return party.capability

    def supply(self) -> np.ndarray:
        """(m, W) each belligerent's resupply per day of fighting; a patron's adds to its side's first."""
        rows = np.stack([p.p.resupply for p in self.belligerents])
        for patron in self.patrons:
            rows[self._supplied[patron.side]] += patron.p.resupply
        return rows

    def concerned(self) -> np.ndarray:
        """(n, W, K) the parties that must accept terms on each issue: at the table, salience > 0."""
        return np.stack([(p.p.salience > 0) & (p.role == Role.table) for p in self.parties])

    def issue_salience(self) -> np.ndarray:
        """(W, K) the highest salience a party at the table gives each issue (what a format must reach)."""
        return np.stack([p.p.salience for p in self.table]).max(axis=0)

    def pull(self, party: Party) -> tuple[np.ndarray, np.ndarray] | None:
        """(w, the patrons' ideal) of a party at the table: w the summed influence of its side's
        patrons, their ideal weighted by it; None if its side has no patron."""
        patrons = [q for q in self.patrons if q.side == party.side]
        if party.role != Role.table or not patrons:
            return None
        w = sum(q.p.influence for q in patrons)
        with np.errstate(divide="ignore", invalid="ignore"):
            ideal = sum(q.p.influence[:, None] * q.p.ideal for q in patrons) / w[:, None]
        return w, np.where(w[:, None] > 0, ideal, 0.0)

    def position_gap(self) -> np.ndarray:
        """(W,) widest gap between the two sides' leads' last positions on open issues."""
        gap = np.abs(self.leads[0].position - self.leads[1].position)
        return across(np.where(self.in_force, 0.0, gap), np.maximum)

    def pause_shift_against(self) -> dict[Party, np.ndarray]:
        """Per party, the expected fall of its side's chance during a ceasefire it prices in."""
        c = self.capabilities()
        supply = self.supply() * np.stack([p.p.pause_resupply for p in self.belligerents])
        wp = self.worlds.war
        shift_a = war.pause_shift(
            war.side_strength(c, self._sides, 0), war.side_strength(c, self._sides, 1),
            war.side_strength(supply, self._sides, 0), war.side_strength(supply, self._sides, 1),
            wp.pause_horizon, wp.decisiveness,
        )
        return {p: -shift_a if p.side == 0 else shift_a for p in self.parties}

    # -- what rounds change -------------------------------------------------------------------

    def settle(self, agreed: np.ndarray, terms: np.ndarray, day: int, number: int, ally_says=()) -> np.ndarray:
        """Put agreed items in force; (W,) True where an issue was agreed for the first time."""
        first = agreed & (self.times_agreed == 0)
        self.first_day = np.where(first, day, self.first_day)
        self.first_round = np.where(first, number, self.first_round)
        self.first_terms = np.where(first, terms, self.first_terms)
        self.terms = np.where(agreed, terms, self.terms)
        self.in_force |= agreed
        self.times_agreed += agreed
        returned = agreed & self.worlds.issues.returns_area
        for k in np.nonzero(returned.any(axis=0))[0]:  # withdrawal terms give back area taken since day 0
            given_back = territory.withdraw(self.area, self.worlds.territory.start, terms[:, k])
            self.area = np.where(returned[:, k], given_back, self.area)
            self.anchor = np.where(returned[:, k], given_back, self.anchor)  # the new line is where a new advance begins
        self.done |= across(self.in_force | self.worlds.issues.side_deal, np.logical_and)
        for a, ally in enumerate(self.allies):  # what each ally will not observe
            self.opposed[a] = np.where(agreed, ~ally_says[a] & (ally.p.salience > 0), self.opposed[a])
        return across(first, np.logical_or)

    # -- a day ----------------------------------------------------------------------------------

    def step(self) -> None:
        day = int(self.time) - 1  # the step at time t closes day t - 1
        wp, issues = self.worlds.war, self.worlds.issues
        shock, battle_draw, fighting_draw, collapse = self.noise.day(day)
        intensity = np.where(self.done, 0.0, fighting_intensity(self.in_force, self.terms, issues.stops_fighting))
        attrition, pause = (np.stack([getattr(p.p, a) for p in self.belligerents]) for a in ("attrition", "pause_resupply"))
        resupply = self.supply()
        if wp.exposure.any():  # an advance bleeds the attacker the deeper it goes (sim/rules/territory.py)
            land = self.worlds.territory
            attrition = attrition * territory.exposure(self.area, land.start, land.total, wp.reach, wp.exposure)[self._sides]
        fought = war.fight(
            self.capabilities(), self._sides, attrition, resupply, pause,
            intensity, shock, battle_draw, fighting_draw, wp.decisiveness, wp.noise, wp.min_capability,
        )
        for j, (party, moved) in enumerate(zip(self.belligerents, fought.capability)):
            self.lost[j] += np.where(self.done, 0.0, fought.lost[j])
            party.capability = np.where(self.done, party.capability, moved)
        factor = cost_factor(self.in_force, issues.cost_relief) * intensity
        for party in self.parties:
            today = party.cost_rate() * factor
            party.cost = party.cost + today
            party.hurt = party.hurt + tactic.hurt_today(today, party.belief)  # at the dawn belief, as the cost
            signal = fought.a_won if party.side == 0 else ~fought.a_won
            party.belief = war.learn(party.belief, signal, fought.happened, wp.learning_rate, party.optimism, wp.motivated)
            if party.beliefs is not None:  # every type learns from the same public battles, as that type would
                b = party.beliefs
                b.balance = war.learn(b.balance, signal, fought.happened, wp.learning_rate, b.optimism, wp.motivated)
        self.fighting_days += intensity
        self.days_suspended += day < self.suspended_until
        self.intensity = intensity
        land = self.worlds.territory
        moved = territory.flow(self.area, land.start, land.total, fought.balance, intensity,
                               wp.speed, wp.reach, wp.stalemate, *land.hold.T, self.anchor)
        self.anchor = territory.next_anchor(self.anchor, self.area, moved)  # a counter-offensive starts afresh
        self.area = self.area + moved

        broke = self.in_force & (collapse < issues.breakdown) & ~self.done[:, None]
        if self.allies:  # an ally's spoiling adds its hazard, even to a deal that ended the war [Stedman1997]
            spoil = self.in_force & (collapse >= issues.breakdown) & (collapse < issues.breakdown + self.spoil_hazard())
            self.spoiled += spoil
            broke |= spoil
            self.done &= ~across(broke & ~issues.side_deal, np.logical_or)
            self.opposed &= ~broke
        self.breakdowns += broke
        self.in_force &= ~broke
        self._open_day(day + 1)
        self._record_day(day + 1, intensity)
        if day + 1 >= self.days or (self.done.all() and not self.opposed.any()):  # an ally may still break a deal
            self.running = False

    def spoil_hazard(self) -> np.ndarray:
        """(W, K) the daily hazard the allies add to each item in force that they reject."""
        keep = np.ones(self.opposed.shape[1:])
        for a, ally in enumerate(self.allies):
            keep = keep * (1.0 - np.where(self.opposed[a], ally.p.spoil[:, None], 0.0))
        return 1.0 - keep

    def _open_day(self, day: int) -> None:
        """The start of a day: the events scheduled for it fire, before its round."""
        self._daily.clear()
        for i, event in enumerate(self.events):
            self.fired[i] = np.where(event.fire(self.worlds, day, ~self.done), day, self.fired[i])

    def _record_day(self, day: int, intensity: np.ndarray) -> None:
        if self.timeline is None:
            return
        self.timeline.append(
            {
                "day": day,
                "balance": self.balance_for(0),
                "intensity": intensity,
                "belief": np.stack([p.belief for p in self.parties]),
                "capability": np.stack([p.capability for p in self.parties]),
                "cost": np.stack([p.cost for p in self.parties]),
                "in_force": self.in_force.copy(),
                "area": self.area.copy(),
                "fired": self.fired == day,
                **({"suspended": day < self.suspended_until} if self.can_suspend else {}),
            }
        )

    def run(self) -> NegotiationModel:
        """Run to the horizon, or until every world is settled; settled worlds are frozen,
        so the days left are copies of their last state (the same rows as in a longer run)."""
        self.run_model()
        if self.timeline is not None:
            last = self.timeline[-1]
            for day in range(last["day"] + 1, self.days + 1):
                self.timeline.append({**last, "day": day, "fired": np.zeros_like(last["fired"])})
        return self
