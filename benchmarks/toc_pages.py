"""What page numbers in the contents cost: a pack rendered with and without the LibreOffice layout pass.

    python3 benchmarks/toc_pages.py [--runs 5] [--example examples/gemeente-bijstand.yaml]

Prints medians of whole-pack renders (in memory, nothing written), the difference
per document, and one LibreOffice run over every example's documents at once (a
batch of one pack per run is what render does). Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_s(func, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from procure import toc_pages
    from procure.build import KINDS, BuildOptions, build_document, build_documents
    from procure.docx_render import LayoutPages
    from procure.loader import load_problem

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--example", type=Path, default=ROOT / "examples" / "gemeente-bijstand.yaml")
    args = parser.parse_args()
    if not toc_pages.available():
        print("LibreOffice (soffice) or pdfinfo is not installed: nothing to measure")
        return
    loaded = load_problem(args.example)
    plain, numbered = BuildOptions(toc_pages=False), BuildOptions(toc_pages=True)
    issues: list = []
    build_documents(loaded, numbered, issues)  # warm the caches (styles, templates) and LibreOffice's files
    without = median_s(lambda: build_documents(loaded, plain, issues), args.runs)
    with_pages = median_s(lambda: build_documents(loaded, numbered, issues), args.runs)
    documents = len(KINDS)
    print(f"{args.example.name}: {documents} documents, median of {args.runs} runs")
    print(f"  without page numbers   {without * 1000:8.0f} ms a pack")
    print(f"  with page numbers      {with_pages * 1000:8.0f} ms a pack")
    print(f"  cost                   {(with_pages - without) * 1000 / documents:8.0f} ms a document "
          f"({(with_pages - without) * 1000:.0f} ms a pack: one LibreOffice start, then each layout)")
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    docs = [build_document(load_problem(e), kind, plain, LayoutPages()).data for e in examples for kind in KINDS]
    start = time.perf_counter()
    toc_pages.heading_pages(docs)
    batch = time.perf_counter() - start
    print(f"  one LibreOffice run over {len(docs)} documents: {batch * 1000:.0f} ms "
          f"({batch * 1000 / len(docs):.0f} ms a document)")
    if issues:
        print("  warnings:", *issues, sep="\n    ")


if __name__ == "__main__":
    main()
