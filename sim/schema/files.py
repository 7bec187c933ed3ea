"""Where the files a config names are found: observed series, a calibration's posterior.

A relative path is looked up in the current directory, then in the config folders of the
running Hydra app (a `--config-dir` of the run), then in the repository's `conf/`.
"""

from __future__ import annotations

from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "conf"  # the repository's conf/ (editable install)


def find_file(name: str) -> Path | None:
    """An existing file: absolute, or relative to the current directory, then the config folder."""
    path = Path(name).expanduser()
    if path.is_absolute():
        return path if path.is_file() else None
    for folder in (Path.cwd(), *config_folders()):
        if (folder / path).is_file():
            return (folder / path).resolve()
    return None


def config_folders() -> list[Path]:
    """The running Hydra app's file config sources, then conf/."""
    folders = []
    try:
        from hydra.core.hydra_config import HydraConfig

        if HydraConfig.initialized():
            for source in HydraConfig.get().runtime.config_sources:
                if source.schema == "file":
                    folders.append(Path(source.path))
    except Exception:  # noqa: BLE001 - outside a Hydra app there is only conf/
        pass
    return [*folders, CONF]
