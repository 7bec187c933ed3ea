"""The negotiation model: R worlds of one parameter point, run in lockstep on a day clock.

Each step is a day of war; the mediator's rounds are events on the same clock, held
at the start of their day, before that day's fighting.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim import noise, war
from sim.config import Config
from sim.issue import Issues, cost_factor, fighting_intensity
from sim.mediator import Mediator
from sim.party import Party
from sim.round import RoundLog


class NegotiationModel(mesa.Model):
    def __init__(self, cfg: Config, replication_ids=None):
        super().__init__(rng=cfg.seed)
        sc = cfg.scenario
        self.cfg = cfg
        self.war_cfg = cfg.war
        self.days = sc.days
        ids = np.arange(cfg.replications) if replication_ids is None else np.asarray(replication_ids)
        self.replication_ids = ids
        self.replications = R = len(ids)
        self.issues = Issues.from_config(sc.issues)
        K = len(self.issues)

        self.parties = [Party(self, name, p, self.issues, R) for name, p in sc.parties.items()]
        self.leads = [next(p for p in self.parties if p.belligerent and p.side == s) for s in (0, 1)]
        self.belligerents = [p for p in self.parties if p.belligerent]
        for p in self.parties:
            p.own_terms, p.their_terms = self.leads[p.side].ideal, self.leads[1 - p.side].ideal
        self.salience = np.stack([p.salience for p in self.parties])
        self.concerned = self.salience > 0
        self.issue_salience = np.where(self.concerned, self.salience, 0.0).max(axis=0)
        for p in self.parties:
            p.belief = np.clip(self.balance_for(p.side) + p.optimism, 0.0, 1.0)
        for p in self.parties:
            if p.tactic.name == "rubinstein":  # complete information: it knows the other's patience
                p.tactic.opponent_discount = self.opponent(p).tactic.cfg.discount

        # agreements, per world and issue
        self.in_force = np.zeros((R, K), dtype=bool)
        self.terms = np.full((R, K), np.nan)
        self.first_day = np.full((R, K), -1)
        self.first_round = np.full((R, K), -1)
        self.first_terms = np.full((R, K), np.nan)
        self.times_agreed = np.zeros((R, K), dtype=int)
        self.breakdowns = np.zeros((R, K), dtype=int)
        self.fighting_days = np.zeros(R)
        self.done = np.zeros(R, dtype=bool)  # every issue settled: that world's war is over
        # per side, what its parties move toward: the other side's opening, then proposals
        self.target = np.stack([np.tile(self.leads[1 - s].opening, (R, 1)) for s in (0, 1)])

        self.noise = noise.draw(cfg.seed, ids, self.days, len(self.belligerents), K)
        self.log = RoundLog() if cfg.record.rounds else None
        self.timeline = [] if cfg.record.timeline else None
        self.mediator = Mediator(self, cfg.mediator, sc.calendar, sc.policy)
        self.mediator.apply_leverage(0)
        self.mediator.open_talks()
        self._record_day(0, np.ones(R))

    # -- views the agents use -----------------------------------------------------------------

    def opponent(self, party: Party) -> Party:
        return self.leads[1 - party.side]

    def side_strength(self, side: int) -> np.ndarray:
        return sum(p.capability for p in self.belligerents if p.side == side)

    def balance_for(self, side: int) -> np.ndarray:
        p_a = war.balance(self.side_strength(0), self.side_strength(1), self.war_cfg.decisiveness)
        return p_a if side == 0 else 1.0 - p_a

    def clout(self, party: Party) -> np.ndarray:
        return party.capability

    def position_gap(self) -> np.ndarray:
        """(R,) widest gap between the two sides' leads' last positions on open issues."""
        gap = np.abs(self.leads[0].position - self.leads[1].position)
        return np.where(self.in_force, 0.0, gap).max(axis=-1)

    def pause_shift_against(self) -> dict[Party, np.ndarray]:
        """Per party, the expected fall of its side's chance during a ceasefire it prices in."""
        supply = [
            sum(p.resupply * p.pause_resupply for p in self.belligerents if p.side == s) for s in (0, 1)
        ]
        shift_a = war.pause_shift(
            self.side_strength(0), self.side_strength(1), supply[0], supply[1],
            self.war_cfg.pause_horizon, self.war_cfg.decisiveness,
        )
        return {p: -shift_a if p.side == 0 else shift_a for p in self.parties}

    # -- what rounds change -------------------------------------------------------------------

    def settle(self, agreed: np.ndarray, terms: np.ndarray, day: int, number: int) -> np.ndarray:
        """Put agreed items in force; (R,) True where an issue was agreed for the first time."""
        first = agreed & (self.times_agreed == 0)
        self.first_day = np.where(first, day, self.first_day)
        self.first_round = np.where(first, number, self.first_round)
        self.first_terms = np.where(first, terms, self.first_terms)
        self.terms = np.where(agreed, terms, self.terms)
        self.in_force |= agreed
        self.times_agreed += agreed
        self.done |= self.in_force.all(axis=-1)
        return first.any(axis=-1)

    # -- a day of war -------------------------------------------------------------------------

    def step(self) -> None:
        day = int(self.time) - 1  # the step at time t closes day t - 1
        self.mediator.apply_leverage(day)
        wc = self.war_cfg
        shock, battle, fighting, collapse = self.noise.day(day)
        intensity = np.where(self.done, 0.0, fighting_intensity(self.in_force, self.terms, self.issues.stops_fighting))
        p_a = self.balance_for(0)
        happened, a_won = war.battle_signal(p_a, battle, fighting, intensity)
        for j, party in enumerate(self.belligerents):
            moved = war.next_capability(
                party.capability, party.attrition, party.resupply, party.pause_resupply,
                intensity, shock[:, j], wc.noise, wc.min_capability,
            )
            party.capability = np.where(self.done, party.capability, moved)
        factor = cost_factor(self.in_force, self.issues.cost_relief) * intensity
        for party in self.parties:
            party.cost = party.cost + party.cost_rate() * factor
            signal = a_won if party.side == 0 else ~a_won
            party.belief = war.learn(party.belief, signal, happened, wc.learning_rate)
        self.fighting_days += intensity

        self.mediator.apply_leverage(day + 1)  # in effect for tomorrow's round
        broke = self.in_force & (collapse < self.issues.breakdown) & ~self.done[:, None]
        self.breakdowns += broke
        self.in_force &= ~broke
        self._record_day(day + 1, intensity)
        if day + 1 >= self.days or self.done.all():
            self.running = False

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
            }
        )

    def run(self) -> NegotiationModel:
        """Run to the horizon, or until every world is settled; settled worlds are frozen,
        so the days left are copies of their last state (the same rows as in a longer run)."""
        self.run_model()
        if self.timeline is not None:
            last = self.timeline[-1]
            for day in range(last["day"] + 1, self.days + 1):
                self.timeline.append({**last, "day": day})
        return self
