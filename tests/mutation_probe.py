"""Probe surviving mutants of sim/rules/proposal.py for a difference on random tables.

Not a test (pytest does not collect it): docs/mutation.md judges a surviving mutant
equivalent when reading the code says so and this probe finds no difference. Run from
mutmut's working copy after `mutmut run`:

    cd mutants && PYTHONPATH=. ../.venv/bin/python ../tests/mutation_probe.py sim.rules.proposal.x_nash__mutmut_23 ...

For each mutant, every rule's terms on 160 random families of tables (2 or 3 parties,
1-4 issues, some saliences 0, shared ideals, reservation points from war values between
-0.2 and 1.1, packages of any subset of items, rho 1 or 2) with 300 worlds each, under the
mutant and under the original; prints the largest difference (or the error) per mutant.
"""

from __future__ import annotations

import sys

import numpy as np
from mutmut.mutation.trampoline import set_mutant_under_test

from sim.rules.proposal import RULES, Table
from sim.rules.utility import point_of_utility


def family(seed: int, W: int = 300) -> Table:
    rng = np.random.default_rng(seed)
    n, K = rng.integers(2, 4), rng.integers(1, 5)
    ideal = rng.choice([0.0, 0.2, 0.5, 0.8, 1.0], size=(n, K))
    if rng.random() < 0.5:  # some shared ideals
        shared = rng.random(K) < 0.4
        ideal[1, shared] = ideal[0, shared]
    salience = rng.dirichlet(np.ones(K), size=n) * (rng.random((n, K)) > 0.25)
    salience[0, (salience == 0).all(axis=0)] = 0.1  # every issue weighed by some party, as validation asks
    salience[salience.sum(axis=1) == 0, 0] = 1.0
    salience /= salience.sum(axis=1, keepdims=True)
    rho = np.where(rng.random(n) < 0.7, 1.0, 2.0)
    values = rng.choice([-0.2, 0.0, 0.3, 0.6, 0.9, 1.0, 1.1], size=(n, W)) * (rng.random((n, W)) < 0.5) + \
        rng.uniform(-0.2, 1.1, size=(n, W)) * (rng.random((n, W)) >= 0.5)
    other = [ideal[-1 if i == 0 else 0] for i in range(n)]
    reservation = np.stack([
        point_of_utility(np.tile(ideal[i], (W, 1)), np.tile(other[i], (W, 1)), salience[i], rho[i], values[i]) for i in range(n)
    ])
    together = rng.random((W, K)) < rng.choice([0.0, 0.5, 1.0])
    return Table(positions=rng.random((n, W, K)), concerned=salience > 0, salience=salience,
                 capability=rng.uniform(0.0, 2.0, (n, W)), ideal=ideal, rho=rho, reservation=reservation, together=together)


def difference(mutant: str, families: int = 160) -> str:
    worst = 0.0
    for seed in range(families):
        t = family(seed)
        for rule in RULES.values():
            set_mutant_under_test("")
            with np.errstate(all="ignore"):
                want = rule.propose(t)
            set_mutant_under_test(mutant)
            try:
                with np.errstate(all="ignore"):
                    got = rule.propose(t)
            except Exception as e:  # noqa: BLE001 - an error is a difference
                return f"{type(e).__name__} in family {seed}, {rule.name}"
            finally:
                set_mutant_under_test("")
            gap = np.where(np.isnan(want) & np.isnan(got), 0.0, np.abs(got - want))
            worst = max(worst, float(np.nan_to_num(gap, nan=np.inf).max()))  # NaN against a number: inf
    return f"{worst:.1e}"


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(name, difference(name), flush=True)
