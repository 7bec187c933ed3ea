"""Figures drawn in forked children (sim/figures/parallel.py) are the figures the command would
have drawn: the same bytes, in the same order, with the same errors and warnings, and no
child left behind."""

from __future__ import annotations

import os
import signal
import threading
import time
import warnings

import pytest

from sim import compose, simulate
from sim.commands import study
from sim.figures import parallel
from sim.figures.parallel import Figures
from sim.runs.store import WriteError, atomically
from sim.schema.checks import validate
from sim.schema.config import to_config

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="forking is used only on Linux with one thread")


def no_child_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def write(path, text="x"):
    """A job: one file, written as the figures write theirs, saying which process drew it."""
    return atomically(path, lambda p: p.write_text(f"{text} {os.getpid()}"))


def test_a_runs_figures_drawn_beside_the_command_are_byte_for_byte_those_drawn_in_it(tmp_path):
    config = validate(to_config(compose(["replications=3", "scenario.days=40"])))
    result = simulate(config)
    made = {}
    for workers in (0, 1):
        out = tmp_path / str(workers)
        out.mkdir()
        figures = Figures(workers)
        study.run_plots(result, config, out, figures)
        assert len(figures._children) == workers  # the first, largest figure went to a child
        made[workers] = figures.done()
    assert [p.name for p in made[0]] == [p.name for p in made[1]] == [
        "positions.png", "agreement.png", "balance.png", "territory.png"]
    for serial, forked in zip(made[0], made[1]):
        assert serial.read_bytes() == forked.read_bytes(), serial.name
    assert no_child_left()


def test_paths_come_back_in_the_order_the_jobs_were_added_from_children_and_the_command(tmp_path):
    figures = Figures(workers=1)
    figures.add(lambda: write(tmp_path / "a"))  # a child's at once
    figures.add(lambda: [time.sleep(1.0), write(tmp_path / "b1"), write(tmp_path / "b2")][1:])  # several files
    figures.add(lambda: write(tmp_path / "c"))
    time.sleep(0.5)  # the first child is done by now: its core is free again
    assert [p.name for p in figures.done()] == ["a", "b1", "b2", "c"]
    drawn_by = {p.name: int(p.read_text().split()[1]) for p in tmp_path.iterdir()}
    assert os.getpid() not in (drawn_by["a"], drawn_by["b1"]) and drawn_by["a"] != drawn_by["b1"]  # the freed core
    assert drawn_by["c"] == os.getpid()  # the second child still drawing: the command drew it
    assert no_child_left()


def test_a_childs_error_is_raised_by_the_command_after_the_other_figures_are_saved(tmp_path):
    figures = Figures(workers=1)
    figures.add(lambda: write(tmp_path / "missing" / "a"))  # its folder does not exist
    figures.add(lambda: write(tmp_path / "b"))
    with pytest.raises(WriteError, match=r"cannot write .*missing/a: No such file or directory"):
        figures.done()
    assert (tmp_path / "b").exists() and not list(tmp_path.glob(".*.tmp"))
    assert no_child_left()


def test_a_childs_warnings_are_the_commands_warnings(tmp_path):
    def warns():
        warnings.warn("an empty panel", UserWarning)
        return write(tmp_path / "a")

    figures = Figures(workers=1)
    figures.add(warns)
    with pytest.warns(UserWarning, match="an empty panel"):
        figures.done()


def test_a_child_killed_before_it_answers_is_one_clear_error(tmp_path):
    figures = Figures(workers=1)
    figures.add(lambda: os.kill(os.getpid(), signal.SIGKILL))
    figures.add(lambda: write(tmp_path / "b"))
    with pytest.raises(RuntimeError, match="the process drawing figure 1 ended without its result"):
        figures.done()
    assert (tmp_path / "b").exists() and no_child_left()


def test_with_another_thread_running_every_figure_is_drawn_in_the_command(tmp_path):
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        figures = Figures(workers=1)
        figures.add(lambda: write(tmp_path / "a"))
        assert not figures._children
        [path] = figures.done()
    finally:
        stop.set()
        other.join()
    assert int(path.read_text().split()[1]) == os.getpid()


def test_ctrl_c_in_a_child_is_ctrl_c_in_the_command_with_no_file_aside_and_no_child_left(tmp_path):
    def interrupted(p):
        raise KeyboardInterrupt  # as if Ctrl-C came while the child wrote its file aside

    figures = Figures(workers=1)
    figures.add(lambda: atomically(tmp_path / "a", interrupted))
    figures.add(lambda: write(tmp_path / "b"))
    with pytest.raises(KeyboardInterrupt):
        figures.done()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"] and no_child_left()
