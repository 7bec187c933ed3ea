"""`negsim-view [KEY=VALUE ...]`: a live view in the browser. Change a scenario's values and
see the outcome of thousands of worlds, and its difference from the starting config.

The command composes its overrides as `negsim` would (a bad one: one line, exit code 2),
serves a page on 127.0.0.1 and prints its address. Each change on the page is sent as
`{key: value}`; a `Session` worker turns it into the overrides `negsim` would take, composes
and checks them (`sim.compose`: the command line's one-line errors), runs the worlds as one
lockstep block (`sim.runs.ensemble.run_block`) and digests them (`sim.runs.digest`). The
starting config runs once per number of worlds, on the same worlds, so every difference is
paired world by world (`sim.analysis.compare`). A change that arrives while a run is going
stops that run; only the newest change's result is ever published, whole.

The page (`sim/commands/assets/`) draws the figures itself from the JSON the worker
publishes; "save as a scenario" writes the changes as a scenario and a study file that
`negsim --config-dir` runs to the same tables; "open as a run" writes a run folder with
report.html (`sim/commands/study.py`).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import threading
import time
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import numpy as np
import pandas as pd
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.analysis.compare import effects, paired_by_day
from sim.commands.controls import WORLDS, controls
from sim.commands.precheck import check_config, compose, one_line, spelled
from sim.runs.digest import as_list, digest
from sim.runs.ensemble import run_block
from sim.schema.config import ConfigError, to_config
from sim.worlds import design

ASSETS = Path(__file__).with_name("assets")
RECORD = ("record.rounds=true", "record.timeline=true")  # the figures read both; they change no number
WORLD_DAYS = 840_000  # worlds x days a re-run starts with, unless replications= is given
KEEP = 50  # results a page may still save or open
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css",
         ".png": "image/png", ".yaml": "text/plain; charset=utf-8", ".csv": "text/plain; charset=utf-8"}


class Session:
    """The starting config, the newest change and the last good result; one worker thread
    runs the changes, newest first, and publishes each result whole."""

    def __init__(self, start: list[str], config_dir: str | None = None, out: Path = Path("results/views"),
                 sized: bool = False):
        """`sized`: without `replications=` among `start`, begin with `worlds_for` its horizon."""
        self.start, self.config_dir, self.out = list(start), config_dir, out
        self.base = None
        self.base = self.compose({})[0]  # ConfigError: the command refuses its own overrides
        if sized and not any(o.lstrip("+").startswith("replications=") for o in start):
            worlds = worlds_for(int(self.base.scenario.days))
            self.base = self.compose({"replications": str(worlds)})[0]
            self.start = [f"replications={worlds}", *self.start]
        self.start_values = {c["key"]: c["value"] for g in controls(self.base) for c in g["controls"]}
        self.cond, self.writing = threading.Condition(), threading.Lock()
        self.asked, self.change, self.done = 0, {}, -1  # newest request id, its change, the id last finished
        self.result, self.error, self.progress = None, None, None  # last good result; error of the newest request
        self.model, self.shown = None, {}  # the model running now; id -> (config, change) of each published result
        self.baselines: dict[int, dict] = {}  # worlds -> digest of the starting config
        self.submit({})
        threading.Thread(target=self._work, daemon=True, name="negsim-view-worker").start()

    # -- what the page asks ------------------------------------------------------------------

    def overrides(self, change: dict) -> list[str]:
        """The command line of a change: the starting overrides, then `key=value` for each
        change (`+key=value` where the starting config has no such key yet)."""
        out = [*self.start]
        for key, value in change.items():
            new = self.base is not None and OmegaConf.select(self.base, key, default="?") == "?"
            out.append(f"{'+' if new else ''}{key}={value}")
        return out

    def compose(self, change: dict) -> tuple:
        """(DictConfig, checked Config) of a change; ConfigError with the command line's line."""
        if self.base is None:
            quick = None
        elif change:
            quick = self._applied(change)
        else:
            quick = self.base, to_config(self.base)
        if quick is None:  # the start, or a change the quick way refused: Hydra's compose says why
            try:
                cfg = compose([*self.overrides(change), *RECORD], self.config_dir)
            except (HydraException, OmegaConfBaseException) as err:
                raise ConfigError(one_line(err)) from None
            quick = cfg, to_config(cfg)
        cfg, config = quick
        if design.is_design(config) or config.calibrate.parameters:
            raise ConfigError("design.axes: the live view runs one parameter point; allowed: a config without "
                              "design axes or calibration (run studies with negsim experiment=NAME)")
        if cfg.replications not in WORLDS:
            raise ConfigError(f"replications={cfg.replications} is not allowed in the live view; allowed: "
                              f"{WORLDS.describe()} (one lockstep block; larger ensembles: negsim replications=N)")
        return cfg, config

    def _applied(self, change: dict):
        """The starting config with a change's overrides applied as Hydra applies command-line
        overrides to a composed config (`OmegaConf.update`, merging; `+key` adding), then
        checked: the same config as `compose` in a tenth of its time. None if anything
        refuses it; `compose` then gives the command line's own line. (DictConfig, Config)."""
        cfg = copy.deepcopy(self.base)
        try:
            for override in OverridesParser.create().parse_overrides(spelled(self.overrides(change)[len(self.start):])):
                OmegaConf.update(cfg, override.key_or_group, override.value(), merge=True, force_add=override.is_add())
            config = check_config(cfg)
        except Exception:  # noqa: BLE001 - any refusal is worded by the slow way
            return None
        return cfg, config

    def submit(self, change: dict) -> int:
        """Queue a change (it replaces any change not yet started, and stops the run under way)."""
        with self.cond:
            self.asked += 1
            self.change = {str(k): str(v) for k, v in change.items()}
            if self.model is not None and self.progress and self.progress.get("stage") == "change":
                self.model.running = False  # moot: the newer change runs next
            self.cond.notify_all()
            return self.asked

    def state(self, wait_for: int = 0, have: int = -1, timeout: float = 0.3) -> dict:
        """The newest state once request `wait_for` is finished, or after `timeout` with its
        progress; the last good result only if it is newer than the page's `have`."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.done < wait_for and time.monotonic() < deadline:
                self.cond.wait(max(0.0, deadline - time.monotonic()))
            out = {"asked": self.asked, "done": self.done, "progress": self._progress(), "error": self.error}
            if self.result is not None and self.result["id"] > have:
                out["result"] = self.result
            return out

    def config_of(self, result_id: int) -> tuple:
        """(config, change) of a result the page was shown."""
        with self.cond:
            if result_id not in self.shown:
                raise ConfigError(f"result {result_id}: not shown in this view; allowed: one of {sorted(self.shown)}")
            return self.shown[result_id]

    # -- the worker -------------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self.cond:
                while self.done == self.asked:
                    self.cond.wait()
                job, change = self.asked, dict(self.change)
            try:
                published, error = self._run(job, change), None  # (result, config) or None
            except ConfigError as err:
                published, error = None, {"id": job, "message": f"negsim: error: {err}"}
            except Exception as err:  # noqa: BLE001 - the view stays up; the page shows what broke
                published, error = None, {"id": job, "message": f"negsim-view: internal error: {type(err).__name__}: {err}"}
            with self.cond:
                self.model, self.progress, self.done = None, None, job
                if job == self.asked:  # superseded work is dropped, never published
                    if published is not None:
                        (self.result, cfg), self.error = published, None
                        self.shown[job] = (cfg, change)
                        for old in sorted(self.shown)[:-KEEP]:
                            del self.shown[old]
                    else:
                        self.error = error
                self.cond.notify_all()

    def _simulate(self, config, stage: str, job: int) -> dict | None:
        """The digest of the checked config's worlds; None if a newer change made this one moot."""
        W = config.replications

        def watch(model):
            with self.cond:
                self.model, self.progress = model, {"stage": stage, "days": config.scenario.days, "worlds": W}
                if stage == "change" and job != self.asked:
                    model.running = False

        model = run_block(config, np.zeros(W, dtype=int), np.arange(W), watch=watch)
        return digest(model) if stage == "baseline" or job == self.asked else None

    def _run(self, job: int, change: dict) -> tuple | None:
        """(the result the page draws, its config), or None if a newer change made it moot."""
        started = time.perf_counter()
        cfg, config = self.compose(change)
        W = config.replications
        if W not in self.baselines:
            self.baselines[W] = self._simulate(self.compose({"replications": W})[1], "baseline", job)
        base = self.baselines[W]
        same = all(k == "replications" for k in change)
        run = base if same else self._simulate(config, "change", job)
        if run is None or job != self.asked:
            return None
        return {"id": job, "scenario": str(cfg.scenario.name), "change": change, "overrides": self.overrides(change), "worlds": W,
                "seconds": time.perf_counter() - started, "figures": run["figures"],
                "baseline": {k: base["figures"][k] for k in ("at_war", "agreed_by_day")},
                "difference": difference(base, run), "controls": controls(cfg), "start": self.start_values}, cfg

    def _progress(self) -> dict | None:
        if self.progress is None or self.model is None:
            return None
        return {**self.progress, "day": max(0, int(self.model.time))}

    # -- files -------------------------------------------------------------------------------------

    def save(self, result_id: int, name: str = "") -> dict:
        """The shown result's config as a scenario file and a study file beside it, in
        `<out>/<name>/`; returns the folder and the command that runs it."""
        cfg, change = self.config_of(result_id)
        name = safe(name) or datetime.now().strftime("view_%Y%m%d_%H%M%S")
        folder = self.out / name
        (folder / "scenario").mkdir(parents=True, exist_ok=True)
        (folder / "experiment").mkdir(parents=True, exist_ok=True)
        scenario = OmegaConf.to_container(cfg.scenario, resolve=True, enum_to_str=True)
        scenario["name"] = name
        (folder / "scenario" / f"{name}.yaml").write_text(
            f"# Saved from negsim-view: {' '.join(self.overrides(change)) or '(no overrides)'}\n"
            + OmegaConf.to_yaml(scenario))
        rest = {k: OmegaConf.to_container(cfg[k], resolve=True, enum_to_str=True) for k in ("mediator", "war")}
        study = {"defaults": [{"override /scenario": name}], **rest, "seed": int(cfg.seed),
                 "replications": int(cfg.replications), "record": {"rounds": True, "timeline": True}}
        (folder / "experiment" / f"{name}.yaml").write_text(
            "# @package _global_\n# Question: the live view's config, saved. Run: "
            f"negsim --config-dir {folder} experiment={name}\n" + OmegaConf.to_yaml(study))
        return {"folder": str(folder), "command": f"negsim --config-dir {folder} experiment={name}"}

    def open_run(self, result_id: int) -> dict:
        """The shown result's config run and written as `negsim` would, with report.html."""
        from sim.commands import study

        cfg, _ = self.config_of(result_id)
        folder = self.out / "runs" / datetime.now().strftime("%Y-%m-%d_%H-%M-%S_%f")
        with self.writing:  # one at a time: Matplotlib draws the plots, and it is not thread-safe
            study.run(cfg, folder, question="The live view's config, opened as a run.")
        return {"folder": str(folder), "report": f"/files/{folder.relative_to(self.out).as_posix()}/report.html"}


def difference(base: dict, run: dict) -> dict:
    """The change's paired differences from the starting config on the same worlds: per outcome
    (share at war at the end, each issue agreed and its day) and the share at war by day."""
    def frame(d):
        return pd.DataFrame({k: v for k, v in d["worlds"].items() if k != "at_war_by_day"})

    names = [k for k in base["worlds"] if k != "at_war_by_day"]
    table = effects(frame(base), {"change": frame(run)}, names)
    by_day = paired_by_day(base["worlds"]["at_war_by_day"], run["worlds"]["at_war_by_day"])
    rows = [{"outcome": r.outcome, **{k: (None if pd.isna(getattr(r, k)) else float(getattr(r, k)))
                                       for k in ("baseline", "value", "difference", "ci_low", "ci_high")},
             "n": int(r.n)} for r in table.itertuples()]
    return {"effects": rows, "at_war": {k: as_list(v) for k, v in by_day.items() if k != "n"}}


def safe(name: str) -> str:
    return "".join(c for c in name if c.isalnum() or c in "_-")[:60]


def handler_for(session: Session) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # the terminal shows the address, not every request
            pass

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, value: dict, status: int = 200) -> None:
            self._send(status, json.dumps(value, allow_nan=False).encode(), "application/json")

        def do_GET(self) -> None:
            url = urlparse(self.path)
            q = {k: v[-1] for k, v in parse_qs(url.query).items()}
            if url.path == "/api/state":
                self._json(session.state(int(q.get("wait", 0)), int(q.get("have", -1)), float(q.get("timeout", 0.3))))
            elif url.path in ("/", "/index.html"):
                self._file(ASSETS / "view.html")
            elif url.path.startswith("/assets/"):
                self._file(ASSETS / Path(url.path).name)
            elif url.path.startswith("/files/"):
                self._file(session.out / unquote(url.path.removeprefix("/files/")), within=session.out)
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

        def _file(self, path: Path, within: Path = ASSETS) -> None:
            path = path.resolve()
            if not path.is_file() or not path.is_relative_to(within.resolve()):
                self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
                return
            self._send(200, path.read_bytes(), TYPES.get(path.suffix, "application/octet-stream"))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0) or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path == "/api/run":
                    self._json({"id": session.submit(dict(body.get("change", {})))})
                elif self.path == "/api/save":
                    self._json(session.save(int(body["id"]), str(body.get("name", ""))))
                elif self.path == "/api/open":
                    self._json(session.open_run(int(body["id"])))
                else:
                    self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
            except ConfigError as err:
                self._json({"error": f"negsim: error: {err}"}, HTTPStatus.BAD_REQUEST)
            except (ValueError, KeyError, OSError) as err:
                self._json({"error": f"negsim-view: error: {type(err).__name__}: {err}"}, HTTPStatus.BAD_REQUEST)

    return Handler


def worlds_for(days: int) -> int:
    """The worlds a view starts with: about `WORLD_DAYS` world-days, a re-run of about a second
    here (10,000 worlds of the 84-day 2022 scenario, 1,000 of Korea's 731 days)."""
    return int(min(10_000, max(1_000, round(WORLD_DAYS / days, -3))))


def serve(session: Session, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    """A server for the session on host:port (port 0: any free one), not yet serving."""
    server = ThreadingHTTPServer((host, port), handler_for(session))
    server.daemon_threads = True
    return server


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, as every refusal of negsim's (argparse adds its usage)
        print(f"negsim-view: error: {message}", file=sys.stderr)
        sys.exit(2)


def port_number(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port; allowed: an integer in [0, 65535] (0: any free one)")
    return int(text)


def main(argv: list[str] | None = None) -> None:
    parser = OneLineParser(
        prog="negsim-view", description="A live view of a scenario in the browser: change its values, see "
        "the outcome of thousands of worlds and the difference from the starting config.",
        epilog="Example: negsim-view scenario=korea_1951 replications=2000")
    parser.add_argument("overrides", nargs="*", help="KEY=VALUE overrides, as negsim takes them")
    parser.add_argument("--port", type=port_number, default=8765, help="port on 127.0.0.1 (0: any free one; default 8765)")
    parser.add_argument("--config-dir", default=None, help="a folder laid out like conf/, as negsim --config-dir")
    parser.add_argument("--out", default="results/views", help="where saved scenarios and opened runs go")
    args = parser.parse_args(argv)
    try:
        _serve(args)
    except KeyboardInterrupt:  # Ctrl-C while it starts, or while it serves: nothing is being written
        print("negsim-view: stopped", file=sys.stderr)
        sys.exit(130)


def _serve(args) -> None:
    try:
        session = Session(args.overrides, args.config_dir, Path(args.out), sized=True)
    except ConfigError as err:
        print(f"negsim-view: error: {err}", file=sys.stderr)
        sys.exit(2)
    try:
        server = serve(session, port=args.port)
    except OSError as err:
        print(f"negsim-view: error: --port {args.port}: {err.strerror}; allowed: a free port, or 0 for any",
              file=sys.stderr)
        sys.exit(2)
    host, port = server.server_address[:2]
    print(f"negsim-view: {session.base.scenario.name} at http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()

if __name__ == "__main__":
    main()
