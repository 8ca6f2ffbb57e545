"""The error family of procure.

Domain code raises these; only :mod:`procure.cli` turns them into exit codes
and printed messages. Every error knows where it happened, as precisely as
the input allows: file, line, column and the dotted field path.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct


class Location(Struct, frozen=True):
    """Where something is in a user's file. Lines and columns count from 1."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def prefix(self) -> str:
        """``FILE:LINE:COL: field.path`` with whatever parts are known."""
        parts = []
        if self.file is not None:
            parts.append(self.file)
            if self.line is not None:
                parts.append(str(self.line))
                if self.column is not None:
                    parts.append(str(self.column))
        head = ":".join(parts)
        if self.field:
            return f"{head}: {self.field}" if head else self.field
        return head


class Issue(Struct, frozen=True):
    """One located problem in an input: an error, or a warning that does not stop the run."""

    location: Location
    message: str
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        prefix = self.location.prefix()
        return f"{prefix}: {self.message}" if prefix else self.message


class ProcureError(Exception):
    """Base of every error a user can cause. ``str(err)`` is the message to print."""

    exit_code = 1

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location or Location()

    def __str__(self) -> str:
        prefix = self.location.prefix()
        return f"{prefix}: {self.message}" if prefix else self.message

    @property
    def issues(self) -> list[Issue]:
        """The error as a list of located issues (one, unless a subclass holds more)."""
        return [Issue(self.location, self.message)]


class InputError(ProcureError):
    """A problem-statement file that cannot be used. Holds every issue found, not only the first."""

    def __init__(self, issues: list[Issue], file: str | None = None) -> None:
        self._issues = list(issues)
        summary = f"{len(self._issues)} error(s) in {file}" if file else "invalid input"
        super().__init__(summary, Location(file=file))

    @property
    def issues(self) -> list[Issue]:
        return list(self._issues)

    def __str__(self) -> str:
        return "\n".join(str(i) for i in self._issues)


class TemplateError(ProcureError):
    """A template that does not load or render (syntax error, undefined name, sandbox refusal)."""


class StyleError(ProcureError):
    """A house style or reference .docx that cannot be used."""


class RenderError(ProcureError):
    """Markdown the Word renderer does not know how to lay out (it fails closed)."""


class OutputError(ProcureError):
    """An output file or folder that cannot be written."""


class SetupError(ProcureError):
    """The installation lacks something procure needs (not the user's input)."""


def yaml_loader() -> Any:
    """The one YAML parser procure uses, for problem statements, strings, word lists and its own data.

    Always libyaml's C parser (PyYAML's ``CSafeLoader``), never "C when available,
    else pure Python": the two disagree on real input (``questions: [What would
    you try?]`` is valid YAML, which libyaml reads and PyYAML's pure-Python
    parser refuses), so a fallback would make one file valid on one machine and
    invalid on the next. PyYAML's wheels for Linux, macOS and Windows and
    Debian's python3-yaml all include libyaml; an installation without it is
    told how to get it rather than given different results.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        raise SetupError("this installation's PyYAML was built without libyaml, which procure needs so that "
                         "every machine reads a file alike: reinstall it from a wheel "
                         "(pip install --force-reinstall --only-binary PyYAML PyYAML) or install python3-yaml")
    return loader


def read_yaml_file(path: Any, what: str) -> Any:
    """One of procure's or a template set's own YAML files (``kinds.yaml``, ``strings.yaml``), read with
    :func:`yaml_loader`; any failure is a :class:`TemplateError` "cannot read <what>: ...", located at
    the line and column of a syntax error."""
    import yaml

    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_loader())
    except yaml.MarkedYAMLError as err:
        line, column, detail = yaml_problem(err)
        raise TemplateError(f"cannot read {what}: {detail}", Location(str(path), line, column)) from None
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as err:
        raise TemplateError(f"cannot read {what}: {err}", Location(file=str(path))) from None


def yaml_problem(err: Any) -> tuple[int | None, int | None, str]:
    """Line and column (1-based, None when unknown) and a one-line description of a
    PyYAML ``MarkedYAMLError``: the one way every reader of YAML here locates a syntax error."""
    mark = err.problem_mark or err.context_mark
    parts = [f"{err.context}," if err.context else "", err.problem or "invalid YAML"]
    detail = " ".join(" ".join(parts).split())
    if mark is None:
        return None, None, detail
    return mark.line + 1, mark.column + 1, detail
