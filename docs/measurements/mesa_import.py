"""What Mesa's import would cost with two upstream fixes (issue 22): O(1) frame lookups in
`mesa.mesa_logging`, and package `__init__`s that import their submodules lazily.

`mesa.mesa_logging.create_module_logger()` finds its caller's module with `inspect.stack()`,
and `method_logger(...)` its class with `inspect.getouterframes(inspect.currentframe())`.
Both build the whole stack with source lines, and `inspect.getmodule` scans every loaded
module, at each decorated method while `import mesa` runs. The upstream fix would read
`sys._getframe(1).f_globals["__name__"]` and `sys._getframe(1).f_code.co_name`. This
script times `import mesa` in fresh processes as it is, and with `inspect`'s three
functions replaced by such O(1) lookups during the import (the names the decorators get
are the same; the script checks the loggers' names).

`mesa/__init__.py` imports every space (`discrete_space` with scipy.spatial, `space` with
networkx), the batch runner and the experimental package, and `mesa/experimental/__init__.py`
imports `continuous_space`, which imports `scipy.spatial.distance`, even for a program that
uses only `mesa.Model` and `mesa.Agent`. Lazy package `__init__`s (PEP 562 `__getattr__`)
would leave those to the programs that use them. The script models that by placing the
two packages in `sys.modules` without running their `__init__` and importing
`mesa.model` and `mesa.agent`, which negsim's model uses.

    .venv/bin/python docs/measurements/mesa_import.py [repeats]
"""

from __future__ import annotations

import statistics
import subprocess
import sys

FAST = """
import inspect, sys
def frames(f):
    out = []
    while f is not None:
        out.append(inspect.FrameInfo(f, f.f_code.co_filename, f.f_lineno, f.f_code.co_name, None, None))
        f = f.f_back
    return out
slow = inspect.getmodule
inspect.stack = lambda context=1: frames(sys._getframe(1))
inspect.getouterframes = lambda frame, context=1: frames(frame)
inspect.getmodule = lambda obj, _filename=None: (sys.modules.get(obj.f_globals.get("__name__"))
                                               if inspect.isframe(obj) else slow(obj, _filename))
"""
LAZY = """
import importlib.util, sys, types
for name in ("mesa", "mesa.experimental"):  # the package without its __init__: its submodules on demand
    spec = importlib.util.find_spec(name)
    package = types.ModuleType(name)
    package.__path__, package.__spec__ = list(spec.submodule_search_locations), spec
    sys.modules[name] = package
"""
TIMED = """
import hashlib, logging, sys, time
t = time.perf_counter()
if "mesa" in sys.modules:
    import mesa.agent, mesa.model
else:
    import mesa
took = time.perf_counter() - t
names = sorted(n for n in logging.root.manager.loggerDict if n.startswith("MESA"))
print(took, len(names), hashlib.sha1(" ".join(names).encode()).hexdigest())
"""


def run(prelude: str) -> tuple[float, int, str]:
    out = subprocess.run([sys.executable, "-c", prelude + TIMED], capture_output=True, text=True, check=True).stdout
    took, count, names = out.split()
    return float(took), int(count), names


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    variants = {"import mesa, as it is": "", "import mesa, O(1) frame lookups in logging": FAST,
                "mesa.model + mesa.agent, lazy package __init__s": LAZY, "both fixes": FAST + LAZY}
    times = {name: [] for name in variants}
    for _ in range(repeats):  # interleaved, so that the machine's load falls on all alike
        for name, prelude in variants.items():
            times[name].append(run(prelude))
    a, b = (times[n] for n in list(variants)[:2])
    assert {r[1:] for r in a} == {r[1:] for r in b}, "the loggers' names differ"
    base = statistics.median(r[0] for r in a)
    for name, rows in times.items():
        m = statistics.median(r[0] for r in rows)
        print(f"{name:<50} {m:.2f} s ({min(r[0] for r in rows):.2f}-{max(r[0] for r in rows):.2f})"
              + ("" if rows is a else f", {base - m:.2f} s less ({1 - m / base:.0%})"))
    print(f"median of {repeats}, each in a fresh process; the same MESA loggers with and without the logging fix")


if __name__ == "__main__":
    main()
