"""Benchmark the single-run command: ``renewfin run MODEL`` cold (first compile) and warm.

Usage::

    .venv/bin/python bench/bench_run.py [--model models/old_community.yaml] [--repeat 7]
        [--no-cold]

Each figure is a whole process started from outside (start-up, imports, loading numba's
cached kernels, the run, the printout and the interpreter's exit), as a user meets it:
wall seconds and CPU seconds (user + system of the child, from the operating system). In
the same run, as the baseline, a process that only imports the command
(``python -c "import renewfin.cli"``), timed alternately with the warm runs so that both see
the same load. The cold run compiles every kernel ``run`` uses into an empty numba cache
folder (``NUMBA_CACHE_DIR``, removed afterwards; the in-tree cache is not touched) and says
whether the compile notice was printed while it happened. On a shared machine wall time
follows the load: compare CPU seconds, and the medians. It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RENEWFIN = Path(sys.executable).with_name("renewfin")
NOTICE = "renewfin: compiling the engine"


def run_child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system, from ``wait4``) and standard error of one
    process; exits when it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err}")
    return wall, usage.ru_utime + usage.ru_stime, err


def spread(values: list[float]) -> str:
    """min / median / max, in seconds."""
    return f"{min(values):6.3f} / {statistics.median(values):6.3f} / {max(values):6.3f} s"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/old_community.yaml", help="spec file")
    parser.add_argument("--repeat", type=int, default=7, help="warm runs (and baselines)")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold run")
    args = parser.parse_args(argv)
    command = [str(RENEWFIN), "run", args.model]
    baseline = [sys.executable, "-c", "import renewfin.cli"]
    print(f"renewfin run {args.model}: min / median / max over {args.repeat} (wall, CPU)")
    if not args.no_cold:
        cache = tempfile.mkdtemp(prefix="renewfin-bench-cache-")
        try:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache}
            wall, cpu, err = run_child(command, env)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        said = "printed" if NOTICE in err else "NOT printed"
        print(f"  cold (empty numba cache):  wall {wall:7.2f} s  CPU {cpu:7.2f} s  notice {said}")
    run_child(command)  # the in-tree cache is filled before the warm runs
    warm: tuple[list[float], list[float]] = ([], [])
    base: tuple[list[float], list[float]] = ([], [])
    for _ in range(args.repeat):
        for out, cmd in ((warm, command), (base, baseline)):
            wall, cpu, _ = run_child(cmd)
            out[0].append(wall)
            out[1].append(cpu)
    print(f"  warm:                      wall {spread(warm[0])}  CPU {spread(warm[1])}")
    print(f"  baseline (import only):    wall {spread(base[0])}  CPU {spread(base[1])}")


if __name__ == "__main__":
    main()
