"""The issue's scale case for ``procure batch``, with its timings.

    python3 benchmarks/batch_scale.py [--inputs 1000]

N generated problem statements, one of them invalid. Runs, and reports:
the first build (N-1 packs, the bad file located, exit 1), a second run
(everything skipped), ``--jobs 1`` against ``--jobs 2`` (identical bytes?),
and two shards against the whole (exactly the same packs, and merged
manifests equal to the whole batch's). Prints what it finds; asserts nothing
(``tests/test_batch.py`` asserts the same properties at a smaller N, and its
slow test the N = 1,000 build and rebuild).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.render import make_inputs  # noqa: E402


def batch(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "procure", "batch", *args], capture_output=True, text=True)
    return time.perf_counter() - start, done


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def packs(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_dir()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=1000)
    args = parser.parse_args()
    count = args.inputs
    with tempfile.TemporaryDirectory(prefix="procure-scale-") as tmp:
        work = Path(tmp)
        paths = make_inputs(work / "in", count)
        bad = paths[count * 3 // 5]
        bad.write_text(bad.read_text(encoding="utf-8").replace("  iterations: 4\n", "  iterations: vier\n"),
                       encoding="utf-8")
        source = str(work / "in")

        seconds, first = batch(source, "-o", str(work / "two"), "-j", "2")
        summary = first.stderr.strip().splitlines()[-1]
        located = [line for line in first.stderr.splitlines() if line.startswith(str(bad))]
        print(f"first build, --jobs 2: {seconds:.1f} s, exit {first.returncode}: {summary}")
        print(f"  packs on disk: {len(packs(work / 'two'))}; the bad file reported as: {located[0] if located else '-'}")

        seconds, again = batch(source, "-o", str(work / "two"), "-j", "2")
        print(f"second run: {seconds:.1f} s, exit {again.returncode}: {again.stderr.strip().splitlines()[-1]}")

        seconds, one = batch(source, "-o", str(work / "one"), "-j", "1")
        same = tree(work / "one") == tree(work / "two")
        print(f"build with --jobs 1: {seconds:.1f} s; identical bytes to --jobs 2: {'yes' if same else 'NO'}")

        shard_seconds = []
        for index in (1, 2):
            seconds, _ = batch(source, "-o", str(work / f"shard{index}"), "-j", "1", "--shard", f"{index}/2")
            shard_seconds.append(seconds)
        halves = [packs(work / "shard1"), packs(work / "shard2")]
        whole = packs(work / "one")
        exact = halves[0] | halves[1] == whole and not halves[0] & halves[1]
        bytes_same = all(tree(work / ("shard1" if name in halves[0] else "shard2") / name) == tree(work / "one" / name)
                         for name in whole)
        _, merged = batch("--merge-manifests", str(work / "shard1" / "manifest-shard-1-of-2.json"),
                          str(work / "shard2" / "manifest-shard-2-of-2.json"), "-o", str(work / "merged"))
        merged_file = work / "merged" / "manifest.json"
        merged_same = merged_file.is_file() and merged_file.read_bytes() == (work / "one" / "manifest.json").read_bytes()
        if merged.returncode != 0:
            print(f"merging the shards' manifests failed: {merged.stderr.strip()}")
        print(f"shards 1/2 and 2/2: {shard_seconds[0]:.1f} s + {shard_seconds[1]:.1f} s, "
              f"{len(halves[0])} + {len(halves[1])} packs; exactly the whole's packs: {'yes' if exact else 'NO'}; "
              f"same bytes: {'yes' if bytes_same else 'NO'}; merged manifest = whole manifest: "
              f"{'yes' if merged_same and merged.returncode == 0 else 'NO'}")


if __name__ == "__main__":
    main()
