"""One problem statement becomes a pack of documents.

The pipeline: load (validate) -> template context -> Markdown -> syntax tree ->
Word document -> deterministic bytes -> atomic write. Every document of a pack
is built in memory before the first one is written, so an invalid input, or a
template that fails half-way, leaves the output folder as it was.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

from procure.errors import Issue, Location, ProcureError

if TYPE_CHECKING:
    from procure.docx_render import DocMeta
    from procure.loader import Loaded

KINDS = ("consultation", "tender")


@dataclass(frozen=True)
class BuildOptions:
    """What to build and where: the same for every file of a batch."""

    out_dir: Path = Path(".")
    kinds: tuple[str, ...] = KINDS
    templates_dir: Path | None = None
    reference_doc: Path | None = None
    strict: bool = False
    toc_pages: bool | None = None  # page numbers in the contents; None: when LibreOffice is installed


@dataclass(frozen=True)
class Rendered:
    """One document, built in memory and not yet written."""

    kind: str
    markdown: str
    placeholders: tuple[str, ...]
    data: bytes


@dataclass(frozen=True)
class WrittenDocument:
    """One document on disk."""

    kind: str
    path: Path
    placeholders: tuple[str, ...]


@dataclass
class PackResult:
    """What happened to one problem file: the documents written and every issue met."""

    source: Path
    documents: list[WrittenDocument] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(issue.severity == "error" for issue in self.issues)

    def as_json(self) -> dict[str, Any]:
        """A machine-readable record of the result, for pipelines."""
        return {
            "input": str(self.source),
            "ok": self.ok,
            "documents": [
                {"kind": d.kind, "path": str(d.path), "placeholders": list(d.placeholders)}
                for d in self.documents
            ],
            "issues": [_issue_json(issue) for issue in self.issues],
        }


def _issue_json(issue: Issue) -> dict[str, Any]:
    loc = issue.location
    return {"file": loc.file, "line": loc.line, "column": loc.column, "field": loc.field,
            "severity": issue.severity, "message": issue.message}


def template_context(loaded: Loaded, kind: str, strings: dict[str, Any]) -> dict[str, Any]:
    """Everything a template may read. Templates get values, never I/O."""
    from procure.legal import consultation_basis, decide_procedure, prior_involvement_basis

    problem = loaded.problem
    return {
        "p": problem,
        "lang": problem.language,
        "procedure": decide_procedure(problem),
        "consultation_basis": consultation_basis(problem.language),
        "prior_involvement_basis": prior_involvement_basis(problem.language),
        "s": strings,
        "doc_kind": kind,
    }


def render_markdown(loaded: Loaded, kind: str, templates_dir: Path | None = None) -> str:
    """The Markdown text of one document of the pack."""
    from procure.templating import load_strings
    from procure.templating import render_markdown as render_template

    strings = load_strings(loaded.problem.language, templates_dir)
    return render_template(kind, template_context(loaded, kind, strings), templates_dir)


def doc_meta(loaded: Loaded, kind: str, templates_dir: Path | None = None) -> DocMeta:
    """Title page, header, footer and core properties of one document."""
    from procure.docx_render import DocMeta
    from procure.package import pinned_datetime
    from procure.templating import load_strings

    problem = loaded.problem
    strings = load_strings(problem.language, templates_dir)
    doc_title = strings["documents"][kind]
    day = document_date(loaded, kind)
    notes = strings.get("comment_notes", {})
    return DocMeta(
        title=problem.title,
        subtitle=doc_title,
        language=problem.language,
        reference=problem.reference,
        creator=problem.buyer.organisation,
        subject=f"{doc_title}: {problem.title}",
        keywords=problem.reference,
        cover_rows=cover_rows(loaded, kind, strings),
        toc_title=strings["toc_title"],
        page_word=strings["page"],
        of_word=strings["of"],
        created=datetime(day.year, day.month, day.day, tzinfo=timezone.utc) if day else pinned_datetime(),
        status_label=strings["cover"].get("status", ""),
        draft_word=strings.get("status", {}).get("draft", ""),
        final_word=strings.get("status", {}).get("final", ""),
        draft_mark=strings.get("draft_mark", ""),
        placeholder_note=notes.get("placeholder", ""),
        proposal_note=notes.get("proposal", ""),
    )


def publication_date(loaded: Loaded, kind: str) -> date | None:
    """The day a document is published: the tender's ``tender.published``, the invitation's
    ``consultation.published`` (None when not given)."""
    from procure.model import calendar_day

    problem = loaded.problem
    block = problem.tender if kind == "tender" else problem.consultation if kind == "consultation" else None
    when = getattr(block, "published", None)
    return calendar_day(when) if when is not None else None


def document_date(loaded: Loaded, kind: str) -> date | None:
    """The document's date: ``document.date``, else its publication date, else None (a placeholder)."""
    from procure.model import calendar_day

    info = loaded.problem.document
    if info is not None and info.date is not None:
        return calendar_day(info.date)
    return publication_date(loaded, kind)


def cover_rows(loaded: Loaded, kind: str, strings: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Label/value pairs on the title page; a missing date shows as the placeholder text."""
    from procure.docx_render import Gap
    from procure.templating import format_date, placeholder_text

    problem = loaded.problem
    labels = strings["cover"]
    buyer = problem.buyer.organisation
    if problem.buyer.department:
        buyer = f"{buyer}, {problem.buyer.department}"
    contact = problem.buyer.contact
    rows = [(labels["reference"], problem.reference), (labels["buyer"], buyer),
            (labels["contact"], f"{contact.name}, {contact.email}")]
    if kind == "tender":
        label, field = labels["published"], "tender.published"
        day = problem.tender.published if problem.tender else None
    else:
        label, field = labels["responses_due"], "consultation.responses_due"
        day = problem.consultation.responses_due if problem.consultation else None
    gap = Gap(placeholder_text(f"{label[:1].lower()}{label[1:]}, {field}", strings))
    rows.append((label, format_date(day, problem.language) if day else gap))
    info = problem.document
    version = info.version if info is not None else None
    rows.append((labels["version"], version or Gap(placeholder_text(f"{labels['version'].lower()}, document.version",
                                                                    strings))))
    day = document_date(loaded, kind)
    rows.append((labels["date"], format_date(day, problem.language) if day else Gap(
        placeholder_text(f"{labels['date'].lower()}, document.date", strings))))
    return tuple(rows)


def cover_placeholders(loaded: Loaded, kind: str, templates_dir: Path | None = None) -> list[str]:
    """The placeholders a document's title page shows (a missing version, date or deadline), for check."""
    from procure.docx_render import Gap
    from procure.templating import load_strings

    strings = load_strings(loaded.problem.language, templates_dir)
    return [str(value) for _, value in cover_rows(loaded, kind, strings) if isinstance(value, Gap)]


def build_document(loaded: Loaded, kind: str, options: BuildOptions,
                   page_numbers: Mapping[str, int] | None = None) -> Rendered:
    """Render one document to .docx bytes in memory; the Markdown is parsed once.
    ``page_numbers``: the headings' pages, for the table of contents (see procure.toc_pages)."""
    from procure.docx_render import Gap, render_document
    from procure.markdown import parse, placeholders
    from procure.package import docx_bytes
    from procure.styles import style_for

    markdown = render_markdown(loaded, kind, options.templates_dir)
    tree = parse(markdown)
    meta = doc_meta(loaded, kind, options.templates_dir)
    document = render_document(tree, meta, style_for(options.reference_doc), page_numbers)
    gaps = placeholders(tree) + [str(value) for _, value in meta.cover_rows if isinstance(value, Gap)]
    return Rendered(kind=kind, markdown=markdown, placeholders=tuple(dict.fromkeys(gaps)),
                    data=docx_bytes(document, meta))


def output_path(out_dir: Path, reference: str, kind: str) -> Path:
    """``<reference>-<kind>.docx`` in ``out_dir``; the reference is reduced to a safe file name."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in reference)
    safe = safe.lstrip(".") or "document"
    return out_dir / f"{safe}-{kind}.docx"


def build_pack(source: Path, options: BuildOptions) -> PackResult:
    """Load, render and write one problem file; every user error becomes an issue in the result."""
    from procure.loader import load_problem
    from procure.package import write_all_atomic

    result = PackResult(source=source)
    try:
        loaded = load_problem(source)
        result.issues.extend(loaded.warnings)
        rendered = build_documents(loaded, options, result.issues)
        if options.strict:
            result.issues.extend(_placeholder_errors(source, rendered))
            if not result.ok:
                return result
        options.out_dir.mkdir(parents=True, exist_ok=True)
        paths = [output_path(options.out_dir, loaded.problem.reference, doc.kind) for doc in rendered]
        write_all_atomic([(path, doc.data) for path, doc in zip(paths, rendered)])
        result.documents.extend(WrittenDocument(d.kind, p, d.placeholders) for p, d in zip(paths, rendered))
    except ProcureError as err:
        result.issues.extend(err.issues)
    except OSError as err:
        result.issues.append(Issue(Location(file=str(err.filename or options.out_dir)),
                                   f"cannot write: {err.strerror}"))
    return result


def build_documents(loaded: Loaded, options: BuildOptions, issues: list[Issue]) -> list[Rendered]:
    """Every document of the pack, with page numbers in their contents when asked (or, by
    default, when LibreOffice is installed): laid out once by LibreOffice, then rendered with
    the pages found. When that fails, the documents are written without them, and a warning says so."""
    from procure import toc_pages

    numbered = options.toc_pages if options.toc_pages is not None else toc_pages.available()
    if not numbered:
        return [build_document(loaded, kind, options) for kind in options.kinds]
    from procure.docx_render import LayoutPages

    laid_out = [build_document(loaded, kind, options, LayoutPages()) for kind in options.kinds]
    try:
        pages = toc_pages.heading_pages([doc.data for doc in laid_out])
    except toc_pages.LayoutFailed as exc:
        issues.append(Issue(Location(file=str(loaded.path or "")), f"{exc}; the contents list no page numbers "
                            "until Word updates them when the file is opened", severity="warning"))
        return [build_document(loaded, kind, options) for kind in options.kinds]
    return [build_document(loaded, kind, options, found) for kind, found in zip(options.kinds, pages)]


def _placeholder_errors(source: Path, rendered: list[Rendered]) -> list[Issue]:
    return [
        Issue(Location(file=str(source)), f"{doc.kind} document: placeholder {gap} still to fill in (--strict)")
        for doc in rendered
        for gap in doc.placeholders
    ]


def render_batch(sources: list[Path], options: BuildOptions, jobs: int = 1) -> list[PackResult]:
    """Render many problem files, in parallel when ``jobs`` > 1; results keep the input order.

    Files whose documents would land on another file's (one reference, or one file
    given twice) are refused before anything is written, so no pack replaces another.
    """
    refused = _shared_outputs(sources, options) if len(sources) > 1 else {}
    todo = [source for index, source in enumerate(sources) if index not in refused]
    if jobs <= 1 or len(todo) <= 1:
        built = [build_pack(source, options) for source in todo]
    else:
        workers = min(jobs, len(todo), os.cpu_count() or 1)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            built = list(pool.map(build_pack, todo, [options] * len(todo)))
    done = iter(built)
    return [refused[index] if index in refused else next(done) for index in range(len(sources))]


def _shared_outputs(sources: list[Path], options: BuildOptions) -> dict[int, PackResult]:
    """The files, by position, whose output would overwrite an earlier file's (compared as the
    file system may: case-insensitively). A file that does not load is left to build_pack to report."""
    from procure.loader import load_problem

    first: dict[str, Path] = {}
    refused: dict[int, PackResult] = {}
    for index, source in enumerate(sources):
        try:
            loaded = load_problem(source)
        except ProcureError:
            continue
        reference = loaded.problem.reference
        for kind in options.kinds:
            key = os.path.normcase(str(output_path(options.out_dir, reference, kind).absolute())).casefold()
            if key in first:
                refused[index] = PackResult(source, issues=[Issue(
                    loaded.source.location(("reference",)),
                    f"its documents would replace those of {first[key]} (the same reference {reference!r}, "
                    "letter case aside, or the same file twice); give each problem statement its own "
                    "reference; nothing was written for this file")])
                break
            first[key] = source
    return refused
