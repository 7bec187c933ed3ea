"""The architecture held by the imports (docs/architecture.md): every import of every module
of `sim/`, at the top or inside a function, goes down the layers or stays in its own;
none closes a circle; no private name crosses a module; the schema knows no feature."""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, make_cfg

from sim import ConfigError
from sim.schema import checks
from sim.schema.config import to_config

SIM = ROOT / "sim"
LAYERS = ("schema", "rules", "mechanisms", "worlds", "agents", "runs", "analysis", "figures", "commands")
ENTRY = {"sim", "sim.__main__", "sim.bench"}  # the package's face: it may import any layer


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def imported(name: str) -> list[tuple[str, int, list[str]]]:
    """(module, line, names) for every import of a sim module in `name`, wherever it stands;
    `from sim.figures import talks` counts as an import of sim.figures.talks."""
    tree = ast.parse(MODULES[name].read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno, []) for a in node.names if a.name.split(".")[0] == "sim"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sim":
            assert node.level == 0, f"{name}:{node.lineno}: a relative import; write the full path"
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.append((sub, node.lineno, []) if sub in MODULES else (node.module, node.lineno, [a.name]))
    return out


def layer(name: str) -> int:
    if name in ENTRY:
        return len(LAYERS)
    return LAYERS.index(name.split(".")[1])


def test_every_module_lives_in_a_layer():
    """A new module goes into one of the layers' folders (or is the package's entry point)."""
    loose = [n for n in MODULES if n not in ENTRY and (n.count(".") < 1 or n.split(".")[1] not in LAYERS)]
    assert not loose, f"modules outside the layers {LAYERS}: {loose}"
    assert set(LAYERS) <= {n.split(".")[1] for n in MODULES if n.count(".") == 1}, "a layer without its package"


def test_imports_only_go_down_the_layers():
    upward = [f"{name}:{line} imports {target} (layer {LAYERS[layer(target)]} above {LAYERS[layer(name)]})"
              for name in MODULES for target, line, _ in imported(name)
              if name not in ENTRY and target in MODULES and layer(target) > layer(name)]
    assert not upward, "\n".join(upward)


def test_every_import_names_a_module_that_exists():
    """A path that names no module would let the layer test pass on a typo."""
    missing = [f"{name}:{line} {target}" for name in MODULES for target, line, _ in imported(name) if target not in MODULES]
    assert not missing, missing


def test_no_module_imports_itself_back():
    graph = {name: {t for t, _, _ in imported(name) if t in MODULES and t != name and layer(name) == layer(t)}
             for name in MODULES}
    # a circle stays within one layer, since the others only go down: look for one there
    state: dict[str, int] = {}
    path: list[str] = []
    circles = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for name in MODULES:
        if name not in state:
            visit(name)
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in circles)


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_private_name_crosses_a_module():
    """`from sim.x import _y` and `sim_module._y` outside sim.x: a helper another module needs is public."""
    found = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        aliases = {}  # local name -> the sim module it is bound to
        for target, line, names in imported(name):
            found += [f"{name}:{line} imports {target}.{n}" for n in names if private(n)]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                aliases |= {(a.asname or a.name): a.name for a in node.names if a.name in MODULES}
            elif isinstance(node, ast.ImportFrom) and node.module:
                aliases |= {(a.asname or a.name): f"{node.module}.{a.name}" for a in node.names
                            if f"{node.module}.{a.name}" in MODULES}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and private(node.attr) and aliases[node.value.id] != name):
                found.append(f"{name}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    assert not found, "\n".join(found)


def test_the_schema_modules_name_no_feature():
    """The schema's checks are gathered, not imported: checks.py and config.py import only the schema."""
    for mod in ("sim.schema.config", "sim.schema.checks"):
        assert all(t.startswith("sim.schema.") for t, _, _ in imported(mod)), imported(mod)


def test_each_feature_registers_the_checks_of_its_own_section():
    """Importing negsim (as every command does) registers each feature's checks, and only
    under the sections of the schema they check."""
    code = "import json, sim; from sim.schema.checks import registered; print(json.dumps(registered()))"
    got = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                    cwd=ROOT).stdout)
    owners = {section: {f.rsplit(".", 1)[0] for f in fns} for section, fns in got.items()}
    assert owners == {
        "scenario.parties": {"sim.worlds.keys"}, "scenario.events": {"sim.worlds.events"},
        "scenario.observed": {"sim.analysis.observed"}, "mediator": {"sim.worlds.keys"},
        "design": {"sim.worlds.design"}, "analysis": {"sim.analysis.sensitivity"},
        "compare": {"sim.analysis.compare"}, "calibrate": {"sim.analysis.calibrate"},
        "posterior": {"sim.worlds.posterior"},
    }
    assert list(got) == [s for s in checks.sections() if s in got], "validate runs them in the schema's order"


def test_a_new_feature_adds_its_check_without_editing_the_schema(monkeypatch):
    monkeypatch.setattr(checks, "_CHECKS", {k: list(v) for k, v in checks._CHECKS.items()})
    cfg = to_config(make_cfg("replications=2"))
    checks.validate(cfg)

    @checks.check("war")
    def refuse_any_war(c):
        checks.fail("war.noise", c.war.noise, "allowed: nothing (a test's feature)")

    with pytest.raises(ConfigError, match=r"^war\.noise=.* is not allowed; allowed: nothing"):
        checks.validate(cfg)


def test_a_check_of_a_section_the_schema_lacks_is_refused_at_import():
    with pytest.raises(ValueError, match="'wars' is not a section of the config schema; allowed: .*scenario"):
        checks.check("wars")


@pytest.mark.parametrize("doc", ["README.md", "docs/architecture.md"])
def test_the_layout_docs_name_every_module_in_its_layer(doc):
    """README's Layout and docs/architecture.md list each layer's modules: a moved or new module
    shows up there."""
    text = (ROOT / doc).read_text()
    if doc == "README.md":
        text = text[text.index("## Layout"):]
    lines = {name: next((ln for ln in text.splitlines() if re.search(rf"^\s+{name}/|^\| \d \| `sim/{name}/`", ln)), "")
             for name in LAYERS}
    missing = [n for n in MODULES if n not in ENTRY and n.count(".") == 2
               and not re.search(rf"\b{n.split('.')[2]}\b", lines[n.split(".")[1]])]
    assert not missing, f"{doc} does not list: {missing}"


def test_every_dotted_name_of_negsim_in_code_docs_and_configs_exists():
    """`sim.worlds.params.PartyParams` in a docstring, a doc or a config comment names a module
    and an attribute that exist: a move leaves no stale pointer. (mutmut's mangled names in
    docs/mutation.md and tests/mutation_probe.py are not negsim's.)"""
    skip = {"docs/mutation.md", "tests/mutation_probe.py", "tests/test_layers.py"}
    files = [p for d in ("sim", "tests", "docs", "conf", "experiments") for p in (ROOT / d).rglob("*")
             if p.suffix in (".py", ".md", ".yaml") and str(p.relative_to(ROOT)) not in skip]
    stale = []
    for path in [*files, ROOT / "README.md"]:
        text = path.read_text()
        for m in re.finditer(r"\bsim(?:\.[A-Za-z_]\w*)+", text):
            parts = m.group(0).split(".")
            n = max(i for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in MODULES)
            obj = None if ".".join(parts[:n]) in ENTRY - {"sim"} else importlib.import_module(".".join(parts[:n]))
            for attr in parts[n:]:
                if obj is None or attr in ("py", "md"):
                    break
                if not hasattr(obj, attr):
                    stale.append(f"{path.relative_to(ROOT)}:{text[:m.start()].count(chr(10)) + 1}: {m.group(0)}")
                    break
                obj = getattr(obj, attr)
    assert not stale, "\n".join(stale)
