"""Every `negsim` command README shows in a code block runs as written (exit 0): each is
run with its sizes made small (replications, points) and its output in a temporary folder,
nothing else changed."""

from __future__ import annotations

import re
import shlex

import pytest
from conftest import ROOT, negsim

SMALL = {"replications": "3", "design.replications": "2", "design.points": "6", "analysis.samples": "2"}


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    lines = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]  # a command continued by \\
    return [line for line in lines if re.match(r"\.venv/bin/negsim(\s|$)", line)]  # not negsim-view, negsim-report


def small(line: str, folder) -> list[str]:
    """The command's arguments with each size key set small (added where absent), plots
    off and its folders under `folder`."""
    args = shlex.split(line, comments=True)[1:]
    out = []
    for arg in args:
        key = arg.split("=", 1)[0]
        out.append(f"{key}={SMALL[key]}" if key in SMALL else arg)
    given = {a.split("=", 1)[0] for a in out}
    out += [f"{k}={v}" for k, v in SMALL.items() if k not in given and k != "analysis.samples"]
    return [*out, "plots=false", f"hydra.run.dir={folder}/run", f"hydra.sweep.dir={folder}/sweep"]


def test_readme_shows_negsim_commands():
    commands = readme_commands()
    assert len(commands) >= 10, commands  # the extraction still finds README's blocks
    assert any("design.axes={" in c for c in commands) and any(c.split()[1:2] == ["-m"] for c in commands)


@pytest.mark.parametrize("line", readme_commands())
def test_every_readme_command_runs(line, tmp_path):
    proc = negsim(*small(line, tmp_path), timeout=300)
    assert proc.returncode == 0, f"{line}\n{proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr


def test_the_compiled_rules_prototype_still_applies():
    """README's measurement of compiled rules applies its patch to HEAD: the patch must not
    rot as the rules change (refresh it from a worktree when it does)."""
    import shutil
    import subprocess

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    patch = ROOT / "docs" / "measurements" / "compiled_rules.patch"
    proc = subprocess.run(["git", "apply", "--check", str(patch)], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_the_mesa_import_measurement_runs():
    """README's model of Mesa's upstream import fixes runs on Mesa as installed, and the
    logging fix leaves the loggers' names as they are (the script checks that)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(ROOT / "docs" / "measurements" / "mesa_import.py"), "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if " s (" in line]
    assert len(rows) == 4 and rows[0].startswith("import mesa, as it is"), proc.stdout
