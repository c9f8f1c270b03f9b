"""A real single-node Slurm cluster in a temporary directory, for tests.

Starts ``munged`` (own key and socket), ``slurmctld`` and ``slurmd`` on 127.0.0.1
with a minimal ``slurm.conf`` (one node with this machine's CPUs and memory,
proctrack/linuxproc, task/none, no accounting, SlurmUser=root), waits for the
node to be idle, and stops every daemon it started by PID. Needs Debian's
``slurm-wlm`` and root; :func:`unavailable` says why not otherwise.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")


def _sbin(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def unavailable() -> str | None:
    """Why a test cluster cannot run here, or None."""
    missing = [d for d in (*DAEMONS, "sbatch", "sinfo") if _sbin(d) is None]
    if missing:
        return f"Slurm/munge not installed (missing {', '.join(missing)}; apt-get install slurm-wlm)"
    if os.geteuid() != 0:
        return "the test cluster runs its daemons as root (SlurmUser=root)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlurmCluster:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.pids: list[int] = []
        self.conf = self.root / "slurm.conf"
        self.env = dict(os.environ, SLURM_CONF=str(self.conf))
        for k in list(self.env):
            if k.startswith(("SLURM_", "PMI_", "PMIX_")) and k != "SLURM_CONF":
                del self.env[k]

    def _write_config(self) -> None:
        r = self.root
        for d in ("state", "spool", "log"):
            (r / d).mkdir(parents=True, exist_ok=True)
        key = r / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        host = socket.gethostname().split(".")[0]
        cpus = os.cpu_count() or 1
        mem_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1 << 20)
        ctl, slurmd = _free_port(), _free_port()
        self.conf.write_text(f"""\
ClusterName=phyngsc-test
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={r}/munge.sock
CredType=cred/munge
SlurmctldPort={ctl}
SlurmdPort={slurmd}
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={r}/slurmctld.pid
SlurmdPidFile={r}/slurmd.pid
SlurmctldLogFile={r}/log/slurmctld.log
SlurmdLogFile={r}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={mem_mb // 2} State=UNKNOWN
PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
""")

    def _daemon(self, argv: list[str], pidfile: Path) -> None:
        subprocess.run(argv, env=self.env, check=True, capture_output=True, timeout=30)
        for _ in range(100):
            if pidfile.exists() and pidfile.read_text().strip():
                self.pids.append(int(pidfile.read_text().split()[0]))
                return
            time.sleep(0.1)
        raise RuntimeError(f"{argv[0]} did not write {pidfile}")

    def start(self, timeout: float = 60) -> "SlurmCluster":
        self._write_config()
        r = self.root
        self._daemon([_sbin("munged"), f"--key-file={r}/munge.key", f"--socket={r}/munge.sock",
                      f"--pid-file={r}/munged.pid", f"--log-file={r}/log/munged.log",
                      f"--seed-file={r}/munge.seed", "--force"], r / "munged.pid")
        self._daemon([_sbin("slurmctld"), "-f", str(self.conf)], r / "slurmctld.pid")
        self._daemon([_sbin("slurmd"), "-f", str(self.conf)], r / "slurmd.pid")
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            out = subprocess.run(["sinfo", "-h", "-o", "%t"], env=self.env, capture_output=True,
                                 text=True).stdout.strip()
            if out == "idle":
                return self
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the test node never became idle (sinfo: {out!r}); see {r}/log")

    def sbatch(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        """``sbatch --wait ARGS``: returns when the job has ended."""
        return subprocess.run(["sbatch", "--wait", *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def stop(self) -> None:
        """Stop every daemon this cluster started (by PID), newest first."""
        for pid in reversed(self.pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
        self.pids.clear()
