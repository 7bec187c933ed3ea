"""The war between rounds: balance, attrition and resupply, signals, belief learning.

Pure functions of (R,) arrays; `model.py` calls them once a day.
"""

from __future__ import annotations

import numpy as np


def balance(strength_a, strength_b, decisiveness=1.0):
    """Contest success function: p = c_A^g / (c_A^g + c_B^g), the chance side A prevails."""
    a, b = strength_a**decisiveness, strength_b**decisiveness
    return a / (a + b)


def next_capability(capability, attrition, resupply, pause_resupply, intensity, shock, noise, floor):
    """One day: lose `attrition` (noisy) in proportion to the fighting, gain resupply.

    Resupply goes on during a pause, at `pause_resupply` times its fighting rate: the
    side that resupplies faster gains power while a ceasefire holds (MODEL.md section 4).
    """
    loss = attrition * intensity * np.maximum(1.0 + noise * shock, 0.0)
    supply = resupply * (intensity + (1.0 - intensity) * pause_resupply)
    return np.maximum(capability * (1.0 - np.minimum(loss, 1.0)) + supply, floor)


def battle_signal(p, battle_draw, fighting_draw, intensity):
    """(happened, A_won): a battle happens with probability `intensity`; A wins it with p."""
    happened = fighting_draw < intensity
    return happened, battle_draw < p


def learn(belief, signal, happened, rate):
    """Slantchev's convergence: p <- p + lambda (signal - p), on days a battle is seen."""
    return np.where(happened, belief + rate * (signal - belief), belief)


def pause_shift(strength_a, strength_b, supply_a, supply_b, days, decisiveness=1.0):
    """Expected change in side A's chance of prevailing after `days` of ceasefire."""
    now = balance(strength_a, strength_b, decisiveness)
    later = balance(strength_a + days * supply_a, strength_b + days * supply_b, decisiveness)
    return later - now
