"""Worker processes on localhost for the cluster tests: free ports chosen at run time, and every
process started here killed when its test ends (pass or fail)."""
from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_ports(n: int) -> list[int]:
    """``n`` distinct ports the OS reports free now (bound to port 0, then released)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("localhost", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _die_with_parent() -> None:
    """In the child, before exec: the kernel kills it if the test process dies (Linux), so that no
    worker outlives a test run that was itself killed (its finalizers never run then)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Workers:
    """Starts ``nnstudio train ... --distribute multi-worker`` processes; :meth:`kill_all` ends them."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, args: list[str], count: int, cwd: Path) -> list[subprocess.Popen]:
        ports = free_ports(count)
        workers = ",".join(f"localhost:{p}" for p in ports)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
               # two workers share the machine's cores: one compute thread each
               "NNSTUDIO_COMPUTE_THREADS": "1"}
        env.pop("TF_CONFIG", None)
        started = []
        for i in range(count):
            p = subprocess.Popen(
                [sys.executable, "-m", "nnstudio", "train", *args, "--distribute", "multi-worker",
                 "--workers", workers, "--worker-index", str(i), "--json"],
                cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
            self.procs.append(p)
            started.append(p)
        return started

    @staticmethod
    def results(procs: list[subprocess.Popen], timeout: float = 600) -> list[dict]:
        """Each worker's JSON output (a failing worker fails the test with its stderr)."""
        out = []
        for p in procs:
            stdout, stderr = p.communicate(timeout=timeout)
            assert p.returncode == 0, stderr[-3000:]
            out.append(json.loads(stdout))
        return out

    def kill_all(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.communicate(timeout=30)
            except (subprocess.TimeoutExpired, ValueError):
                pass
