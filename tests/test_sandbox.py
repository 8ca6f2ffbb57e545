"""Templates are untrusted input: they read plain data and can reach nothing else.

A template folder may come from anyone (a pull request rendered in a pipeline).
Each known way out of Jinja's default sandbox, through the live Pydantic model,
Jinja's own helpers or ``str.format``, must end in a located "unsafe" error and
run nothing, in ``render`` and in ``check`` alike.
"""

from __future__ import annotations

import os
import json
import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from msgspec import Struct

from procure.cli import cli
from procure.errors import TemplateError
from procure.model import Problem
from procure.templating import PlainMap, plain
from tests.test_cli import MINIMAL, assert_no_traceback, write

#: A protocol-0 pickle that runs ``touch MARKER`` when unpickled (MARKER is replaced per test).
PICKLE = "cos\\nsystem\\n(S'touch MARKER'\\ntR."

ESCAPES = {
    "parse_raw pickle": "{{ p.parse_raw(\"" + PICKLE + "\", proto='pickle', allow_pickle=True) }}",
    "parse_raw on a block": "{{ p.buyer.parse_raw(\"" + PICKLE + "\", proto='pickle', allow_pickle=True) }}",
    "parse_file": "{{ p.parse_file('/etc/passwd') }}",
    "model_dump_json": "{{ p.model_dump_json() }}",
    "model_copy": "{{ p.outcomes[0].model_copy() }}",
    "__class__": "{{ p.__class__.__mro__ }}",
    "model_fields": "{{ p.model_fields }}",
    "cycler internals": "{{ cycler.__init__.__globals__.os.system('touch MARKER') }}",
    "cycler items": "{% set c = cycler(1, 2) %}{{ c.items }}",
    "joiner internals": "{{ joiner.__init__.__globals__.os.system('touch MARKER') }}",
    "namespace internals": "{{ namespace.__init__.__globals__.os.system('touch MARKER') }}",
    "namespace attrs": "{% set ns = namespace(a=1) %}{{ ns._Namespace__attrs }}",
    "template reference context": "{{ self._TemplateReference__context }}",
    "attr filter": "{{ p | attr('parse_raw') }}",
    "attr filter dunder": "{{ (p | attr('__class__')) }}",
    "attr format": "{{ ('{0.__class__}' | attr('format'))(p) }}",
    "str.format": "{{ '{0.__class__.__init__.__globals__}'.format(p) }}",
    "str.format_map": "{{ '{x}'.format_map(p) }}",
    "dataclass fields": "{{ procedure.__dataclass_fields__ }}",
    "record fields": "{{ procedure.__struct_fields__ }}",
    "mapping internals": "{{ p._data }}",
    "range self": "{{ range.__self__ }}",
    "filter globals": "{{ todo.__globals__ }}",
    "lipsum": "{{ lipsum(10) }}",
    "getitem dunder": "{{ p['__class__'] }}",
}


def _override(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "tpl"
    (folder / "en").mkdir(parents=True, exist_ok=True)
    marker = tmp_path / "pwned"
    (folder / "en" / "tender.md").write_text(
        "# Title\n\nSome text.\n\n" + body.replace("MARKER", str(marker)) + "\n", encoding="utf-8")
    return folder


def test_the_pickle_payload_is_real(tmp_path: Path) -> None:
    """The payload of the tests runs a command when given to the live model (so the tests mean something)."""
    marker = tmp_path / "pwned"
    payload = PICKLE.replace("\\n", "\n").replace("MARKER", str(marker))
    problem = Problem.model_validate(__import__("yaml").safe_load(MINIMAL))
    with warnings.catch_warnings(), pytest.raises(Exception):
        warnings.simplefilter("ignore")
        type(problem).parse_raw(payload, proto="pickle", allow_pickle=True)
    assert marker.exists()


@pytest.mark.parametrize("body", list(ESCAPES.values()), ids=list(ESCAPES))
@pytest.mark.parametrize("command", ["render", "check"])
def test_known_escapes_are_unsafe_and_run_nothing(tmp_path: Path, command: str, body: str) -> None:
    problem = write(tmp_path, MINIMAL)
    folder = _override(tmp_path, body)
    args = [command, str(problem), "--templates", str(folder)]
    if command == "render":
        args += ["-o", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, args)
    assert_no_traceback(result)
    assert result.exit_code == 1, result.output
    assert "unsafe" in result.output
    assert f"{folder / 'en' / 'tender.md'}:5" in result.output
    assert not (tmp_path / "pwned").exists()
    assert not (tmp_path / "out").exists()
    assert "root:" not in result.output  # parse_file never shows a file's content


def _render(tmp_path: Path, body: str, problem_text: str = MINIMAL) -> str:
    from procure.build import render_markdown as build_markdown
    from procure.loader import load_problem

    loaded = load_problem(write(tmp_path, problem_text))
    return build_markdown(loaded, "tender", _override(tmp_path, body))


def test_templates_get_plain_data_only(tmp_path: Path) -> None:
    from procure.build import template_context
    from procure.loader import load_problem
    from procure.templating import load_strings

    loaded = load_problem(write(tmp_path, MINIMAL))
    context = template_context(loaded, "tender", load_strings("en"))

    def walk(value: object) -> None:
        if isinstance(value, PlainMap):
            for key in value:
                walk(value[key])
        elif isinstance(value, tuple):
            for item in value:
                walk(item)
        else:
            assert type(value) in (str, int, bool, Decimal, date, type(None)), type(value)

    walk(context)
    assert isinstance(context["p"], PlainMap) and isinstance(context["procedure"], PlainMap)


def test_derived_values_and_new_fields_appear_without_changes(tmp_path: Path) -> None:
    """Derived @property values of every model come along, and so does any field added later."""
    text = _render(tmp_path, "{{ p.maximum_value | money }} {{ p.initial_duration_weeks }} "
                             "{{ p.iteration_budget.maximum_value | money }} {{ procedure.name }}")
    assert "€90\\,000 12 €90\\,000 private procedure" in text

    class Later(Struct, frozen=True):
        items: str
        get: int

        @property
        def twice(self) -> int:
            return self.get * 2

    view = plain(Later(items="listed", get=4))
    assert view["items"] == "listed" and view["twice"] == 8


def test_a_field_named_like_a_dict_method_reads_the_field(tmp_path: Path) -> None:
    from procure.templating import SafeEnvironment

    env = SafeEnvironment()
    data = plain({"items": "the field", "get": "also", "values": ["a"]})
    assert env.from_string("{{ d.items }} {{ d.get }} {{ d.values | length }}").render(d=data) == "the field also 1"
    assert env.from_string("{% for k, v in d.items() %}{{ k }}{% endfor %}").render(d=plain({"a": 1})) == "a"


def test_ordinary_template_syntax_still_works(tmp_path: Path) -> None:
    body = ("{% set ns = namespace(n=0) %}{% for o in p.outcomes %}{% set ns.n = ns.n + 1 %}"
            "{{ loop.index }}. {{ o.title | upper }}{% endfor %} {{ ns.n }} "
            "{{ p.outcomes | selectattr('title') | list | length }} {{ p.buyer.organisation.split(' ')[0] }} "
            "{{ p['reference'] }} {{ '%s-%s' | format('a', 'b') }} {{ ['x', 'y'] | join_list }}")
    text = _render(tmp_path, body)
    assert "1. QUICK DECISIONS 1 1 Test T\\-1 a\\-b x and y" in text


def test_unsafe_is_refused_even_in_a_test_that_would_hide_it(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="unsafe"):
        _render(tmp_path, "{% if p.parse_raw is defined %}yes{% endif %}")


def test_plain_refuses_objects_it_does_not_know() -> None:
    with pytest.raises(TypeError, match="plain data"):
        plain({"x": object()})


def test_the_json_of_a_refused_template_is_complete(tmp_path: Path) -> None:
    problem = write(tmp_path, MINIMAL)
    folder = _override(tmp_path, ESCAPES["model_dump_json"])
    result = CliRunner().invoke(cli, ["render", str(problem), "--templates", str(folder), "-o",
                                      str(tmp_path / "out"), "--format", "json"])
    report = json.loads(result.stdout)
    assert [r["status"] for r in report["results"]] == ["failed"]
    assert any("unsafe" in f["message"] and f["severity"] == "error" for f in report["findings"])


# --- limits: a template may not run for ever, fill the memory or print without end ---------------

RUNAWAYS = {
    "nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}",
    "silent nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "repeat": "{{ 'x' * 1000000000 }}",
    "list repeat": "{{ ([1] * 1000000000) | length }}",
    "doubling with ~": ("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
                        "{% endfor %}{{ ns.s | length }}"),
    "doubling with +": ("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}"
                        "{% endfor %}{{ ns.s | length }}"),
    "doubling by a macro": ("{% macro d(s) %}{{ s }}{{ s }}{% endmacro %}{% set ns = namespace(s='x') %}"
                            "{% for i in range(64) %}{% set ns.s = d(ns.s) %}{% endfor %}{{ ns.s | length }}"),
    "doubling by join": ("{% set ns = namespace(s='x') %}{% for i in range(64) %}"
                         "{% set ns.s = [ns.s, ns.s] | join %}{% endfor %}{{ ns.s | length }}"),
    "center": "{{ 'x' | center(1000000000) }}",
    "indent": "{{ 'x\\ny' | indent(1000000000) }}",
    "format width": "{{ '%999999999s' | format('x') }}",
    "percent width": "{{ '%999999999s' % 'x' }}",
    "replace": "{{ ('x' * 100000) | replace('', 'y' * 1000) }}",
    "batch": "{{ [1] | batch(1000000000, 'x') | list | length }}",
    "huge power": "{{ (2 ** 100000000) | string | length }}",
    "huge range": "{{ range(1000000000) | list | length }}",
    "recursion": "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
}


@pytest.mark.parametrize("body", list(RUNAWAYS.values()), ids=list(RUNAWAYS))
def test_runaway_templates_stop_with_a_located_error(tmp_path: Path, monkeypatch, body: str) -> None:
    import time

    from procure import templating

    monkeypatch.setattr(templating, "MAX_SECONDS", 2.0)
    started = time.monotonic()
    with pytest.raises(TemplateError) as caught:
        _render(tmp_path, body)
    assert time.monotonic() - started < 20
    assert caught.value.issues[0].location.file.endswith("tender.md")
    assert caught.value.issues[0].location.line == 5, caught.value


def test_output_size_is_bounded(tmp_path: Path, monkeypatch) -> None:
    from procure import templating

    monkeypatch.setattr(templating, "MAX_OUTPUT_CHARS", 100_000)
    with pytest.raises(TemplateError, match="longer than 100,000 characters"):
        _render(tmp_path, "{% for i in range(50000) %}{{ i }} {% endfor %}")


def test_the_time_limit_names_itself(tmp_path: Path, monkeypatch) -> None:
    from procure import templating

    monkeypatch.setattr(templating, "MAX_SECONDS", 1.0)
    with pytest.raises(TemplateError, match="longer than 1 seconds"):
        _render(tmp_path, RUNAWAYS["silent nested loops"])


def test_memory_is_bounded_while_rendering() -> None:
    from procure.templating import _memory_budget

    with pytest.raises(MemoryError), _memory_budget(64 * 1024 * 1024):
        bytearray(512 * 1024 * 1024)
    bytearray(256 * 1024 * 1024)  # the budget is lifted again afterwards


def test_a_crash_in_one_file_of_a_batch_leaves_the_others(tmp_path: Path, monkeypatch) -> None:
    from procure import build

    original = build.build_document

    def crash_on_second(loaded, kind, options, *args, **kwargs):
        if loaded.problem.reference == "T-2":
            raise RuntimeError("boom")
        return original(loaded, kind, options, *args, **kwargs)

    monkeypatch.setattr(build, "build_document", crash_on_second)
    first = write(tmp_path, MINIMAL, "a.yaml")
    second = write(tmp_path, MINIMAL.replace("T-1", "T-2"), "b.yaml")
    third = write(tmp_path, MINIMAL.replace("T-1", "T-3"), "c.yaml")
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        result = CliRunner().invoke(cli, ["render", str(first), str(second), str(third), "-o", str(out),
                                          "-j", jobs, "--format", "json"])
        assert_no_traceback(result)
        assert result.exit_code == 1
        report = json.loads(result.stdout)
        assert [d["status"] == "failed" for d in report["results"]] == [False, True, False]
        (crashed,) = [f for f in report["findings"] if f["file"] == str(second)]
        assert "internal error (RuntimeError: boom)" in crashed["message"] and "report it" in crashed["message"]
        names = sorted(p.name for p in out.iterdir())
        assert {name.split("-", 2)[1] for name in names} == {"1", "3"} and "T-1-tender.docx" in names
    text = CliRunner().invoke(cli, ["render", str(first), str(second), "-o", str(tmp_path / "out3")])
    assert "internal error" in text.output and "wrote" in text.output


def test_a_crash_in_one_file_of_a_check_leaves_the_others(tmp_path: Path, monkeypatch) -> None:
    from procure import checking

    original = checking.check_file

    def crash(path, **kwargs):
        if path.name == "b.yaml":
            raise RecursionError("deep")
        return original(path, **kwargs)

    monkeypatch.setattr(checking, "check_file", crash)
    first = write(tmp_path, MINIMAL, "a.yaml")
    second = write(tmp_path, MINIMAL, "b.yaml")
    result = CliRunner().invoke(cli, ["check", str(first), str(second), "--format", "json"])
    assert_no_traceback(result)
    findings = json.loads(result.stdout)["findings"]
    crashed = [f for f in findings if f["file"] == str(second)]
    assert len(crashed) == 1 and "internal error (RecursionError: deep)" in crashed[0]["message"]
    assert any(f["file"] == str(first) for f in findings)


def test_the_time_limit_holds_outside_the_main_thread_too(tmp_path: Path, monkeypatch) -> None:
    """Where no alarm signal can be used (a thread), the clock is checked on every call and output."""
    import threading

    from procure import templating

    monkeypatch.setattr(templating, "MAX_SECONDS", 1.0)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            _render(tmp_path, "{% for i in range(100000) %}{% for j in range(100000) %}{{ todo('x') }}"
                              "{% endfor %}{% endfor %}")
        except BaseException as err:  # noqa: BLE001 - handed to the test
            errors.append(err)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(30)
    assert not worker.is_alive()
    assert isinstance(errors[0], TemplateError) and "longer than 1 seconds" in str(errors[0])
    (tmp_path / "again").mkdir()
    assert "Title" in _render(tmp_path / "again", "ok")  # nothing stale is left behind


# --- the files of a template folder ------------------------------------------------------------


def _folder_with(tmp_path: Path, make) -> Path:  # noqa: ANN001 - a callable that makes the file
    folder = tmp_path / "tpl"
    (folder / "en" / "partials").mkdir(parents=True)
    make(folder / "en" / "partials" / "contact.md")
    return folder


SPECIAL_FILES = {
    "link to /etc/passwd": (lambda p: p.symlink_to("/etc/passwd"), "leads outside the template folder"),
    "link to a file outside": (lambda p: ((p.parents[3] / "secret.md").write_text("SECRET"),
                                          p.symlink_to(p.parents[3] / "secret.md")),
                               "leads outside the template folder"),
    "dangling link": (lambda p: p.symlink_to(p.parent / "nowhere.md"), "does not exist"),
    "fifo": (lambda p: os.mkfifo(p), "not a regular file"),
    "folder": (lambda p: p.mkdir(), "not a regular file"),
}


@pytest.mark.parametrize("make,message", list(SPECIAL_FILES.values()), ids=list(SPECIAL_FILES))
@pytest.mark.parametrize("command", ["render", "check"])
def test_special_files_in_a_template_folder_are_reported(tmp_path: Path, command: str, make, message: str) -> None:
    folder = _folder_with(tmp_path, make)
    args = [command, str(write(tmp_path, MINIMAL)), "--templates", str(folder)]
    if command == "render":
        args += ["-o", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, args)
    assert_no_traceback(result)
    assert result.exit_code == 1
    assert message in result.output and "contact.md" in result.output
    assert "SECRET" not in result.output and "root:" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_link_inside_the_template_folder_is_fine(tmp_path: Path) -> None:
    def make(path: Path) -> None:
        (path.parent / "mine.md").write_text("Contact us at our office.\n", encoding="utf-8")
        path.symlink_to(path.parent / "mine.md")

    folder = _folder_with(tmp_path, make)
    result = CliRunner().invoke(cli, ["render", str(write(tmp_path, MINIMAL)), "--templates", str(folder),
                                      "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output


def test_a_linked_strings_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    (folder / "en").mkdir(parents=True)
    (folder / "en" / "strings.yaml").symlink_to("/etc/hostname")
    result = CliRunner().invoke(cli, ["render", str(write(tmp_path, MINIMAL)), "--templates", str(folder),
                                      "-o", str(tmp_path / "out")])
    assert_no_traceback(result)
    assert result.exit_code == 1 and "strings.yaml leads outside the template folder" in result.output


def test_functions_we_wrote_may_be_called_but_not_looked_into() -> None:
    from procure.legal import consultation_basis
    from procure.templating import SafeEnvironment

    env = SafeEnvironment()
    env.globals["basis"] = consultation_basis
    assert env.from_string("{{ basis('en') | length > 0 }}").render() == "True"
    with pytest.raises(Exception, match="unsafe"):
        env.from_string("{{ basis.__globals__ }}").render()
    with pytest.raises(Exception, match="unsafe"):
        env.from_string("{{ basis.__code__ }}").render()
    with pytest.raises(TypeError, match="plain data"):
        plain({"f": print})


ORDINARY = {
    "{% for x in [1,2,3] %}{{ loop.cycle('a','b') }}{{ loop.index }}{% endfor %}": "a1b2a3",
    "{% set c = cycler('a','b') %}{{ c.next() }}{{ c.next() }}{{ c.current }}": "aba",
    "{% set j = joiner(', ') %}{% for x in [1,2] %}{{ j() }}{{ x }}{% endfor %}": "1, 2",
    "{% macro m() %}[{{ caller() }}]{% endmacro %}{% call m() %}inner{% endcall %}": "[inner]",
    "{{ 'Abc'.upper() }} {{ 'a b'.split() | length }} {{ range(3) | list | length }}": "ABC 2 3",
    "{{ d.items() | list | length }} {{ d.get('a') }} {{ d | dictsort | length }}": "2 1 2",
    "{{ [3,1,2] | sort | join(',') }} {{ [1,2] | map('string') | join }} {{ 'x' ~ 1 ~ 'y' }}": "1,2,3 12 x1y",
    "{{ 2 ** 10 }} {{ 'ab' * 3 }} {{ ([1] + [2]) | length }} {{ '%05d' % 42 }}": "1024 ababab 2 00042",
    "{{ dt.year }} {{ [1,2,3,4] | batch(2) | list | length }} {{ 'aXb' | replace('X', '-') }}": "2027 2 a-b",
}


@pytest.mark.parametrize("source,expected", list(ORDINARY.items()))
def test_ordinary_jinja_still_works_in_the_sandbox(source: str, expected: str) -> None:
    from procure.templating import SafeEnvironment

    env = SafeEnvironment()
    assert env.from_string(source).render(d=plain({"a": 1, "b": 2}), dt=date(2027, 1, 2)) == expected


def test_blocks_super_and_self_still_work() -> None:
    from jinja2 import DictLoader

    from procure.templating import SafeEnvironment

    env = SafeEnvironment(loader=DictLoader({
        "base.md": "{% block a %}base{% endblock %}|{{ self.a() }}",
        "child.md": "{% extends 'base.md' %}{% block a %}child+{{ super() }}{% endblock %}"}))
    assert env.get_template("child.md").render() == "child+base|child+base"


def test_code_compiled_without_the_size_checks_is_never_loaded_from_a_bytecode_cache(tmp_path: Path) -> None:
    from jinja2 import DictLoader, FileSystemBytecodeCache
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from procure.templating import LimitError, SafeEnvironment

    source = {"t.md": "{% set ns = namespace(s='x') %}{% for i in range(25) %}{% set ns.s = ns.s ~ ns.s %}"
                      "{% endfor %}{{ ns.s | length }}"}  # 33 million characters: past the limit
    plain_env = ImmutableSandboxedEnvironment(loader=DictLoader(source),
                                              bytecode_cache=FileSystemBytecodeCache(str(tmp_path)))
    assert plain_env.get_template("t.md").render() == str(2**25)  # unchecked code now sits in the cache
    assert list(tmp_path.iterdir())
    safe = SafeEnvironment(loader=DictLoader(source), bytecode_cache=FileSystemBytecodeCache(str(tmp_path)))
    with pytest.raises(LimitError):
        safe.get_template("t.md").render()
