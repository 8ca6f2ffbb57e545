"""Start-up cost of the command line: whole processes, as a user or a pipeline runs them.

    python3 benchmarks/startup.py [--runs 15] [--example examples/gemeente-bijstand.yaml] [--imports]

Times ``procure --help``, a one-pack ``procure render`` (the whole pack, without the
LibreOffice layout pass that numbers the contents: that is LibreOffice's start-up, not
procure's) and the same render with that pass (``--toc-pages``, its cost for an officer) as
separate processes in the same run, alternating them so that the machine's
load hits both alike, and prints each median, the spread and the ratio
render/help. The target of issue 12 is a ratio of at most 4.5. It also times the floor
under any render: a process that only imports Click, Pydantic (building procure's models),
Jinja and PyYAML, and prints what that alone costs against ``--help`` and how much of
the render lies above it (procure's own modules and the work). Prints figures;
asserts nothing (a shared machine is noisy; speed is read from medians, never
checked by a test). The Jinja bytecode cache is warmed by one render before
timing, as it is after a user's first run; so is Python's own: the processes run
without ``PYTHONDONTWRITEBYTECODE``, as an installed procure does (pip compiles its
modules when it installs them), so procure's modules are not compiled from source in
every timed run. ``--imports`` adds where a render's import time goes: each package's
cumulative ``-X importtime``, median over the runs.
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


#: The floor of a render: a process that imports the libraries a render cannot do without (Click,
#: Pydantic with procure's models built, Jinja, PyYAML) and does nothing else.
FLOOR = ["-c", "import click, jinja2, yaml, procure.model"]


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) time in milliseconds of one ``python -m procure ARGS`` process
    (``python ARGS`` for the floor), like /usr/bin/time's "real" and "user + sys". CPU time is steadier
    on a busy machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    command = [sys.executable, *args] if args == FLOOR else [sys.executable, "-m", "procure", *args]
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="processes per command (default 15)")
    parser.add_argument("--example", type=Path, default=ROOT / "examples" / "gemeente-bijstand.yaml")
    parser.add_argument("--imports", action="store_true", help="also print a render's import time per package")
    opts = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: modules compiled once, not in every run
    with tempfile.TemporaryDirectory() as out:
        commands = {
            "procure --help": ["--help"],
            "procure render (one pack)": ["render", str(opts.example), "-o", out, "--no-toc-pages"],
            "procure render --toc-pages": ["render", str(opts.example), "-o", out, "--toc-pages"],
            "floor (libraries + models)": FLOOR,
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
    floor_wall, floor_cpu = medians["floor (libraries + models)"]
    print(f"  ratio render / --help        wall {render_wall / help_wall:5.2f}   cpu {render_cpu / help_cpu:5.2f}"
          "   (target: at most 4.5)")
    print(f"  ratio floor / --help         wall {floor_wall / help_wall:5.2f}   cpu {floor_cpu / help_cpu:5.2f}"
          "   (what the libraries alone cost)")
    print(f"  render above the floor       wall {render_wall - floor_wall:7.1f}   cpu {render_cpu - floor_cpu:7.1f}"
          "   (procure's own imports and the work)")
    if opts.imports:
        print_import_groups(commands["procure render (one pack)"], env, opts.runs)


def import_groups(args: list[str], env: dict[str, str]) -> dict[str, float]:
    """One ``python -X importtime -m procure ARGS``: the milliseconds of each import made at the top
    level (procure's own modules one by one, every other package as a whole), nested imports included."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "procure", *args], check=True, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    groups: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if name.startswith("  ") or not cumulative.strip().isdigit():  # nested: counted in its importer
            continue
        module = name.strip()
        group = module if module.startswith("procure") else module.split(".")[0]
        groups[group] = groups.get(group, 0.0) + int(cumulative) / 1000
    return groups


def print_import_groups(args: list[str], env: dict[str, str], runs: int) -> None:
    """The median (and least) import time of each group over ``runs`` renders, largest first, and their sum.
    -X importtime reads the wall clock: on a busy machine the least is the steadier figure."""
    samples = [import_groups(args, env) for _ in range(runs)]
    names = {name for sample in samples for name in sample}
    values = {name: [sample.get(name, 0.0) for sample in samples] for name in names}
    totals = [sum(sample.values()) for sample in samples]
    print(f"imports of one render, -X importtime, {runs} runs (ms; first importer counts a shared module)")
    for name, times in sorted(values.items(), key=lambda item: -statistics.median(item[1])):
        if statistics.median(times) >= 1.0:
            print(f"  {name:<34} median {statistics.median(times):7.1f}   min {min(times):7.1f}")
    print(f"  {'all imports':<34} median {statistics.median(totals):7.1f}   min {min(totals):7.1f}")


if __name__ == "__main__":
    main()
