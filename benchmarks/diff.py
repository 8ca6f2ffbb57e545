"""What reviewing a template change costs: templates check, and diff with a redline, per document.

    python3 benchmarks/diff.py [--runs 20]

Prints medians; asserts nothing (shared, noisy machines). The change compared is
the one the redline tests make (a changed word, a new chapter, a moved clause, a
new table, a changed footer label) on the exported built-in set.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_ms(func: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from procure.diff import render_all
    from procure.redline import compare
    from procure.template_lint import check_templates
    from procure.template_sets import export_builtin
    from tests.test_redline import change_templates

    example = ROOT / "examples" / "gemeente-bijstand.yaml"
    with tempfile.TemporaryDirectory() as scratch:
        base, head = Path(scratch) / "base", Path(scratch) / "head"
        export_builtin(base)
        export_builtin(head)
        change_templates(head)
        kinds = ("tender", "consultation")
        before, after = render_all(example, base, kinds), render_all(example, head, kinds)
        for kind in kinds:
            old, new = before[kind][1], after[kind][1]
            result = compare(old, new)
            ms = median_ms(lambda old=old, new=new: compare(old, new), args.runs)
            print(f"compare + redline, {kind:<12} {ms:8.1f} ms median  ({len(result.changes)} changes, "
                  f"{len(old) // 1024} KiB in, {len(result.redline or b'') // 1024} KiB redline)")
        ms = median_ms(lambda: render_all(example, head, kinds), max(3, args.runs // 4))
        print(f"render both documents once          {ms:8.1f} ms median")
        start = time.perf_counter()
        findings = check_templates(head, examples=[example])
        print(f"templates check, one example         {(time.perf_counter() - start) * 1000:8.1f} ms "
              f"({len(findings)} findings)")
        start = time.perf_counter()
        check_templates(None)
        print(f"templates check, built-in set, every bundled example "
              f"{(time.perf_counter() - start) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
