"""One problem statement becomes a pack of documents.

The pipeline: load (validate) -> template context -> Markdown -> syntax tree ->
Word document -> deterministic bytes -> atomic write. Every document of a pack
is built in memory before the first one is written, so an invalid input, or a
template that fails half-way, leaves the output folder as it was.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from msgspec import Struct, field

from procure.errors import Issue, Location, OutputError, ProcureError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from concurrent.futures import Future

    from procure.checks import Finding
    from procure.docx_render import DocMeta
    from procure.legal import ProcedureDecision
    from procure.loader import Loaded
    from procure.templating import PlainMap

#: The declarations of the documents of the pack: ``templates/kinds.yaml`` (and an override folder's).
KINDS_FILE = "kinds.yaml"


class Kind(Struct, frozen=True):
    """One declared document of the pack (an entry of ``kinds.yaml``).

    ``template`` is the template name (``<lang>/<template>.md``), ``file`` the end of the
    output name (``<reference>-<file>.docx``), ``order`` its place in the pack. The title is
    ``title[lang]`` when the declaration gives one, else ``documents.<name>`` of strings.yaml.
    ``procedures`` lists the procedure codes the document belongs to (empty: every procedure),
    ``except_procedures`` those it does not. ``cover_date`` names the field whose date the title
    page shows (``tender.published``) and ``cover_label`` its label in ``cover`` of strings.yaml;
    ``cover_label_private`` the label instead when the procedure is not announced publicly (the
    date is then the day the invitations are sent, not a publication).
    """

    name: str
    template: str
    file: str
    order: int
    title: tuple[tuple[str, str], ...] = ()
    procedures: tuple[str, ...] = ()
    except_procedures: tuple[str, ...] = ()
    cover_date: str | None = None
    cover_label: str | None = None
    cover_label_private: str | None = None
    form: bool = False  # completed by the contracting authority itself: its status says so, not "final"

    def applies_to(self, procedure: str) -> bool:
        """Whether the document belongs to the pack of a procurement that follows ``procedure``."""
        if self.procedures and procedure not in self.procedures:
            return False
        return procedure not in self.except_procedures

    def title_in(self, language: str, strings: dict[str, Any]) -> str:
        """The document's title in a language."""
        titles = dict(self.title)
        if language in titles:
            return titles[language]
        title = strings.get("documents", {}).get(self.name)
        if not isinstance(title, str):
            raise ProcureError(f"the document kind {self.name!r} has no title in {language!r}: give it "
                               f"'title: {{{language}: ...}}' in {KINDS_FILE} or 'documents.{self.name}' "
                               "in strings.yaml", Location(file=KINDS_FILE, field=f"kinds.{self.name}.title"))
        return title


def declared_kinds(templates_dir: Path | None = None) -> dict[str, Kind]:
    """Every declared document kind, in pack order: the built-in ``kinds.yaml`` and, when an
    override folder has one, its kinds added (or, under a built-in name, replacing that one)."""
    from procure.template_sets import search_path

    # the layered template folders, first wins: so read the built-in set first and the first folder last
    return _declared_kinds(tuple(reversed(search_path(templates_dir))))


@lru_cache(maxsize=None)
def _declared_kinds(folders: tuple[Path, ...]) -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    for number, folder in enumerate(folders):
        path = folder / KINDS_FILE
        if number == 0 or path.is_file():
            kinds.update(_read_kinds(path))
    return dict(sorted(kinds.items(), key=lambda item: (item[1].order, item[0])))


_KIND_KEYS = {"template", "file", "order", "title", "procedures", "except_procedures", "cover_date",
              "cover_label", "cover_label_private", "form"}


def _read_kinds(path: Path) -> dict[str, Kind]:
    """The kinds one ``kinds.yaml`` declares; every mistake is located at its file and entry."""
    from procure.errors import TemplateError, read_yaml_file

    raw = read_yaml_file(path, "document kinds")
    entries = raw.get("kinds") if isinstance(raw, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise TemplateError("must hold 'kinds:', a mapping of document names to their declarations",
                            Location(file=str(path)))
    return {str(name): _kind(str(name), entry, path) for name, entry in entries.items()}


def _kind(name: str, entry: Any, path: Path) -> Kind:
    from procure.errors import TemplateError
    from procure.legal import legal_data

    def fail(field: str, what: str) -> TemplateError:
        return TemplateError(what, Location(file=str(path), field=f"kinds.{name}{field}"))

    safe = set("abcdefghijklmnopqrstuvwxyz0123456789_-")
    if not name or not set(name) <= safe:
        raise fail("", "a document name may hold only lower-case letters, digits, '_' and '-'")
    if not isinstance(entry, dict):
        raise fail("", "must be a mapping with at least 'template', 'file' and 'order'")
    unknown = sorted(set(map(str, entry)) - _KIND_KEYS)
    if unknown:
        raise fail(f".{unknown[0]}", f"unknown key; a document kind may have {', '.join(sorted(_KIND_KEYS))}")
    for key in ("template", "file"):
        value = entry.get(key)
        if not isinstance(value, str) or not value or not set(value) <= safe:
            raise fail(f".{key}", "must be a name of lower-case letters, digits, '_' and '-'")
    order = entry.get("order")
    if isinstance(order, bool) or not isinstance(order, int):
        raise fail(".order", "must be a whole number: the document's place in the pack")
    title = entry.get("title") or {}
    if not isinstance(title, dict) or not all(isinstance(v, str) and v for v in title.values()):
        raise fail(".title", "must map a language to the document's title, e.g. {nl: ..., en: ...}")
    lists = {}
    for key in ("procedures", "except_procedures"):
        value = entry.get(key, [])
        if value == "all":
            value = []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f".{key}", "must be a list of procedure codes (as in tender.procedure) or 'all'")
        known = legal_data().procedures
        for code in value:
            if code not in known:
                raise fail(f".{key}", f"{code!r} is not a procedure; use one of {', '.join(known)}")
        lists[key] = tuple(value)
    cover_date, cover_label = entry.get("cover_date"), entry.get("cover_label")
    if (cover_date is None) != (cover_label is None) or not all(
            v is None or isinstance(v, str) for v in (cover_date, cover_label)):
        raise fail(".cover_date", "give both 'cover_date' (a field, e.g. tender.published) and "
                   "'cover_label' (a key of cover in strings.yaml), or neither")
    private = entry.get("cover_label_private")
    if private is not None and (cover_label is None or not isinstance(private, str)):
        raise fail(".cover_label_private", "must be a key of cover in strings.yaml, given only with 'cover_label': "
                   "the label when the procedure is not announced publicly")
    form = entry.get("form", False)
    if not isinstance(form, bool):
        raise fail(".form", "must be true (a form the contracting authority completes itself) or false")
    return Kind(name=name, template=entry["template"], file=entry["file"], order=order,
                title=tuple(sorted((str(k), v) for k, v in title.items())), cover_date=cover_date,
                cover_label=cover_label, cover_label_private=private, procedures=lists["procedures"],
                except_procedures=lists["except_procedures"], form=form)


def kind_of(name: str, templates_dir: Path | None = None) -> Kind:
    """One declared kind by name; an unknown name is a usage error listing the declared ones."""
    kinds = declared_kinds(templates_dir)
    if name not in kinds:
        raise ProcureError(f"no document kind {name!r}; the declared kinds are {', '.join(kinds)}")
    return kinds[name]


def pack_kinds(loaded: Loaded, templates_dir: Path | None = None) -> tuple[str, ...]:
    """The documents of one problem's pack, in pack order: every declared kind that applies to
    the procedure the problem follows."""
    procedure = decided_code(loaded)
    return tuple(name for name, k in declared_kinds(templates_dir).items() if k.applies_to(procedure))


def decision_of(loaded: Loaded) -> ProcedureDecision:
    """The procedure the problem follows (chosen, or decided by value), and what follows from it."""
    from procure.legal import decide_procedure

    return decide_procedure(loaded.problem)


def decided_code(loaded: Loaded) -> str:
    """The code of the procedure the problem follows (chosen, or decided by value)."""
    return decision_of(loaded).code


def __getattr__(name: str) -> Any:
    """``KINDS``: the names of the built-in document kinds, in pack order (read from kinds.yaml
    when first asked for, so importing this module stays cheap)."""
    if name == "KINDS":
        return tuple(declared_kinds())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class BuildOptions(Struct, frozen=True):
    """What to build and where: the same for every file of a batch.

    ``kinds`` None builds each problem's whole pack (:func:`pack_kinds`); a tuple builds
    those documents only.
    """

    out_dir: Path = Path(".")
    kinds: tuple[str, ...] | None = None
    templates_dir: Path | None = None
    reference_doc: Path | None = None
    strict: bool = False
    toc_pages: bool | None = None  # page numbers in the contents; None: when LibreOffice is installed
    no_clobber: bool = False  # keep a document that already exists instead of replacing it
    stdin_text: str | None = None  # the problem statement read from standard input, for the source "-"


class Rendered(Struct, frozen=True):
    """One document, built in memory and not yet written."""

    kind: str
    markdown: str
    placeholders: tuple[str, ...]
    data: bytes
    proposals: tuple[str, ...] = ()


class WrittenDocument(Struct, frozen=True):
    """One document on disk."""

    kind: str
    path: Path
    placeholders: tuple[str, ...]
    action: str = "written"  # "written" (new), "replaced" (an existing file) or "kept" (--no-clobber)


class PackResult(Struct):
    """What happened to one problem file: the documents written, what the checks found, every issue met.

    ``issues`` are what stopped the file (it did not load, or could not be
    written); ``findings`` are what ``procure check`` says about a file that
    loaded. ``refused``: ``--strict`` and the checks found errors, so nothing
    was written.
    """

    source: Path
    documents: list[WrittenDocument] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    refused: bool = False
    issue_code: str = "PRC010"  # how the issues are reported: PRC010 the file is invalid, PRC030 not written

    @property
    def ok(self) -> bool:
        """Nothing stopped the file and the checks found no error."""
        return self.status == "written"

    @property
    def status(self) -> str:
        """written, draft (written, but the checks found errors), refused (--strict) or failed."""
        if any(issue.severity == "error" for issue in self.issues):
            return "failed"
        if self.refused:
            return "refused"
        return "draft" if any(f.severity == "error" for f in self.findings) else "written"

    def as_json(self) -> dict[str, Any]:
        """A machine-readable record of the result (``results`` in procure/data/report.schema.json)."""
        return {
            "input": str(self.source),
            "status": self.status,
            "documents": [
                {"kind": d.kind, "path": str(d.path), "placeholders": list(d.placeholders), "action": d.action}
                for d in self.documents
            ],
        }


def template_context(loaded: Loaded, kind: str, strings: dict[str, Any],
                     shared: dict[str, Any] | None = None) -> PlainMap:
    """Everything a template may read, as plain data (never a live model): values, never I/O.
    ``shared``: :func:`pack_context` of the same problem and strings, made once for a whole pack."""
    from procure.templating import PlainMap

    return PlainMap({**(shared if shared is not None else pack_context(loaded, strings)), "doc_kind": kind},
                    kind=dict)


def pack_context(loaded: Loaded, strings: dict[str, Any]) -> dict[str, Any]:
    """The part of the template context every document of a pack shares (all but ``doc_kind``), as
    plain data: the problem, the procedure decided, the law and the contract terms."""
    from procure.contract import contract_terms
    from procure.legal import decide_procedure, law_for
    from procure.templating import plain

    problem = loaded.problem
    decision = decide_procedure(problem)
    return {key: plain(value) for key, value in {
        "ct": contract_terms(problem),
        "docs": _titles(problem.language, strings),
        "p": problem,
        "lang": problem.language,
        "procedure": decision,
        "law": law_for(problem, decision),
        # Decided with the procedure: "by analogy" below the threshold, the Dutch article above it.
        "consultation_basis": decision.consultation_basis,
        "prior_involvement_basis": decision.prior_involvement_basis,
        "s": strings,
    }.items()}


def _titles(language: str, strings: dict[str, Any]) -> dict[str, str]:
    """Each built-in document's title, for templates that name another document of the pack
    (strings without a title, as a test may pass, give the kind's name)."""
    titles = strings.get("documents", {})
    return {name: dict(declared.title).get(language) or titles.get(name, name)
            for name, declared in declared_kinds().items()}


def render_markdown(loaded: Loaded, kind: str, templates_dir: Path | None = None,
                    shared: dict[str, Any] | None = None) -> str:
    """The Markdown text of one document of the pack (``shared``: see :func:`template_context`)."""
    from procure.templating import load_strings
    from procure.templating import render_markdown as render_template

    strings = load_strings(loaded.problem.language, templates_dir)
    declared = kind_of(kind, templates_dir)
    return render_template(declared.template, template_context(loaded, kind, strings, shared), templates_dir)


def shared_context(loaded: Loaded, templates_dir: Path | None = None) -> dict[str, Any]:
    """:func:`pack_context` for the strings of the problem's language: made once, used by each document."""
    from procure.templating import load_strings

    return pack_context(loaded, load_strings(loaded.problem.language, templates_dir))


def doc_meta(loaded: Loaded, kind: str, templates_dir: Path | None = None) -> DocMeta:
    """Title page, header, footer and core properties of one document."""
    from procure.docx_render import DocMeta
    from procure.legal import ProcedureDecision
    from procure.package import pinned_datetime
    from procure.templating import load_strings

    problem = loaded.problem
    strings = load_strings(problem.language, templates_dir)
    declared = kind_of(kind, templates_dir)
    doc_title = declared.title_in(problem.language, strings)
    day = document_date(loaded, kind)
    notes = strings.get("comment_notes", {})
    status = strings.get("status", {})
    return DocMeta(
        title=problem.title,
        subtitle=doc_title,
        language=problem.language,
        reference=problem.reference,
        creator=problem.buyer.organisation,
        subject=f"{doc_title}: {problem.title}",
        keywords=problem.reference,
        cover_rows=cover_rows(loaded, kind, strings, templates_dir),
        toc_title=strings["toc_title"],
        page_word=strings["page"],
        of_word=strings["of"],
        created=datetime(day.year, day.month, day.day, tzinfo=timezone.utc) if day else pinned_datetime(),
        status_label=strings["cover"].get("status", ""),
        draft_word=status.get("draft", ""),
        final_word=status.get("form" if declared.form else "final", "") or status.get("final", ""),
        draft_mark=strings.get("draft_mark", ""),
        placeholder_note=notes.get("placeholder", ""),
        proposal_note=notes.get("proposal", ""),
    )


def publication_date(loaded: Loaded, kind: str) -> date | None:
    """The day a document is published: the invitation's ``consultation.published``; every other
    document of the pack is published with the tender, on ``tender.published`` (None when not given)."""
    from procure.model import calendar_day

    problem = loaded.problem
    block = problem.consultation if kind == "consultation" else problem.tender
    when = getattr(block, "published", None)
    return calendar_day(when) if when is not None else None


def document_date(loaded: Loaded, kind: str) -> date | None:
    """The document's date: ``document.date``, else its publication date, else None (a placeholder)."""
    from procure.model import calendar_day

    info = loaded.problem.document
    if info is not None and info.date is not None:
        return calendar_day(info.date)
    return publication_date(loaded, kind)


def cover_rows(loaded: Loaded, kind: str, strings: dict[str, Any],
               templates_dir: Path | None = None) -> tuple[tuple[str, str], ...]:
    """Label/value pairs on the title page; the kind's cover date, when it declares one, the version
    and the document date show as placeholder text while missing."""
    from procure.markdown import Gap
    from procure.templating import format_date, format_datetime, placeholder_text

    problem = loaded.problem
    labels = strings["cover"]
    buyer = problem.buyer.organisation
    if problem.buyer.department:
        buyer = f"{buyer}, {problem.buyer.department}"
    contact = problem.buyer.contact
    rows = [(labels["reference"], problem.reference), (labels["buyer"], buyer),
            (labels["contact"], f"{contact.name}, {contact.email}")]
    declared = kind_of(kind, templates_dir)
    if declared.cover_date is not None and declared.cover_label is not None:
        which = "cover_label"
        if declared.cover_label_private is not None and not decision_of(loaded).announced_on_tenderned:
            which = "cover_label_private"  # nothing is published: the invitations go to the suppliers chosen
        key = getattr(declared, which)
        field, label = declared.cover_date, labels.get(key)
        if not isinstance(label, str):
            raise ProcureError(f"'cover.{key}' is not in strings.yaml",
                               Location(file=KINDS_FILE, field=f"kinds.{kind}.{which}"))
        day: Any = problem
        for part in field.split("."):
            day = getattr(day, part, None)
        gap = Gap(placeholder_text(f"{label[:1].lower()}{label[1:]}, {field}", strings))
        rows.append((label, format_datetime(day, problem.language) if day else gap))
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
    from procure.markdown import Gap
    from procure.templating import load_strings

    strings = load_strings(loaded.problem.language, templates_dir)
    return [str(value) for _, value in cover_rows(loaded, kind, strings, templates_dir) if isinstance(value, Gap)]


def build_document(loaded: Loaded, kind: str, options: BuildOptions,
                   page_numbers: Mapping[str, int] | None = None,
                   shared: dict[str, Any] | None = None) -> Rendered:
    """Render one document to .docx bytes in memory; the Markdown is parsed once.
    ``page_numbers``: the headings' pages, for the table of contents (see procure.toc_pages);
    ``shared``: the pack's :func:`shared_context`, when several documents of one pack are built."""
    from procure.docx_render import render_document
    from procure.markdown import Gap
    from procure.markdown import parse, placeholders, proposals
    from procure.package import docx_bytes
    from procure.styles import style_for

    markdown = render_markdown(loaded, kind, options.templates_dir, shared)
    tree = parse(markdown)
    meta = doc_meta(loaded, kind, options.templates_dir)
    document = render_document(tree, meta, style_for(options.reference_doc), page_numbers)
    gaps = placeholders(tree) + [str(value) for _, value in meta.cover_rows if isinstance(value, Gap)]
    return Rendered(kind=kind, markdown=markdown, placeholders=tuple(dict.fromkeys(gaps)),
                    data=docx_bytes(document, meta), proposals=tuple(proposals(tree)))


def output_path(out_dir: Path, reference: str, kind: str) -> Path:
    """``<reference>-<kind>.docx`` in ``out_dir``; the reference is reduced to a safe file name."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in reference)
    safe = safe.lstrip(".") or "document"
    return out_dir / f"{safe}-{kind}.docx"


def kind_path(out_dir: Path, reference: str, name: str, templates_dir: Path | None = None) -> Path:
    """Where the document of a declared kind is written (its declared ``file`` name)."""
    return output_path(out_dir, reference, kind_of(name, templates_dir).file)


def load_source(source: Path, options: BuildOptions) -> Loaded:
    """Load one problem statement: a file, or standard input's text for ``-``."""
    from procure.loader import load_problem, load_problem_text

    if str(source) == "-" and options.stdin_text is not None:
        return load_problem_text(options.stdin_text, "-")
    return load_problem(source)


def build_pack(source: Path, options: BuildOptions) -> PackResult:
    """Load, render and write one problem file; every user error becomes an issue in the result."""
    from procure.package import write_all_atomic

    from procure import checking

    result = PackResult(source=source)
    try:
        loaded = load_source(source, options)
        refusal = currency_refusal(loaded)
        if refusal is not None:
            result.issues.append(refusal)
            return result
        pack = pack_kinds(loaded, options.templates_dir)
        kinds = options.kinds if options.kinds is not None else pack
        outside = [name for name in kinds if name not in pack]
        if outside:
            raise ProcureError(f"the {outside[0]} document is not part of the pack of a procurement that "
                               f"follows the procedure {decided_code(loaded)!r} (kinds.yaml says which "
                               "procedures it belongs to); nothing was written for this file",
                               loaded.source.location(("tender", "procedure")))
        rendered = build_documents(loaded, tuple(kinds), options, result.issues)
        # The same checks as `procure check` (their errors refuse the pack under --strict).
        result.findings = checking.findings_for(loaded, str(source), strict=options.strict,
                                                templates_dir=options.templates_dir,
                                                shown={doc.kind: (doc.placeholders, doc.proposals)
                                                       for doc in rendered})
        if options.strict and any(f.severity == "error" for f in result.findings):
            result.refused = True
            return result
        options.out_dir.mkdir(parents=True, exist_ok=True)
        paths = [kind_path(options.out_dir, loaded.problem.reference, doc.kind, options.templates_dir)
                 for doc in rendered]
        actions = ["kept" if options.no_clobber and p.exists() else "replaced" if p.exists() else "written"
                   for p in paths]
        write_all_atomic([(p, doc.data) for p, doc, a in zip(paths, rendered, actions) if a != "kept"])
        result.documents.extend(WrittenDocument(d.kind, p, d.placeholders, a)
                                for p, d, a in zip(paths, rendered, actions))
    except ProcureError as err:
        result.issues.extend(err.issues)
        result.issue_code = "PRC030" if isinstance(err, OutputError) else "PRC010"
    except OSError as err:
        result.issue_code = "PRC030"
        result.issues.append(Issue(Location(file=str(err.filename or options.out_dir)),
                                   f"cannot write: {err.strerror}"))
    except Exception as err:  # noqa: BLE001 - one file's bug must not stop the batch
        result.issues.append(internal_error(source, err))
    return result


def build_documents(loaded: Loaded, kinds: tuple[str, ...], options: BuildOptions,
                    issues: list[Issue]) -> list[Rendered]:
    """Every document of the pack, with page numbers in their contents when asked (or, by
    default, when LibreOffice is installed): laid out once by LibreOffice, then rendered with
    the pages found. When that fails, the documents are written without them, and a warning says so."""
    from procure import toc_pages

    numbered = options.toc_pages if options.toc_pages is not None else toc_pages.available()
    shared = shared_context(loaded, options.templates_dir)
    if not numbered:
        return [build_document(loaded, kind, options, shared=shared) for kind in kinds]
    from procure.docx_render import LayoutPages

    laid_out = [build_document(loaded, kind, options, LayoutPages(), shared) for kind in kinds]
    try:
        pages = toc_pages.heading_pages([doc.data for doc in laid_out])
    except toc_pages.LayoutFailed as exc:
        issues.append(Issue(Location(file=str(loaded.path or "")), f"{exc}; the contents list no page numbers "
                            "until Word updates them when the file is opened", severity="warning"))
        return [build_document(loaded, kind, options, shared=shared) for kind in kinds]
    return [build_document(loaded, kind, options, found, shared) for kind, found in zip(kinds, pages)]


def currency_refusal(loaded: Loaded) -> Issue | None:
    """An error when the amounts are not in euros: the documents state Dutch law, whose thresholds
    and procedures are in euros, so procure does not render them (``check`` reports PRC407)."""
    from procure.legal import legal_data

    currency = loaded.problem.iteration_budget.currency
    expected = legal_data().threshold_currency
    if currency == expected:
        return None
    return Issue(loaded.source.location(("iteration_budget", "currency")),
                 f"iteration_budget.currency is {currency}: procure writes Dutch-law tender documents, whose "
                 f"thresholds and amounts are in {expected}; convert the amounts to {expected} and set "
                 f"currency: {expected}; nothing was written for this file")


def internal_error(source: Path, err: BaseException) -> Issue:
    """An unexpected failure while handling one file, as that file's issue: the batch goes on."""
    detail = str(err).strip().splitlines()[0][:300] if str(err).strip() else ""
    what = f"{type(err).__name__}: {detail}" if detail else type(err).__name__
    return Issue(Location(file=str(source)),
                 f"internal error ({what}); this is a bug in procure, not in your file: please report it "
                 "with this file attached. Nothing was written for this file; the other files were handled")


def render_batch(sources: list[Path], options: BuildOptions, jobs: int = 1,
                 on_done: Callable[[PackResult], None] | None = None) -> list[PackResult]:
    """Render many problem files, in parallel when ``jobs`` > 1; results keep the input order.

    Files whose documents would land on another file's (one reference, or one file
    given twice) are refused before anything is written, so no pack replaces another.
    ``on_done`` is called with each result as soon as its file is finished (in the
    order they finish), so a caller can report progress. One job, or one file,
    never starts a process pool.
    """
    refused = _shared_outputs(sources, options) if len(sources) > 1 else {}
    report = on_done or (lambda result: None)
    for result in refused.values():
        report(result)
    todo = [source for index, source in enumerate(sources) if index not in refused]
    built: dict[int, PackResult] = {}
    if jobs <= 1 or len(todo) <= 1:
        for index, source in enumerate(todo):
            built[index] = build_pack(source, options)
            report(built[index])
    else:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        workers = min(jobs, len(todo), os.cpu_count() or 1)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(build_pack, source, options): index for index, source in enumerate(todo)}
            try:
                for future in as_completed(futures):
                    built[futures[future]] = _outcome(future, todo[futures[future]])
                    report(built[futures[future]])
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    done = iter(built[index] for index in range(len(todo)))
    return [refused[index] if index in refused else next(done) for index in range(len(sources))]


def _outcome(future: Future[PackResult], source: Path) -> PackResult:
    """A worker's result; a worker that died (killed, out of memory) fails its own file only."""
    try:
        return future.result()
    except Exception as err:  # noqa: BLE001 - BrokenProcessPool and the like
        return PackResult(source, issues=[internal_error(source, err)])


def _shared_outputs(sources: list[Path], options: BuildOptions) -> dict[int, PackResult]:
    """The files, by position, whose output would overwrite an earlier file's (compared as the
    file system may: case-insensitively). A file that does not load is left to build_pack to report."""
    first: dict[str, Path] = {}
    refused: dict[int, PackResult] = {}
    for index, source in enumerate(sources):
        try:
            loaded = load_source(source, options)
        except ProcureError:
            continue
        reference = loaded.problem.reference
        try:
            kinds = options.kinds if options.kinds is not None else pack_kinds(loaded, options.templates_dir)
            paths = [kind_path(options.out_dir, reference, name, options.templates_dir) for name in kinds]
        except ProcureError:
            continue
        for path in paths:
            key = os.path.normcase(str(path.absolute())).casefold()
            if key in first:
                refused[index] = PackResult(source, issue_code="PRC030", issues=[Issue(
                    loaded.source.location(("reference",)),
                    f"its documents would replace those of {first[key]} (the same reference {reference!r}, "
                    "letter case aside, or the same file twice); give each problem statement its own "
                    "reference; nothing was written for this file")])
                break
            first[key] = source
    return refused
