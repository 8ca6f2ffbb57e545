"""Start-up cost of the command line: whole processes, as a user or a pipeline runs them.

    python3 benchmarks/startup.py [--runs 15] [--example examples/gemeente-bijstand.yaml]

Times ``procure --help``, a one-pack ``procure render`` (the whole pack, without the
LibreOffice layout pass that numbers the contents: that is LibreOffice's start-up, not
procure's) and the same render with that pass (``--toc-pages``, its cost for an officer) as
separate processes in the same run, alternating them so that the machine's
load hits both alike, and prints each median, the spread and the ratio
render/help. The target of issue 12 is a ratio of at most 4.5. Prints figures;
asserts nothing (a shared machine is noisy; speed is read from medians, never
checked by a test). The Jinja bytecode cache is warmed by one render before
timing, as it is after a user's first run.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) time in milliseconds of one ``python -m procure ARGS`` process,
    like /usr/bin/time's "real" and "user + sys". CPU time is steadier on a busy machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "procure", *args], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="processes per command (default 15)")
    parser.add_argument("--example", type=Path, default=ROOT / "examples" / "gemeente-bijstand.yaml")
    opts = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory() as out:
        commands = {
            "procure --help": ["--help"],
            "procure render (one pack)": ["render", str(opts.example), "-o", out, "--no-toc-pages"],
            "procure render --toc-pages": ["render", str(opts.example), "-o", out, "--toc-pages"],
        }
        for args in commands.values():  # warm-up: the OS file cache and procure's template cache
            run_once(args, env)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(opts.runs):
            for name, args in commands.items():
                times[name].append(run_once(args, env))
    print(f"start-up, whole processes, {opts.runs} runs each (ms; load average {os.getloadavg()[0]:.1f})")
    medians: dict[str, tuple[float, float]] = {}
    for name, values in times.items():
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        medians[name] = (statistics.median(walls), statistics.median(cpus))
        print(f"  {name:<28} wall median {medians[name][0]:7.1f} (min {min(walls):7.1f})   "
              f"cpu median {medians[name][1]:7.1f} (min {min(cpus):7.1f})")
    help_wall, help_cpu = medians["procure --help"]
    render_wall, render_cpu = medians["procure render (one pack)"]
    print(f"  ratio render / --help        wall {render_wall / help_wall:5.2f}   cpu {render_cpu / help_cpu:5.2f}"
          "   (target: at most 4.5)")


if __name__ == "__main__":
    main()
