"""SLURM for real: a one-node cluster on this machine, and a design's chunks run through
Hydra's `submitit_slurm` launcher as a SLURM job array.

The cluster is Debian's `slurm-wlm` (slurmctld, slurmd) with MUNGE for authentication,
each started by the fixture below from a minimal config written into a temporary folder,
on free ports, and stopped after. `.ci/run` installs the package and the `slurm` extra; a
machine without them skips the test, saying what is missing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import make_cfg, negsim

from sim import simulate

pytestmark = pytest.mark.slow

DAEMONS = ("munged", "slurmctld", "slurmd", "sinfo", "sbatch")

SLURM_CONF = """\
ClusterName=negsim-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={folder}/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmctldLogFile={folder}/slurmctld.log
SlurmdLogFile={folder}/slurmd.log
# no cgroups, no accounting daemon: processes tracked by their parent, states by squeue
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=4000 State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, what: str, folder: Path, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    logs = "\n".join(p.read_text()[-1500:] for p in sorted(folder.glob("*.log")))
    raise AssertionError(f"{what} within {seconds:.0f} s; the daemons' logs:\n{logs}")


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """A running one-node SLURM cluster: the environment that points its commands at it.
    (One test uses it: under pytest-xdist, a second test could start a second cluster.)"""
    missing = [d for d in DAEMONS if shutil.which(d) is None and not Path(f"/usr/sbin/{d}").exists()]
    if missing:
        pytest.skip(f"SLURM not installed ({', '.join(missing)} not found): `apt-get install -y slurm-wlm` (.ci/run does)")
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher", reason="the slurm extra: pip install -e '.[slurm]'")
    if os.geteuid() != 0:
        pytest.skip("slurmd starts jobs as their user and runs as root; this test starts it, so it needs root")
    folder = tmp_path_factory.mktemp("slurm")
    for sub in ("state", "spool"):
        (folder / sub).mkdir()
    key = folder / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o600)
    conf = folder / "slurm.conf"
    conf.write_text(SLURM_CONF.format(folder=folder, ctld_port=free_port(), slurmd_port=free_port(),
                                      cpus=os.cpu_count() or 1))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    sbin = lambda name: shutil.which(name) or f"/usr/sbin/{name}"  # noqa: E731
    subprocess.run([sbin("munged"), "--force", f"--key-file={key}", f"--socket={folder}/munge.socket",
                    f"--pid-file={folder}/munged.pid", f"--log-file={folder}/munged.log",
                    f"--seed-file={folder}/munge.seed"], check=True, env=env)
    try:
        subprocess.run([sbin("slurmctld"), "-c"], check=True, env=env)  # -c: a clean state, no old jobs
        subprocess.run([sbin("slurmd"), "-N", "localhost"], check=True, env=env)
        idle = lambda: "idle" in subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True,  # noqa: E731
                                                env=env).stdout
        wait_for(idle, "the node did not come up idle", folder)
        yield env
    finally:
        subprocess.run(["scancel", "--user", "root"], env=env, capture_output=True)
        for name in ("slurmd", "slurmctld", "munged"):
            pid_file = folder / f"{name}.pid"
            if pid_file.exists():
                try:
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
                except (ProcessLookupError, ValueError):
                    pass


def test_chunks_of_a_design_run_as_slurm_jobs_join_into_the_unsplit_tables(slurm, tmp_path):
    """README's SLURM command: three chunks of a study as a job array of submitit_slurm; the
    joined tables are exactly the unsplit design's."""
    hello = tmp_path / "hello.out"  # first, the cluster runs a job at all (so a failure below is negsim's)
    subprocess.run(["sbatch", "-o", str(hello), "--wrap", "echo ran as job $SLURM_JOB_ID"], check=True, env=slurm,
                   capture_output=True)
    wait_for(lambda: hello.exists() and "ran as job" in hello.read_text(), "a batch job did not run", tmp_path)
    study = ["experiment=concession_tactics", "design.replications=6"]
    launcher = ["hydra/launcher=submitit_slurm", "hydra.launcher.partition=local", "hydra.launcher.timeout_min=10",
                "hydra.launcher.cpus_per_task=1", "hydra.launcher.mem_gb=1"]
    sweep = tmp_path / "sweep"
    proc = negsim("-m", *study, "design.chunk=1/3,2/3,3/3", *launcher, f"hydra.sweep.dir={sweep}", env=slurm)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = sorted((sweep / ".submitit").glob("*_*/*_result.pkl"))
    assert len(results) == 3, "each chunk ran as a task of a SLURM job array (submitit's result files)"
    whole = simulate(make_cfg(*study))
    for name in ("outcomes", "worlds"):
        joined = pd.read_parquet(sweep / f"{name}.parquet")
        pd.testing.assert_frame_equal(joined, getattr(whole, name).reset_index(drop=True), check_exact=True)
