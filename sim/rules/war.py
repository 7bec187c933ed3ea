"""The war between rounds: balance, attrition and resupply, signals, belief learning.

Pure functions of arrays with the world axis first (or a leading belligerent axis);
`fight` is one day of war, which the model runs once a day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.rules.utility import power


def balance(strength_a, strength_b, decisiveness=1.0, out=None):
    """Contest success function [Tullock1980; Hirshleifer1989]: p = c_A^g / (c_A^g + c_B^g),
    the chance that side A prevails. `out`: an array to write it to (it may be strength_b)."""
    a, b = power(strength_a, decisiveness), power(strength_b, decisiveness)
    return np.divide(a, np.add(a, b, out=out), out=out)


def loss_share(attrition, intensity, shock, noise):
    """The share of capability one day of fighting destroys: attrition x intensity, with noise."""
    return np.minimum(attrition * intensity * np.maximum(1.0 + noise * shock, 0.0), 1.0)


def next_capability(capability, loss, resupply, pause_resupply, intensity, floor):
    """One day: lose the day's `loss_share`, gain resupply, never below the floor.

    Resupply goes on during a pause, at `pause_resupply` times its fighting rate: the
    side that resupplies faster gains power while a ceasefire holds [Fearon1995; Powell2006].
    """
    supply = resupply * (intensity + (1.0 - intensity) * pause_resupply)
    return np.maximum(capability * (1.0 - loss) + supply, floor)


def battle_signal(p, battle_draw, fighting_draw, intensity):
    """(happened, A_won): a battle happens with probability `intensity`; A wins it with p."""
    happened = fighting_draw < intensity
    return happened, battle_draw < p


def learn(belief, signal, happened, rate, optimism=0.0, motivated=0.0):
    """The principle of convergence [Slantchev2003]: p <- p + lambda (signal - p), on days a
    battle is seen. Motivated reasoning: a lost battle (signal 0) is learned at the lower rate
    lambda (1 - m o), o the party's optimism and m = `motivated`, clipped to [0, 1]: people
    update their beliefs less on bad news than on good [Sharot2011], and leaders at war keep
    their positive illusions against the evidence [Johnson2004]. The belief then settles not
    at the true P but at P / (P + (1 - m o)(1 - P)) (`biased_fixed_point`); m = 0 is plain
    convergence."""
    bad_news = np.clip(rate * (1.0 - motivated * np.asarray(optimism)), 0.0, 1.0)
    step = np.where(signal, rate, bad_news)
    return np.where(happened, belief + step * (signal - belief), belief)


def biased_fixed_point(balance, optimism, motivated):
    """Where `learn` leaves a belief on average against a constant chance P of winning each
    battle: E[step] = lambda P (1 - p) - lambda (1 - m o)(1 - P) p = 0."""
    bad = 1.0 - motivated * np.asarray(optimism)
    return balance / (balance + bad * (1.0 - balance))


def pause_shift(strength_a, strength_b, supply_a, supply_b, days, decisiveness=1.0):
    """Expected change in side A's chance of prevailing after `days` of ceasefire."""
    now = balance(strength_a, strength_b, decisiveness)
    later = balance(strength_a + days * supply_a, strength_b + days * supply_b, decisiveness)
    return later - now


def side_strength(capability: np.ndarray, side: np.ndarray, which: int) -> np.ndarray:
    """(W,) the summed capability of the belligerents (rows of `capability`) on one side."""
    return capability[side == which].sum(axis=0)


@dataclass
class Battle:
    """What one day of fighting did, in every world."""

    capability: np.ndarray  # (m, W) each belligerent's capability at the day's end
    lost: np.ndarray  # (m, W) the capability each lost to attrition that day
    happened: np.ndarray  # (W,) a battle was fought and seen
    a_won: np.ndarray  # (W,) side A won it
    balance: np.ndarray  # (W,) side A's chance to prevail at dawn, at which the day was fought


def fight(capability, side, attrition, resupply, pause_resupply, intensity, shock, battle_draw, fighting_draw,
          decisiveness, noise, floor) -> Battle:
    """One day of war for m belligerents (rows) in W worlds: the day's battle is fought at
    the dawn balance; then attrition and resupply move every capability."""
    p_a = balance(side_strength(capability, side, 0), side_strength(capability, side, 1), decisiveness)
    happened, a_won = battle_signal(p_a, battle_draw, fighting_draw, intensity)
    share = loss_share(attrition, intensity, shock.T, noise)
    moved = next_capability(capability, share, resupply, pause_resupply, intensity, floor)
    lost = capability * share
    return Battle(moved, lost, happened, a_won, p_a)
