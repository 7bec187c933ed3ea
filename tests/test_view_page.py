"""negsim-view in headless Chromium (Debian's `chromium`; skipped, saying why, where it is absent):
the page loads with no console error and draws every figure; moving a slider with the
keyboard re-runs the worlds and changes a plotted figure; a bad value typed in a field
shows the command line's own line while the last good result stays; "save as a scenario"
writes a config that `negsim --config-dir` runs to the numbers on the page."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pandas as pd
import pytest
from browser import Browser, find_chromium
from conftest import ROOT, negsim

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium not found: install Debian's package with `apt-get install -y chromium`")
WORLDS = 1000
SHOWN = "window.negsimView.shown"
AT_WAR = "document.querySelector('[data-figure=at_war] path[data-series^=now]').getAttribute('d')"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("views")
    server = subprocess.Popen([sys.executable, "-m", "sim.commands.view", "--port", "0", "--out", str(out),
                               f"replications={WORLDS}"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    line = server.stdout.readline()
    address = re.search(r"http://127\.0\.0\.1:\d+/", line)
    assert address, (line, server.poll(), server.stderr.read() if server.poll() is not None else "")
    browser = Browser(CHROMIUM, timeout=120)
    try:
        tab = browser.open(address.group(0))
        browser.wait_for(tab, f"window.negsimView && {SHOWN} >= 1", timeout=120)
        yield browser, tab, out
    finally:
        browser.close()
        server.terminate()
        server.wait(timeout=20)


def press(browser: Browser, tab: str, selector: str, key: str, code: int, times: int) -> None:
    """Focus an element and press a key on it, as a user would."""
    browser.evaluate(tab, f"document.querySelector({json.dumps(selector)}).focus()")
    for _ in range(times):
        for kind in ("keyDown", "keyUp"):
            browser.send("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": key,
                                                     "windowsVirtualKeyCode": code}, session=tab)


def type_into(browser: Browser, tab: str, selector: str, text: str) -> None:
    """Type into a text field and leave it (its change event), as a user would."""
    browser.evaluate(tab, f"{{ const f = document.querySelector({json.dumps(selector)}); f.value = {json.dumps(text)};"
                          " f.dispatchEvent(new Event('change')); }")


def test_the_page_loads_with_every_figure_and_no_console_error(page):
    browser, tab, _ = page
    assert browser.errors(tab) == []
    drawn = browser.evaluate(tab, "[...document.querySelectorAll('[data-figure]')].map(f => f.querySelectorAll('svg').length)")
    assert len(drawn) == 6 and all(n >= 1 for n in drawn)
    groups = browser.evaluate(tab, "[...document.querySelectorAll('#controls summary')].map(s => s.textContent)")
    assert groups[:3] == ["Worlds", "russia (side A, table)", "ukraine (side B, table)"] and "Events" in groups


def test_moving_a_slider_reruns_and_changes_a_figure(page):
    browser, tab, _ = page
    before, shown = browser.evaluate(tab, AT_WAR), browser.evaluate(tab, SHOWN)
    slider = '[data-key="mediator.bias"] input[type=range]'
    browser.evaluate(tab, "document.querySelectorAll('details').forEach(d => d.open = true)")
    press(browser, tab, slider, "ArrowRight", 39, 25)  # steps of 0.02: bias 0 -> 0.5
    browser.wait_for(tab, f"{SHOWN} > {shown} && window.negsimView.result.change['mediator.bias'] === '0.5'", timeout=120)
    assert browser.evaluate(tab, AT_WAR) != before
    assert browser.evaluate(tab, "document.querySelector('[data-key=\"mediator.bias\"] input[type=text]').value") == "0.5"
    effect = browser.evaluate(tab, "document.querySelector('[data-outcome=at_war_end]').textContent")
    assert "pp [" in effect
    assert browser.errors(tab) == []
    if os.environ.get("NEGSIM_SCREENSHOT"):  # README's picture: NEGSIM_SCREENSHOT=docs/view.png pytest tests/test_view_page.py
        browser.evaluate(tab, "document.querySelectorAll('details').forEach(d => d.open ="
                              " /^(Worlds|Mediator)/.test(d.querySelector('summary').textContent));"
                              " document.getElementById('controls').scrollTop = 0")
        browser.screenshot(tab, os.environ["NEGSIM_SCREENSHOT"])


def test_a_bad_value_shows_the_command_lines_error_and_keeps_the_last_result(page):
    browser, tab, _ = page
    shown, figure = browser.evaluate(tab, SHOWN), browser.evaluate(tab, AT_WAR)
    field = '[data-key="scenario.parties.russia.optimism"] input[type=text]'
    type_into(browser, tab, field, "1.5")
    message = browser.wait_for(tab, "!document.getElementById('error').hidden && document.getElementById('error').textContent")
    cli = negsim("scenario.parties.russia.optimism=1.5", "replications=1", "plots=false")
    assert cli.returncode == 2 and message == cli.stderr.strip()
    time.sleep(0.5)
    assert browser.evaluate(tab, SHOWN) == shown and browser.evaluate(tab, AT_WAR) == figure
    type_into(browser, tab, field, "0.1")
    browser.wait_for(tab, f"{SHOWN} > {shown} && document.getElementById('error').hidden", timeout=120)


def test_the_saved_scenario_reproduces_the_numbers_shown(page, tmp_path):
    browser, tab, _ = page
    browser.evaluate(tab, "document.getElementById('save').click()")
    saved = browser.wait_for(tab, "document.getElementById('files').textContent.startsWith('saved') && "
                                  "document.getElementById('files').textContent")
    command = saved.split("run it: ", 1)[1].split()
    assert command[0] == "negsim" and command[1] == "--config-dir"
    shown = browser.evaluate(tab, "window.negsimView.result.figures")
    out = tmp_path / "run"
    done = negsim(*command[1:], f"hydra.run.dir={out}", "plots=false")
    assert done.returncode == 0, done.stderr
    timeline = pd.read_parquet(out / "timeline.parquet")
    assert (timeline["intensity"] > 0).groupby(timeline["day"]).mean().tolist() == shown["at_war"]["share"]
    rounds = pd.read_parquet(out / "rounds.parquet")
    medians = rounds[(rounds["party"] == "russia") & (rounds["issue"] == "ceasefire")].groupby("day")["position"].median()
    curve = dict(zip(shown["positions"]["ceasefire"]["days"], shown["positions"]["ceasefire"]["russia"]["median"]))
    assert medians.to_dict() == pytest.approx({d: curve[d] for d in medians.index}, rel=1e-12)
