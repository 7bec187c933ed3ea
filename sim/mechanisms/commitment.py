"""Shifting power: war values from the balance a party expects, and deals that will not hold.

Two parts of the commitment problem [Fearon1995; Powell2006] (`scenario.mechanisms.power_shift`):

(a) Forward-looking war value. A party prices war by the mean balance it expects over its
    horizon H, projected from every belligerent's capability, attrition and resupply at
    full fighting without noise, with its own belief error carried as an offset:
        pbar_i(s) = (1/H) * integral_s^{s+H} p(t + u) du + (p_i - p(t)),
    with c(u) = c (1 - a)^u + r (1 - (1 - a)^u) / a  (c + r u when a = 0). Its war value
    now uses pbar_i(0).
(b) Deals are not self-enforcing while power shifts. The other side j is expected to break
    a deal from the first day s* (checked every H/8 days over the horizon) on which its
    war value then, V_j(s*) from pbar_j(s*), exceeds what the deal gives it, U_j(deal).
    Party i values the deal as the deal for the share f = s*/H of its horizon and as war
    from day s* after it:
        D_i = f U_i(deal) + (1 - f) V_i(s*),   f = 1 if j never wants to break it
    (`party.Weighing` applies it: an item is accepted where D_i reaches the party's
    aspiration and war value).
    A deal that holds must give the rising side at least its war value at the end of the
    horizon, and the declining side at least its war value now: when the expected shift of
    the balance over the horizon exceeds both costs of war, pbar(0) - pbar(H) > c_A + c_B,
    no division is self-enforcing for both, and they fight (Powell's condition).

The means come from one projected path per world on 33 days over [0, 2H] (Simpson's rule
on steps of H/16, exact to O(step^4): within 1e-5 of the integral for the paths tested).
"""

from __future__ import annotations

import numpy as np

from sim.rules.war import balance

CHECKS = 8  # days s = H/8, 2H/8, ..., H on which a deal's hold is checked
STEPS = 4 * CHECKS  # steps of H/16 over [0, 2H]: each window [s, s + H] spans 16 of them


def path_step(horizon) -> np.ndarray:
    """(W,) H/16: the step between the days of the projected path."""
    return np.asarray(horizon, dtype=float) / (STEPS / 2)


def path_days(horizon) -> np.ndarray:
    """(W, STEPS + 1) the days 0, H/16, ..., 2H of the projected path."""
    return path_step(horizon)[:, None] * np.arange(STEPS + 1)


def balance_path(capability, attrition, resupply, side, decisiveness, horizon):
    """(W, STEPS + 1) side A's chance of prevailing on the days of `path_days(horizon)`; the
    belligerents are the rows of the (m, W) arrays, `side` (m,) says whose side each is on.

    A capability moves toward its steady state r / a as c(s) = r/a + (c - r/a) (1 - a)^s
    (c + r s when a = 0); on this even grid (1 - a)^s is a running product of one factor
    per step, so there is no power per day. Computed days first, so that the running
    product runs over whole rows of worlds (the result is a transposed view), and in place:
    a fresh (STEPS + 1, W) array costs more than the arithmetic on it (for W = 20,000 it is
    over the 4 MB at which numpy asks for huge pages, so each one is mapped and zeroed anew)."""
    step = path_step(horizon)
    strength = [None, None]  # each side has a belligerent (sim/schema/config.py checks it)
    for c, a, r, s in zip(capability, attrition, resupply, side):
        c, a, r = (np.asarray(x, dtype=float) for x in (c, np.minimum(a, 1.0), r))
        path = np.empty((STEPS + 1, len(step)))  # first (1 - a)^s, then the capability
        path[0] = 1.0
        factor = (1.0 - a) ** step  # (1 - a)^(H/16): one step
        for j in range(1, STEPS + 1):  # a running product row by row (np.cumprod is ~10x slower here)
            np.multiply(path[j - 1], factor, out=path[j])
        worn = a > 0
        steady = np.where(worn, r / np.where(worn, a, 1.0), 0.0)
        path *= c - steady
        path += steady
        if not worn.all():  # without attrition a capability grows by r a day
            path += np.where(worn, 0.0, r) * path_days(horizon).T
        strength[s] = path if strength[s] is None else np.add(strength[s], path, out=strength[s])
    g = np.asarray(decisiveness, dtype=float)[None, :]
    return balance(strength[0], strength[1], g, out=strength[1]).T  # into side B's buffer, of this call


def window_means(path: np.ndarray) -> np.ndarray:
    """(W, CHECKS + 1) the mean of the path over [s, s + H] for s = 0, H/8, ..., H, from the
    path on `path_days` (Simpson's rule on pairs of steps)."""
    path = path.T  # days first: the running sum runs over whole rows of worlds
    pairs = (path[0:-1:2] + 4.0 * path[1::2] + path[2::2]) / 3.0  # integral over 2 steps, in steps
    cumulative = np.zeros((len(pairs) + 1, path.shape[1]))
    for j, pair in enumerate(pairs):  # a running sum row by row (np.cumsum is slower here)
        np.add(cumulative[j], pair, out=cumulative[j + 1])
    # a window of H is 2 CHECKS steps, CHECKS pairs; window s = jH/CHECKS starts at pair j
    return ((cumulative[CHECKS:] - cumulative[: CHECKS + 1]) / (2 * CHECKS)).T


def renege_share(v_other, u_other_deal):
    """(f, index): the share of the horizon before the other side first prefers war to the
    deal (1 if never), and the check day it does (its index in the window means)."""
    checks = v_other[:, 1:]  # the check days H/8 .. H
    breaks = checks > u_other_deal[:, None]
    first = np.where(breaks.any(axis=-1), breaks.argmax(axis=-1) + 1, CHECKS)
    return np.where(breaks.any(axis=-1), first / CHECKS, 1.0), first
