"""The command line: thin Click commands over the library.

This is the only module that decides exit codes and prints errors. It imports
nothing heavy at start: every command imports what it needs when it runs, so
``procure --help`` stays fast.

Exit codes (every command):

- 0: success. ``render``: every document written and the checks found no error.
- 1: invalid input. ``check``: the checks found an error. ``render``: a file did
  not load or could not be written, or ``--strict`` refused a pack; nothing was
  written for that file.
- 2: wrong usage (an unknown option, a missing argument).
- 3: ``render`` without ``--strict`` wrote the documents, but the checks found
  errors (the documents are drafts, not for publication). A pipeline that
  publishes on exit 0 never publishes them.
- 130: interrupted (Ctrl-C); the documents written until then are listed.

Colour: on a terminal only, never with ``NO_COLOR`` set, always with
``FORCE_COLOR`` set (https://no-color.org, https://force-color.org). One
decision (:func:`_colour`) is passed to everything that prints.

Adding a command: define it with ``@cli.command()`` below; options made with
:func:`option` get their ``--help`` text translated.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import click

from procure import __version__
from procure.i18n import _, ngettext, set_language

if TYPE_CHECKING:
    from procure.build import PackResult
    from procure.errors import Issue, ProcureError

#: ``--doc`` offers every declared document kind (procure.build.declared_kinds) and "all", the whole pack.
DOC_ALL = "all"
EXIT_OK = 0
EXIT_INVALID = 1
EXIT_DRAFT = 3
EXIT_INTERRUPTED = 130
STDIN = "-"
PROBLEM_SUFFIXES = (".yaml", ".yml")


# ---------------------------------------------------------------- translated help


class Option(click.Option):
    """An option whose ``--help`` text is shown in the user's language."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        original = self.help
        self.help = _(original) if original else original
        try:
            return super().get_help_record(ctx)
        finally:
            self.help = original


def _translated(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``method`` with the command's description in the user's language (looked up without the
    docstring's indentation, as Click prints it)."""

    def wrapper(self: click.Command, *args: Any, **kwargs: Any) -> Any:
        import inspect

        original = self.help
        if original:
            cleaned = inspect.cleandoc(original)
            translated = _(cleaned)
            self.help = translated if translated != cleaned else original
        try:
            return method(self, *args, **kwargs)
        finally:
            self.help = original

    return wrapper


def _help_option(method: Callable[..., Any]) -> Callable[..., Any]:
    """Click's --help option, its text translated when shown (Click words it once and keeps it)."""

    def wrapper(self: click.Command, ctx: click.Context) -> click.Option | None:
        found = method(self, ctx)
        if found is not None and not isinstance(found, Option):
            found.__class__ = Option
            found.help = "Show this message and exit."
        return found

    return wrapper


class Command(click.Command):
    """A command whose description is shown in the user's language."""

    format_help_text = _translated(click.Command.format_help_text)
    get_short_help_str = _translated(click.Command.get_short_help_str)
    get_help_option = _help_option(click.Command.get_help_option)


class Group(click.Group):
    command_class = Command
    format_help_text = _translated(click.Group.format_help_text)
    get_help_option = _help_option(click.Group.get_help_option)


option = partial(click.option, cls=Option)


def _set_language(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    return set_language(value)


# ---------------------------------------------------------------- printing


def _colour(stream: IO[str] | None = None) -> bool:
    """Colour on a terminal; ``NO_COLOR`` (any value) turns it off, ``FORCE_COLOR`` (not 0) on."""
    if os.environ.get("NO_COLOR"):
        return False
    force = os.environ.get("FORCE_COLOR")
    if force and force != "0":
        return True
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def _echo(text: str, err: bool = False) -> None:
    click.echo(text, err=err, color=_colour(sys.stderr if err else sys.stdout))


def _fail(err: ProcureError) -> NoReturn:
    """Print a user error (every issue it holds) and exit 1, never a traceback."""
    colour = _colour(sys.stderr)
    for issue in err.issues:
        click.echo(_issue_line(issue, colour), err=True, color=colour)
    sys.exit(err.exit_code)


def _issue_line(issue: Issue, colour: bool) -> str:
    from procure.checks.output import paint

    word = _("error") if issue.severity == "error" else _("warning")
    label = paint(word, "error" if issue.severity == "error" else "warning") if colour else word
    prefix = issue.location.prefix()
    return f"{prefix}: {label}: {_(issue.message)}" if prefix else f"{label}: {_(issue.message)}"


# ---------------------------------------------------------------- arguments


def _problem_files(arguments: Sequence[str]) -> list[Path]:
    """The files to read: ``-`` (standard input) once at most, and each folder searched for *.yaml and *.yml.

    Folders are searched recursively, as ruff and ESLint do, skipping hidden
    folders (``.git``, ``.venv``); their files come in sorted order.
    """
    files: list[Path] = []
    if sum(1 for a in arguments if a == STDIN) > 1:
        raise click.UsageError(_("'-' (standard input) can be given only once"))
    for argument in arguments:
        path = Path(argument)
        if argument != STDIN and path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in PROBLEM_SUFFIXES and p.is_file()
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                raise click.UsageError(_("the folder {folder} holds no .yaml or .yml files").format(folder=argument))
            files.extend(found)
        else:
            files.append(path)
    return files


def _read_stdin(files: Sequence[Path]) -> str | None:
    if not any(str(f) == STDIN for f in files):
        return None
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise click.UsageError(_("standard input is not UTF-8 text; save the problem statement as UTF-8")) from None


# ---------------------------------------------------------------- the commands


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="procure", cls=Option,
                      help="Show the version and exit.")
@option("--lang", "ui_lang", type=click.Choice(("nl", "en")), is_eager=True, expose_value=False,
        callback=_set_language,
        help="Language of procure's messages and help (default: from the locale, e.g. LANG=nl_NL.UTF-8).")
def cli() -> None:
    """Outcome-based, short-cycle tender documents from a problem statement.

    Write one YAML problem statement (start with `procure init`), check it with
    `procure check`, and turn it into a market-consultation invitation and a
    tender document (.docx, Dutch or English) with `procure render`.
    """


@cli.command()
@click.argument("problems", nargs=-1, required=True, type=click.Path(allow_dash=True))
@option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
        default=Path("."), show_default=True, help="Folder for the .docx files (created if missing).")
@option("--doc", "doc", default=DOC_ALL, show_default=True, metavar="KIND",
        help="Which document to render: a declared kind (consultation, tender, agreement, price_form, "
             "consultation_report, or one a --templates folder declares) or all, the whole pack.")
@option("--templates", "templates_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
        multiple=True, help="A folder of templates searched before the built-in ones (override one partial "
        "or all); repeat it to layer several, the first wins. PROCURE_TEMPLATES adds more.")
@option("--reference-doc", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="A .docx whose styles (the organisation's house style) the documents use.")
@option("--strict", is_flag=True,
        help="Refuse to write a pack that check --strict refuses (errors, warnings, placeholders).")
@option("--no-clobber", is_flag=True, help="Keep documents that already exist instead of replacing them.")
@option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
        help="Render this many problem files in parallel.")
@option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
        help="json prints one machine-readable report for the whole batch.")
@option("--toc-pages/--no-toc-pages", "toc_pages", default=None,
        help="Page numbers in the table of contents, from one layout by LibreOffice (about 2 s a "
             "document). Default: on when LibreOffice (soffice) and pdfinfo are installed; without "
             "them Word fills the pages in when it opens the file.")
@option("--pdf", is_flag=True, help="Also write a tagged PDF of each document (LibreOffice, one process).")
@option("--pdfa", is_flag=True, help="As --pdf, as PDF/A-2b for archiving.")
def render(problems: tuple[str, ...], out_dir: Path, doc: str, templates_dir: tuple[Path, ...],
           reference_doc: Path | None, strict: bool, no_clobber: bool, jobs: int, fmt: str,
           toc_pages: bool | None, pdf: bool, pdfa: bool) -> None:
    """Render problem statements into .docx documents.

    PROBLEMS are files, folders (searched for *.yaml and *.yml) or - for
    standard input. Each file is checked as `procure check` does and its
    findings are reported. With --strict a file with errors gets no documents;
    without it the documents are written as drafts and the exit code is 3.
    A file that fails never stops the others. A document appears only when it
    is complete (written to a temporary file, then moved into place).
    """
    from procure.build import BuildOptions, render_batch

    files = _problem_files(problems)
    options = BuildOptions(out_dir=out_dir, kinds=_kinds(doc, templates_dir), templates_dir=templates_dir,
                           reference_doc=reference_doc, strict=strict, no_clobber=no_clobber,
                           stdin_text=_read_stdin(files),
                           # a PDF shows the contents as the .docx holds them: with --pdf, number them
                           toc_pages=True if toc_pages is None and (pdf or pdfa) else toc_pages)
    progress = _Progress(len(files), text=fmt == "text")
    try:
        results = render_batch(files, options, jobs=jobs, on_done=progress.done)
    except KeyboardInterrupt:
        progress.interrupted()
    progress.clear()
    report = _render_report(results)
    if fmt == "json":
        results_json = [r.as_json() for r in results]
        click.echo(report.as_json("render", results=results_json))
    else:
        _echo(_summary_line(report, results), err=True)
    if pdf or pdfa:
        _render_pdfs(results, pdfa, fmt)
    sys.exit(_render_exit_code(results))


def _render_pdfs(results: list[PackResult], pdfa: bool, fmt: str) -> None:
    """A PDF beside every document written, all converted by one LibreOffice process."""
    from procure.errors import ProcureError
    from procure.pdf import convert_in_place

    documents = [written.path for result in results for written in result.documents]
    try:
        pdfs = convert_in_place(documents, pdfa=pdfa)
    except ProcureError as err:
        _fail(err)
    for path in pdfs:
        click.echo(f"wrote {path}", err=fmt == "json")


def _kinds(doc: str, templates_dir: Path | None) -> tuple[str, ...] | None:
    """None for the whole pack of each file; else the one declared kind asked for (a usage error,
    naming the declared kinds, for any other)."""
    from procure.errors import ProcureError
    from procure.build import declared_kinds

    if doc == DOC_ALL:
        return None
    try:
        kinds = declared_kinds(templates_dir)
    except ProcureError as err:
        _fail(err)
    if doc not in kinds:
        raise click.BadParameter(f"{doc!r} is not a document kind; choose from {', '.join([*kinds, DOC_ALL])}",
                                 param_hint="'--doc'")
    return (doc,)


def _render_report(results: Sequence[PackResult]) -> Any:
    from procure import checking

    findings = [f for result in results for f in _findings_of(result)]
    findings.sort(key=lambda f: f.sort_key())
    return checking.CheckReport(tuple(findings), files=len(results))


def _findings_of(result: PackResult) -> list[Any]:
    """What the checks found, and what stopped the file (PRC010 invalid, PRC030 not written)."""
    from procure import checking

    return [*result.findings, *checking.issue_findings(result.issues, str(result.source), result.issue_code)]


def _render_exit_code(results: Sequence[PackResult]) -> int:
    statuses = {r.status for r in results}
    if statuses & {"failed", "refused"}:
        return EXIT_INVALID
    return EXIT_DRAFT if "draft" in statuses else EXIT_OK


class _Progress:
    """Reports each file of a render as it finishes; a progress line on a terminal only."""

    def __init__(self, total: int, text: bool) -> None:
        self.total, self.text, self.count = total, text, 0
        self.written: list[Path] = []
        self.bar = text and total > 1 and _isatty(sys.stderr) and not os.environ.get("CI")

    def done(self, result: PackResult) -> None:
        self.count += 1
        self.written += [d.path for d in result.documents if d.action != "kept"]
        if not self.text:
            return
        self.clear()
        _print_render_result(result)
        if self.bar:
            filled = int(30 * self.count / self.total)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.count}/{self.total}")
            sys.stderr.flush()

    def clear(self) -> None:
        if self.bar:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    def interrupted(self) -> NoReturn:
        self.clear()
        if self.written:
            lines = "\n".join(f"  {p}" for p in self.written)
            _echo(_("interrupted; these documents were written before it:") + f"\n{lines}", err=True)
        else:
            _echo(_("interrupted; no document was written"), err=True)
        sys.exit(EXIT_INTERRUPTED)


def _isatty(stream: IO[str]) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


def _print_render_result(result: PackResult) -> None:
    """One file's findings (standard error) and what happened to its documents (standard output)."""
    from procure.checks import format_lines

    colour = _colour(sys.stderr)
    findings = _findings_of(result)
    if findings:
        click.echo(format_lines([_translated_finding(f) for f in findings], color=colour), err=True, color=colour)
    for written in result.documents:
        note = ""
        if written.placeholders:
            count = len(written.placeholders)
            note = "  (" + ngettext("{n} placeholder to fill in", "{n} placeholders to fill in", count).format(
                n=count) + ")"
            if _colour():
                from procure.checks.output import paint

                note = paint(note, "warning")
        verb = {"written": _("wrote"), "replaced": _("replaced"), "kept": _("kept (--no-clobber)")}[written.action]
        _echo(f"{verb} {written.path}{note}")
    if result.status == "draft":
        _echo(_("{file}: the documents were written as drafts: the checks found errors, so do not publish them "
                "(--strict refuses such a pack)").format(file=result.source), err=True)
    elif result.status == "refused":
        _echo(_("{file}: nothing written: --strict refuses a pack with errors").format(file=result.source), err=True)


def _summary_line(report: Any, results: Sequence[PackResult]) -> str:
    from procure.checks.output import counts

    count = counts(report.findings)
    written = sum(1 for r in results for d in r.documents if d.action != "kept")
    return _count_text(count, report.files) + "; " + ngettext(
        "{n} document written", "{n} documents written", written).format(n=written)


def _count_text(count: dict[str, int], files: int) -> str:
    return (ngettext("{n} error", "{n} errors", count["error"]).format(n=count["error"]) + ", "
            + ngettext("{n} warning", "{n} warnings", count["warning"]).format(n=count["warning"]) + ", "
            + _("{n} info").format(n=count["info"]) + " "
            + ngettext("in {n} file checked", "in {n} files checked", files).format(n=files))


def _translated_finding(finding: Any) -> Any:
    """A finding whose message is shown in the user's language (the rules' messages are translated
    where they are made; messages from the loader are looked up whole)."""
    from msgspec.structs import replace

    return replace(finding, message=_(finding.message))


@cli.command()
@click.argument("problems", nargs=-1, required=False, type=click.Path(allow_dash=True))
@option("--strict", is_flag=True, help="Treat warnings and placeholders as errors (for publishing).")
@option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
        help="json prints one machine-readable report for all files.")
@option("--words", "words_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="A YAML file with extra solution words per language ({nl: [...], en: [...]}).")
@option("--templates", "templates_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
        multiple=True, help="Templates to look for placeholders in (as with render; repeatable).")
@option("--explain", "explain_code", metavar="CODE", help="Explain one rule and exit.")
@option("--list-rules", is_flag=True, help="List every rule with its code and severity, and exit.")
def check(problems: tuple[str, ...], strict: bool, fmt: str, words_file: Path | None,
          templates_dir: tuple[Path, ...], explain_code: str | None, list_rules: bool) -> None:
    """Validate problem statements and lint them as tenders.

    PROBLEMS are files, folders (searched for *.yaml and *.yml) or - for
    standard input. Reports schema errors, the agile-procurement rules (problem
    not solution, measurable outcomes, short cycles, money and procedure,
    periods, award) and every placeholder the documents would still show. Exit
    0 when there are no errors (warnings allowed), 1 when there are.
    """
    from procure import checking
    from procure.errors import ProcureError

    if list_rules or explain_code:
        try:
            text = checking.rules_text() if list_rules else checking.explain_text(explain_code or "")
        except ProcureError as err:
            raise click.BadParameter(_(err.message), param_hint="--explain") from None
        click.echo(text)
        return
    if not problems:
        raise click.UsageError(_("give at least one PROBLEM.yaml (or --list-rules / --explain CODE)"))
    files = _problem_files(problems)
    try:
        report = checking.check_files(files, strict=strict, words_file=words_file, templates_dir=templates_dir,
                                      stdin_text=_read_stdin(files))
    except ProcureError as err:
        _fail(err)
    if fmt == "json":
        click.echo(report.as_json("check"))
    else:
        colour = _colour(sys.stdout)
        from procure.checks import format_lines
        from procure.checks.output import counts

        lines = format_lines([_translated_finding(f) for f in report.findings], color=colour)
        summary = _count_text(counts(report.findings), report.files)
        click.echo(f"{lines}\n\n{summary}" if lines else summary, color=colour)
    sys.exit(EXIT_INVALID if report.has_errors else 0)


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@option("--lang", type=click.Choice(("nl", "en")), default="nl", show_default=True,
        help="Language of the starter and of the documents.")
def init(path: Path, lang: str) -> None:
    """Write a commented starter problem statement.

    PATH must not exist yet: init never overwrites a file. The schema for
    editors is written next to it.
    """
    from procure.errors import ProcureError
    from procure.scaffold import write_starter

    if str(path) == STDIN:
        raise click.BadParameter(_("init writes a file, so '-' (standard output) cannot be its name; "
                                   "give a file name such as probleem.yaml"), param_hint="PATH")
    try:
        done = write_starter(path, lang)
    except ProcureError as err:
        _fail(err)
    for line in done:
        click.echo(line)
    click.echo(_("fill in {path}, then run `procure check {path}`").format(path=path))


@cli.command()
def schema() -> None:
    """Print the JSON Schema of a problem statement.

    Point your editor's YAML support at it for completion and validation.
    """
    import json

    from procure.scaffold import problem_json_schema

    click.echo(json.dumps(problem_json_schema(), indent=2, ensure_ascii=False))


# ---------------------------------------------------------------- batch (pipelines)


def _shard_option(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    from procure.batch import parse_shard

    if value is None:
        return None
    try:
        return parse_shard(value)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


@cli.command()
@click.argument("inputs", nargs=-1, required=False)
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the packs: one folder per reference, and the batch manifest.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the CPUs this process may use).")
@click.option("--templates", "templates_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A folder of templates searched before the built-in ones.")
@click.option("--reference-doc", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A .docx whose styles (the organisation's house style) the documents use.")
@click.option("--strict", is_flag=True, help="As in check: warnings and placeholders fail the pack.")
@click.option("--force", is_flag=True, help="Rebuild every pack, even those that are up to date.")
@click.option("--shard", "shard", metavar="K/N", callback=_shard_option,
              help="Build only shard K of N (a stable split by reference, for a CI matrix).")
@click.option("--ocds", is_flag=True, help="Also write an OCDS 1.1.5 release package (ocds.json) per pack.")
@click.option("--ocid-prefix", envvar="PROCURE_OCID_PREFIX", metavar="PREFIX",
              help="The registered ocid prefix (ocds-xxxxxx) for --ocds; also read from PROCURE_OCID_PREFIX.")
@click.option("--pdf", is_flag=True, help="Also convert each document to tagged PDF (LibreOffice, one process).")
@click.option("--pdfa", is_flag=True, help="As --pdf, as PDF/A-2b for archiving.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="json prints one JSON object per input on stdout as each finishes.")
@click.option("--merge-manifests", "merge", is_flag=True,
              help="Join the shards' manifests given as INPUTS into DIR/manifest.json, and build nothing.")
def batch(inputs: tuple[str, ...], out_dir: Path | None, jobs: int | None, templates_dir: Path | None,
          reference_doc: Path | None, strict: bool, force: bool, shard: tuple[int, int] | None, ocds: bool,
          ocid_prefix: str | None, pdf: bool, pdfa: bool, fmt: str, merge: bool) -> None:
    """Build many packs: INPUT... are problem files, folders or quoted glob patterns.

    Each problem statement becomes the folder DIR/<reference>/ with its
    documents and a manifest.json; DIR/manifest.json records the batch. Packs
    whose input, templates, reference document, legal data and procure
    version are unchanged are skipped. A bad input is reported and the others
    are still built; the exit code is 1 if any input failed.
    """
    import json

    from procure import batch as batching
    from procure.errors import ProcureError

    if not inputs:
        raise click.UsageError("give at least one problem file, folder or pattern")
    if out_dir is None:
        raise click.UsageError("give the output folder with -o DIR")
    if merge:
        try:
            target = batching.merge_manifests([Path(i) for i in inputs], out_dir)
        except ProcureError as err:
            _fail(err)
        click.echo(f"wrote {target}", err=True)
        return
    if ocds:
        from procure.ocds import check_prefix

        try:
            check_prefix(ocid_prefix)
        except ProcureError as err:
            raise click.BadParameter(err.message, param_hint="--ocid-prefix") from None
    options = batching.BatchOptions(out_dir=out_dir, templates_dir=templates_dir, reference_doc=reference_doc,
                                    strict=strict, force=force, jobs=jobs, shard=shard, ocds=ocds,
                                    ocid_prefix=ocid_prefix, pdf=pdf or pdfa, pdfa=pdfa)
    bar = _ProgressBar() if sys.stderr.isatty() else None

    def report(result: batching.InputResult) -> None:
        from procure.errors import Issue, Location

        if bar:
            bar.clear()
        if fmt == "json":
            click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        for finding in result.findings:
            if finding["severity"] in ("error", "warning"):
                issue = Issue(Location(finding["file"], finding["line"], finding["column"], finding["field"] or None),
                              finding["message"].removeprefix(f"{finding['field']}: ") if finding["field"] else
                              finding["message"], finding["severity"])
                click.echo(_issue_line(issue, _colour(sys.stderr)), err=True)
        if result.status == "built" and fmt != "json":
            click.echo(f"built {out_dir / (result.reference or '')}", err=True)
        if bar:
            bar.draw()

    try:
        outcome = batching.run_batch(inputs, options, on_result=report, progress=bar.update if bar else None)
    except ProcureError as err:
        _fail(err)
    if bar:
        bar.clear()
    click.echo(f"{outcome.summary()}; manifest {outcome.manifest_path}", err=True)
    sys.exit(EXIT_INVALID if outcome.failed else 0)


class _ProgressBar:
    """One line on a terminal's stderr: how many packs of the batch are done."""

    def __init__(self) -> None:
        self.done, self.total = 0, 0

    def update(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self.draw()

    def draw(self) -> None:
        if not self.total:
            return
        width = 30
        filled = width * self.done // self.total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
        sys.stderr.flush()

    def clear(self) -> None:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def _tolerant_output() -> None:
    """A console that cannot show every character (cp1252 on Windows, ASCII in a bare container)
    gets ``\\u010d``-style escapes instead of a crash after the files were written."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or unusual stream: leave it as it is
                pass


# --------------------------------------------------------------------------- templates (issue 13)

_TEMPLATES_OPTION = click.option(
    "--templates", "templates_dirs", type=click.Path(file_okay=False, path_type=Path), multiple=True,
    help="A template folder in front of the built-in set (repeatable, the first wins; PROCURE_TEMPLATES adds more).")


@cli.group()
def templates() -> None:
    """Inspect, export and check template sets.

    An organisation's template folder (--templates DIR, or PROCURE_TEMPLATES) is
    searched before the built-in templates: a file there replaces the built-in
    one, and a template that starts with {% extends "builtin/nl/tender.md" %}
    overrides single blocks and inherits the rest.
    """


@templates.command("list")
@_TEMPLATES_OPTION
def templates_list(templates_dirs: tuple[Path, ...]) -> None:
    """List every effective template and the folder it comes from."""
    from procure.errors import ProcureError
    from procure.template_sets import effective_set, search_path

    try:
        entries = effective_set(search_path(templates_dirs))
    except ProcureError as err:
        _fail(err)
    width = max(len(e.name) for e in entries)
    for entry in entries:
        click.echo(f"{entry.name:<{width}}  {entry.origin()}")


@templates.command("show")
@click.argument("name")
@_TEMPLATES_OPTION
def templates_show(name: str, templates_dirs: tuple[Path, ...]) -> None:
    """Print the effective template NAME (e.g. nl/tender.md; builtin/nl/tender.md for the built-in one)."""
    from procure.errors import ProcureError
    from procure.template_sets import resolve_name, search_path

    try:
        path = resolve_name(name, search_path(templates_dirs))
    except ProcureError as err:
        _fail(err)
    click.echo(path.read_text(encoding="utf-8"), nl=False)


@templates.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files that exist already.")
def templates_export(directory: Path, force: bool) -> None:
    """Write the built-in template set into DIRECTORY, to start an organisation's set from."""
    from procure.errors import ProcureError
    from procure.template_sets import export_builtin

    try:
        written = export_builtin(directory, force=force)
    except ProcureError as err:
        _fail(err)
    click.echo(f"wrote {len(written)} files to {directory}: edit them, then run "
               f"`procure templates check {directory}`")


@templates.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--base", "base", metavar="REV", help="Also report a block changed since this git revision in one "
              "language and not the other ({# lang-only: reason #} in the block marks a deliberate difference).")
@click.option("--example", "extra_examples", multiple=True, type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="Also smoke-render this problem statement (repeatable).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="json prints one list of findings, with the keys of `procure check --format json`.")
def templates_check(directory: Path | None, base: str | None, extra_examples: tuple[Path, ...], fmt: str) -> None:
    """Check a template set: every problem at once, each at its file and line.

    DIRECTORY is the organisation's folder, checked over the built-in set
    (without it: the set PROCURE_TEMPLATES makes, else ./ or ./templates when
    they hold a template set, else the built-in one).
    Reports Jinja syntax errors, fields the problem-statement model does not
    have, characters pasted from Word inside tags, Markdown the renderer does
    not support, dangling cross-references and the languages out of step, then
    renders every bundled example. Exit 1 when anything is found.
    """
    from procure.errors import ProcureError
    from procure.checks.output import findings_json, format_human
    from procure.template_lint import check_templates, example_files

    try:
        findings = check_templates(directory, base=base, examples=[*example_files(), *extra_examples])
    except ProcureError as err:
        _fail(err)
    if fmt == "json":
        click.echo(findings_json(findings))
    else:
        click.echo(format_human(findings, color=_colour(sys.stdout)) or "no problems found")
    sys.exit(EXIT_INVALID if findings else 0)


@cli.command()
@click.argument("problems", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--base", metavar="REV", help="The git revision whose templates to compare with (e.g. main, HEAD~1).")
@click.option("--head", metavar="REV", help="The revision to compare (default: the working tree).")
@click.option("--templates", "templates_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The template folder whose history to read (default: the first PROCURE_TEMPLATES folder, "
              "else ./ or ./templates when they hold a template set, else the built-in templates).")
@click.option("--base-templates", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Compare two folders instead: the base template folder ...")
@click.option("--head-templates", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="... and the head template folder.")
@click.option("--redline", "redline_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write a Word document with tracked changes per changed document into this folder.")
@click.option("--doc", "doc", default=DOC_ALL, show_default=True, metavar="KIND",
              help="Which document to compare: a declared kind, or all (the whole pack of each file).")
def diff(problems: tuple[Path, ...], base: str | None, head: str | None, templates_dir: Path | None,
         base_templates: Path | None, head_templates: Path | None, redline_dir: Path | None, doc: str) -> None:
    """Show what a template change does to the documents of PROBLEMS.

    Renders each problem statement with the templates at --base and at --head
    (or the working tree), compares each document paragraph by paragraph and
    prints the changed paragraphs under their headings, the unchanged documents
    and a summary. With --redline, writes per changed document a .docx whose
    changes are Word tracked changes, to send to legal review.
    """
    from procure.errors import ProcureError
    from procure.diff import diff_problems, format_report, write_redlines

    try:
        report = diff_problems(list(problems), folder=templates_dir, base=base, head=head,
                               base_dir=base_templates, head_dir=head_templates,
                               kinds=None if doc == DOC_ALL else (doc,))
        for issue in report.issues:
            click.echo(_issue_line(issue, _colour(sys.stderr)), err=True)
        click.echo(format_report(report, color=_colour(sys.stdout)))
        if redline_dir is not None:
            for path in write_redlines(report, redline_dir):
                click.echo(f"wrote {path}")
    except ProcureError as err:
        _fail(err)
    sys.exit(EXIT_INVALID if any(issue.severity == "error" for issue in report.issues) else 0)


#: The cyclic garbage collector's first threshold for a run of procure (Python's default is 700): loading
#: Pydantic, python-docx and the models makes hundreds of thousands of objects that live until the end,
#: and at 700 the collector walked them again and again, about 7 % of a one-pack render. Young cycles
#: are still collected, every 10,000 allocations, so memory stays flat over a batch.
GC_THRESHOLD = 10_000


def main() -> None:
    """Console-script entry point: the language from the environment until ``--lang`` says otherwise.

    When the command is done, every object left is frozen out of the cyclic garbage collector: the
    interpreter's shutdown otherwise runs full collections over everything Pydantic, python-docx and
    lxml built, about a sixth of a one-pack render. Shutdown itself is unchanged (``atexit``
    handlers, closing files, exit code); only cycles still alive at exit are not searched for, and
    Python never promised to finalise those.
    """
    import gc

    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    _tolerant_output()
    set_language(None)
    try:
        cli(prog_name="procure")
    except KeyboardInterrupt:
        click.echo(_("interrupted"), err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        gc.freeze()
