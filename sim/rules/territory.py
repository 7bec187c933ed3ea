"""Territory: the area each side holds, moved by the fighting and by withdrawal terms.

Pure functions of arrays with the world axis first. The state is side A's area `a`
(side B holds `T - a` of the total `T`); `a0` is side A's area on day 0 (its line then).

A day of fighting at intensity I moves area toward the side the balance favours:

    advantage  = 2P - 1                       net share of the day's battles side A is expected to win
    depth      = advance of the favoured side beyond its day-0 line, >= 0
    moved      = v T I |2P - 1| / (1 + depth / (r T))

taken from the other side (never more than it holds). `v = war.territory.speed` is the
share of the total area a side would take in a day of full war if it won every battle, at
the start of its advance; `r = war.territory.reach` is the depth (a share of the total) at
which its pace has halved. The pace falls with the depth of the advance (supply lines
lengthen and the attack spends itself: Clausewitz's culminating point of the attack); the
hyperbolic form is our judgement, chosen because it reproduces the shape of the 2022
series (a fast first day, then a pace falling about as 1/depth) [Liveuamap2022]. The area
moves with the balance, the expected outcome of the day's battles, rather than with the
one binary battle signal of the day: a front does not swing by the full pace each day.
A side pushed behind its day-0 line retakes ground at the full pace until it is back there.

Withdrawal: agreed terms `w` on an issue that `returns_area` give back the share `w` of the
area taken since day 0, by whichever side took it: a <- a0 + (1 - w) (a - a0).
"""

from __future__ import annotations

import numpy as np


def advantage(balance):
    """2P - 1: the net share of battles side A is expected to win (P = its chance to prevail)."""
    return 2.0 * np.asarray(balance) - 1.0


def depth(area_a, start_a, a_gains):
    """(W,) how far the side that gains has advanced beyond its day-0 line (0 if behind it)."""
    taken = np.where(a_gains, area_a - start_a, start_a - area_a)
    return np.maximum(taken, 0.0)


def flow(area_a, start_a, total, balance, intensity, speed, reach):
    """(W,) the area that moves to side A in one day (negative: to side B)."""
    edge = advantage(balance)
    a_gains = edge >= 0
    pace = speed * total * intensity * np.abs(edge) / (1.0 + depth(area_a, start_a, a_gains) / (reach * total))
    return np.where(a_gains, np.minimum(pace, total - area_a), -np.minimum(pace, area_a))


def withdraw(area_a, start_a, terms):
    """Side A's area after the share `terms` of the area taken since day 0 is given back."""
    return start_a + (1.0 - terms) * (area_a - start_a)


def project(area_a, start_a, total, balance, days, speed, reach):
    """Side A's area after `days` (W,) days of full war at a constant balance: the daily
    rule applied ceil(days) times (a world stops at its own horizon)."""
    area = np.array(area_a, dtype=float, copy=True)
    days = np.asarray(days, dtype=float)
    for day in range(int(np.ceil(days.max(initial=0.0)))):
        step = flow(area, start_a, total, balance, 1.0, speed, reach)
        area = np.where(day < days, area + step, area)
    return area


def expected_gain(area_a, start_a, total, balance_own, side, days, speed, reach):
    """(W,) the share of the total area a party expects its side to gain (lose, < 0) over
    `days` of full war, if the side's chance to prevail stays at `balance_own`."""
    p_a = balance_own if side == 0 else 1.0 - np.asarray(balance_own)
    later = project(area_a, start_a, total, p_a, days, speed, reach)
    gained_by_a = (later - area_a) / total
    return gained_by_a if side == 0 else -gained_by_a
