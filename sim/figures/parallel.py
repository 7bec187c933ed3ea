"""Figures drawn on the machine's spare cores while the command goes on.

A study's figures are independent of each other and of what the command computes after them,
and Matplotlib draws on one core. So each figure is a job (a function of no arguments that
saves its file and returns its path or paths): `Figures.add` hands it to a forked child while
a core is free, and the command carries on. At `done` the jobs left over go to children whose
cores came free, or are drawn in the command; then it waits for the children. A child
inherits the tables and the imported Matplotlib from the fork, so nothing is pickled but the
paths back, and nothing is imported twice.

What a child does is what drawing it in the command would have done: its files (written
atomically, sim/runs/store.py), its exception, re-raised by `done`, and its warnings,
re-issued by `done` as the command's own. Where forking is not safe (not Linux, or another
thread running, as in `negsim-view`'s server) or no core is spare, every job is drawn in the
command, in order. Either way the files are the same, byte for byte (tests/test_figures_parallel.py).
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

Job = Callable[[], "Path | list[Path]"]


def spare_cores() -> int:
    """Cores this process may use, less the one the command runs on."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(cores - 1, 0)


def can_fork() -> bool:
    """Forking copies only the calling thread: safe only where no other thread may hold a lock."""
    return sys.platform == "linux" and threading.active_count() == 1


class Figures:
    """The figures of one command, drawn beside it (`workers` children at a time; None: one
    per spare core, 0: all in the command)."""

    def __init__(self, workers: int | None = None):
        self.workers = spare_cores() if workers is None else workers
        self._results: list = []  # per job, in the order added: its path or paths, once drawn
        self._pending: list[tuple[int, Job]] = []
        self._children: dict[int, tuple[int, int]] = {}  # index -> (pid, read end)
        self._exited: set[int] = set()  # children reaped before their result was read

    def add(self, job: Job) -> None:
        index = len(self._results)
        self._results.append(None)
        if len(self._children) < self.workers and can_fork():
            self._fork(index, job)
        else:
            self._pending.append((index, job))

    def done(self) -> list[Path]:
        """Draw what is left, wait for the children, and return every path in the order the jobs
        were added. A child's failure is raised once the other figures are drawn (Ctrl-C at once)."""
        failures: list[BaseException] = []

        def collect(index: int) -> None:
            try:
                self._results[index] = self._collect(index)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                failures.append(exc)

        try:
            while self._pending:  # each to a child whose core came free, else drawn here
                index, job = self._pending.pop(0)
                for finished in self._finished():
                    collect(finished)
                if len(self._children) < self.workers and can_fork():
                    self._fork(index, job)
                else:
                    self._results[index] = job()
            for index in list(self._children):
                collect(index)
            if failures:
                raise failures[0]
        finally:
            self._reap()
        paths: list[Path] = []
        for made in self._results:
            paths.extend(made if isinstance(made, list) else [made])
        return paths

    def _fork(self, index: int, job: Job) -> None:
        read, write = os.pipe()
        sys.stdout.flush()  # so that the child's copies of the buffers are empty
        sys.stderr.flush()
        with warnings.catch_warnings():  # Python warns of any native thread; ours are OpenBLAS's, whose fork
            # handlers make a fork safe (as for multiprocessing's default start on Linux); Python's own: can_fork
            warnings.filterwarnings("ignore", r"This process .* is multi-threaded", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: draw, send the outcome, and leave without the parent's exit handlers
            code = 1
            try:
                os.close(read)
                code = _draw(job, write)
            finally:  # whatever happens, the child never returns into the command's code
                os._exit(code)
        os.close(write)
        self._children[index] = (pid, read)

    def _finished(self) -> list[int]:
        """The children that have exited (not yet collected); each is reaped here."""
        done = []
        for index, (pid, _read) in self._children.items():
            if pid not in self._exited and os.waitpid(pid, os.WNOHANG)[0] == pid:
                self._exited.add(pid)
                done.append(index)
        return done

    def _collect(self, index: int):
        pid, read = self._children[index]
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        del self._children[index]
        if pid not in self._exited:
            os.waitpid(pid, 0)
        self._exited.discard(pid)
        if not data:  # killed before it could say (e.g. out of memory)
            raise RuntimeError(f"the process drawing figure {index + 1} ended without its result")
        (status, value), said = pickle.loads(data)
        for message, category, filename, lineno in said:
            warnings.warn_explicit(message, category, filename, lineno)
        if status == "error":
            raise value
        return value

    def _reap(self) -> None:
        """On Ctrl-C or an error: every child waited for (each got the same Ctrl-C, or finishes its one figure)."""
        for pid, read in self._children.values():
            os.close(read)
            if pid not in self._exited:
                os.waitpid(pid, 0)
        self._children.clear()
        self._exited.clear()


def _draw(job: Job, write: int) -> int:
    """In a child: the job's paths, or its exception, and its warnings, down the pipe."""
    code = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # all recorded; the command's own filters judge them again
        try:
            outcome = ("ok", job())
        except BaseException as exc:
            outcome, code = ("error", exc), 1
    said = [(str(w.message), w.category, w.filename, w.lineno) for w in caught]
    try:
        data = pickle.dumps((outcome, said))
    except Exception:  # an exception that cannot be pickled: its line
        data = pickle.dumps((("error", RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]}")), said))
    with os.fdopen(write, "wb") as pipe:
        pipe.write(data)
    return code
