"""R = 10,000 worlds/s (median, min-max of nine runs) of the `sim` this interpreter imports.

Run it alternately from two venvs (main and a worktree with compiled_rules.patch applied)
to compare them under the same load; see README, Performance, "Compiled rules".
"""

import os
import statistics

import sim
from sim.commands.bench import rates

r = rates(10_000, 9)
print(os.path.dirname(sim.__file__), f"{statistics.median(r):.0f} ({min(r):.0f}-{max(r):.0f})")
