"""``procure templates check``: every problem of a template set at once, each at its file and line.

The checks, in the order a template author meets them:

- TPL001 the set's layout: a file where procure never reads it;
- TPL002 Jinja syntax (and unknown filters or tests), at ``file:line``;
- TPL003 characters pasted from Word inside a Jinja tag (curly quotes, dashes, non-breaking spaces);
- TPL004 a field the problem-statement model does not have (``p.iteration_budget.per_iteraton``), with the
  nearest real field; the model is read from :mod:`procure.model`, so a field or ``@property`` added
  there is known without changes here;
- TPL005 a name that is neither in the template context, nor set, nor a global;
- TPL006 an include of a template that does not exist;
- TPL007 a cross-reference (``ref("key")``, ``ref("key", doc="agreement")``) to a heading key that no heading
  of the document (or of the other document named) defines in the renders of the examples;
- TPL008 (warning) a partial of the organisation's folder that no document includes;
- TPL009 a block of an extending template that overrides no block of its parent (never rendered);
- TPL010-TPL012 the languages out of step: blocks, sections (headings and their keys) and fields used;
- TPL013 with ``--base REV``: a block changed in one language only (``{# lang-only: reason #}`` in the block
  marks a deliberate difference);
- TPL020 Markdown the Word renderer does not lay out; TPL021 a render of an example that fails.

The model check walks the Jinja syntax tree with a small type system: ``p`` is the
:class:`~procure.model.Problem` class, a name set from it (``{% set b = p.iteration_budget %}``) or a
loop variable over one of its lists carries the type along, and includes and ``{% extends %}`` blocks
are followed in the context they render in. The other context values (``procedure``, ``s``) are checked
against a sample of their real values.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import types
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError
from msgspec import Struct, field
from msgspec.structs import replace

from procure.checks.core import Finding
from procure.errors import Issue, ProcureError
from procure.template_sets import BUILTIN_PREFIX, ENV_VAR, LANGUAGES, Effective, builtin_dir

if TYPE_CHECKING:
    from jinja2 import Environment

    from procure.loader import Loaded

LAYOUT = "TPL001"
SYNTAX = "TPL002"
PASTED = "TPL003"
UNKNOWN_FIELD = "TPL004"
UNKNOWN_NAME = "TPL005"
MISSING_INCLUDE = "TPL006"
DANGLING_REF = "TPL007"
UNUSED = "TPL008"
NO_SUCH_BLOCK = "TPL009"
LANG_BLOCKS = "TPL010"
LANG_SECTIONS = "TPL011"
LANG_FIELDS = "TPL012"
LANG_CHANGE = "TPL013"
MARKDOWN = "TPL020"
SMOKE = "TPL021"

#: Globals that make a cross-reference to a heading key: ``{{ ref("uitkomsten") }}``.
REF_GLOBALS = frozenset({"ref"})
#: The global that gives a heading its key: ``# Beoogde uitkomsten {{ key("outcomes") }}``.
KEY_GLOBAL = "key"
#: The comment that marks a block's change in one language as deliberate.
LANG_ONLY = re.compile(r"{#-?\s*lang-only\s*:\s*\S.*?-?#}", re.S)

#: Characters Word puts in for what a Jinja expression needs typed plainly, and what to type instead.
PASTED_CHARS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ",
    "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "", "\u2026": "...",
}
_TAG = re.compile(r"{#.*?#}|({{.*?}}|{%.*?%})", re.S)
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")


# --------------------------------------------------------------------------- symbolic types


class T(Struct, frozen=True):
    """What a template expression is known to be. ``kind``: model, list, map, obj, value or any."""

    kind: str
    path: str | None = None
    cls: Any = None  # model: the class; list: the element T; map/obj: the runtime value
    members: tuple[T, ...] = ()  # a union (``a if x else b``)

    def at(self, path: str | None) -> T:
        return replace(self, path=path)


ANY = T("any")


def _union(*types_: T) -> T:
    members = tuple(t for t in types_ if t.kind != "any")
    if len(members) != len(types_) or not members:
        return ANY
    return members[0] if len(members) == 1 else T("union", members=members)


def _from_annotation(annotation: Any, path: str | None) -> T:
    """The symbolic type of a model field's annotation (Optional, Annotated and list unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _from_annotation(typing.get_args(annotation)[0], path)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _union(*(_from_annotation(a, path) for a in members)) if members else ANY
    if origin in (list, tuple, Sequence):
        args = typing.get_args(annotation)
        return T("list", path, _from_annotation(args[0], f"{path}[]") if args else ANY)
    if isinstance(annotation, type) and (_is_model(annotation) or issubclass(annotation, Struct)):
        return T("model", path, annotation)
    if origin is typing.Literal or isinstance(annotation, type):
        return T("value", path)
    return ANY


def _is_model(cls: type) -> bool:
    from pydantic import BaseModel

    return isinstance(cls, type) and issubclass(cls, BaseModel)


def model_members(cls: type) -> dict[str, Any]:
    """A model's fields and derived ``@property`` values with their annotations (what templates can read)."""
    from procure.templating import _derived_properties

    members: dict[str, Any] = {}
    if _is_model(cls):
        members.update({name: info.annotation for name, info in cls.model_fields.items()})
    elif issubclass(cls, Struct):
        hints = typing.get_type_hints(cls)
        members.update({name: hints.get(name, Any) for name in cls.__struct_fields__})
    for name, prop in _derived_properties(cls).items():
        getter = prop.fget if isinstance(prop, property) else prop.func
        try:
            members.setdefault(name, typing.get_type_hints(getter).get("return", Any))
        except (NameError, TypeError):
            members.setdefault(name, Any)
    return members


def _from_value(value: Any, path: str | None) -> T:
    """The symbolic type of a sample runtime value (the context besides ``p``)."""
    from collections.abc import Mapping

    if isinstance(value, Mapping):
        return T("map", path, value)
    if isinstance(value, (list, tuple)):
        first = next(iter(value), None)
        return T("list", path, _from_value(first, f"{path}[]") if first is not None else ANY)
    return T("value", path)


# --------------------------------------------------------------------------- findings


class Report(Struct):
    """The findings of one run, deduplicated (a partial included twice is reported once)."""

    findings: list[Finding] = field(default_factory=list)
    _seen: set[tuple[str, int, str, str]] = field(default_factory=set)
    lines: set[tuple[str, int]] = field(default_factory=set)  # where a finding is already

    def files_with_errors(self) -> set[str]:
        return {file for file, _ in self.lines}

    def add(self, code: str, file: str, line: int | None, message: str, where: str = "",
            column: int = 1, severity: str = "error") -> None:
        key = (file, line or 1, code, where or message)
        if key not in self._seen:
            self._seen.add(key)
            self.lines.add((file, line or 1))
            self.findings.append(Finding(file=file, line=max(line or 1, 1), column=max(column, 1), field=where,
                                         code=code, severity=severity, message=message))  # type: ignore[arg-type]

    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=Finding.sort_key)


# --------------------------------------------------------------------------- one template set


class Source(Struct):
    """One template file as linted: its text with pasted characters made plain, and its syntax tree."""

    name: str
    path: Path
    text: str
    tree: nodes.Template | None


class DocFacts(Struct):
    """What one document template (with its includes and parent) uses, for comparing the languages."""

    fields: dict[str, tuple[str, int]] = field(default_factory=dict)
    headings: list[tuple[int, str, str, int]] = field(default_factory=list)  # level, block, file, line
    refs: list[tuple[str, str, int, str | None]] = field(default_factory=list)  # key, file, line, other doc
    keys: dict[str, tuple[str, int]] = field(default_factory=dict)  # heading key (``key("outcomes")``) -> file, line
    blocks: dict[str, tuple[str, int]] = field(default_factory=dict)


class Linter:
    """Lints one layered template set (``search``, first folder wins, built-in last)."""

    def __init__(self, search: tuple[Path, ...], effective: list[Effective], report: Report) -> None:
        from procure.templating import _environment

        self.search = search
        self.effective = {e.name: e for e in effective}
        self.report = report
        self.env: Environment = _environment(search)
        self.sources: dict[str, Source | None] = {}
        self.context = _context_types()
        self.globals = set(self.env.globals)

    # -- reading ------------------------------------------------------------

    @staticmethod
    def display(path: Path) -> str:
        """A file as findings name it: relative to the working folder when inside it."""
        return _rel(str(path))

    def source(self, name: str) -> Source | None:
        """The linted source of template ``name`` (``builtin/...`` for the built-in one), read once."""
        if name in self.sources:
            return self.sources[name]
        path = self._path_of(name)
        result = None
        if path is not None:
            result = self._read(name, path)
        self.sources[name] = result
        return result

    def _path_of(self, name: str) -> Path | None:
        if name.startswith(BUILTIN_PREFIX + "/"):
            path = builtin_dir() / name[len(BUILTIN_PREFIX) + 1 :]
            return path if path.is_file() else None
        entry = self.effective.get(name)
        if entry is not None:
            return entry.path
        for folder in self.search:
            if (folder / name).is_file():
                return folder / name
        return None

    def _read(self, name: str, path: Path) -> Source:
        file = self.display(path)
        try:
            raw = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            self.report.add(SYNTAX, file, 1, f"cannot read the template: {err}")
            return Source(name, path, "", None)
        text = self._plain_tags(raw, file)
        try:
            self.env.compile(text, name, str(path))  # also catches unknown filters and tests
            tree = self.env.parse(text, name, str(path))
        except TemplateSyntaxError as err:
            self.report.add(SYNTAX, file, err.lineno, f"template syntax error: {err.message}")
            tree = None
        return Source(name, path, text, tree)

    def _plain_tags(self, raw: str, file: str) -> str:
        """Report Word's characters inside Jinja tags and return the text with them made plain,
        so that the rest of the file is still checked."""
        out = []
        last = 0
        for match in _TAG.finditer(raw):
            if match.group(1) is None:
                continue
            tag = match.group(1)
            fixed = []
            quote = ""
            for offset, char in enumerate(tag):
                if quote:  # inside a string literal any character is text, and stays
                    quote = "" if char == quote and tag[offset - 1] != "\\" else quote
                    fixed.append(char)
                elif char in "'\"":
                    quote = char
                    fixed.append(char)
                elif char in PASTED_CHARS:
                    where = match.start(1) + offset
                    line = raw.count("\n", 0, where) + 1
                    column = where - (raw.rfind("\n", 0, where) + 1) + 1
                    plain = PASTED_CHARS[char] or "nothing"
                    self.report.add(PASTED, file, line, f"'{char}' (U+{ord(char):04X}) inside a Jinja tag, "
                                    f"probably pasted from Word; type {plain!r} instead", column=column)
                    fixed.append(PASTED_CHARS[char] or " ")
                else:
                    fixed.append(char)
            out.append(raw[last : match.start(1)])
            out.append("".join(fixed))
            last = match.end(1)
        out.append(raw[last:])
        return "".join(out)

    # -- walking --------------------------------------------------------------

    def document(self, name: str) -> DocFacts:
        """Walk a document template as it renders: parent, blocks and includes followed."""
        facts = DocFacts()
        source = self.source(name)
        if source is None or source.tree is None:
            return facts
        scope = dict(self.context)
        _Walk(self, facts).template(source, scope, overrides={})
        return facts



class _Walk:
    """One walk of a syntax tree: resolves names to symbolic types and records what is used."""

    def __init__(self, linter: Linter, facts: DocFacts) -> None:
        self.linter = linter
        self.facts = facts
        self.report = linter.report
        self.stack: list[str] = []
        self.file = ""
        self.block = ""

    # templates and statements

    def template(self, source: Source, scope: dict[str, T], overrides: dict[str, tuple[Source, nodes.Block]]) -> None:
        if source.name in self.stack or source.tree is None:
            return
        self.stack.append(source.name)
        outer_file, self.file = self.file, self.linter.display(source.path)
        try:
            body = source.tree.body
            parent = next((n for n in body if isinstance(n, nodes.Extends)), None)
            if parent is not None:
                own = {b.name: (source, b) for b in source.tree.find_all(nodes.Block)}
                for name, (_, block) in own.items():
                    self.facts.blocks.setdefault(name, (self.file, block.lineno))
                for node in body:  # what a child runs outside its blocks: its sets
                    if isinstance(node, (nodes.Assign, nodes.Import, nodes.FromImport, nodes.Macro)):
                        self.stmt(node, scope)
                target = self.const_name(parent.template)
                parent_source = self.include_source(target, parent.lineno) if target else None
                if parent_source is not None and parent_source.tree is not None:
                    inherited = _blocks_in_chain(self.linter, parent_source)
                    for name, (_, block) in own.items():
                        if name not in inherited:
                            close = difflib.get_close_matches(name, sorted(inherited), n=1, cutoff=0.6)
                            hint = f"; did you mean '{close[0]}'?" if close else (
                                f"; it has {', '.join(sorted(inherited))}" if inherited else "; it has no blocks")
                            self.report.add(NO_SUCH_BLOCK, self.file, block.lineno, f"block '{name}' overrides "
                                            f"nothing: {target} has no block of that name, so this text is never "
                                            f"rendered{hint}", name)
                            self.stmts(block.body, dict(scope), overrides)
                    self.template(parent_source, scope, {**own, **overrides})
                return
            for node in source.tree.find_all(nodes.Block):
                self.facts.blocks.setdefault(node.name, (self.file, node.lineno))
            self.stmts(body, scope, overrides)
        finally:
            self.file = outer_file
            self.stack.pop()

    def stmts(self, body: Sequence[nodes.Node], scope: dict[str, T],
              overrides: dict[str, tuple[Source, nodes.Block]] | None = None) -> None:
        for node in body:
            self.stmt(node, scope, overrides or {})

    def stmt(self, node: nodes.Node, scope: dict[str, T],
             overrides: dict[str, tuple[Source, nodes.Block]] | None = None) -> None:
        overrides = overrides or {}
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    self.headings(child)
                else:
                    self.expr(child, scope)
        elif isinstance(node, nodes.Assign):
            value = self.expr(node.node, scope)
            self.bind(node.target, value, scope)
        elif isinstance(node, nodes.AssignBlock):
            self.stmts(node.body, scope, overrides)
            self.bind(node.target, T("value"), scope)
        elif isinstance(node, nodes.For):
            iterated = self.expr(node.iter, scope)
            inner = dict(scope)
            self.bind(node.target, _element(iterated), inner)
            inner["loop"] = ANY
            if node.test is not None:
                self.expr(node.test, inner)
            self.stmts(node.body, inner, overrides)
            self.stmts(node.else_, scope, overrides)
        elif isinstance(node, nodes.If):
            self.expr(node.test, scope)
            self.stmts(node.body, scope, overrides)
            for branch in node.elif_:
                self.stmt(branch, scope, overrides)
            self.stmts(node.else_, scope, overrides)
        elif isinstance(node, nodes.Include):
            self.include(node, scope, overrides)
        elif isinstance(node, nodes.Block):
            self.block_node(node, scope, overrides)
        elif isinstance(node, nodes.Macro):
            inner = dict(scope)
            for arg in node.args:
                inner[arg.name] = ANY
            inner.update(varargs=ANY, kwargs=ANY, caller=ANY)
            scope[node.name] = ANY
            self.stmts(node.body, inner, overrides)
        elif isinstance(node, nodes.CallBlock):
            self.expr(node.call, scope)
            inner = dict(scope)
            for arg in node.args:
                inner[arg.name] = ANY
            self.stmts(node.body, inner, overrides)
        elif isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values):
                self.bind(target, self.expr(value, scope), inner)
            self.stmts(node.body, inner, overrides)
        elif isinstance(node, (nodes.Import, nodes.FromImport)):
            if isinstance(node, nodes.Import):
                scope[node.target] = ANY
            else:
                for name in node.names:
                    scope[name[1] if isinstance(name, tuple) else name] = ANY
        elif isinstance(node, nodes.Extends):
            return
        elif isinstance(node, nodes.Expr):
            self.expr(node, scope)
        else:  # Scope, FilterBlock, ExprStmt and the like: their children
            for child in node.iter_child_nodes():
                if isinstance(child, nodes.Expr):
                    self.expr(child, scope)
                else:
                    self.stmt(child, scope, overrides)

    def block_node(self, node: nodes.Block, scope: dict[str, T],
                   overrides: dict[str, tuple[Source, nodes.Block]]) -> None:
        outer = self.block
        self.block = node.name
        try:
            if node.name in overrides:
                source, child = overrides[node.name]
                outer_file, self.file = self.file, self.linter.display(source.path)
                try:
                    super_scope = dict(scope)
                    super_scope["super"] = ANY
                    self.stmts(child.body, super_scope, overrides)
                    if any(isinstance(c.node, nodes.Name) and c.node.name == "super"
                           for c in child.find_all(nodes.Call)):
                        self.file = outer_file
                        self.stmts(node.body, dict(scope), overrides)
                finally:
                    self.file = outer_file
            else:
                self.stmts(node.body, scope, overrides)
        finally:
            self.block = outer

    def include(self, node: nodes.Include, scope: dict[str, T],
                overrides: dict[str, tuple[Source, nodes.Block]]) -> None:
        name = self.const_name(node.template)
        if name is None:
            self.expr(node.template, scope)
            return
        source = self.include_source(name, node.lineno, node.ignore_missing)
        if source is not None:
            self.template(source, dict(scope), overrides)

    def include_source(self, name: str, line: int, ignore_missing: bool = False) -> Source | None:
        source = self.linter.source(name)
        if source is None and not ignore_missing:
            known = sorted(self.linter.effective)
            close = difflib.get_close_matches(name.removeprefix(BUILTIN_PREFIX + "/"), known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else ""
            self.report.add(MISSING_INCLUDE, self.file, line, f"template '{name}' does not exist{hint}")
        return source

    @staticmethod
    def const_name(node: nodes.Node) -> str | None:
        return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None

    def bind(self, target: nodes.Node, value: T, scope: dict[str, T]) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = value
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self.bind(item, ANY, scope)
        elif isinstance(target, nodes.NSRef):
            return

    def headings(self, node: nodes.TemplateData) -> None:
        for offset, line in enumerate(node.data.split("\n")):
            match = _HEADING.match(line)
            if match and (offset > 0 or line.startswith("#")):
                self.facts.headings.append((len(match.group(1)), self.block, self.file, node.lineno + offset))

    # expressions

    def expr(self, node: nodes.Node, scope: dict[str, T]) -> T:
        if isinstance(node, nodes.Name):
            return self.name(node, scope)
        if isinstance(node, nodes.Getattr):
            return self.member(self.expr(node.node, scope), node.attr, node.lineno)
        if isinstance(node, nodes.Getitem):
            base = self.expr(node.node, scope)
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                return self.member(base, node.arg.value, node.lineno)
            self.expr(node.arg, scope)
            return _element(base)
        if isinstance(node, nodes.CondExpr):
            self.expr(node.test, scope)
            first = self.expr(node.expr1, scope)
            return _union(first, self.expr(node.expr2, scope)) if node.expr2 is not None else first
        if isinstance(node, nodes.Call):
            self.call(node, scope)
            return ANY
        if isinstance(node, nodes.Filter):
            base = self.expr(node.node, scope) if node.node is not None else ANY
            self.exprs(node, scope, skip=node.node)
            return base if node.name in ("default", "d", "first", "last") else ANY
        for child in node.iter_child_nodes():
            self.expr(child, scope)
        return ANY

    def exprs(self, node: nodes.Node, scope: dict[str, T], skip: nodes.Node | None = None) -> None:
        for child in node.iter_child_nodes():
            if child is not skip:
                self.expr(child, scope)

    def call(self, node: nodes.Call, scope: dict[str, T]) -> None:
        self.expr(node.node, scope)
        for child in node.iter_child_nodes():
            if child is not node.node:
                self.expr(child, scope)
        if isinstance(node.node, nodes.Name) and node.node.name in REF_GLOBALS and node.args:
            key = self.const_name(node.args[0])
            doc = next((self.const_name(kw.value) for kw in node.kwargs if kw.key == "doc"), None)
            if key is not None:
                self.facts.refs.append((key, self.file, node.lineno, doc))
        if isinstance(node.node, nodes.Name) and node.node.name == KEY_GLOBAL and node.args:
            key = self.const_name(node.args[0])
            if key is not None:
                self.facts.keys.setdefault(key, (self.file, node.lineno))

    def name(self, node: nodes.Name, scope: dict[str, T]) -> T:
        if node.name in scope:
            found = scope[node.name]
            if found.path:
                self.use(found.path, node.lineno)
            return found
        if node.name in self.linter.globals or node.name in ("loop", "super", "self", "varargs", "kwargs",
                                                             "caller", "true", "false", "none"):
            return ANY
        known = sorted(set(scope) | self.linter.globals)
        close = difflib.get_close_matches(node.name, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else f"; the context holds {', '.join(sorted(scope))}"
        self.report.add(UNKNOWN_NAME, self.file, node.lineno, f"'{node.name}' is not defined{hint}", node.name)
        return ANY

    def member(self, base: T, attr: str, line: int) -> T:
        """``base.attr`` (or ``base["attr"]``): its type, or a finding naming the nearest real field."""
        if base.kind in ("any", "value"):
            return ANY
        if base.kind == "union":
            allowed = [m for m in base.members if self._has(m, attr)]
            if allowed:
                return _union(*(self.member(m, attr, line) for m in allowed))
            self._unknown(base.members[0], attr, line, [n for m in base.members for n in _names(m)])
            return ANY
        if base.kind == "list":
            self._unknown(base, attr, line, [])
            return ANY
        if not self._has(base, attr):
            self._unknown(base, attr, line, _names(base))
            return ANY
        path = f"{base.path}.{attr}" if base.path else None
        if path:
            self.use(path, line)
        if base.kind == "model":
            return _from_annotation(model_members(base.cls)[attr], path)
        return _from_value(base.cls[attr], path)

    @staticmethod
    def _has(base: T, attr: str) -> bool:
        if base.kind in ("any", "value"):
            return True
        if base.kind == "model":
            return attr in model_members(base.cls)
        if base.kind == "map":
            return attr in base.cls
        return False

    def _unknown(self, base: T, attr: str, line: int, names: list[str]) -> None:
        close = difflib.get_close_matches(attr, names, n=1, cutoff=0.5)
        owner = base.cls.__name__ if base.kind == "model" else ("a list" if base.kind == "list" else "it")
        where = f"{base.path}.{attr}" if base.path else attr
        if close:
            hint = f"; did you mean '{base.path + '.' if base.path else ''}{close[0]}'?"
        elif base.kind == "list":
            hint = "; loop over the list with {% for %} or use a filter such as length"
        else:
            hint = f"; its fields are {', '.join(sorted(names))}" if names else ""
        self.report.add(UNKNOWN_FIELD, self.file, line, f"'{where}' is not a field of {owner}{hint}", where)

    def use(self, path: str, line: int) -> None:
        self.facts.fields.setdefault(path, (self.file, line))


def _blocks_in_chain(linter: Linter, source: Source) -> set[str]:
    """The block names a template and the templates it extends define."""
    names: set[str] = set()
    seen: set[str] = set()
    current: Source | None = source
    while current is not None and current.tree is not None and current.name not in seen:
        seen.add(current.name)
        names.update(b.name for b in current.tree.find_all(nodes.Block))
        parent = next((n for n in current.tree.body if isinstance(n, nodes.Extends)), None)
        target = _Walk.const_name(parent.template) if parent is not None else None
        current = linter.source(target) if target else None
    return names


def _element(base: T) -> T:
    if base.kind == "list":
        return base.cls
    if base.kind == "union":
        return _union(*(_element(m) for m in base.members))
    return ANY


def _names(base: T) -> list[str]:
    if base.kind == "model":
        return list(model_members(base.cls))
    if base.kind == "map":
        return [str(k) for k in base.cls]
    return []


def _context_types() -> dict[str, T]:
    """The template context as symbolic types: ``p`` from the model class, the rest from a sample.

    The sample is a starter problem statement put through :func:`procure.build.template_context`,
    so a value another part of procure adds to the context is known here at once.
    """
    from procure.build import template_context
    from procure.model import Problem
    from procure.templating import load_strings

    loaded = _sample()
    context = template_context(loaded, "tender", load_strings(loaded.problem.language))
    types_ = {name: _from_value(context[name], name) for name in context}
    types_["p"] = T("model", "p", Problem)
    return types_


def _sample() -> Loaded:
    from procure.loader import load_problem

    return load_problem(Path(__file__).resolve().parent / "starters" / "nl.yaml")


# --------------------------------------------------------------------------- the run


def example_files() -> list[Path]:
    """The bundled problem statements: the checkout's ``examples/*.yaml`` and the packaged starters."""
    root = Path(__file__).resolve().parent
    files = sorted((root.parent / "examples").glob("*.yaml")) if (root.parent / "examples").is_dir() else []
    return files + sorted((root / "starters").glob("*.yaml"))


@contextlib.contextmanager
def _without_env() -> Iterator[None]:
    """Check exactly the folder given: PROCURE_TEMPLATES does not apply meanwhile."""
    saved = os.environ.pop(ENV_VAR, None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ[ENV_VAR] = saved


def check_templates(folder: Path | None = None, *, base: str | None = None,
                    examples: Sequence[Path] | None = None) -> list[Finding]:
    """Every problem of the template set ``folder`` over the built-in set, sorted by file and line.

    Without a folder: the set ``PROCURE_TEMPLATES`` makes, else the current folder or its
    ``templates/`` when they hold a template set (as in a template repository), else the built-in one."""
    from procure.template_sets import effective_set, layout_issues, search_path

    from procure.diff import default_templates_folder

    report = Report()
    if folder is None and not os.environ.get(ENV_VAR, "").strip():
        found = default_templates_folder()  # ./ or ./templates when they hold a set, else the built-in one
        folder = None if found.resolve() == builtin_dir() else found
    if folder is not None:
        if not folder.is_dir():
            report.add(LAYOUT, str(folder), 1, "is not a folder; give the folder that holds nl/ and en/")
            return report.sorted()
        resolved = folder.resolve()
        search = (resolved, builtin_dir()) if resolved != builtin_dir() else (builtin_dir(),)
    else:
        try:
            search = search_path(None)
        except ProcureError as err:
            for issue in err.issues:
                report.add(LAYOUT, issue.location.file or "", issue.location.line, issue.message)
            return report.sorted()
    for issue in layout_issues(search):
        report.add(LAYOUT, _rel(issue.location.file), 1, issue.message)
    effective = effective_set(search)
    context = _without_env() if folder is not None else contextlib.nullcontext()
    with context:
        _lint(search, effective, report, base, list(examples) if examples is not None else example_files())
    return report.sorted()


def _rel(file: str | None) -> str:
    """A path relative to the working folder when it lies inside it, else as it is."""
    if not file:
        return ""
    path = Path(file)
    if path.is_absolute():
        with contextlib.suppress(ValueError):
            return path.relative_to(Path.cwd()).as_posix()
    return file


def _lint(search: tuple[Path, ...], effective: list[Effective], report: Report, base: str | None,
          examples: list[Path]) -> None:
    from procure.template_sets import declared_templates

    linter = Linter(search, effective, report)
    templates = [e.name for e in effective if e.name.endswith(".md")]
    for name in templates:
        linter.source(name)  # syntax and pasted characters of every file, included or not
    documents = sorted(f"{lang}/{stem}.md" for lang in LANGUAGES for stem in declared_templates(search)
                       if f"{lang}/{stem}.md" in linter.effective)
    facts = {name: linter.document(name) for name in documents}
    walked = set(documents) | _included_names(linter, documents)
    for name in templates:
        entry = linter.effective[name]
        if name not in walked and not entry.builtin:
            report.add(UNUSED, linter.display(entry.path), 1, f"no document includes {name}, so procure never "
                       "renders it; include it, or remove it", name, severity="warning")
    broken = report.files_with_errors()
    sound = {name: doc for name, doc in facts.items()
             if not ({linter.display(linter.source(n).path) for n in _included_names(linter, [name])  # type: ignore[union-attr]
                      if linter.source(n) is not None} & broken)}
    _compare_languages(linter, facts, sound, report)
    if base is not None:
        _changed_in_one_language(search[0], base, effective, report)
    keys = _smoke(search, examples, linter, report)
    _check_refs(facts, keys, report)


def _included_names(linter: Linter, documents: list[str]) -> set[str]:
    """Every template reachable from the documents through includes and extends."""
    seen: set[str] = set()
    todo = list(documents)
    while todo:
        source = linter.source(todo.pop())
        if source is None or source.tree is None or source.name in seen:
            continue
        seen.add(source.name)
        for node in source.tree.find_all((nodes.Include, nodes.Extends)):
            name = _Walk.const_name(node.template)
            if name:
                todo.append(name)
    return seen


# --------------------------------------------------------------------------- the languages in step


def _other(name: str) -> tuple[str, str] | None:
    lang, _, rest = name.partition("/")
    if lang not in LANGUAGES:
        return None
    return next(((other, f"{other}/{rest}") for other in LANGUAGES if other != lang), None)


def _compare_languages(linter: Linter, facts: dict[str, DocFacts], sound: dict[str, DocFacts],
                       report: Report) -> None:
    """Blocks per file, then sections and fields per document; a document whose files have errors
    already is not compared (a misspelt field would show up again as a field one language lacks)."""
    first, second = LANGUAGES[0], LANGUAGES[1]
    # blocks, per template file
    for name in sorted(linter.effective):
        if not name.startswith(first + "/") or not name.endswith(".md"):
            continue
        twin = f"{second}/{name[len(first) + 1:]}"
        if twin not in linter.effective:
            entry = linter.effective[name]
            report.add(LANG_BLOCKS, linter.display(entry.path), 1,
                       f"{name} has no {second} counterpart {twin}; write it, so both languages have the text")
            continue
        mine, theirs = _blocks_of(linter.source(name)), _blocks_of(linter.source(twin))
        extending = {one: _extends(linter.source(one)) for one in (name, twin)}
        pairs = [(name, twin, mine, theirs), (twin, name, theirs, mine)]
        if extending[name] != extending[twin]:
            # one language overrides some clauses of its parent, the other is a whole template: the
            # overrides must be clauses the other language has; the rest is inherited, not missing
            pairs = [(one, other, ours, {b: 0 for b in _blocks_in_chain(linter, linter.source(other))})  # type: ignore[arg-type]
                     for one, other, ours, _ in pairs if extending[one]]
        for one, other, ours, their in pairs:
            for block, line in ours.items():
                if block not in their:
                    source = linter.source(one)
                    assert source is not None
                    report.add(LANG_BLOCKS, linter.display(source.path), line,
                               f"block '{block}' is in {one} but not in {other}; add it there too (or rename it "
                               "to match)", block)
    for name in sorted(linter.effective):
        if name.startswith(second + "/") and name.endswith(".md") and f"{first}/{name[3:]}" not in linter.effective:
            report.add(LANG_BLOCKS, linter.display(linter.effective[name].path), 1,
                       f"{name} has no {first} counterpart {first}/{name[3:]}; write it, so both languages "
                       "have the text")
    # sections and fields, per document
    for name, mine in sound.items():
        if not name.startswith(first + "/"):
            continue
        twin = f"{second}/{name[len(first) + 1:]}"
        if twin not in sound:
            continue
        theirs = sound[twin]
        _compare_headings(name, mine, twin, theirs, report)
        for one, other, ours, their in ((name, twin, mine, theirs), (twin, name, theirs, mine)):
            for key, (file, line) in sorted(ours.keys.items(), key=lambda item: item[1]):
                if key not in their.keys:
                    report.add(LANG_SECTIONS, file, line, f"heading key '{key}' is in {one} but not in {other}; "
                               "give the same heading the same key in both languages, so references find it "
                               "in either", key)
            for path, (file, line) in sorted(ours.fields.items(), key=lambda item: item[1]):
                if path.startswith("p.") and path not in their.fields:
                    report.add(LANG_FIELDS, file, line, f"{one} uses {path} but {other} does not; the two "
                               "languages must say the same things", path)


def _extends(source: Source | None) -> bool:
    """Whether a template extends another (and so holds only the blocks it overrides)."""
    return source is not None and source.tree is not None and any(
        isinstance(node, nodes.Extends) for node in source.tree.body)


def _blocks_of(source: Source | None) -> dict[str, int]:
    if source is None or source.tree is None:
        return {}
    return {b.name: b.lineno for b in source.tree.find_all(nodes.Block)}


def _compare_headings(name: str, mine: DocFacts, twin: str, theirs: DocFacts, report: Report) -> None:
    ours = [(level, block) for level, block, _, _ in mine.headings]
    their = [(level, block) for level, block, _, _ in theirs.headings]
    matcher = difflib.SequenceMatcher(a=ours, b=their, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for index in range(i1, i2):
            level, block, file, line = mine.headings[index]
            report.add(LANG_SECTIONS, file, line, f"this level-{level} heading{_in(block)} of {name} has no "
                       f"counterpart at the same place in {twin}; both languages need the same sections in the "
                       "same order")
        for index in range(j1, j2):
            level, block, file, line = theirs.headings[index]
            report.add(LANG_SECTIONS, file, line, f"this level-{level} heading{_in(block)} of {twin} has no "
                       f"counterpart at the same place in {name}; both languages need the same sections in the "
                       "same order")


def _in(block: str) -> str:
    return f" (block '{block}')" if block else ""


# --------------------------------------------------------------------------- changed in one language only


def block_sources(text: str, env: Environment) -> dict[str, tuple[str, int]]:
    """Each block's source text and first line; a template without blocks is one unit named ''.

    A block's text leaves out the blocks nested in it (they are units of their own), so changing one
    paragraph of an article is a change of that paragraph's block, not of the article's as well.
    """
    try:
        stream = list(env.lex(text))
    except TemplateSyntaxError:
        return {"": (text, 1)}
    blocks: dict[str, tuple[str, int]] = {}
    opened: list[tuple[str, int, int, list[tuple[int, int, str]]]] = []  # name, line, start, nested spans
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    tokens = [(line, kind, value) for line, kind, value in stream if kind != "whitespace"]
    for index, (line, kind, value) in enumerate(tokens):
        if kind == "name" and index > 0 and tokens[index - 1][1] == "block_begin":
            if value == "block" and index + 1 < len(tokens):
                opened.append((tokens[index + 1][2], line, line_starts[line - 1], []))
            elif value == "endblock" and opened:
                block, first, start, nested = opened.pop()
                end = line_starts[line] if line < len(line_starts) else len(text)
                own, at = [], start
                for inner_start, inner_end, inner in nested:
                    own += [text[at:inner_start], f"{{% block {inner} %}}\n"]
                    at = inner_end
                blocks[block] = ("".join(own) + text[at:end], first)
                if opened:
                    opened[-1][3].append((start, end, block))
    return blocks or {"": (text, 1)}


def _changed_in_one_language(folder: Path, base: str, effective: list[Effective], report: Report) -> None:
    """Blocks (or whole block-less files) changed since ``base`` in one language and not the other."""
    from procure.revisions import RevisionError, read_at_revision
    from procure.templating import _environment

    env = _environment((builtin_dir(),))
    names = {e.name: e for e in effective if e.name.endswith(".md")}
    for name, entry in sorted(names.items()):
        twin = _other(name)
        if twin is None or twin[1] not in names or not name.startswith(LANGUAGES[0] + "/"):
            continue
        pair = [(name, entry), (twin[1], names[twin[1]])]
        now: dict[str, dict[str, tuple[str, int]]] = {}
        then: dict[str, dict[str, tuple[str, int]]] = {}
        try:
            for one, item in pair:
                now[one] = block_sources(item.path.read_text(encoding="utf-8"), env)
                old = read_at_revision(item.path, base)
                then[one] = block_sources(old, env) if old is not None else {}
        except RevisionError as err:
            report.add(LANG_CHANGE, _rel(str(err.location.file or folder)), 1, err.message)
            return
        except (OSError, UnicodeDecodeError):
            continue
        (first, first_entry), (second, second_entry) = pair
        for block in sorted(set(now[first]) | set(now[second])):
            changed = {one: now[one].get(block, ("", 0))[0] != then[one].get(block, ("", 0))[0] for one, _ in pair}
            if changed[first] == changed[second]:
                continue
            one, other, item = (first, second, first_entry) if changed[first] else (second, first, second_entry)
            text, line = now[one].get(block, ("", 1))
            if LANG_ONLY.search(text) or (block in now[other] and LANG_ONLY.search(now[other][block][0])):
                continue
            unit = f"block '{block}'" if block else "the file"
            report.add(LANG_CHANGE, _rel(str(item.path)), line,
                       f"{unit} of {one} changed since {base} but {other} did not; change both, or mark a "
                       "deliberate difference with {# lang-only: reason #} in the block", block)


# --------------------------------------------------------------------------- smoke renders


def _language_variants(loaded: Loaded) -> list[Loaded]:
    """The example as written and in the other language (an English template on Dutch values still
    renders every clause, so both languages are tried on every example)."""
    variants = [loaded]
    for language in LANGUAGES:
        if language != loaded.problem.language:
            variants.append(replace(loaded, problem=loaded.problem.model_copy(update={"language": language})))
    return variants


def _smoke(search: tuple[Path, ...], examples: list[Path], linter: Linter,
           report: Report) -> dict[tuple[str, str], set[str]]:
    """Render every example in both languages to .docx in memory; report failures and unsupported
    Markdown. Returns the heading keys each (language, kind) defines, for the cross-references."""
    from procure import build
    from procure.loader import load_problem
    from procure.markdown import heading_keys, parse, unknown_node_types
    from procure.templating import CrossReferenceError

    keys: dict[tuple[str, str], set[str]] = {}
    options = build.BuildOptions(templates_dir=search[:-1])
    for example in examples:
        try:
            loaded = load_problem(example)
        except ProcureError as err:
            report.add(SMOKE, _rel(str(example)), err.location.line, f"example does not load: {err.message}")
            continue
        for variant in _language_variants(loaded):
            language = variant.problem.language
            try:
                kinds = {kind: build.kind_of(kind, search[:-1]).template  # type: ignore[arg-type]
                         for kind in build.pack_kinds(variant, search[:-1])}  # type: ignore[arg-type]
            except ProcureError as err:
                for issue in err.issues:
                    _report_issue(issue, report, f"reading the document kinds for {_rel(str(example))}", "",
                                  linter)
                return keys
            for kind, stem in kinds.items():
                template = f"{language}/{stem}.md"
                if template not in linter.effective:
                    continue
                source = linter.source(template)
                if source is None or source.tree is None:
                    continue  # its syntax error is reported already
                where = f"rendering {_rel(str(example))} as {language} {kind}"
                try:
                    markdown = build.render_markdown(variant, kind, search[:-1])
                    tree = parse(markdown)
                    unknown = unknown_node_types(tree)
                    if unknown:
                        _report_markdown(tree, unknown, template, linter, report, where)
                        continue
                    keys.setdefault((language, stem), set()).update(heading_keys(tree))
                    build.build_document(variant, kind, options)
                except CrossReferenceError as err:  # the document's keys still count for the other refs
                    keys.setdefault((language, err.doc or stem), set()).update(err.defined)
                    _report_dangling(err, report, linter, f"{language}/{stem}.md")
                except ProcureError as err:
                    for issue in err.issues:
                        _report_issue(issue, report, where, template, linter)
    return keys


def _report_issue(issue: Issue, report: Report, where: str, template: str, linter: Linter) -> None:
    loc = issue.location
    file = _rel(loc.file) if loc.file and os.path.isabs(loc.file) else (loc.file or template)
    entry = linter.effective.get(file)
    if entry is not None:
        file = linter.display(entry.path)
    if (file, loc.line or 1) in report.lines:
        return  # the static checks said it already, at this very line
    report.add(SMOKE, file, loc.line, f"{issue.message} ({where})", where=issue.message)


def _report_markdown(tree: Any, unknown: set[str], template: str, linter: Linter, report: Report,
                     where: str) -> None:
    """Name the template line that produced Markdown the renderer does not lay out."""
    from procure.markdown import ALLOWED_NODE_TYPES

    for node in tree.walk():
        if node.type in ALLOWED_NODE_TYPES:
            continue
        snippet = (node.content or "".join(c.content for c in node.walk() if c.type == "text") or "").strip()
        first = snippet.splitlines()[0][:40] if snippet else ""
        file, line = _find_line(first, template, linter)
        report.add(MARKDOWN, file, line, f"renders Markdown the Word renderer does not lay out: {node.type} "
                   f"{first!r}; write it as a paragraph, list, table or heading ({where})", where=node.type)


def _find_line(snippet: str, template: str, linter: Linter) -> tuple[str, int]:
    """The template file and line holding ``snippet`` (the document's root template and its includes)."""
    names = [template, *sorted(_included_names(linter, [template]) - {template})]
    for name in names:
        source = linter.source(name)
        if source is None or not snippet:
            continue
        for number, line in enumerate(source.text.splitlines(), start=1):
            if snippet and snippet[:20] in line:
                return linter.display(source.path), number
    source = linter.source(template)
    return (linter.display(source.path) if source else template), 1


def _report_dangling(err: Any, report: Report, linter: Linter, name: str) -> None:
    """A reference the smoke render found dangling (one the static walk could not read, such as a key
    built from a variable, is only found so), at the template line that makes it."""
    loc = err.location
    file = _rel(loc.file) if loc.file and os.path.isabs(loc.file) else (loc.file or name)
    entry = linter.effective.get(file)
    report.add(DANGLING_REF, linter.display(entry.path) if entry is not None else file, loc.line,
               err.message.removeprefix("template error: "), err.key)


def _check_refs(facts: dict[str, DocFacts], keys: dict[tuple[str, str], set[str]], report: Report) -> None:
    """Every ``ref("key")`` against the keys its document's headings define in the smoke renders, and
    every ``ref("key", doc="agreement")`` against that other document's."""
    from procure.xref import nearest_hint

    for name, doc in facts.items():
        language, _, rest = name.partition("/")
        for key, file, line, other in doc.refs:
            target = f"{language}/{other}.md" if other else name
            known = keys.get((language, other or rest[:-3]))
            static = set(facts[target].keys) if target in facts else set()
            if known is None and not static:
                continue  # the document did not render and gives no keys: that is reported already
            known = (known or set()) | static  # a render that failed still has the keys its templates give
            if key not in known:
                report.add(DANGLING_REF, file, line, f"cross-reference to '{key}', which no heading of {target} "
                           f"defines{nearest_hint(key, known)}", key)
