"""`negsim`: the command. One run of the default scenario by default; `-m` sweeps.

`main` answers `--help` and `--version` itself, has `sim.commands.precheck` check the command line
(a bad value, folder or size stops it there with one line and exit code 2), then runs
the Hydra app. A result that cannot be written stops it with one line (exit code 1),
Ctrl-C with one line (exit code 130); files already written stay complete, files being
written are removed, and rerunning a sweep resumes it.
"""

from __future__ import annotations

import logging
import os
import sys
from importlib import metadata
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig, read_write
from omegaconf.errors import OmegaConfBaseException

from sim.commands import console, interrupt
from sim.commands.precheck import CONF, Run, one_line, precheck, spelled
from sim.commands.sweep import run_job
from sim.runs.store import WriteError
from sim.schema.config import ConfigError, register

EXIT_FAILED, EXIT_CONFIG, EXIT_INTERRUPTED = 1, 2, 130
INTERRUPTED = ("interrupted; files already written are complete, files being written were removed; "
               "rerun the same command to resume a sweep")

HELP = """\
negsim {version}: an agent-based simulation of negotiations held while a war goes on.
A run simulates R worlds (replications) of one parameter point in lockstep and writes
their outcomes, rounds and daily timeline as Parquet tables, a summary and plots.

Commands
  negsim [KEY=VALUE ...]                 one run (default: the 2022 scenario, 200 worlds)
  negsim experiment=NAME [KEY=VALUE ...] a named study (experiments/NAME.yaml): its parameter points
                                         as one design in one process, or its analysis or calibration
  negsim -m KEY=V1,V2 [KEY=V1,V2 ...]    an ad-hoc sweep, one point per combination
  negsim-report FOLDER                   aggregate a sweep folder, finished or not
  negsim-view [KEY=VALUE ...]            a live view in the browser: change values, see thousands of worlds
  python -m sim.bench                    the benchmark

Examples
  negsim mediator.bias=0.3 scenario.days=60
  negsim scenario=symmetric_dyad replications=1000 hydra.run.dir=results/dyad
  negsim experiment=mediator_rule_bias
  negsim -m mediator.rule=split,nash mediator.bias=-0.5,0,0.5 replications=500
  negsim -m mediator.bias=0,0.5 hydra.sweep.dir=results/mine   (the same again resumes it)
  negsim --config-dir my_conf scenario=my_war    (your scenarios and studies, laid out like conf/)

Options
  -m, --multirun     run a sweep
  --config-dir DIR   add a folder laid out like conf/
  --force            sweep into a folder that holds another sweep (its plan is replaced)
  --cfg job          print the config these overrides compose, and exit
  --hydra-help       Hydra's own options (launchers, --info, --shell-completion)
  --version          negsim's version
  -h, --help         this text

Config groups (KEY=NAME)
{groups}
Config reference: README.md, section "Config reference"; every key with its type and
default: sim/schema/config.py; the composed config: negsim --cfg job [KEY=VALUE ...].
Tab completion (bash): eval "$(negsim -sc install=bash)"
"""


def version() -> str:
    try:
        return metadata.version("negsim")
    except metadata.PackageNotFoundError:
        return "(not installed)"


def help_text() -> str:
    lines = []
    for group in ("scenario", "mediator", "war", "experiment"):
        names = sorted(p.stem for p in (CONF / group).glob("*.yaml"))
        lines.append(f"  {group}: {', '.join(names)}")
    return HELP.format(version=version(), groups="\n".join(lines))


def fail(message: str, code: int = EXIT_CONFIG) -> None:
    if interrupt.came():  # an error a Ctrl-C caused is the Ctrl-C
        message, code = INTERRUPTED, EXIT_INTERRUPTED
    print(f"negsim: error: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def run_point(cfg: DictConfig, out: Path, plots_ok: bool = True) -> dict:
    """Simulate one run (a parameter point, or a whole design) and write its folder (sim/commands/study.py)."""
    from sim.commands import study

    return study.run(cfg, out, plots_ok, question=study_question())


def study_question() -> str:
    """The "Question:" block of the study being run (experiment=NAME), from its YAML file."""
    from sim.commands.page import experiment_question

    runtime = HydraConfig.get().runtime
    return experiment_question(runtime.choices.get("experiment"), [source.path for source in runtime.config_sources])


def task(cfg: DictConfig) -> None:
    """The job Hydra runs: a sweep point, or the single run."""
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        run_job(cfg, run_point)  # one point of a sweep; the callback aggregates at the end
        return
    out = Path(HydraConfig.get().runtime.output_dir)
    try:
        done = run_point(cfg, out)
    except ConfigError as err:
        fail(str(err))
    except WriteError as err:
        fail(f"{err}; the files written before it in {out} are complete", EXIT_FAILED)
    console.report(done, out)


app = hydra.main(config_path=str(CONF), config_name="config", version_base="1.3")(task)  # sweeps, Hydra's flags


def run_composed(run: Run) -> None:
    """A single run from its config as the precheck composed it, the steps of Hydra's own run
    (`hydra._internal.hydra.Hydra.run`): its logging, callbacks and `.hydra/` files alike."""
    from hydra._internal.callbacks import Callbacks
    from hydra.core.utils import configure_log, run_job
    from hydra.types import HydraContext

    cfg = run.cfg
    configure_log(cfg.hydra.hydra_logging, cfg.hydra.verbose)
    if cfg.hydra.mode is None:  # as Hydra's entry point does: the mode, and the override that says so
        with read_write(cfg.hydra):
            cfg.hydra.mode = RunMode.RUN
            cfg.hydra.overrides.hydra.append("hydra.mode=RUN")
    callbacks = Callbacks(cfg)
    callbacks.on_run_start(config=cfg, config_name=run.config_name)
    ret = run_job(task_function=task, config=cfg, job_dir_key="hydra.run.dir", job_subdir_key=None,
                  hydra_context=HydraContext(config_loader=run.config_loader, callbacks=callbacks))
    callbacks.on_run_end(config=cfg, config_name=run.config_name, job_return=ret)
    ret.return_value  # noqa: B018 - raises what the job raised


def _not_utf8(arg: str) -> bool:
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:  # bytes Python could not decode, kept as surrogates
        return True
    return False


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    interrupt.install()
    try:
        _main(argv)
    except KeyboardInterrupt:
        fail(INTERRUPTED, EXIT_INTERRUPTED)
    except SystemExit as stop:
        if interrupt.came() and stop.code not in (0, None, EXIT_INTERRUPTED):
            fail(INTERRUPTED, EXIT_INTERRUPTED)
        raise
    except BaseException:
        # A Ctrl-C that lands inside a library's cleanup (OmegaConf's flag_override, say) can
        # come out as another error: it is still a Ctrl-C
        if interrupt.came():
            fail(INTERRUPTED, EXIT_INTERRUPTED)
        raise


def _main(argv: list[str]) -> None:
    for arg in argv:
        if _not_utf8(arg):
            shown = repr(arg.encode("utf-8", "surrogateescape"))[2:-1]
            fail(f"'{shown}' is not valid UTF-8; allowed: UTF-8 text")
    if "-h" in argv or "--help" in argv:
        print(help_text(), end="")
        return
    if "--version" in argv:
        print(f"negsim {version()}")
        return
    force = "--force" in argv
    try:
        argv = spelled([a for a in argv if a != "--force"])
        single = precheck(argv, force=force)
    except ConfigError as err:  # also `Refused`: memory, folders
        fail(str(err))
    register()  # the schema conf/config.yaml extends
    saved_argv, saved_env = sys.argv, os.environ.get("HYDRA_FULL_ERROR")
    sys.argv = [saved_argv[0], *argv]  # Hydra reads them from there
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra re-raises, so that errors come here to become one line
    try:
        run_composed(single) if single is not None else app()
    except WriteError as err:
        fail(str(err), EXIT_FAILED)
    except (HydraException, OmegaConfBaseException) as err:  # what the precheck does not follow
        fail(one_line(err))
    except OSError as err:  # Hydra's own files (.hydra/, the log) in the run folder
        fail(f"cannot write {err.filename or 'the run folder'}: {err.strerror or err}", EXIT_FAILED)
    finally:
        sys.argv = saved_argv
        if saved_env is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = saved_env


if __name__ == "__main__":
    main()
