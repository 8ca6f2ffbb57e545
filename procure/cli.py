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
from procure.errors import Issue, ProcureError

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
              multiple=True, help="A folder of templates searched before the built-in ones (override one "
              "partial or all); repeat it to layer several, the first wins. PROCURE_TEMPLATES adds more.")
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
def render(problems: tuple[Path, ...], out_dir: Path, doc: str, templates_dir: tuple[Path, ...],
           reference_doc: Path | None, strict: bool, jobs: int, fmt: str, toc_pages: bool | None) -> None:
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
    sys.exit(EXIT_INVALID if any(not r.ok for r in results) else 0)


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
              multiple=True, help="Templates to look for placeholders in (as with render; repeatable).")
@click.option("--explain", "explain_code", metavar="CODE", help="Explain one rule and exit.")
@click.option("--list-rules", is_flag=True, help="List every rule with its code and severity, and exit.")
def check(problems: tuple[Path, ...], strict: bool, fmt: str, words_file: Path | None,
          templates_dir: tuple[Path, ...], explain_code: str | None, list_rules: bool) -> None:
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
    from procure.checks.output import findings_json, format_human
    from procure.template_lint import check_templates, example_files

    try:
        findings = check_templates(directory, base=base, examples=[*example_files(), *extra_examples])
    except ProcureError as err:
        _fail(err)
    if fmt == "json":
        click.echo(findings_json(findings))
    else:
        click.echo(format_human(findings, color=sys.stdout.isatty()) or "no problems found")
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
    from procure.diff import diff_problems, format_report, write_redlines

    try:
        report = diff_problems(list(problems), folder=templates_dir, base=base, head=head,
                               base_dir=base_templates, head_dir=head_templates,
                               kinds=None if doc == DOC_ALL else (doc,))
        for issue in report.issues:
            click.echo(_issue_line(issue), err=True)
        click.echo(format_report(report, color=sys.stdout.isatty()))
        if redline_dir is not None:
            for path in write_redlines(report, redline_dir):
                click.echo(f"wrote {path}")
    except ProcureError as err:
        _fail(err)
    sys.exit(EXIT_INVALID if any(issue.severity == "error" for issue in report.issues) else 0)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="procure")
