"""``procure diff``: what a template change does to real documents.

Each problem statement is rendered twice, with the templates as they were at a
base git revision and as they are now (or at a head revision, or from two
folders), and the two renderings of each document are compared paragraph by
paragraph (:mod:`procure.redline`). The report shows each changed paragraph under
its section headings, names the documents that did not change and ends with a
summary; ``--redline DIR`` writes a Word document with tracked changes per changed
document, for legal review.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from msgspec import Struct

from procure.errors import Issue, Location, ProcureError
from procure.redline import Result

#: Where ``procure diff`` looks for the template folder when none is given (after PROCURE_TEMPLATES).
_SET_MARKERS = ("nl", "en")


class DocumentDiff(Result):
    """One document of one problem statement, compared: the comparison's result and which document it is."""

    source: Path
    kind: str
    name: str  # the output file name, e.g. ZV-2027-004-tender.docx


class DiffReport(Struct):
    documents: list[DocumentDiff]
    issues: list[Issue]
    base_label: str
    head_label: str

    @property
    def changed(self) -> list[DocumentDiff]:
        return [d for d in self.documents if d.changed]

    def totals(self) -> dict[str, int]:
        return {kind: sum(d.count(kind) for d in self.documents) for kind in ("inserted", "deleted", "changed")}


def looks_like_template_set(folder: Path) -> bool:
    """A folder with a language folder holding Markdown templates."""
    return any((folder / lang).is_dir() and any((folder / lang).glob("*.md")) for lang in _SET_MARKERS)


def default_templates_folder() -> Path:
    """The folder whose history ``procure diff --base`` reads when no folder is given: the first
    ``PROCURE_TEMPLATES`` folder, else the current folder or its ``templates/`` when they hold a
    template set, else the built-in templates (procure's own checkout)."""
    from procure.template_sets import builtin_dir, env_folders

    env = env_folders()
    if env:
        return env[0]
    here = Path.cwd()
    for candidate in (here, here / "templates"):
        if looks_like_template_set(candidate):
            return candidate
    return builtin_dir()


@contextmanager
def template_folders(folder: Path | None, base: str | None, head: str | None, base_dir: Path | None,
                     head_dir: Path | None) -> Iterator[tuple[Path, Path, str, str]]:
    """The base and head template folders (exported from git when revisions are given), with labels."""
    from procure.revisions import export_folder

    if base_dir is not None or head_dir is not None:
        if base_dir is None or head_dir is None or base is not None or head is not None:
            raise ProcureError("give either --base REV [--head REV], or both --base-templates DIR and "
                               "--head-templates DIR")
        yield base_dir, head_dir, str(base_dir), str(head_dir)
        return
    if base is None:
        raise ProcureError("give --base REV (a git revision of the repository holding the templates), or "
                           "--base-templates DIR and --head-templates DIR")
    folder = folder or default_templates_folder()
    with tempfile.TemporaryDirectory(prefix="procure-diff-") as scratch:
        base_copy = export_folder(folder, base, Path(scratch) / "base")
        if head is None:
            yield base_copy, folder, f"{folder} at {base}", f"{folder} (working tree)"
        else:
            yield base_copy, export_folder(folder, head, Path(scratch) / "head"), f"{folder} at {base}", \
                f"{folder} at {head}"


def render_all(source: Path, templates: Path, kinds: Sequence[str] | None = None) -> dict[str, tuple[str, bytes]]:
    """Each document of a problem statement rendered with one template folder: kind -> (file name, bytes).

    ``kinds`` None: the whole pack the folder declares for the problem's procedure."""
    from procure.build import BuildOptions, build_document, kind_path, kind_of, pack_kinds
    from procure.loader import load_problem
    from procure.template_lint import _without_env

    with _without_env():
        loaded = load_problem(source)
        folders = (templates,)
        chosen = tuple(kinds) if kinds is not None else pack_kinds(loaded, folders)  # type: ignore[arg-type]
        options = BuildOptions(templates_dir=folders)  # type: ignore[arg-type]
        out = {}
        for kind in chosen:
            kind_of(kind, folders)  # type: ignore[arg-type]  # an unknown kind is a clear error
            rendered = build_document(loaded, kind, options)
            name = kind_path(Path("."), loaded.problem.reference, kind, folders).name  # type: ignore[arg-type]
            out[kind] = (name, rendered.data)
    return out


def diff_problems(problems: Sequence[Path], *, folder: Path | None = None, base: str | None = None,
                  head: str | None = None, base_dir: Path | None = None, head_dir: Path | None = None,
                  kinds: Sequence[str] | None = None) -> DiffReport:
    """Render every problem statement with the base and head templates and compare each document
    (``kinds`` None: every document of each file's pack)."""
    from procure.redline import compare

    documents: list[DocumentDiff] = []
    issues: list[Issue] = []
    with template_folders(folder, base, head, base_dir, head_dir) as (base_set, head_set, base_label, head_label):
        for source in problems:
            try:
                before = render_all(source, base_set, kinds)
            except ProcureError as err:
                issues += [_labelled(i, f"with the base templates ({base_label})") for i in err.issues]
                continue
            try:
                after = render_all(source, head_set, kinds)
            except ProcureError as err:
                issues += [_labelled(i, f"with the head templates ({head_label})") for i in err.issues]
                continue
            for kind, (name, new) in after.items():
                if kind not in before:
                    issues.append(Issue(Location(file=str(source)), f"{name} is a new document of the pack with "
                                        "the head templates; there is nothing to compare it with", "warning"))
                    continue
                result = compare(before[kind][1], new)
                documents.append(DocumentDiff(result.changes, result.redline, source=source, kind=kind, name=name))
            for kind, (name, _) in before.items():
                if kind not in after:
                    issues.append(Issue(Location(file=str(source)), f"{name} is no longer a document of the pack "
                                        "with the head templates", "warning"))
    return DiffReport(documents, issues, base_label, head_label)


def _labelled(issue: Issue, where: str) -> Issue:
    return Issue(issue.location, f"{issue.message} ({where})", issue.severity)


# --------------------------------------------------------------------------- the text report


def format_report(report: DiffReport, color: bool = False) -> str:
    """Per changed document its changes under their headings; the unchanged ones; a summary."""
    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if color else text

    lines = [f"base: {report.base_label}", f"head: {report.head_label}", ""]
    for doc in report.changed:
        moved_in = {_flat(c.head): c.context for c in doc.changes if c.kind == "inserted"}
        moved_out = {_flat(c.base): c.context for c in doc.changes if c.kind == "deleted"}
        lines.append(paint(f"{doc.name} ({doc.source}, {doc.kind}): {_counts(doc.count('changed'), doc.count('inserted'), doc.count('deleted'))}", "1"))
        context = None
        for change in doc.changes:
            if change.context != context:
                context = change.context
                lines.append(paint(f"  § {context or '(before the first heading)'}", "36"))
            if change.kind == "inserted":
                origin = moved_out.get(_flat(change.head))
                note = f"   (moved here from § {origin or '(start)'})" if origin is not None else ""
                lines.append(paint(f"  + {_flat(change.head)}{note}", "32"))
            elif change.kind == "deleted":
                target = moved_in.get(_flat(change.base))
                note = f"   (moved to § {target or '(start)'})" if target is not None else ""
                lines.append(paint(f"  - {_flat(change.base)}{note}", "31"))
            else:
                words = "".join(text if status == "same" else
                                paint(f"[-{text}-]", "31") if status == "del" else paint(f"{{+{text}+}}", "32")
                                for status, text in change.words)
                lines.append(f"  ~ {_flat(words) if words.strip() else '(paragraph style changed)'}")
        lines.append("")
    unchanged = [d for d in report.documents if not d.changed]
    if unchanged:
        lines.append("unchanged: " + ", ".join(f"{d.name} ({d.source})" for d in unchanged))
    totals = report.totals()
    lines.append(f"{len(report.changed)} of {len(report.documents)} document(s) changed: "
                 f"{_counts(totals['changed'], totals['inserted'], totals['deleted'])}")
    return "\n".join(lines)


def _counts(changed: int, inserted: int, deleted: int) -> str:
    return f"{changed} paragraph(s) changed, {inserted} inserted, {deleted} deleted"


def _flat(text: str) -> str:
    return " ".join(text.split())


def write_redlines(report: DiffReport, folder: Path) -> list[Path]:
    """One ``<name>-redline.docx`` per changed document, written all or nothing."""
    from procure.package import write_all_atomic

    files = []
    for doc in report.changed:
        assert doc.redline is not None
        files.append((folder / doc.name.replace(".docx", "-redline.docx"), doc.redline))
    if files:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ProcureError(f"cannot create the folder: {err.strerror}", Location(file=str(folder))) from None
        write_all_atomic(files)
    return [path for path, _ in files]
