"""negsim-view (sim/commands/view.py, sim/runs/digest.py, sim/commands/controls.py).

- the view's numbers are the run's: each figure's data equals what the tables of the same
  config give (share at war by day, agreed by day, balance, territory, positions);
- the rules it adds hold to their formulas: quantiles as numpy's, agreement by day as a
  count, the paired interval per day as `paired`'s;
- the controls come from the schema and the scenario: their ranges are the schema's, every
  key is one the command line takes, and the quick way of applying a change gives the
  config Hydra's compose gives;
- a session pairs each change with the starting config on the same worlds, shows the
  command line's own line for a bad value and keeps the last good result, publishes only
  the newest change's result, and saves a config that `negsim --config-dir` runs to the
  numbers shown;
- the command refuses bad overrides in one line with exit code 2.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, negsim
from omegaconf import OmegaConf

from sim import compose, simulate
from sim.analysis.compare import paired, paired_by_day
from sim.commands import controls as controls_module
from sim.commands.controls import controls
from sim.commands.view import Session, serve
from sim.runs.digest import agreed_by_day, digest, spread
from sim.runs.ensemble import run_block
from sim.schema import config as schema
from sim.schema.checks import validate
from sim.schema.config import to_config

W = 300


@pytest.fixture(scope="module")
def run():
    """One config's tables (as `negsim` writes them) and the view's digest of the same worlds."""
    config = validate(to_config(compose([f"replications={W}"])))
    result = simulate(config)
    return result, digest(run_block(config, np.zeros(W, dtype=int), np.arange(W))), config


def test_share_at_war_and_agreement_by_day_are_the_tables(run):
    result, d, config = run
    f = d["figures"]
    at_war = (result.timeline["intensity"] > 0).groupby(result.timeline["day"]).mean()
    np.testing.assert_array_equal(f["at_war"]["share"], at_war.to_numpy())
    for issue, curve in f["agreed_by_day"].items():
        rows = result.outcomes[result.outcomes["issue"] == issue]
        days = rows.loc[rows["agreed"], "day"].astype(int).to_numpy()
        expected = [(days <= t).sum() / W for t in range(config.scenario.days + 1)]
        np.testing.assert_allclose(curve["share"], expected, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(d["worlds"]["at_war_end"], result.worlds["at_war_end"].to_numpy())
    for issue in f["agreed_by_day"]:
        np.testing.assert_array_equal(d["worlds"][f"day_{issue}"], result.worlds[f"day_{issue}"].to_numpy())


def test_balance_territory_and_positions_are_the_tables(run):
    result, d, config = run
    f, t = d["figures"], result.timeline
    by_day = t.groupby("day")
    np.testing.assert_allclose(f["balance"]["median"], by_day["balance"].median().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(f["balance"]["low"], by_day["balance"].quantile(0.25).to_numpy(), rtol=1e-12)
    share = (t["area_A"] / (t["area_A"] + t["area_B"])).groupby(t["day"])
    np.testing.assert_allclose(f["territory"]["high"], share.quantile(0.95).to_numpy(), rtol=1e-9)
    belief_b = (1 - t["belief_ukraine"]).groupby(t["day"]).median()  # side B's belief, as side A's chance
    np.testing.assert_allclose(f["beliefs"]["ukraine"]["median"], belief_b.to_numpy(), rtol=1e-12)
    rounds = result.rounds
    for issue in ("ceasefire", "neutrality"):
        for party in ("russia", "ukraine"):
            rows = rounds[(rounds["issue"] == issue) & (rounds["party"] == party)]
            medians = rows.groupby("day")["position"].median()
            shown = dict(zip(f["positions"][issue]["days"], f["positions"][issue][party]["median"]))
            assert {day: shown[day] for day in medians.index} == pytest.approx(medians.to_dict(), rel=1e-12)


def test_spread_is_numpys_quantile_with_missing_values_left_out():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 25))
    x[rng.random(x.shape) < 0.3] = np.nan
    x[5] = np.nan  # a round no world held
    x[7, 1:] = np.nan  # one world only
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanquantile(x, (0.05, 0.25, 0.5, 0.75, 0.95), axis=1)
    np.testing.assert_allclose(spread(x, (0.05, 0.25, 0.5, 0.75, 0.95)), expected, rtol=1e-12, equal_nan=True)


def test_agreed_by_day_counts_the_worlds_that_agreed_by_then():
    first = np.array([[3, -1], [0, 5], [3, 2], [-1, -1]])
    agreed = first >= 0
    out = agreed_by_day(first, agreed, 6)
    assert out[:, 0].tolist() == [0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75]
    assert out[:, 1].tolist() == [0, 0, 0.25, 0.25, 0.25, 0.5, 0.5]


def test_paired_by_day_is_paired_on_each_day():
    rng = np.random.default_rng(5)
    a, b = rng.random((6, 50)) < 0.5, rng.random((6, 50)) < 0.6
    by_day = paired_by_day(a, b)
    for t in range(6):
        one = paired(a[t].astype(float), b[t].astype(float))
        for key in ("difference", "ci_low", "ci_high"):
            assert by_day[key][t] == pytest.approx(one[key], rel=1e-12)


# -- controls -----------------------------------------------------------------------------------


SCENARIOS = ("russia_ukraine_2022", "korea_1951", "symmetric_dyad")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_controls_come_from_the_schema_and_the_scenario(scenario):
    cfg = compose([f"scenario={scenario}"])
    groups = controls(cfg)
    titles = [g["title"] for g in groups]
    for party in cfg.scenario.parties:  # a group per party, an on/off and a day per event
        assert any(t.startswith(f"{party} (side ") for t in titles)
    keys = {c["key"]: c for g in groups for c in g["controls"]}
    for event in cfg.scenario.events:
        assert {f"scenario.events.{event}.enabled", f"scenario.events.{event}.day"} <= set(keys)
    for key, c in keys.items():
        present = OmegaConf.select(cfg, key, default="?") != "?"
        assert present != c["new"], key  # a key the config lacks is added with +key=value
        if c["kind"] in ("number", "integer"):
            rng = _schema_range(key)
            assert c["allowed"] == rng.describe(), key
            assert c["min"] in rng and c["max"] in rng and c["min"] < c["max"], key


def _schema_range(key: str) -> schema.Range:
    """The range sim/schema/config.py gives a control's key (a dict entry: its dict's field)."""
    parts = key.split(".")
    if key == "replications":
        return controls_module.WORLDS  # the view's own cap: one block
    if parts[0] == "mediator" and len(parts) == 2:
        return schema.field_range(schema.MediatorConfig, parts[1])
    if "formats" in parts:
        return schema.field_range(schema.FormatConfig, parts[-1])
    if parts[1] == "events":
        return schema.field_range(schema.EventConfig, parts[-1])
    if parts[3] == "tactic":
        return schema.field_range(schema.TacticConfig, parts[-1])
    return schema.field_range(schema.PartyConfig, parts[3])  # opening.<issue>, red_lines.<issue>, optimism, ...


def test_controls_name_no_party_issue_or_event():
    text = (ROOT / "sim/commands/controls.py").read_text() + (ROOT / "sim/commands/assets/view.js").read_text()
    names = set()
    for scenario in SCENARIOS:
        cfg = compose([f"scenario={scenario}"])
        names |= {*cfg.scenario.parties, *cfg.scenario.issues, *cfg.scenario.events}
    names = {n for n in names if len(n) > 2}  # symmetric_dyad's parties "a" and "b" are words of the code too
    assert names and not [n for n in names if re.search(rf"\b{n}\b", text)]


def test_a_change_applied_the_quick_way_is_the_config_compose_gives():
    """Every control of the 2022 scenario moved at once: the view's quick apply and Hydra's compose agree."""
    session = Session(["replications=50"])
    session.state(1, timeout=120)  # its first run done: nothing else composes while this test does
    change = {}
    for g in controls(session.base):
        for c in g["controls"]:
            if c["kind"] == "bool":
                change[c["key"]] = "false" if c["value"] == "true" else "true"
            elif c["kind"] == "choice":
                change[c["key"]] = next(v for v in c["choices"] if v != c["value"])
            elif c["key"] != "replications":
                change[c["key"]] = str(c["min"] + (c["max"] - c["min"]) * 0.37 if c["kind"] == "number"
                                       else int(c["min"] + (c["max"] - c["min"]) // 3))
    change["scenario.mechanisms.red_lines.enabled"] = "false"  # red lines at 0.37 would leave no possible terms
    quick = session._applied(change)
    assert quick is not None
    quick = quick[0]
    full = compose([*session.overrides(change), "record.rounds=true", "record.timeline=true"])
    assert OmegaConf.to_container(quick) == OmegaConf.to_container(full)


# -- a session ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    s = Session([f"replications={W}"], out=tmp_path_factory.mktemp("views"))
    assert s.state(1, timeout=120)["done"] == 1
    return s


def ask(session: Session, change: dict) -> dict:
    job = session.submit(change)
    state = session.state(job, timeout=120)
    assert state["done"] >= job
    return state


def test_the_start_differs_from_itself_by_nothing(session):
    result = session.state(1)["result"]
    assert result["id"] == 1 and result["change"] == {}
    for row in result["difference"]["effects"]:
        assert row["difference"] == 0 and row["n"] > 0
    assert set(result["difference"]["at_war"]["difference"]) == {0.0}


def test_a_change_is_paired_with_the_start_on_the_same_worlds(session):
    state = ask(session, {"mediator.bias": "0.4"})
    result = state["result"]
    assert result["change"] == {"mediator.bias": "0.4"} and state["error"] is None
    base = simulate(compose([f"replications={W}"])).worlds
    moved = simulate(compose([f"replications={W}", "mediator.bias=0.4"])).worlds
    row = next(r for r in result["difference"]["effects"] if r["outcome"] == "at_war_end")
    expected = paired(base["at_war_end"].to_numpy(float), moved["at_war_end"].to_numpy(float))
    for key in ("baseline", "value", "difference", "ci_low", "ci_high"):
        assert row[key] == pytest.approx(expected[key], abs=1e-12)
    assert row["n"] == W


def test_a_bad_value_shows_the_command_lines_line_and_keeps_the_last_good_result(session):
    good = ask(session, {"mediator.bias": "0.2"})["result"]
    state = ask(session, {"mediator.bias": "2"})
    cli = negsim("mediator.bias=2", "replications=1", "plots=false")
    assert cli.returncode == 2
    assert state["error"]["message"] == cli.stderr.strip()
    assert "result" not in session.state(have=good["id"])  # nothing newer than the last good one
    assert session.state()["result"]["id"] == good["id"]


def test_only_the_newest_change_is_published(session):
    first = session.submit({"mediator.bias": "0.1"})
    second = session.submit({"mediator.bias": "-0.1"})
    third = session.submit({"mediator.bias": "-0.3"})
    state = session.state(third, timeout=120)
    assert state["result"]["id"] == third and state["result"]["change"] == {"mediator.bias": "-0.3"}
    assert first not in session.shown and second not in session.shown


def test_too_many_worlds_is_one_line_and_changes_nothing(session):
    before = session.state()["result"]["id"]
    state = ask(session, {"replications": "50000"})
    assert state["error"]["message"].startswith("negsim: error: replications=50000 is not allowed in the live view")
    assert "[1, 20000]" in state["error"]["message"]
    assert session.state()["result"]["id"] == before


def test_the_saved_scenario_runs_to_the_numbers_shown(session, tmp_path):
    result = ask(session, {"scenario.parties.russia.optimism": "0.05", "scenario.events.western_aid.day": "12"})["result"]
    saved = session.save(result["id"], "saved_view")
    assert saved["command"] == f"negsim --config-dir {saved['folder']} experiment=saved_view"
    out = tmp_path / "run"
    done = negsim("--config-dir", saved["folder"], "experiment=saved_view", f"hydra.run.dir={out}", "plots=false")
    assert done.returncode == 0, done.stderr
    timeline = pd.read_parquet(out / "timeline.parquet")
    at_war = (timeline["intensity"] > 0).groupby(timeline["day"]).mean()
    assert at_war.tolist() == result["figures"]["at_war"]["share"]
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    for issue, curve in result["figures"]["agreed_by_day"].items():
        days = outcomes.loc[(outcomes["issue"] == issue) & outcomes["agreed"], "day"].astype(int).to_numpy()
        assert curve["share"][-1] == pytest.approx(len(days) / W, abs=1e-15)


def test_open_as_a_run_writes_the_folder_with_its_report(session):
    shown = session.state()["result"]["id"]
    opened = session.open_run(shown)
    folder = session.out / opened["report"].removeprefix("/files/").removesuffix("/report.html")
    assert (folder / "report.html").is_file() and (folder / "outcomes.parquet").is_file()
    with pytest.raises(schema.ConfigError, match="not shown in this view"):
        session.open_run(10_000)


def test_the_server_answers_the_page_and_its_api(session):
    server = serve(session, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        page = urllib.request.urlopen(base + "/").read().decode()
        assert '<script src="/assets/view.js">' in page
        assert urllib.request.urlopen(base + "/assets/view.js").status == 200
        state = json.load(urllib.request.urlopen(base + "/api/state"))
        assert state["result"]["figures"]["days"][-1] == 84
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(base + "/files/../../etc/passwd")
        assert err.value.code == 404
        bad = urllib.request.Request(base + "/api/save", data=b'{"id": 99999}', method="POST")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(bad)
        assert err.value.code == 400 and "not shown in this view" in json.load(err.value)["error"]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("args, words", [
    (["mediator.bias=2"], "mediator.bias=2 is not allowed; allowed: a number in [-1, 1]"),
    (["replications=50000"], "allowed: an integer in [1, 20000]"),
    (["experiment=leaders_meeting"], "the live view runs one parameter point"),
    (["--port", "99999"], "argument --port: '99999' is not a port; allowed: an integer in [0, 65535]"),
    (["--config-dir", "/nonexistent"], "is not a folder; allowed: a folder laid out like conf/"),
])
def test_the_command_refuses_bad_overrides_in_one_line(args, words):
    done = negsim(*args, module="sim.commands.view", timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("negsim-view: error: ") and words in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_the_view_starts_with_about_a_seconds_worth_of_worlds_unless_told(tmp_path):
    from sim.commands.view import worlds_for

    assert [worlds_for(d) for d in (84, 731, 300, 10, 5000)] == [10_000, 1_000, 3_000, 10_000, 1_000]
    sized = Session(["scenario.days=300"], out=tmp_path, sized=True)
    assert sized.start == ["replications=3000", "scenario.days=300"] and sized.base.replications == 3000
    told = Session(["replications=77"], out=tmp_path, sized=True)
    assert told.start == ["replications=77"] and told.base.replications == 77
    for s in (sized, told):
        s.state(1, timeout=120)  # their first runs done before the next test composes


def readme_view_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    lines = [line.split("#")[0].split() for line in text.splitlines() if line.startswith(".venv/bin/negsim-view")]
    return [[a for a in line[1:] if a not in ("--port", "0")] for line in lines]


def test_readme_shows_view_commands():
    assert len(readme_view_commands()) >= 3


@pytest.mark.parametrize("args", readme_view_commands())
def test_every_readme_view_command_starts_and_prints_its_address(args, tmp_path):
    import subprocess
    import sys

    server = subprocess.Popen([sys.executable, "-m", "sim.commands.view", *args, "--port", "0", "--out", str(tmp_path)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert re.fullmatch(r"negsim-view: \S+ at http://127\.0\.0\.1:\d+/ \(Ctrl-C to stop\)\n", line), (
            line, server.stderr.read() if server.poll() is not None else "")
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_a_distribution_typed_in_a_field_is_drawn_per_world(session):
    state = ask(session, {"scenario.parties.russia.optimism": "{dist: uniform, low: 0, high: 0.6}"})
    assert state["error"] is None
    shown = {c["key"]: c for g in state["result"]["controls"] for c in g["controls"]}
    optimism = shown["scenario.parties.russia.optimism"]
    assert optimism["value"] == "{dist: uniform, low: 0, high: 0.6}" and not optimism["fixed"]  # no slider for it


def test_a_newer_change_stops_the_run_under_way(tmp_path):
    session = Session(["replications=8000"], out=tmp_path)
    session.state(1, timeout=120)
    session.submit({"mediator.bias": "0.3"})
    while not (session.progress and session.progress["stage"] == "change"):
        threading.Event().wait(0.005)
    running = session.model
    last = session.submit({"mediator.bias": "0.35"})
    state = session.state(last, timeout=120)
    assert running.time < running.days  # it stopped before its horizon
    assert state["result"]["id"] == last and state["result"]["change"] == {"mediator.bias": "0.35"}
