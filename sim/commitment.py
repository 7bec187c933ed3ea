"""Shifting power: war values from the balance a party expects, and deals that will not hold.

Two parts of the commitment problem [Fearon1995; Powell2006] (`scenario.mechanisms.power_shift`):

(a) Forward-looking war value. A party prices war by the mean balance it expects over its
    horizon H, projected from every belligerent's capability, attrition and resupply at
    full fighting without noise, with its own belief error carried as an offset:
        pbar_i = (1/H) * integral_0^H p(t + s) ds + (p_i - p(t)),
    with c(s) = c (1 - a)^s + r (1 - (1 - a)^s) / a  (c + r s when a = 0).
(b) Deals are not self-enforcing while power shifts. The other side j is expected to break
    a deal from the first projected day s* on which its war value at that day's balance
    exceeds what the deal gives it, U_j(deal). Party i then values the deal as the deal for
    the share f = s*/H of its horizon and as war at the balance of day s* after it:
        D_i = f U_i(deal) + (1 - f) V_i(s*),   f = 1 if j never wants to break it.
    When the expected shift exceeds what the costs of war can cover, no division is
    self-enforcing for both, and they fight (Powell's condition).
"""

from __future__ import annotations

import numpy as np

from sim.war import balance

NODES, WEIGHTS = np.polynomial.legendre.leggauss(16)  # the mean over the horizon, by quadrature
CHECKS = 32  # days on which the other side's incentive to break a deal is checked


def project_capability(c0, attrition, resupply, days):
    """Capability after `days` of full war with no noise: c (1-a)^s + r (1 - (1-a)^s) / a.

    `c0`, `attrition`, `resupply` are (W,); `days` is (W, S): one row of days per world."""
    c0, a, r = (np.asarray(x, dtype=float)[:, None] for x in (c0, attrition, resupply))
    keep = (1.0 - a) ** days
    grown = np.where(a > 0, r * (1.0 - keep) / np.where(a > 0, a, 1.0), r * days)
    return c0 * keep + grown


def balance_path(capability, attrition, resupply, side, decisiveness, days):
    """(W, S) side A's chance of prevailing after `days` (W, S) more days of full war; the
    belligerents are the rows of the (m, W) arrays, `side` (m,) says whose side each is on."""
    projected = [project_capability(c, a, r, days) for c, a, r in zip(capability, attrition, resupply)]
    strength_a = sum(p for p, s in zip(projected, side) if s == 0)
    strength_b = sum(p for p, s in zip(projected, side) if s == 1)
    return balance(strength_a, strength_b, np.asarray(decisiveness, dtype=float)[:, None])


def mean_balance(capability, attrition, resupply, side, decisiveness, horizon):
    """(W,) side A's mean chance over the next `horizon` days (Gauss-Legendre, 16 nodes)."""
    h = np.maximum(np.asarray(horizon, dtype=float), 1e-9)[:, None]
    days = h * (NODES + 1.0) / 2.0
    path = balance_path(capability, attrition, resupply, side, decisiveness, days)
    return (path * WEIGHTS).sum(axis=-1) / 2.0


def check_days(horizon):
    """(W, CHECKS) the days s = H/32, 2H/32, ..., H on which a deal's hold is checked."""
    return np.asarray(horizon, dtype=float)[:, None] * np.arange(1, CHECKS + 1) / CHECKS


def renege_share(v_other, u_other_deal):
    """(W,) f: the share of the horizon before the other side first prefers war to the deal.

    `v_other` is (W, CHECKS), its war value on the check days; 1 if it never prefers war."""
    breaks = v_other > u_other_deal[:, None]
    first = np.where(breaks.any(axis=-1), breaks.argmax(axis=-1), CHECKS)
    return first / CHECKS, np.minimum(first, CHECKS - 1)


def deal_value(u_deal, share, v_at_break):
    """D = f U(deal) + (1 - f) V(s*): the deal while it holds, war at the shifted balance after."""
    return share * u_deal + (1.0 - share) * v_at_break
