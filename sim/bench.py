"""`python -m sim.bench`: the benchmark, kept at this short name (sim/commands/bench.py)."""

from sim.commands.bench import main

if __name__ == "__main__":
    main()
