"""The 2022 scenario states its sources: every judgement value has a range, and the
uncertainty study draws each judgement value from exactly that range."""

from __future__ import annotations

import re

import yaml
from conftest import CONF, ROOT, make_cfg

from sim.worlds.keys import keys

FILES = {"scenario": CONF / "scenario" / "russia_ukraine_2022.yaml", "mediator": CONF / "mediator" / "default.yaml",
         "war": CONF / "war" / "default.yaml"}
RANGE = re.compile(r"judgement \[([-\d.e]+), ([-\d.e]+)\]")


def judgement_ranges() -> dict[str, tuple[float, float]]:
    """config path -> (low, high) from the comments `# judgement [low, high]` of the YAML files."""
    found = {}
    for group, path in FILES.items():
        stack: list[tuple[int, str]] = []
        for line in path.read_text().splitlines():
            m = re.match(r"^(\s*)([\w.-]+):(.*)$", line)
            if not m or line.lstrip().startswith("#"):
                continue
            indent, key, rest = len(m.group(1)), m.group(2), m.group(3)
            stack = [(i, k) for i, k in stack if i < indent] + [(indent, key)]
            value = rest.split("#")[0].strip()
            flow = re.match(r"\{(.*)\}", value)  # delegation: {max_salience: 0.12, packages: false}
            r = RANGE.search(rest)
            if r:
                inner = re.match(r"(\w+):", flow.group(1)).group(1) if flow else None
                parts = [group, *(k for _, k in stack), *([inner] if inner else [])]
                found[".".join(parts)] = (float(r.group(1)), float(r.group(2)))
    return found


def test_every_number_marked_judgement_has_a_range():
    for path in FILES.values():
        for line in path.read_text().splitlines():
            if "judgement" in line and not line.lstrip().startswith("#") and re.search(r":\s*[-\d.]", line):
                assert RANGE.search(line), f"{path.name}: {line.strip()}"


def test_uncertainty_study_draws_every_judgement_value_from_its_range():
    ranges = judgement_ranges()
    assert len(ranges) >= 30
    study = yaml.safe_load((ROOT / "experiments" / "uncertainty_2022.yaml").read_text())
    axes = study["design"]["axes"]
    per_world = keys(make_cfg())
    for path, (low, high) in ranges.items():
        assert path in per_world, path  # every judgement value can differ between worlds
        assert path in axes, f"{path} is a judgement but uncertainty_2022 does not draw it"
        assert (axes[path]["low"], axes[path]["high"]) == (low, high), path
        default = per_world[path].value
        assert low <= default <= high, f"{path}: the scenario's value {default} is outside its range"
    assert set(axes) == set(ranges)
