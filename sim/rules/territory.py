"""Territory: the area each side holds, moved by the fighting and by withdrawal terms.

Pure functions of arrays with the world axis first. The state is side A's area `a`
(side B holds `T - a` of the total `T`); `a0` is side A's area on day 0 (its line then).

A day of fighting at intensity I moves area toward the side the balance favours:

    advantage  = 2P - 1                       net share of the day's battles side A is expected to win
    depth      = advance of the favoured side since its advance began, >= 0
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
The depth is counted from the anchor, the line where the favoured side's current advance
began (`next_anchor`): on day 0 both sides' day-0 line; when the front turns, the line where
it turned. A counter-offensive thus starts at full pace and culminates as it goes, like the
advance it answers; with the anchor left at the day-0 line (the default of `flow`), a side
behind its line retakes ground at the full pace until it is back there.

Where neither side can advance, the front stops [Biddle2004: against a defence in depth an
attack gains ground only with a large superiority]. The edge that moves the front is what
the advantage exceeds a threshold by, rescaled to [0, 1]:

    edge = sign(2P - 1) max(|2P - 1| - t, 0) / (1 - t)

with `t = s = war.territory.stalemate` while the advancing side retakes ground it held on
day 0, and `t = max(s, h_X)` beyond side X's day-0 line, in its pre-war holdings
(`h_X = scenario.territory.hold.X`: where a side has long fortified its lines, it loses them
only while the other's advantage stays above h_X day after day). A day that exceeds only `s`
stops at the line. With s = h = 0 the pace is the one above. How the attacker's own losses
grow with its depth is `exposure`.
"""

from __future__ import annotations

import numpy as np


def advantage(balance):
    """2P - 1: the net share of battles side A is expected to win (P = its chance to prevail)."""
    return 2.0 * np.asarray(balance) - 1.0


def depth(area_a, anchor, a_gains):
    """(W,) how far the side that gains has advanced since the anchor line (0 if behind it)."""
    taken = np.where(a_gains, area_a - anchor, anchor - area_a)
    return np.maximum(taken, 0.0)


def next_anchor(anchor, area_before, moved):
    """The line where the current advance began: it moves to the day's starting line when the
    front moves against the direction it had taken from the anchor (a counter-offensive
    begins); it stays while the advance goes on or the front stands."""
    turned = ((moved > 0) & (area_before < anchor)) | ((moved < 0) & (area_before > anchor))
    return np.where(turned, area_before, anchor)


def excess(edge, threshold):
    """max(|edge| - t, 0) / (1 - t): the part of an advantage above a threshold, on [0, 1]."""
    return np.maximum(np.abs(edge) - threshold, 0.0) / (1.0 - threshold)


def flow(area_a, start_a, total, balance, intensity, speed, reach, stalemate=0.0, hold_a=0.0, hold_b=0.0, anchor=None):
    """(W,) the area that moves to side A in one day (negative: to side B): at the pace above
    the stalemate threshold while the advancing side retakes its own day-0 ground, above
    max(stalemate, hold of the other side) in the other side's day-0 holdings (the day stops
    at the line when only the first is exceeded), slowed by the depth of the advance since
    `anchor` (default: the day-0 line)."""
    edge = advantage(balance)
    a_gains = edge >= 0
    deep = depth(area_a, start_a if anchor is None else anchor, a_gains)
    to_line = np.where(a_gains, start_a - area_a, area_a - start_a)  # own day-0 ground still to retake, > 0
    retaking = to_line > 0
    beyond = excess(edge, np.maximum(stalemate, np.where(a_gains, hold_b, hold_a)))
    pace = speed * total * intensity * np.where(retaking, excess(edge, stalemate), beyond) / (1.0 + deep / (reach * total))
    pace = np.where(retaking & (beyond == 0), np.minimum(pace, to_line), pace)
    return np.where(a_gains, np.minimum(pace, total - area_a), -np.minimum(pace, area_a))


def exposure(area_a, start_a, total, reach, weight):
    """(2, W) the attrition factor of side A and side B: 1 + weight x depth / (r T) for the side
    beyond the other's day-0 line, 1 for the other: supply lines and exposed flanks make an
    advance dearer the deeper it goes [Clausewitz1832, the culminating point of the attack]."""
    a_deep = np.maximum(area_a - start_a, 0.0) / (reach * total)
    b_deep = np.maximum(start_a - area_a, 0.0) / (reach * total)
    return np.stack([1.0 + weight * a_deep, 1.0 + weight * b_deep])


def withdraw(area_a, start_a, terms):
    """Side A's area after the share `terms` of the area taken since day 0 is given back."""
    return start_a + (1.0 - terms) * (area_a - start_a)


def project(area_a, start_a, total, balance, days, speed, reach, stalemate=0.0, hold_a=0.0, hold_b=0.0, anchor=None):
    """Side A's area after `days` (W,) days of full war at a constant balance: the daily
    rule applied ceil(days) times (a world stops at its own horizon), its anchor moving as
    the model's does."""
    area = np.array(area_a, dtype=float, copy=True)
    line = np.broadcast_to(start_a if anchor is None else anchor, area.shape).astype(float)
    days = np.asarray(days, dtype=float)
    for day in range(int(np.ceil(days.max(initial=0.0)))):
        step = np.where(day < days, flow(area, start_a, total, balance, 1.0, speed, reach, stalemate, hold_a, hold_b, line), 0.0)
        line = next_anchor(line, area, step)
        area = area + step
    return area


def expected_gain(area_a, start_a, total, balance_own, side, days, speed, reach, stalemate=0.0, hold_a=0.0, hold_b=0.0,
                  anchor=None):
    """(W,) the share of the total area a party expects its side to gain (lose, < 0) over
    `days` of full war, if the side's chance to prevail stays at `balance_own`."""
    p_a = balance_own if side == 0 else 1.0 - np.asarray(balance_own)
    later = project(area_a, start_a, total, p_a, days, speed, reach, stalemate, hold_a, hold_b, anchor)
    gained_by_a = (later - area_a) / total
    return gained_by_a if side == 0 else -gained_by_a
