"""How fast procure renders: medians per stage, per document and per pack, and cold starts.

    python3 benchmarks/render.py [--runs 200] [--example examples/waterschap-meldingen.yaml]

Prints figures; asserts nothing (these machines are shared and noisy, so
speed is read from medians, never checked by a test). Baselines are measured in
the same run, on the same content: pandoc converting the same Markdown to .docx
(a process per document, as a pipeline calling pandoc would), docxtpl
rendering a template of the same size, and a plain python-docx build that looks
styles up by name, as python-docx's documented API does.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_ms(func: Callable[[], object], runs: int) -> float:
    """Median wall time of ``func`` in milliseconds over ``runs`` calls (after one warm-up)."""
    func()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def stages(example: Path, runs: int) -> dict[str, float]:
    """The median time of each stage of one tender document."""
    from procure.build import doc_meta, render_markdown
    from procure.docx_render import render_document
    from procure.loader import load_problem
    from procure.markdown import parse
    from procure.package import docx_bytes
    from procure.styles import style_for

    loaded = load_problem(example)
    meta = doc_meta(loaded, "tender")
    markdown = render_markdown(loaded, "tender")
    tree = parse(markdown)
    style = style_for(None)
    document = render_document(tree, meta, style)
    return {
        "load": median_ms(lambda: load_problem(example), runs),
        "template": median_ms(lambda: render_markdown(loaded, "tender"), runs),
        "parse": median_ms(lambda: parse(markdown), runs),
        "lay out": median_ms(lambda: render_document(tree, meta, style), runs),
        "save": median_ms(lambda: docx_bytes(document, meta), runs),
    }


def documents(example: Path, runs: int) -> dict[str, float]:
    """Median in-process time for one document and for a pack (both documents), load included."""
    from procure.build import BuildOptions, build_document
    from procure.loader import load_problem

    options = BuildOptions()

    def one() -> None:
        build_document(load_problem(example), "tender", options)

    def pack() -> None:
        loaded = load_problem(example)
        for kind in options.kinds:
            build_document(loaded, kind, options)

    return {"one document (tender)": median_ms(one, runs), "pack (both documents)": median_ms(pack, runs)}


def memory(example: Path) -> tuple[float, float]:
    """Peak RSS in MiB after 100 and after 1,000 documents: flat means nothing accumulates."""
    from procure.build import BuildOptions, build_document
    from procure.loader import load_problem

    loaded = load_problem(example)
    options = BuildOptions()
    marks = []
    for count in (100, 900):
        for _ in range(count):
            build_document(loaded, "tender", options)
        marks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return marks[0], marks[1]


def pandoc_baseline(example: Path, runs: int) -> float | None:
    """Median ms for pandoc to turn the same Markdown into .docx (a process per document)."""
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        return None
    from procure.build import render_markdown
    from procure.loader import load_problem

    markdown = render_markdown(load_problem(example), "tender")
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.md", Path(tmp) / "out.docx"
        source.write_text(markdown, encoding="utf-8")
        return median_ms(lambda: subprocess.run([pandoc, str(source), "-o", str(target)], check=True), runs)


def naive_python_docx_baseline(example: Path, runs: int) -> float:
    """Median ms for python-docx's public API (styles by name, default save) on the same paragraphs."""
    from io import BytesIO

    from docx import Document

    from procure.build import render_markdown
    from procure.loader import load_problem
    from procure.markdown import parse

    tree = parse(render_markdown(load_problem(example), "tender"))
    blocks = [(n.type, "".join(t.content for t in n.walk() if t.type == "text"))
              for n in tree.children]
    style_of = {"heading": "Heading 1", "paragraph": "Normal", "bullet_list": "List Bullet",
                "ordered_list": "List Number", "table": "Normal", "blockquote": "Quote", "hr": "Normal"}

    def build() -> None:
        document = Document()
        for kind, text in blocks:
            document.add_paragraph(text, style=style_of.get(kind, "Normal"))
        document.save(BytesIO())

    return median_ms(build, runs)


def docxtpl_baseline(example: Path, runs: int) -> float | None:
    """Median ms for docxtpl to render a template of the same size: our own tender, used as the
    template, with one Jinja tag in the title, so its full cycle (XML patching, Jinja over the
    document XML, save) runs over the same content. None when docxtpl is not installed."""
    try:
        from docxtpl import DocxTemplate
    except ImportError:
        return None
    from io import BytesIO

    from docx import Document

    from procure.build import BuildOptions, build_document
    from procure.loader import load_problem

    document = Document(BytesIO(build_document(load_problem(example), "tender", BuildOptions()).data))
    document.paragraphs[0].runs[0].text = "{{ title }}"
    template = BytesIO()
    document.save(template)
    data = template.getvalue()

    def render() -> None:
        tpl = DocxTemplate(BytesIO(data))
        tpl.render({"title": "Meldingen over water en dijken"})
        tpl.save(BytesIO())

    return median_ms(render, runs)


def cold_start(args: list[str], runs: int) -> float:
    """Median ms for a fresh ``python -m procure ...`` process."""
    command = [sys.executable, "-m", "procure", *args]
    return median_ms(lambda: subprocess.run(command, check=True, capture_output=True, cwd=ROOT), runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="renders per median (at least 100 for documents)")
    parser.add_argument("--example", type=Path, default=ROOT / "examples" / "waterschap-meldingen.yaml")
    args = parser.parse_args()
    runs = max(args.runs, 100)
    print(f"procure benchmark: {args.example.name}, {runs} runs per median, python {sys.version.split()[0]}")
    print("\nstages of one tender document (median ms)")
    stage_times = stages(args.example, runs)
    for name, ms in stage_times.items():
        print(f"  {name:<10} {ms:8.2f}")
    print(f"  {'sum':<10} {sum(stage_times.values()):8.2f}")
    print("\nin-process (median ms, load included)")
    docs = documents(args.example, runs)
    for name, ms in docs.items():
        print(f"  {name:<24} {ms:8.2f}")
    ours = docs["one document (tender)"]
    print("\nbaselines on the same content (median ms; ratio = baseline / procure)")
    naive = naive_python_docx_baseline(args.example, runs)
    print(f"  python-docx by style name  {naive:8.2f}  ({naive / ours:.1f}x, paragraphs only: no tables or lists)")
    docxtpl = docxtpl_baseline(args.example, runs)
    if docxtpl is None:
        print("  docxtpl                    not installed (pip install '.[bench]')")
    else:
        print(f"  docxtpl (same-size doc)    {docxtpl:8.2f}  ({docxtpl / ours:.1f}x)")
    pandoc = pandoc_baseline(args.example, max(runs // 10, 10))
    if pandoc is None:
        print("  pandoc                     not installed")
    else:
        print(f"  pandoc (a process each)    {pandoc:8.2f}  ({pandoc / ours:.1f}x)")
    print("\ncold start of the command line (median ms over 10 processes)")
    print(f"  procure --help             {cold_start(['--help'], 10):8.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        render = ["render", str(args.example), "-o", tmp]
        print(f"  procure render (both)      {cold_start(render, 10):8.1f}")
    after_100, after_1000 = memory(args.example)
    print(f"\nmemory: peak RSS {after_100:.1f} MiB after 100 documents, {after_1000:.1f} MiB after 1,000")


if __name__ == "__main__":
    main()
