"""How fast procure renders, compared like with like, in one run.

    python3 benchmarks/render.py [--runs 200] [--packs 50] [--memory 100,1000] [--skip-memory]

Prints medians and ratios; asserts nothing (these machines are shared and
noisy, so speed is read from medians, never checked by a test). Four views:

(a) in-process, per document of the example's pack (and the median over
    them): procure from a loaded problem statement to .docx bytes, against
    docxtpl rendering a template of the same content in which every paragraph
    (table cells included) is a Jinja tag, from the template's bytes and a
    context to .docx bytes. The stages of the largest document are shown too.
(b) whole processes, a pipeline's view, on the same N problem statements
    (the documents of each pack): ``procure batch`` (one command), pandoc ``-f gfm`` with one
    process per document on the very Markdown procure renders (run with the
    same parallelism as the batch), and docxtpl in one Python process
    rendering every document from its tagged template. Documents per second,
    wall time, process start-up included.
(c) memory of procure alone: the peak RSS of a ``procure batch --jobs 1`` of N
    packs, read from ``resource.getrusage(RUSAGE_CHILDREN)`` in a fresh
    intermediate process, so no baseline's memory is counted.
(d) ``procure batch --jobs 1`` against ``--jobs 2`` on the same N packs, with
    the CPUs this process may use and the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXAMPLE = ROOT / "examples" / "waterschap-meldingen.yaml"


def median_ms(func: Callable[[], object], runs: int) -> float:
    """Median wall time of ``func`` in milliseconds over ``runs`` calls (after one warm-up)."""
    func()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def make_inputs(folder: Path, count: int, example: Path = EXAMPLE) -> list[Path]:
    """``count`` problem statements: the example with its own reference and title each."""
    import re

    source = example.read_text(encoding="utf-8")
    reference = re.search(r"^reference: (\S+)$", source, re.M).group(1)
    title = re.search(r"^title: (.+)$", source, re.M).group(1)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        text = source.replace(f"reference: {reference}", f"reference: BENCH-{index:05d}", 1)
        text = text.replace(f"title: {title}", f"title: ({index}) {title}", 1)
        path = folder / f"p{index:05d}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


# ---------------------------------------------------------------- (a) in-process


def stages(loaded: object, runs: int) -> dict[str, float]:
    """The median time of each stage of one tender document."""
    from procure.build import doc_meta, render_markdown
    from procure.docx_render import render_document
    from procure.loader import load_problem
    from procure.markdown import parse
    from procure.package import docx_bytes
    from procure.styles import style_for

    meta = doc_meta(loaded, "tender")
    markdown = render_markdown(loaded, "tender")
    tree = parse(markdown)
    style = style_for(None)
    document = render_document(tree, meta, style)
    return {
        "load": median_ms(lambda: load_problem(EXAMPLE), runs),
        "template": median_ms(lambda: render_markdown(loaded, "tender"), runs),
        "parse": median_ms(lambda: parse(markdown), runs),
        "lay out": median_ms(lambda: render_document(tree, meta, style), runs),
        "save": median_ms(lambda: docx_bytes(document, meta), runs),
    }


def tagged_template(docx: bytes) -> tuple[bytes, dict[str, str]]:
    """A docxtpl template of the same content: every paragraph with text (body and table cells)
    becomes one ``{{ pN }}`` tag, and the context that fills it back in."""
    from docx import Document

    document = Document(BytesIO(docx))
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                paragraphs.extend(cell.paragraphs)
    context: dict[str, str] = {}
    seen: set[int] = set()
    for paragraph in paragraphs:
        if id(paragraph._p) in seen or not paragraph.runs or not paragraph.text.strip():
            continue
        seen.add(id(paragraph._p))
        name = f"p{len(context)}"
        context[name] = paragraph.text
        paragraph.runs[0].text = "{{ " + name + " }}"
        for run in paragraph.runs[1:]:
            run.text = ""
    out = BytesIO()
    document.save(out)
    return out.getvalue(), context


def in_process(runs: int) -> dict[str, dict[str, float | int | None]]:
    """Per document of the example's pack: procure's median, and docxtpl's on the same content."""
    from procure.build import BuildOptions, build_document, pack_kinds
    from procure.loader import load_problem

    loaded = load_problem(EXAMPLE)
    options = BuildOptions()
    try:
        from docxtpl import DocxTemplate
    except ImportError:
        DocxTemplate = None  # noqa: N806
    results: dict[str, dict[str, float | int | None]] = {}
    for kind in pack_kinds(loaded):
        ours = median_ms(lambda: build_document(loaded, kind, options), runs)  # noqa: B023
        result: dict[str, float | int | None] = {"procure": ours, "docxtpl": None, "tags": None}
        if DocxTemplate is not None:
            template, context = tagged_template(build_document(loaded, kind, options).data)

            def docxtpl_render() -> None:
                tpl = DocxTemplate(BytesIO(template))  # noqa: B023
                tpl.render(context)  # noqa: B023
                tpl.save(BytesIO())

            result["docxtpl"] = median_ms(docxtpl_render, runs)
            result["tags"] = len(context)
        results[kind] = result
    return results


# ---------------------------------------------------------------- (b) whole processes

DOCXTPL_SCRIPT = """
import json, sys
from io import BytesIO
from pathlib import Path
from docxtpl import DocxTemplate
jobs = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
templates = {kind: Path(path).read_bytes() for kind, path in jobs["templates"].items()}
for job in jobs["documents"]:
    tpl = DocxTemplate(BytesIO(templates[job["kind"]]))
    tpl.render(job["context"])
    tpl.save(job["target"])
"""


def procure_command() -> list[str]:
    return [sys.executable, "-m", "procure"]


def timed(command: list[str], **kwargs: object) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True, **kwargs)
    return time.perf_counter() - start


def whole_processes(count: int, jobs: int, work: Path) -> dict[str, float | None]:
    from procure.build import BuildOptions, build_document, pack_kinds, render_markdown
    from procure.loader import load_problem

    inputs = make_inputs(work / "in", count)
    packs = {path: load_problem(path) for path in inputs}
    documents = sum(len(pack_kinds(loaded)) for loaded in packs.values())  # what the batch writes
    out = {"documents": float(documents)}
    seconds = timed([*procure_command(), "batch", str(work / "in"), "-o", str(work / "procure"), "-j", str(jobs)])
    out["procure"] = seconds
    # The same Markdown and the same tagged content for the baselines, prepared outside the timing.
    markdown_dir = work / "markdown"
    markdown_dir.mkdir()
    docxtpl_jobs: dict[str, object] = {"templates": {}, "documents": []}
    try:
        import docxtpl  # noqa: F401
        have_docxtpl = True
    except ImportError:
        have_docxtpl = False
    options = BuildOptions()
    for path, loaded in packs.items():
        for kind in pack_kinds(loaded):
            (markdown_dir / f"{path.stem}-{kind}.md").write_text(render_markdown(loaded, kind), encoding="utf-8")
            if have_docxtpl:
                template, context = tagged_template(build_document(loaded, kind, options).data)
                if kind not in docxtpl_jobs["templates"]:
                    template_path = work / f"template-{kind}.docx"
                    template_path.write_bytes(template)
                    docxtpl_jobs["templates"][kind] = str(template_path)
                docxtpl_jobs["documents"].append({"kind": kind, "context": context,
                                                  "target": str(work / "docxtpl" / f"{path.stem}-{kind}.docx")})
    pandoc = shutil.which("pandoc")
    if pandoc:
        (work / "pandoc").mkdir()
        sources = sorted(markdown_dir.glob("*.md"))

        def convert(source: Path) -> None:
            subprocess.run([pandoc, "-f", "gfm", str(source), "-o", str(work / "pandoc" / f"{source.stem}.docx")],
                           check=True, capture_output=True)

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(convert, sources))
        out["pandoc"] = time.perf_counter() - start
    else:
        out["pandoc"] = None
    if have_docxtpl:
        (work / "docxtpl").mkdir()
        job_file = work / "docxtpl-jobs.json"
        job_file.write_text(json.dumps(docxtpl_jobs), encoding="utf-8")
        out["docxtpl"] = timed([sys.executable, "-c", DOCXTPL_SCRIPT, str(job_file)])
    else:
        out["docxtpl"] = None
    return out


# ---------------------------------------------------------------- (c) memory, (d) jobs

MEMORY_SCRIPT = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=False, capture_output=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss_mib(count: int, work: Path) -> float:
    """Peak RSS of ``procure batch --jobs 1`` over ``count`` packs, measured from a fresh parent."""
    make_inputs(work / f"in-{count}", count)
    command = [*procure_command(), "batch", str(work / f"in-{count}"), "-o", str(work / f"out-{count}"), "-j", "1"]
    kib = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, *command], check=True, capture_output=True,
                         text=True).stdout.strip()
    return int(kib) / 1024


def jobs_compare(count: int, work: Path) -> dict[int, float]:
    make_inputs(work / "in", count)
    result = {}
    for jobs in (1, 2):
        result[jobs] = timed([*procure_command(), "batch", str(work / "in"), "-o", str(work / f"out-{jobs}"),
                              "-j", str(jobs)])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="renders per in-process median (at least 50)")
    parser.add_argument("--packs", type=int, default=50, help="N problem statements for (b) and (d)")
    parser.add_argument("--memory", default="100,1000", help="pack counts for (c), comma-separated")
    parser.add_argument("--skip-memory", action="store_true", help="leave out (c), the slowest part")
    args = parser.parse_args()
    runs = max(args.runs, 50)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    print(f"procure benchmark: {EXAMPLE.name}, python {sys.version.split()[0]}, {cpus} usable CPU(s), "
          f"load average {os.getloadavg()[0]:.2f}")

    from procure.loader import load_problem

    print(f"\n(a) in-process, per document, median ms over {runs} runs (loaded problem -> .docx bytes)")
    print("    stages of the tender, the largest document:")
    for name, ms in stages(load_problem(EXAMPLE), runs).items():
        print(f"      {name:<10} {ms:8.2f}")
    docs = in_process(runs)
    for kind, result in docs.items():
        line = f"    {kind:<20} procure {result['procure']:7.2f}"
        if result["docxtpl"] is not None:
            line += (f"   docxtpl {result['docxtpl']:7.2f} ({result['tags']} tags)"
                     f"   docxtpl / procure = {result['docxtpl'] / result['procure']:.2f}")
        print(line)
    ours = [float(result["procure"]) for result in docs.values()]
    print(f"    median over the pack's {len(ours)} documents: procure {statistics.median(ours):.2f} ms", end="")
    theirs = [float(r["docxtpl"]) for r in docs.values() if r["docxtpl"] is not None]
    if len(theirs) == len(ours):
        print(f", docxtpl {statistics.median(theirs):.2f} ms")
    else:
        print("; docxtpl not installed (pip install '.[bench]')")

    with tempfile.TemporaryDirectory(prefix="procure-bench-") as tmp:
        work = Path(tmp)
        print(f"\n(b) whole processes, {args.packs} problem statements, {cpus} parallel job(s) where parallel")
        whole = whole_processes(args.packs, cpus, work / "b")
        documents = whole["documents"]
        rate = documents / whole["procure"]
        print(f"    procure batch        {whole['procure']:7.2f} s  {rate:7.1f} documents/s")
        for name, label in (("pandoc", "pandoc -f gfm, 1/doc"), ("docxtpl", "docxtpl, 1 process")):
            if whole[name] is None:
                print(f"    {label:<20} not installed")
            else:
                other = documents / whole[name]
                print(f"    {label:<20} {whole[name]:7.2f} s  {other:7.1f} documents/s   "
                      f"procure / {name} = {rate / other:.2f}x documents per second")

        if not args.skip_memory:
            print("\n(c) memory of procure batch --jobs 1 alone (peak RSS of the child process)")
            for count in (int(n) for n in args.memory.split(",") if n.strip()):
                print(f"    {count:5d} packs         {peak_rss_mib(count, work / 'c'):7.1f} MiB")

        print(f"\n(d) procure batch of {args.packs} packs, --jobs 1 against --jobs 2 ({cpus} usable CPU(s), "
              f"load average {os.getloadavg()[0]:.2f})")
        times = jobs_compare(args.packs, work / "d")
        print(f"    --jobs 1             {times[1]:7.2f} s")
        print(f"    --jobs 2             {times[2]:7.2f} s   speed-up {times[1] / times[2]:.2f}x")


if __name__ == "__main__":
    main()
