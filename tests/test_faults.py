"""When things go wrong: a full disk, Ctrl-C, a kill, two writers of one file, damaged
files in a sweep folder. Each stops with one line or is reported; nothing complete is
lost, nothing half-written is left, and a rerun resumes."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from conftest import ROOT
from test_sweep import negsim

from sim.commands import report
from sim.runs import store
from sim.runs.store import WriteError, atomically, remove_stale, write_text

resource = pytest.importorskip("resource")  # POSIX


# ----------------------------------------------------------------------------- one file


def test_a_write_that_fails_leaves_no_file_aside_and_names_the_file(tmp_path):
    target = tmp_path / "outcomes.parquet"
    target.write_text("the last complete table")

    def disk_full(aside):
        aside.write_bytes(b"half a table")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(WriteError) as failed:
        atomically(target, disk_full)
    assert str(failed.value) == f"cannot write {target}: No space left on device"
    assert target.read_text() == "the last complete table"
    assert os.listdir(tmp_path) == ["outcomes.parquet"]

    def interrupted(aside):
        aside.write_bytes(b"half a table")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomically(target, interrupted)
    assert os.listdir(tmp_path) == ["outcomes.parquet"]


def test_two_writers_of_one_file_do_not_take_each_others_file(tmp_path):
    target = tmp_path / "summary.csv"

    def outer(aside):
        aside.write_text("outer")
        write_text("inner", target)  # another writer of the same file, while this one is mid-write

    atomically(target, outer)
    assert target.read_text() == "outer"  # the last to finish wins, whole
    assert os.listdir(tmp_path) == ["summary.csv"]


def test_files_aside_of_dead_processes_are_removed_those_of_live_ones_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".outcomes.parquet.{store._HOST}.{dead.pid}.0.tmp"
    live = tmp_path / f".outcomes.parquet.{store._HOST}.{os.getpid()}.0.tmp"
    other_host = tmp_path / f".outcomes.parquet.elsewhere.{dead.pid}.0.tmp"
    for path in (stale, live, other_host):
        path.write_text("")
    remove_stale(tmp_path)
    assert not stale.exists() and live.exists() and other_host.exists()


# ----------------------------------------------------------------------------- a sweep folder


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    """A finished two-point sweep whose points are in folders of their own naming."""
    folder = tmp_path_factory.mktemp("sweep") / "bias"
    proc = negsim("-m", "mediator.bias=0,0.3", "replications=5", "hydra.sweep.subdir=bias_${mediator.bias}",
                  f"hydra.sweep.dir={folder}")
    assert proc.returncode == 0, proc.stderr
    return folder


@pytest.fixture
def sweep_copy(sweep_folder, tmp_path):
    return shutil.copytree(sweep_folder, tmp_path / "bias")


def test_points_in_folders_of_ones_own_naming_are_aggregated(sweep_folder):
    assert sorted(p.name for p in sweep_folder.glob("bias_*")) == ["bias_0", "bias_0.3"]  # values as typed: 0 stays 0
    outcomes = pd.read_parquet(sweep_folder / "outcomes.parquet")
    assert outcomes.groupby("mediator.bias")["replication"].nunique().to_dict() == {0.0: 5, 0.3: 5}


def run_report(folder, capsys) -> tuple[int, list[str]]:
    with pytest.raises(SystemExit) as stopped:
        report.main([str(folder)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return stopped.value.code, err.splitlines()


def test_report_lists_a_point_whose_table_is_gone_as_missing(sweep_copy, capsys):
    (sweep_copy / "bias_0.3" / "outcomes.parquet").unlink()
    code, lines = run_report(sweep_copy, capsys)
    assert code == 1 and lines == ["MISSING point mediator.bias=0.3 replications=5 (not run, or killed before it finished)"]
    assert pd.read_parquet(sweep_copy / "outcomes.parquet")["mediator.bias"].unique().tolist() == [0.0]
    page = (sweep_copy / "report.html").read_text()  # the page says so too, not only stderr
    assert "Points that did not finish" in page and "MISSING point mediator.bias=0.3 replications=5" in page


def test_report_names_damaged_files_and_aggregates_the_rest(sweep_copy, capsys):
    (sweep_copy / "bias_0" / "done.json").write_text('{"job": ')
    table = sweep_copy / "bias_0.3" / "outcomes.parquet"
    table.write_bytes(table.read_bytes()[:3000])
    code, lines = run_report(sweep_copy, capsys)
    assert code == 1
    assert f"UNREADABLE {sweep_copy / 'bias_0' / 'done.json'}: not a point record" in lines
    assert any(ln.startswith(f"UNREADABLE {table}: ") for ln in lines)
    assert "MISSING point mediator.bias=0 replications=5 (not run, or killed before it finished)" in lines

    (sweep_copy / "sweep.json").write_text("{not json")
    code, lines = run_report(sweep_copy, capsys)
    assert code == 2 and len(lines) == 1
    assert lines[0].startswith(f"negsim-report: error: {sweep_copy / 'sweep.json'} is not a sweep plan")


def test_report_while_another_report_writes_the_same_folder(sweep_copy, monkeypatch):
    tally, nested = report.tally, []

    def tally_then_report_again(*args, **kw):  # a second writer mid-way through the first
        if not nested:
            nested.append("started")
            nested.append(report.report(sweep_copy, quiet=True))
        return tally(*args, **kw)

    monkeypatch.setattr(report, "tally", tally_then_report_again)
    assert report.report(sweep_copy, quiet=True) == 0 and nested == ["started", 0]
    outcomes = pd.read_parquet(sweep_copy / "outcomes.parquet")
    assert len(outcomes) == 2 * 5 * outcomes["issue"].nunique()
    assert not list(sweep_copy.glob(".*.tmp"))


# ----------------------------------------------------------------------------- a full disk


def small_disk(limit: int):
    """In the child: files larger than `limit` bytes cannot be written (EFBIG, as a full
    disk gives ENOSPC: the same failed write), without root or a filesystem of our own."""

    def limit_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_files


def test_a_full_disk_stops_a_single_run_with_one_line_and_keeps_its_outcomes(tmp_path):
    out = tmp_path / "run"
    proc = negsim("replications=100", f"hydra.run.dir={out}", preexec_fn=small_disk(200_000))
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"negsim: error: cannot write {out / 'timeline.parquet'}: Error writing bytes to file. Detail: [errno 27] "
        f"File too large; the files written before it in {out} are complete"]
    assert pd.read_parquet(out / "outcomes.parquet")["replication"].nunique() == 100  # written first, whole
    assert not list(out.glob(".*.tmp"))


def test_a_full_disk_stops_a_sweep_keeps_its_finished_points_and_a_rerun_resumes(tmp_path):
    args = ["-m", "replications=5,300", "record.rounds=true", f"hydra.sweep.dir={tmp_path}"]
    proc = negsim(*args, preexec_fn=small_disk(200_000))  # the second point's rounds do not fit
    assert proc.returncode == 1
    errors = [ln for ln in proc.stderr.splitlines() if not ln.startswith("[")]
    assert errors == [
        f"negsim: error: cannot write {tmp_path / '1' / 'rounds.parquet'}: Error writing bytes to file. Detail: "
        "[errno 27] File too large; finished points are kept, rerun the same command to resume"]
    assert (tmp_path / "0" / "done.json").exists() and not (tmp_path / "1" / "done.json").exists()
    assert not list(tmp_path.rglob(".*.tmp"))

    resumed = negsim(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert "point 0 already complete, skipped" in resumed.stderr and "point 1 ok" in resumed.stderr
    outcomes = pd.read_parquet(tmp_path / "outcomes.parquet")  # `replications` is also a summary column:
    assert outcomes.groupby("swept.replications")["replication"].nunique().to_dict() == {5: 5, 300: 300}
    assert set(pd.read_csv(tmp_path / "summary.csv")["swept.replications"]) == {5, 300}


# ----------------------------------------------------------------------------- Ctrl-C and kill


# slow (~40 s): three sweeps, killed and interrupted mid-way; .ci/run runs it after the default suite
@pytest.mark.slow
def test_kill_and_ctrl_c_leave_a_sweep_that_resumes_without_redoing_or_duplicating(tmp_path):
    # Twelve short points: under a loaded machine the test's polling may lag the sweep by a point
    # or two, and a Ctrl-C that lands after the last point is no Ctrl-C mid-sweep.
    biases = [-0.9, -0.75, -0.6, -0.45, -0.3, -0.15, 0, 0.15, 0.3, 0.45, 0.6, 0.75]
    args = ["-m", "mediator.bias=" + ",".join(map(str, biases)), "replications=2000", f"hydra.sweep.dir={tmp_path}"]

    def stop_after(n_done: int, how) -> subprocess.Popen:
        run = subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
        deadline = time.time() + 120
        while len(list(tmp_path.glob("*/done.json"))) < n_done and time.time() < deadline:
            time.sleep(0.05)
        how(run)
        run.wait(timeout=60)
        return run

    stop_after(2, lambda run: os.killpg(run.pid, signal.SIGKILL))  # a kill: no chance to clean up
    killed = len(list(tmp_path.glob("*/done.json")))
    assert 2 <= killed < len(biases) - 2, "the kill must land mid-sweep"
    assert not (tmp_path / "outcomes.parquet").exists()

    ctrl_c = stop_after(killed + 1, lambda run: run.send_signal(signal.SIGINT))  # Ctrl-C: it stops cleanly
    finished = len(list(tmp_path.glob("*/done.json")))
    assert finished < len(biases), "Ctrl-C must land mid-sweep"
    said = ctrl_c.stderr.read()
    assert ctrl_c.returncode == 130, said
    assert [ln for ln in said.splitlines() if not ln.startswith("[")] == [
        "negsim: error: interrupted; files already written are complete, files being written were removed; "
        "rerun the same command to resume a sweep"]

    resumed = negsim(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stderr.count("already complete, skipped") == finished
    outcomes = pd.read_parquet(tmp_path / "outcomes.parquet")
    assert outcomes.groupby("mediator.bias")["replication"].nunique().eq(2000).all()
    assert outcomes["mediator.bias"].nunique() == len(biases)
    assert not outcomes.duplicated(["mediator.bias", "replication", "issue"]).any()
    assert not list(tmp_path.rglob(".*.tmp"))


# ----------------------------------------------------------------------------- a Ctrl-C in a library


def _interrupted_inside_cleanup():
    """What OmegaConf's flag_override does when Ctrl-C lands in it: the KeyboardInterrupt
    comes out as another error on the way out (seen once in 40 interrupted sweeps)."""
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)  # the handler raises here
    except KeyboardInterrupt:
        raise AttributeError("'NoneType' object has no attribute '_invalidate_flags_cache'") from None


@pytest.mark.parametrize("how", ["an error", "a config error", "an exit"])
def test_a_ctrl_c_that_comes_out_as_another_error_is_still_a_ctrl_c(how, monkeypatch, capsys):
    from omegaconf.errors import OmegaConfBaseException

    from sim.commands import cli

    def stopped(argv):
        try:
            _interrupted_inside_cleanup()
        except AttributeError as err:
            if how == "a config error":
                raise OmegaConfBaseException(str(err)) from err  # the command would make it exit 2
            if how == "an exit":
                sys.exit(1)
            raise

    monkeypatch.setattr(cli, "_main", stopped)
    previous = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(SystemExit) as stop:
            cli.main([])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert stop.value.code == 130
    assert capsys.readouterr().err.splitlines() == [f"negsim: error: {cli.INTERRUPTED}"]


def test_a_sweep_point_that_a_ctrl_c_breaks_ends_the_sweep_not_the_point(tmp_path, monkeypatch):
    from hydra.core.hydra_config import HydraConfig

    from sim.commands import interrupt, sweep

    previous = signal.getsignal(signal.SIGINT)
    interrupt.install()
    monkeypatch.setattr(sweep, "records_for_sweep", lambda cfg, task: None)
    monkeypatch.setattr(sweep, "config_hash", lambda cfg: "h")

    class Hc:  # the few fields of Hydra's config a point reads
        class runtime:
            output_dir = str(tmp_path / "0")

        class sweep:
            dir = str(tmp_path)

        class overrides:
            task = []

        class job:
            num = 0

    monkeypatch.setattr(HydraConfig, "get", staticmethod(lambda: Hc))
    monkeypatch.setattr(sweep.OmegaConf, "to_container", lambda *a, **k: [])
    try:
        with pytest.raises(KeyboardInterrupt):
            sweep.run_job(None, lambda cfg, out, plots_ok: _interrupted_inside_cleanup())
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not (tmp_path / "0" / "done.json").exists()  # not recorded as a failed point: rerun resumes it
