"""What `negsim` checks before it simulates, and `compose`, the same checks for Python.

Before Hydra runs anything, the command line is composed as Hydra will compose it, and
every problem becomes one line naming the key and what is allowed (exit code 2):
types and unknown keys, values out of range (`sim.schema.checks.validate`), config options that
do not exist, a run too large for this machine's memory, an output folder that cannot
be written, a sweep folder that holds another sweep. A sweep checks its first point and,
for each swept key, the first point with each of its values; a value that fails only in
combination with another one fails as its own point, recorded in the sweep folder.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import sys
import tempfile
import typing
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from hydra import initialize_config_dir
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import OverrideType
from hydra.errors import MissingConfigException, OverrideParseException
from hydra.initialize import get_gh_backup, restore_gh_from_backup
from hydra.types import RunMode
from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict, read_write

from sim.commands import budget
from sim.commands import plan as plans
from sim.schema.checks import validate
from sim.schema.config import Config, ConfigError, register, to_config
from sim.schema.files import CONF

JOB_NAME = "cli"  # hydra.job.name, as Hydra names the job of sim/commands/cli.py
VALUE_FLAGS = {"-cd": "dir", "--config-dir": "dir", "-cn": "name", "--config-name": "name"}


class Refused(ConfigError):
    """Not a value out of range but what the run would do with it (memory, folders)."""


# ----------------------------------------------------------------------------- Python API


def compose(overrides: Sequence[str] = (), config_dir: str | Path | None = None) -> DictConfig:
    """The config `negsim` would run with these overrides, checked: a DictConfig that
    `sim.simulate` takes. `config_dir` is a folder of your own laid out like conf/
    (scenarios, studies), as `negsim --config-dir`. Works from any directory, and
    beside a Hydra the caller has initialised (a notebook). Raises `ConfigError` with
    one line naming the key and what is allowed."""
    dirs = [str(config_dir)] if config_dir is not None else []
    with hydra_app() as app:
        cfg = _compose(app, "config", [*spelled(overrides), *_search_path(dirs)], RunMode.RUN)
    cfg = _task(cfg)
    check_config(cfg)
    return cfg


@contextmanager
def hydra_app(job_name: str = "app") -> Iterator:
    """Hydra set up on conf/ (the caller's own Hydra, if any, is put back after)."""
    register()
    backup = get_gh_backup()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONF), job_name=job_name, version_base="1.3"):
            yield GlobalHydra.instance().hydra
    finally:
        restore_gh_from_backup(backup)


def _search_path(dirs: Sequence[str]) -> list[str]:
    if not dirs:
        return []
    for d in dirs:
        if not Path(d).is_dir():
            raise ConfigError(f"--config-dir {d}: {Path(d).resolve()} is not a folder; allowed: a folder laid out "
                              "like conf/ (scenario/, experiment/, ...)")
    paths = ", ".join(f"file://{Path(d).resolve()}" for d in dirs)
    return [f"hydra.searchpath=[{paths}]"]


def _compose(app, name: str, overrides: list[str], mode: RunMode) -> DictConfig:
    _parse_each(overrides)
    try:
        return app.compose_config(name, overrides, run_mode=mode)
    except Exception as err:  # noqa: BLE001 - every composition error becomes one line
        raise ConfigError(one_line(err)) from err


def _parse_each(overrides: list[str]) -> None:
    """A malformed override named with its own text (Hydra's parser does not say which)."""
    parser = OverridesParser.create()
    for text in overrides:
        try:
            parser.parse_overrides([text])
        except OverrideParseException as err:
            reason = str(err).splitlines()[0]
            raise ConfigError(f"{text!r} is not an override: {reason}; allowed: key=value, +key=value, "
                              "key=v1,v2 with -m (https://hydra.cc/docs/advanced/override_grammar/basic/)")


# ----------------------------------------------------------------------------- the checks


def check_config(cfg: DictConfig) -> Config:
    """Keys the schema knows, values `validate` allows, memory this machine has."""
    unknown_key(cfg)
    config = validate(to_config(cfg))
    need, free = budget.footprint(config).memory, budget.available_memory()
    if free is not None and need > free:
        raise Refused(f"{size_of(config)} needs about {budget.size(need)} of memory and {budget.size(free)} is free; "
                      f"allowed: {remedy(config)}")
    return config


def size_of(config: Config) -> str:
    """What makes a run large, as the keys that set it: its worlds and days."""
    from sim.worlds import design

    days = f"scenario.days={config.scenario.days}"
    if not design.is_design(config):
        return f"replications={config.replications} x {days}"
    points = len(design.expand_index(config))
    return (f"a design of {points} points x {design.replications(config)} worlds "
            f"({budget.worlds(config):,} worlds) x {days}")


def remedy(config: Config) -> str:
    """The changes that make the run smaller, only those that apply to it."""
    from sim.worlds import design

    ways = []
    if design.is_design(config):
        ways += ["fewer points", "fewer design.replications", "design.chunk=1/n ... n/n (-m) to run it in parts"]
    else:
        ways += ["fewer replications", "fewer scenario.days"]
    recorded = [f"record.{t}=false" for t in ("rounds", "timeline") if getattr(config.record, t)]
    if recorded:
        ways.append(" ".join(recorded))
    return ", or ".join(ways)


def unknown_key(cfg: DictConfig, prefix: str = "") -> None:
    """`+foo.bar=baz` adds a key the model would never read: refuse it."""
    kind = OmegaConf.get_type(cfg)
    if dataclasses.is_dataclass(kind):
        fields = [f.name for f in dataclasses.fields(kind)]
        for key in cfg:
            if key not in fields:
                raise ConfigError(f"{prefix}{key} is not a config key; allowed{' in ' + prefix[:-1] if prefix else ''}: "
                                  + ", ".join(fields))
    items = cfg.items_ex(resolve=False) if isinstance(cfg, DictConfig) else enumerate(cfg)
    for key, _ in items:
        child = cfg._get_node(key)
        if isinstance(child, (DictConfig, ListConfig)) and not child._is_none() and not child._is_missing():
            unknown_key(child, f"{prefix}{key}.")


def spelled(argv: Sequence[str]) -> list[str]:
    """The command line with each override as `spell` and `observed_by_file` accept it
    (flags and their values kept)."""
    out, value_next = [], False
    for arg in argv:
        out.extend([arg] if value_next or arg.startswith("-") else observed_by_file(spell(arg)))
        value_next = not value_next and arg in VALUE_FLAGS
    return out


OBSERVED = "scenario.observed"
OBSERVED_FORMS = (f"~{OBSERVED}.NAME to drop a series, {OBSERVED}.NAME={{file: <csv>, column: <name>}} "
                  f"or {OBSERVED}.NAME={{values: {{YYYY-MM-DD: number}}}} to replace one")


def observed_by_file(text: str) -> list[str]:
    """`scenario.observed.X={file: f, column: c}` replaces the series X the scenario gives
    inline: Hydra would merge the two (a series with both), so it becomes `~X` then `+X=...`.
    Forms that cannot say what they mean are refused with the ones that can."""
    try:
        (override,) = OverridesParser.create().parse_overrides([text])
    except OverrideParseException:
        return [text]
    key = override.key_or_group
    if override.package or override.is_sweep_override() or not (key == OBSERVED or key.startswith(OBSERVED + ".")):
        return [text]
    name = key[len(OBSERVED) + 1:]
    value = None if override.type == OverrideType.DEL else override.value()
    if (key == OBSERVED and (override.type == OverrideType.DEL or not value)) or (re.fullmatch(r"\w+\.values", name) and (override.type == OverrideType.DEL or value is None)):
        raise ConfigError(f"{text} is not allowed; allowed: {OBSERVED_FORMS}")
    if (override.type == OverrideType.CHANGE and re.fullmatch(r"\w+", name) and isinstance(value, dict)
            and {"file", "values"} & set(value) and not {"file", "values"} <= set(value)):
        return [f"~{key}", f"+{OBSERVED}={{{name}: {text.split('=', 1)[1]}}}"]
    return [text]


def spell(text: str) -> str:
    """An override in the form a user types, rewritten into the one Hydra accepts:
    `design.axes={a.b: [...]}` adds keys to an open map (Hydra wants `++`, since the
    config is struct), and `+scenario.events.my_event={...}` adds an entry that comes
    whole (Hydra wants `+scenario.events={my_event: {...}}`). Anything else is returned
    as it is, for Hydra and the checks to judge."""
    try:
        (override,) = OverridesParser.create().parse_overrides([text])
    except OverrideParseException:
        return text
    if override.package or override.is_sweep_override() or "=" not in text:
        return text
    key, value = override.key_or_group, text.split("=", 1)[1]
    number = override.value()
    if (isinstance(number, float) and number.is_integer() and abs(number) < 2**53 and _schema_at(key) is int
            and override.type != OverrideType.DEL):  # 1e3 for an integer key is 1000
        return f"{text.split('=', 1)[0]}={int(number)}"
    if not isinstance(override.value(), dict):
        return text
    if override.type == OverrideType.CHANGE and typing.get_origin(_schema_at(key)) is dict:
        return "++" + text
    parent, _, name = key.rpartition(".")
    entry = typing.get_args(_schema_at(parent))[-1] if typing.get_origin(_schema_at(parent)) is dict else None
    if override.type == OverrideType.ADD and dataclasses.is_dataclass(entry) and re.fullmatch(r"\w+", name):
        return f"+{parent}={{{name}: {value}}}"
    return text


@dataclass
class Command:
    overrides: list[str] = field(default_factory=list)
    config_dirs: list[str] = field(default_factory=list)
    config_name: str = "config"
    multirun: bool = False


def parse_argv(argv: Sequence[str]) -> Command | None:
    """The command line, or None when it holds a Hydra flag left to Hydra (--cfg, --info,
    --shell-completion, --hydra-help)."""
    cmd, i = Command(), 0
    while i < len(argv):
        arg = argv[i]
        flag, _, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if arg in ("-m", "--multirun"):
            cmd.multirun = True
        elif flag in VALUE_FLAGS:
            if not value:
                if i + 1 == len(argv):
                    raise ConfigError(f"{arg} needs a value")
                i += 1
                value = argv[i]
            if VALUE_FLAGS[flag] == "name":
                cmd.config_name = value
            else:
                cmd.config_dirs.append(value)
        elif arg.startswith("-"):
            return None
        else:
            cmd.overrides.append(arg)
        i += 1
    return cmd


@dataclass
class Run:
    """A single run as Hydra would start it: its config with the `hydra` node, composed once."""

    cfg: DictConfig
    config_loader: typing.Any
    config_name: str


def precheck(argv: Sequence[str], force: bool = False) -> Run | None:
    """Raise ConfigError or Refused (one line) if this command line cannot run as asked;
    print on stderr a note before a run that will write more than `budget.LARGE`. A single
    run comes back composed, for `negsim` to run without composing it again (Hydra's own
    entry point would compose it twice more, ~0.2 s each); a sweep or a Hydra flag gives None."""
    cmd = parse_argv(argv)
    if cmd is None:
        return None
    overrides = [*cmd.overrides, *_search_path(cmd.config_dirs)]
    _parse_each(overrides)
    swept = [o.input_line for o in OverridesParser.create().parse_overrides(cmd.overrides) if o.is_sweep_override()]
    with hydra_app(job_name=JOB_NAME) as app:
        if not cmd.multirun and not swept:
            cfg = _compose(app, cmd.config_name, overrides, RunMode.RUN)
            if cfg.hydra.mode != RunMode.MULTIRUN:  # a config may make itself a sweep
                config = check_config(_task(cfg))
                _check_folder("hydra.run.dir", cfg.hydra.run.dir)
                _note_size(budget.footprint(config).disk, 1)
                return Run(cfg, app.config_loader, cmd.config_name)
        # the composition Hydra makes for a sweep; it also tells whether this is one
        base = _compose(app, cmd.config_name, overrides, RunMode.MULTIRUN)
        if cmd.multirun or base.hydra.mode == RunMode.MULTIRUN:
            _check_sweep(app, base, force)
            return None
    raise ConfigError(f"{swept[0]} gives several values; allowed: one value, or -m to run a sweep "
                      "(one point per value), or [v1,v2] for a list")


def _task(cfg: DictConfig) -> DictConfig:
    """The config without its `hydra` node: what the job sees."""
    task = copy.deepcopy(cfg)
    with read_write(task), open_dict(task):
        del task["hydra"]
    return task


def _check_sweep(app, base: DictConfig, force: bool) -> None:
    jobs = plans.planned_jobs(base.hydra, app.config_loader)
    sweep_dir = _check_folder("hydra.sweep.dir", base.hydra.sweep.dir)
    _check_plan(sweep_dir, jobs, force)
    # the default subdir (the job number) is one folder per point; another must be checked
    own_subdir = OmegaConf.to_container(base.hydra.sweep, resolve=False)["subdir"] != "${hydra.job.num}"
    first: DictConfig | None = None  # job 0 without its hydra node
    subdirs: dict[str, int] = {}
    for num in _jobs_to_check(jobs):
        where = f" (sweep point {' '.join(jobs[num])})"
        try:
            task = _changed_values(app, first, jobs, num) if first is not None and not own_subdir else None
            if task is None:
                cfg = _compose(app, base.hydra.job.config_name, _hydra_overrides(base) + jobs[num], RunMode.RUN)
                task = _task(cfg)
                if own_subdir:
                    sub = _subdir(cfg, num)
                    if sub in subdirs:
                        raise ConfigError(f"hydra.sweep.subdir gives points {subdirs[sub]} and {num} the same folder "
                                          f"{sub!r}; allowed: a pattern with ${{hydra.job.num}} or every swept key")
                    subdirs[sub] = num
            plans.records_for_sweep(task, jobs[num])  # as the point will run: its memory is what counts
            config = check_config(task)
        except ConfigError as err:
            raise type(err)(f"{err}{where}") from err
        if first is None:
            first = task
            _note_size(budget.footprint(config).disk, len(jobs))


def _hydra_overrides(base: DictConfig) -> list[str]:
    return OmegaConf.to_container(base.hydra.overrides.hydra, resolve=False)  # as the launcher reads them


def _jobs_to_check(jobs: list[list[str]]) -> list[int]:
    """The first job, then for each key the first job with each of its other values."""
    seen, picked = set(), [0]
    for num, job in enumerate(jobs):
        new = [o for o in job if o not in seen]
        seen.update(job)
        if num and new:
            picked.append(num)
    return picked


def _changed_values(app, first: DictConfig, jobs: list[list[str]], num: int) -> DictConfig | None:
    """Job `num`'s config as the first job's with its other values set, when they are plain
    values (composing again takes Hydra ~0.3 s); None when a config group changes."""
    changed = OverridesParser.create().parse_overrides([o for o in jobs[num] if o not in jobs[0]])
    if any(app.config_loader.get_group_options(o.key_or_group) for o in changed):
        return None
    task = copy.deepcopy(first)
    try:
        with read_write(task):
            ConfigLoaderImpl._apply_overrides_to_config(changed, task)
    except Exception as err:  # noqa: BLE001 - as Hydra's own composition would fail
        raise ConfigError(one_line(err)) from err
    return task


def _subdir(cfg: DictConfig, num: int) -> str:
    with read_write(cfg), open_dict(cfg):
        cfg.hydra.job.num = num
    sub = str(cfg.hydra.sweep.subdir)
    parts = Path(sub).parts
    if not sub or Path(sub).is_absolute() or ".." in parts:
        raise ConfigError(f"hydra.sweep.subdir={sub!r} is not allowed; allowed: a relative folder name without '..', "
                          "so that every point stays in the sweep folder")
    return sub


def _check_folder(key: str, folder: str) -> Path:
    """The run or sweep folder is a folder (or can be made one) and can be written."""
    if not str(folder).strip():
        raise Refused(f"{key}='' is not allowed; allowed: a folder path (results go into it, not the current folder)")
    path = Path(folder).expanduser().absolute()
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise Refused(f"{key}={folder} is not allowed: {probe} is a file; allowed: a folder path")
    try:
        tempfile.TemporaryDirectory(dir=probe, prefix=".negsim-probe-").cleanup()
    except OSError as err:
        raise Refused(f"{key}={folder} is not allowed: {probe} cannot be written ({err.strerror}); "
                      "allowed: a folder you can write") from err
    return path


def _check_plan(sweep_dir: Path, jobs: list[list[str]], force: bool) -> None:
    if force:
        return
    try:
        plan = plans.read_plan(sweep_dir)
    except plans.PlanError as err:
        raise Refused(f"{err}; rerun with --force to replace it, or choose another hydra.sweep.dir") from err
    if plan is not None and plan["jobs"] != jobs:
        raise Refused(
            f"hydra.sweep.dir={sweep_dir} holds another sweep ({len(plan['jobs'])} points: "
            f"{plans.describe(plan['jobs'])}); rerun with --force to replace its plan, or choose another folder"
        )


def _note_size(disk: dict[str, int], points: int) -> None:
    total = sum(disk.values()) * points
    if total <= budget.LARGE:
        return
    parts = ", ".join(f"{name} {budget.size(n * points)}" for name, n in disk.items())
    hint = ("record.rounds=false record.timeline=false keep only the outcomes"
            if len(disk) > 1 else "fewer replications or points write less")
    print(f"negsim: note: this run will write up to {budget.size(total)} ({parts}); {hint}",
          file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- messages


def one_line(err: BaseException) -> str:
    """A Hydra, OmegaConf or YAML error as `key: what is wrong; allowed: ...`, one line."""
    marked = _in_chain(err, yaml.MarkedYAMLError)
    if marked is not None and marked.problem_mark is not None:
        mark = marked.problem_mark
        context = f" ({marked.context})" if marked.context else ""
        return f"{mark.name}, line {mark.line + 1}, column {mark.column + 1}: {marked.problem}{context}"
    text = str(err)
    gone = re.match(rf"Could not delete from config\. '({OBSERVED}\.\w+)' does not exist", text)
    if gone:  # `observed_by_file` replaces a series the scenario does not give
        return (f"{gone[1]}: the scenario gives no such series to replace; allowed: "
                f"+{gone[1]}={{file: <csv>, column: <name>}} to add one")
    if isinstance(err, MissingConfigException) and "Available options" in text:
        lines = [ln.strip() for ln in text.splitlines()]
        start = next(i for i, ln in enumerate(lines) if ln.startswith("Available options")) + 1
        options = [ln for ln in lines[start:] if ln and not ln.startswith("Config search path")]
        options = options[: next((i for i, o in enumerate(options) if ":" in o), len(options))]
        missing = re.search(r"Could not find '([^']+)/([^'/]+)'", lines[0])
        what = f"{missing[1]}={missing[2]} is not an option" if missing else lines[0]
        return f"{what}; allowed: {', '.join(options)}"
    cause = err.__cause__ or err
    lines = [ln.strip() for ln in str(cause).splitlines() if ln.strip()]
    if "raised while composing config:" in text:  # a config file with a bad value
        head, _, rest = text.partition(" raised while composing config:")
        lines = [ln.strip() for ln in rest.splitlines() if ln.strip()]
        where = head.split(":")[0].removeprefix("In ").strip("'")
        key = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("full_key:")), None)
        msg = f"{lines[0]} (in the config file {where}.yaml)"
        return f"{key}: {msg}" if key else msg
    msg = lines[0] if lines else type(err).__name__
    override = text.removeprefix("Error merging override ").splitlines()[0] if text.startswith("Error merging") else ""
    key = getattr(cause, "full_key", None)
    if key:
        key = re.sub(r"\[(\d+)\]", r".\1", key)  # scenario.calendar[0].day -> scenario.calendar.0.day
        key = _full_key(override, key) if override else key
    if key and ("is not a subclass of" in msg or "not in struct" in msg or "Could not override" in text):
        parent, _, name = key.rpartition(".")
        kind = _schema_at(parent)
        if dataclasses.is_dataclass(kind):
            return f"{key} is not a config key; allowed: {', '.join(f.name for f in dataclasses.fields(kind))}"
        entry = typing.get_args(kind)[-1] if typing.get_origin(kind) is dict else None
        if dataclasses.is_dataclass(entry):  # a new party, issue or format: it comes whole
            fields = ", ".join(f.name for f in dataclasses.fields(entry))
            return (f"{key}: a new entry is added whole; allowed: '+{parent}={{{name}: {{...}}}}' with {fields}, "
                    "or a scenario file of your own (--config-dir)")
        msg += f"; a new key needs a leading +: +{key}=..."
    if "valid bool" in msg:
        msg += "; allowed: true, false"
    if "could not be converted to Integer" in msg:
        msg += ("; allowed: a whole number (1000 or 1e3); a distribution only for a value that can differ between "
                "worlds (this one cannot: vary it with -m)" if "of type 'dict'" in msg else "; allowed: a whole number (1000 or 1e3)")
    if "Cannot convert 'dict' to string" in msg:
        msg += (f"; allowed: one value; to vary it between worlds list its values on a design axis, "
                f"'design.axes={{{key}: [a, b]}}'" if key else "; allowed: one value")
    return f"{key}: {msg}" if key else msg


def _in_chain(err: BaseException | None, kind: type) -> typing.Any:
    while err is not None:
        if isinstance(err, kind):
            return err
        err = err.__cause__ or err.__context__
    return None


def _full_key(override: str, key: str) -> str:
    """OmegaConf names the failing node relative to where it merged; the override names it
    from the top: `+scenario.parties.belarus.cost=0.1` and `belarus` give `scenario.parties.belarus`."""
    path = override.lstrip("+~").split("=", 1)[0]
    parts, tail = path.split("."), key.replace("[", ".").replace("]", "").split(".")
    for end in range(len(parts), 0, -1):
        if parts[end - len(tail):end] == tail:
            return ".".join(parts[:end])
    return key


def _schema_at(path: str) -> typing.Any:
    """The schema's type at a dotted path (`scenario.parties.russia` -> PartyConfig), None
    if the schema has no such path."""
    kind: typing.Any = Config
    for part in path.split(".") if path else []:
        if dataclasses.is_dataclass(kind):
            kind = typing.get_type_hints(kind).get(part)
        elif typing.get_origin(kind) in (dict, list):
            kind = typing.get_args(kind)[-1]
        else:
            return None
    return kind
