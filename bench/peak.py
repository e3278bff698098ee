"""Peak memory per phase of a benchmark (Linux): reset the kernel's high-water mark, then read it."""

from __future__ import annotations

import contextlib
import resource
import subprocess
import sys
import time
from pathlib import Path


def reset_peak() -> None:
    """Reset this process's peak RSS, so that the next :func:`peak_rss_mib` reports one phase's peak."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mib() -> float:
    """Peak RSS since the last :func:`reset_peak` (VmHWM); the whole run's peak where that is missing."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_unmask(args: list[str]) -> tuple[subprocess.CompletedProcess, float, int]:
    """``unmask ARGS`` in its own process under GNU time: the finished process, its seconds and its peak RSS
    in MB. Raises with the command's error output when it fails."""
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "unmask", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"unmask {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done, seconds, round(int(done.stderr.strip().splitlines()[-1]) / 1024)
