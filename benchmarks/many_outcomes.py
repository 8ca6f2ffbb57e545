"""How long a very large but valid problem statement takes to render, stage by stage.

    python3 benchmarks/many_outcomes.py [--outcomes 10000]

Writes a problem statement with N outcomes (each with every optional field, so
each outcome gives several paragraphs and table rows) and times one full render
of the pack, and the tender document's stages. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEAD = """\
language: en
reference: BIG-1
title: Many outcomes
buyer:
  organisation: Test Agency
  contact:
    name: A. Tester
    email: buyer@example.org
problem:
  statement: Applicants wait too long for a decision on their permit.
  affected_users: [applicants, case handlers]
iteration_budget:
  iteration_weeks: 4
  iterations: 3
  per_iteration: 30000
outcomes:
"""
#: About 60 bytes an outcome, so that 10,000 stay under the loader's 1 MiB.
OUTCOME = "  - {{title: Outcome {n}, indicator: days, baseline: 40 days, target: 10 days}}\n"


def problem_text(outcomes: int) -> str:
    return HEAD + "".join(OUTCOME.format(n=n) for n in range(outcomes))


def timed(label: str, func):  # noqa: ANN001, ANN201 - a tiny helper
    start = time.perf_counter()
    value = func()
    print(f"{label:>12}: {time.perf_counter() - start:8.2f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--outcomes", type=int, default=10_000)
    args = parser.parse_args()
    from procure.build import BuildOptions, build_pack, doc_meta, render_markdown
    from procure.docx_render import render_document
    from procure.loader import load_problem
    from procure.markdown import parse
    from procure.package import docx_bytes
    from procure.styles import style_for

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.yaml"
        path.write_text(problem_text(args.outcomes), encoding="utf-8")
        print(f"{args.outcomes} outcomes, {path.stat().st_size / 1024:.0f} KiB of YAML")
        loaded = timed("load", lambda: load_problem(path))
        markdown = timed("template", lambda: render_markdown(loaded, "tender"))
        tree = timed("parse", lambda: parse(markdown))
        meta = doc_meta(loaded, "tender")
        document = timed("lay out", lambda: render_document(tree, meta, style_for(None)))
        timed("save", lambda: docx_bytes(document, meta))
        result = timed("whole pack", lambda: build_pack(path, BuildOptions(out_dir=Path(folder) / "out")))
        print("ok" if result.ok else [str(issue) for issue in result.issues])


if __name__ == "__main__":
    main()
