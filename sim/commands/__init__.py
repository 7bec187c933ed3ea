"""Layer 8, the commands: `negsim` (cli), its checks before a run (precheck, budget),
what a run writes (study), sweeps (plan, sweep), `negsim-report` (report, page), and
the benchmark (bench)."""
