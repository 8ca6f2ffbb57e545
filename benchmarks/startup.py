"""Start-up cost of the command line: whole processes, as a user or a pipeline runs them.

    python3 benchmarks/startup.py [--runs 15] [--example examples/gemeente-bijstand.yaml]

Times ``procure --help`` and a one-pack ``procure render`` (both documents) as
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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(args: list[str], env: dict[str, str]) -> float:
    """Wall time in milliseconds of one ``python -m procure ARGS`` process, like /usr/bin/time's "real"."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "procure", *args], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="processes per command (default 15)")
    parser.add_argument("--example", type=Path, default=ROOT / "examples" / "gemeente-bijstand.yaml")
    opts = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory() as out:
        commands = {
            "procure --help": ["--help"],
            "procure render (one pack)": ["render", str(opts.example), "-o", out],
        }
        for args in commands.values():  # warm-up: the OS file cache and procure's template cache
            run_once(args, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(opts.runs):
            for name, args in commands.items():
                times[name].append(run_once(args, env))
    print(f"start-up, whole processes, {opts.runs} runs each (ms)")
    medians = {}
    for name, values in times.items():
        medians[name] = statistics.median(values)
        print(f"  {name:<28} median {medians[name]:7.1f}   min {min(values):7.1f}   max {max(values):7.1f}")
    ratio = medians["procure render (one pack)"] / medians["procure --help"]
    print(f"  ratio render / --help        {ratio:7.2f}   (target: at most 4.5)")


if __name__ == "__main__":
    main()
