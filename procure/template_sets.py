"""Template sets that layer: an organisation's folders in front of the built-in templates.

A *template set* is a folder laid out like the built-in one::

    nl/tender.md  nl/consultation.md  nl/strings.yaml  nl/partials/<name>.md
    en/...

The folders given with ``--templates`` (in order) and then those in the
environment variable ``PROCURE_TEMPLATES`` (``os.pathsep``-separated) are
searched before the built-in set; the first folder holding a file wins. A file
replaces the built-in file of the same name, except ``strings.yaml``, which is
merged key by key (see :func:`procure.templating.load_strings`).

To change one clause and inherit the rest, a template extends the built-in one
under the name ``builtin/<name>`` and overrides a block::

    {% extends "builtin/nl/tender.md" %}
    {% block betaling %}...{% endblock %}

A file in a place procure never reads (``tender.md`` without its language
folder, ``nl/tendr.md``, ``partials/`` at the top) is reported by
:func:`layout_issues`, never silently ignored: every render refuses such a set.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from msgspec import Struct

from procure.errors import Issue, Location, ProcureError, TemplateError

#: The environment variable naming extra template folders for pipelines (several, os.pathsep-separated).
ENV_VAR = "PROCURE_TEMPLATES"
#: The name prefix under which the built-in templates stay reachable from an overriding template.
BUILTIN_PREFIX = "builtin"
#: The languages a template set may hold (the document languages procure renders).
LANGUAGES = ("nl", "en")  # the keys of procure.templating.LOCALES
#: Files a language folder holds besides its partials.
#: The declaration of the document kinds, at the top of a set (its templates are allowed too).
KINDS_FILE = "kinds.yaml"
PARTIALS = "partials"
#: Files at the top of a template repository that are not templates (a README, licence, CI set-up).
_IGNORED_TOP = ("readme", "license", "licence", "changelog", "copying", "notice", "contributing")
_TEMPLATE_SUFFIXES = (".md", ".yaml", ".yml", ".j2", ".jinja", ".jinja2")

TemplatesArg = Path | str | Sequence[Path | str] | None


class TemplateSetError(TemplateError):
    """A template set procure cannot use as it is; holds every problem found, not only the first."""

    def __init__(self, issues: list[Issue]) -> None:
        self._issues = list(issues)
        super().__init__(f"{len(self._issues)} problem(s) in the template folders", issues[0].location)

    @property
    def issues(self) -> list[Issue]:
        return list(self._issues)

    def __str__(self) -> str:
        return "\n".join(str(issue) for issue in self._issues)


def builtin_dir() -> Path:
    """The built-in template set (installed package data, else the checkout's ``templates/``)."""
    from procure.templating import builtin_templates_dir

    return builtin_templates_dir()


def _as_list(templates: TemplatesArg) -> list[Path]:
    if templates is None:
        return []
    if isinstance(templates, (str, Path)):
        return [Path(templates)]
    return [Path(t) for t in templates]


def env_folders() -> list[Path]:
    """The folders named by ``PROCURE_TEMPLATES``, in order (empty entries skipped)."""
    raw = os.environ.get(ENV_VAR, "")
    return [Path(part) for part in raw.split(os.pathsep) if part.strip()]


def search_path(templates: TemplatesArg = None, *, use_env: bool = True) -> tuple[Path, ...]:
    """Every folder searched for templates, first wins: ``templates`` in order, then
    ``PROCURE_TEMPLATES``, then the built-in set (always last, never twice).

    A folder that does not exist, or a set laid out wrongly, is a :class:`TemplateSetError`.
    """
    builtin = builtin_dir()
    given = [(p, "--templates") for p in _as_list(templates)]
    if use_env:
        given += [(p, ENV_VAR) for p in env_folders()]
    folders: list[Path] = []
    issues: list[Issue] = []
    for folder, origin in given:
        if not folder.is_dir():
            issues.append(Issue(Location(file=str(folder)), f"template folder (from {origin}) does not exist "
                                "or is not a folder; fix the path or create it with `procure templates export`"))
            continue
        resolved = folder.resolve()
        if resolved != builtin and resolved not in folders:
            folders.append(resolved)
    if issues:
        raise TemplateSetError(issues)
    search = (*folders, builtin)
    problems = layout_issues(search)
    if problems:
        raise TemplateSetError(problems)
    return search


# --------------------------------------------------------------------------- layout


@lru_cache(maxsize=1)
def builtin_names() -> frozenset[str]:
    """Every file name of the built-in set, relative and with forward slashes (``nl/partials/award.md``)."""
    return frozenset(_files_of(builtin_dir()))


def _files_of(folder: Path) -> list[str]:
    """The relative names of the visible files under ``folder`` (hidden files and folders skipped)."""
    names = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        for name in sorted(files):
            if not name.startswith("."):
                names.append(Path(root, name).relative_to(folder).as_posix())
    return names


def declared_templates(search: Iterable[Path]) -> frozenset[str]:
    """The document templates (``<lang>/<template>.md`` stems) the layered set declares: the built-in
    ones and those named in any layer's ``kinds.yaml`` (``kinds.<name>.template``)."""
    stems = {n.split("/")[1][:-3] for n in builtin_names() if n.count("/") == 1 and n.endswith(".md")}
    for folder in search:
        path = folder / KINDS_FILE
        if path.is_file():
            stems.update(_kind_templates(path, _mtime(path)))
    return frozenset(stems)


@lru_cache(maxsize=64)
def _kind_templates(path: Path, stamp: float) -> frozenset[str]:
    """The templates one kinds.yaml names (read again only when the file changes)."""
    import yaml

    from procure.errors import yaml_loader

    del stamp
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_loader()) or {}
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return frozenset()  # a broken kinds.yaml is reported by whoever reads the kinds
    kinds = data.get("kinds") if isinstance(data, dict) else None
    entries = kinds.values() if isinstance(kinds, dict) else ()
    return frozenset(e["template"] for e in entries if isinstance(e, dict) and isinstance(e.get("template"), str))


def expected_place(name: str, declared: frozenset[str] | None = None) -> bool:
    """Whether a relative file name is one procure reads from a template set: a built-in name,
    ``kinds.yaml``, ``<lang>/strings.yaml``, ``<lang>/<declared template>.md`` or a Markdown file in
    ``<lang>/partials/`` (or another sub-folder the built-in set has)."""
    if name in builtin_names() or name == KINDS_FILE:
        return True
    parts = name.split("/")
    if parts[0] not in LANGUAGES or len(parts) < 2 or not parts[-1].endswith(".md"):
        return False
    if len(parts) == 2:
        return parts[1][:-3] in (declared if declared is not None else declared_templates(()))
    folders = {PARTIALS} | {"/".join(n.split("/")[1:-1]) for n in builtin_names() if n.count("/") >= 2}
    return "/".join(parts[1:-1]) in folders


def _suggest(name: str) -> str:
    """Where a misplaced file probably belongs, as a hint."""
    base = name.rsplit("/", 1)[-1]
    known = sorted(builtin_names())
    same = [k for k in known if k.rsplit("/", 1)[-1] == base]
    if same:
        return " or ".join(same[:2])
    import difflib  # only for a mistake

    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return close[0] if close else ""


def layout_issues(search: Iterable[Path]) -> list[Issue]:
    """Every file in the non-built-in folders of ``search`` that sits where procure never reads it.

    Hidden files and a repository's README, licence or CI files at the top are not templates
    and are left alone; anything else outside ``<lang>/`` that looks like a template is reported.
    """
    folders = [f for f in search if f != builtin_dir()]
    declared = declared_templates(folders)
    return [issue for folder in folders for issue in _folder_issues(folder, declared)]


@lru_cache(maxsize=64)
def _folder_issues_cached(folder: Path, stamp: tuple[tuple[str, float], ...],
                          declared: frozenset[str]) -> tuple[Issue, ...]:
    issues: list[Issue] = []
    for name, _ in stamp:
        if expected_place(name, declared) or not _looks_like_template(name):
            continue
        parts = name.split("/")
        hint = _suggest(name)
        where = f"; move it to {hint}" if hint else ""
        if parts[0] not in LANGUAGES:
            message = (f"'{name}' is not inside a language folder ({', '.join(LANGUAGES)}), so procure never "
                       f"reads it{where}")
        elif len(parts) == 3 and parts[1] == PARTIALS:
            message = f"'{name}' is not a Markdown partial (partials end in .md), so procure never reads it"
        else:
            message = (f"'{name}' is not a template procure reads (a language folder holds strings.yaml, "
                       f"the templates of the document kinds declared in {KINDS_FILE} and partials/*.md){where}")
        issues.append(Issue(Location(file=str(folder / name)), message))
    return tuple(issues)


def _looks_like_template(name: str) -> bool:
    """Whether a file outside the expected places was meant as a template (and so must be reported).

    Everything inside a language folder is; at the top, Markdown, YAML and Jinja files but a
    README, licence or changelog; in another folder, files named like a built-in template or
    anything in a ``partials`` folder. A repository's tests, CI and examples are left alone.
    """
    parts = name.split("/")
    base = parts[-1]
    if parts[0] in LANGUAGES:
        return True
    if len(parts) == 1:
        return base.endswith(_TEMPLATE_SUFFIXES) and not base.lower().startswith(_IGNORED_TOP)
    template_like = {n.rsplit("/", 1)[-1] for n in builtin_names()}
    return base in template_like or PARTIALS in parts[:-1]


def _folder_issues(folder: Path, declared: frozenset[str]) -> list[Issue]:
    names = _files_of(folder)
    stamp = tuple((n, _mtime(folder / n)) for n in names)
    return list(_folder_issues_cached(folder, stamp, declared))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


# --------------------------------------------------------------------------- the effective set


class Effective(Struct, frozen=True):
    """One template name and the file that serves it, with the files it shadows."""

    name: str
    path: Path
    folder: Path
    shadowed: tuple[Path, ...]

    @property
    def builtin(self) -> bool:
        return self.folder == builtin_dir()

    def origin(self) -> str:
        """``built-in``, or the folder and how it relates to the built-in file."""
        if self.builtin:
            return "built-in"
        if self.name == KINDS_FILE and self.shadowed:
            return f"{self.folder} (its kinds added to the built-in ones)"
        if self.name.endswith("strings.yaml") and self.shadowed:
            return f"{self.folder} (merged over {'the built-in' if len(self.shadowed) == 1 else 'lower'} strings)"
        extends = extended_builtin(self.path)
        if extends:
            return f"{self.folder} (extends {BUILTIN_PREFIX}/{extends})"
        if self.shadowed:
            same = _same_bytes(self.path, self.shadowed[0])
            return f"{self.folder} ({'same as' if same else 'replaces'} the {self._lower()})"
        return f"{self.folder} (new)"


    def _lower(self) -> str:
        return "built-in" if self.shadowed[0].parent.parts[: len(builtin_dir().parts)] == builtin_dir().parts \
            else f"file in {self.shadowed[0].as_posix()[: -len(self.name) - 1]}"


def _same_bytes(one: Path, other: Path) -> bool:
    try:
        return one.read_bytes() == other.read_bytes()
    except OSError:
        return False


def effective_set(search: Sequence[Path]) -> list[Effective]:
    """Every template name in the layered set and the folder that serves it, sorted by name."""
    found: dict[str, list[Path]] = {}
    declared = declared_templates(search)
    for folder in search:
        for name in _files_of(folder):
            if expected_place(name, declared):
                found.setdefault(name, []).append(folder)
    return [Effective(name, folders[0] / name, folders[0], tuple(f / name for f in folders[1:]))
            for name, folders in sorted(found.items())]


def extended_builtin(path: Path) -> str | None:
    """The built-in template a template file extends (``{% extends "builtin/..." %}``), else None."""
    import re

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    found = re.search(r"{%-?\s*extends\s+[\"']" + BUILTIN_PREFIX + r"/([^\"']+)[\"']", text)
    return found.group(1) if found else None


def resolve_name(name: str, search: Sequence[Path]) -> Path:
    """The file that serves ``name`` (``nl/tender.md``; ``builtin/nl/tender.md`` for the built-in one)."""
    clean = name.replace("\\", "/").strip("/")
    if clean.startswith(BUILTIN_PREFIX + "/"):
        clean = clean[len(BUILTIN_PREFIX) + 1 :]
        search = (builtin_dir(),)
    if ".." in clean.split("/"):
        raise TemplateError(f"'{name}' is not a template name; names look like nl/tender.md")
    for folder in search:
        candidate = folder / clean
        if expected_place(clean, declared_templates(search)) and candidate.is_file():
            return candidate
    known = sorted({e.name for e in effective_set(search)})
    import difflib  # only for a mistake

    close = difflib.get_close_matches(clean, known, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]}?" if close else "; `procure templates list` shows every name"
    raise TemplateError(f"no template '{name}'{hint}")


def export_builtin(target: Path, *, force: bool = False) -> list[Path]:
    """Write the built-in set into ``target`` to start an organisation's set from.

    Refuses to overwrite a file that exists (unless ``force``), listing every one.
    """
    names = sorted(builtin_names())
    clashes = [target / n for n in names if (target / n).exists()]
    if clashes and not force:
        raise TemplateSetError([Issue(Location(file=str(p)), "exists already; export writes into a new or "
                                      "empty folder (or use --force to overwrite)") for p in clashes])
    written = []
    try:
        for name in names:
            dest = target / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes((builtin_dir() / name).read_bytes())
            written.append(dest)
    except OSError as err:
        raise ProcureError(f"cannot write: {err.strerror}", Location(file=str(err.filename or target))) from None
    return written
