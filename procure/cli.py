"""The command line: thin Click commands over the library.

This is the only module that decides exit codes (0 success, 1 invalid input,
2 usage) and prints errors. It imports nothing heavy at start: every command
imports what it needs when it runs, so ``procure --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from procure import __version__
from procure.errors import Issue, Location, ProcureError

if TYPE_CHECKING:
    from procure.build import PackResult

#: ``--doc`` offers every declared document kind (procure.build.declared_kinds) and "all", the whole pack.
DOC_ALL = "all"
EXIT_INVALID = 1


def _fail(err: ProcureError) -> None:
    """Print a user error (every issue it holds) and exit 1, never a traceback."""
    for issue in err.issues:
        click.echo(_issue_line(issue), err=True)
    sys.exit(err.exit_code)


def _issue_line(issue: Issue) -> str:
    label = click.style("error", fg="red", bold=True) if issue.severity == "error" else click.style(
        "warning", fg="yellow", bold=True
    )
    prefix = issue.location.prefix()
    return f"{prefix}: {label}: {issue.message}" if prefix else f"{label}: {issue.message}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="procure")
def cli() -> None:
    """Outcome-based, short-cycle tender documents from a problem statement.

    Write one YAML problem statement (start with `procure init`), check it with
    `procure check`, and turn it into a market-consultation invitation and a
    tender document (.docx, Dutch or English) with `procure render`.
    """


@cli.command()
@click.argument("problems", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Folder for the .docx files (created if missing).")
@click.option("--doc", "doc", default=DOC_ALL, show_default=True, metavar="KIND",
              help="Which document to render: a declared kind (consultation, tender, agreement, price_form, "
                   "consultation_report, or one a --templates folder declares) or all, the whole pack.")
@click.option("--templates", "templates_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A folder of templates searched before the built-in ones (override one partial or all).")
@click.option("--reference-doc", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A .docx whose styles (the organisation's house style) the documents use.")
@click.option("--strict", is_flag=True, help="Refuse to write documents that still hold placeholders.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Render this many problem files in parallel.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="json prints one machine-readable result for the whole batch.")
@click.option("--toc-pages/--no-toc-pages", "toc_pages", default=None,
              help="Page numbers in the table of contents, from one layout by LibreOffice (about 2 s a "
                   "document). Default: on when LibreOffice (soffice) and pdfinfo are installed; without "
                   "them Word fills the pages in when it opens the file.")
@click.option("--pdf", is_flag=True, help="Also write a tagged PDF of each document (LibreOffice, one process).")
@click.option("--pdfa", is_flag=True, help="As --pdf, as PDF/A-2b for archiving.")
def render(problems: tuple[Path, ...], out_dir: Path, doc: str, templates_dir: Path | None,
           reference_doc: Path | None, strict: bool, jobs: int, fmt: str, toc_pages: bool | None,
           pdf: bool = False, pdfa: bool = False) -> None:
    """Render problem statements into .docx documents.

    Each file is rendered on its own: a file that fails is reported and the
    others are still written. Nothing is written for an invalid file, and a
    document appears only when it is complete (written to a temporary file,
    then moved into place).
    """
    from procure.build import BuildOptions, render_batch

    options = BuildOptions(out_dir=out_dir, kinds=_kinds(doc, templates_dir), templates_dir=templates_dir,
                           reference_doc=reference_doc, strict=strict, toc_pages=toc_pages)
    results = render_batch(list(problems), options, jobs=jobs)
    if fmt == "json":
        click.echo(json.dumps([r.as_json() for r in results], indent=2, ensure_ascii=False))
    else:
        for result in results:
            _print_render_result(result)
    if pdf or pdfa:
        _render_pdfs(results, pdfa, fmt)
    sys.exit(EXIT_INVALID if any(not r.ok for r in results) else 0)


def _render_pdfs(results: list[PackResult], pdfa: bool, fmt: str) -> None:
    """A PDF beside every document written, all converted by one LibreOffice process."""
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


def _print_render_result(result: PackResult) -> None:
    for issue in result.issues:
        click.echo(_issue_line(issue), err=True)
    for written in result.documents:
        note = ""
        if written.placeholders:
            note = click.style(f"  ({len(written.placeholders)} placeholder(s) to fill in)", fg="yellow")
        click.echo(f"wrote {written.path}{note}")


@cli.command()
@click.argument("problems", nargs=-1, required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings and placeholders as errors (for publishing).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="json prints one list of findings for all files.")
@click.option("--words", "words_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A YAML file with extra solution words per language ({nl: [...], en: [...]}).")
@click.option("--templates", "templates_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Templates to look for placeholders in (as with render).")
@click.option("--explain", "explain_code", metavar="CODE", help="Explain one rule and exit.")
@click.option("--list-rules", is_flag=True, help="List every rule with its code and severity, and exit.")
def check(problems: tuple[Path, ...], strict: bool, fmt: str, words_file: Path | None,
          templates_dir: Path | None, explain_code: str | None, list_rules: bool) -> None:
    """Validate problem statements and lint them as tenders.

    Reports schema errors, the agile-procurement rules (problem not solution,
    measurable outcomes, short cycles, money and procedure, periods, award) and
    every placeholder the documents would still show. Exit 0 when there are no
    errors (warnings allowed), 1 when there are.
    """
    from procure import checking

    if list_rules or explain_code:
        try:
            text = checking.rules_text() if list_rules else checking.explain_text(explain_code or "")
        except ProcureError as err:
            raise click.BadParameter(err.message, param_hint="--explain") from None
        click.echo(text)
        return
    if not problems:
        raise click.UsageError("give at least one PROBLEM.yaml (or --list-rules / --explain CODE)")
    try:
        report = checking.check_files(list(problems), strict=strict, words_file=words_file,
                                      templates_dir=templates_dir)
    except ProcureError as err:
        _fail(err)
    color = fmt == "text" and sys.stdout.isatty()
    click.echo(report.as_json() if fmt == "json" else report.as_text(color=color))
    sys.exit(EXIT_INVALID if report.has_errors else 0)


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(("nl", "en")), default="nl", show_default=True,
              help="Language of the starter and of the documents.")
def init(path: Path, lang: str) -> None:
    """Write a commented starter problem statement.

    PATH must not exist yet: init never overwrites a file.
    """
    from procure.scaffold import write_starter

    if str(path) == "-":
        raise click.BadParameter("init writes a file, so '-' (standard output) cannot be its name; "
                                 "give a file name such as probleem.yaml", param_hint="PATH")
    try:
        done = write_starter(path, lang)
    except ProcureError as err:
        _fail(err)
    for line in done:
        click.echo(line)
    click.echo(f"fill in {path}, then run `procure check {path}`")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of a problem statement.

    Point your editor's YAML support at it for completion and validation.
    """
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
    from procure import batch as batching

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
        if bar:
            bar.clear()
        if fmt == "json":
            click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        for finding in result.findings:
            if finding["severity"] in ("error", "warning"):
                issue = Issue(Location(finding["file"], finding["line"], finding["column"], finding["field"] or None),
                              finding["message"].removeprefix(f"{finding['field']}: ") if finding["field"] else
                              finding["message"], finding["severity"])
                click.echo(_issue_line(issue), err=True)
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


def main() -> None:
    """Console-script entry point."""
    _tolerant_output()
    cli(prog_name="procure")
