"""Mutation-test the mechanism modules against their own tests (docs/mutation.md). Not a test.

mutmut reads one configuration, `[tool.mutmut]` in pyproject.toml, which mutates the six
rule modules and runs all in-process tests. The four mechanism modules are called by nearly
every model test (the 2022 scenario turns the mechanisms on), so they are scored against the
three test files written for them instead, in a working copy whose configuration says so:

    .venv/bin/python tests/mutation_mechanisms.py [FOLDER]

FOLDER (default: negsim-mutation-mechanisms in the system's temp folder) keeps mutmut's
results, so that a second run tests again only the mutants of changed functions. It takes
about 3 minutes from scratch on 2 cores and prints the mutants that survived.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["sim/mechanisms/commitment.py", "sim/mechanisms/audience.py", "sim/mechanisms/red_lines.py", "sim/mechanisms/information.py"]
TESTS = ["tests/test_rules_mechanisms.py", "tests/test_mechanisms.py", "tests/test_commitment.py"]


def toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def main() -> int:
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "negsim-mutation-mechanisms"
    work.mkdir(parents=True, exist_ok=True)
    for name in ("sim", "tests", "conf", "experiments", "docs"):  # a fresh copy; mutmut's mutants/ stays
        shutil.rmtree(work / name, ignore_errors=True)
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
    config = (ROOT / "pyproject.toml").read_text()
    config = re.sub(r"only_mutate = \[[^\]]*\]", f"only_mutate = {toml_list(MODULES)}", config)
    config = re.sub(r"pytest_add_cli_args_test_selection = \[[^\]]*\]",
                    f"pytest_add_cli_args_test_selection = {toml_list(TESTS)}", config)
    (work / "pyproject.toml").write_text(config)
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    print(f"mutation testing {', '.join(MODULES)} in {work}", flush=True)
    subprocess.run([mutmut, "run", "--max-children", "1"], cwd=work, check=True)
    return subprocess.run([mutmut, "results"], cwd=work).returncode


if __name__ == "__main__":
    sys.exit(main())
