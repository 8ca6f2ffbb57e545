"""The Jinja environment: Markdown escaping, formatting filters, placeholders and located errors."""

from __future__ import annotations

import re
import string
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from procure.errors import TemplateError
from procure.markdown import parse, placeholders, proposals
from procure.templating import (
    MdSafe,
    builtin_templates_dir,
    environment,
    format_date,
    format_datetime,
    format_money,
    load_strings,
    md_escape,
    oneline,
    paragraphs,
    render_markdown,
)

#: Any Unicode a user can type into a .docx: no surrogates, no C0 controls but tab and newline.
_C0_BUT_TAB_NEWLINE = "".join(chr(i) for i in range(32) if chr(i) not in "\t\n")
user_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters=_C0_BUT_TAB_NEWLINE)
)
#: The same, biased towards what Markdown treats as syntax.
markdownish = st.text(
    st.sampled_from(list(string.punctuation + " \t\n0123456789ax") + ["\xa0", "\u2028", "\x85", "é", "🙂"])
)

ADVERSARIAL = [
    "# x", "1. x", "1) x", "- x", "+ x", "* x", "*x*", "_x_", "**x**", "|", "a | b", "<b>", "&amp;", "&#32;",
    "{{ x }}", "{% x %}", "   leading spaces", "trailing spaces   ", "\tindented", "back\\slash", "\\", "\\\\|",
    "[[x]]", "[x](y)", "![x](y)", "`code`", "```", "~~~", "---", "===", "> quote", "<https://example.org>",
    "a\n\nb", "a\n", "\n", "\na", "x\n# y", "x\n    code", "2027. year", "\xa0nbsp\xa0", "\u2028", "\x85x", "",
]


def inline_text(tree) -> str:
    """The text a reader sees: text nodes, with every line break as a newline."""
    parts = []
    for node in tree.walk():
        if node.type == "text":
            parts.append(node.content)
        elif node.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def only_inline_text(tree) -> bool:
    """True when the tree is at most one paragraph of plain text and line breaks: no structure."""
    types = [node.type for node in tree.walk()]
    allowed = {"root", "paragraph", "text", "softbreak", "hardbreak"}
    return set(types) <= allowed and types.count("paragraph") <= 1


def cell_texts(markdown: str) -> list[str]:
    """The text of every body cell of the (single) table in a Markdown text."""
    tree = parse(markdown)
    return [inline_text(td) for td in tree.walk() if td.type == "td"]


# --------------------------------------------------------------------------- md_escape


@given(user_text)
def test_md_escape_round_trips_any_text(text: str) -> None:
    tree = parse(md_escape(text))
    assert only_inline_text(tree)
    assert inline_text(tree) == text


@pytest.mark.parametrize("text", ADVERSARIAL)
def test_md_escape_adversarial_examples(text: str) -> None:
    tree = parse(md_escape(text))
    assert only_inline_text(tree)
    assert inline_text(tree) == text
    assert placeholders(tree) == []


@given(markdownish)
def test_md_escape_round_trips_markdown_syntax(text: str) -> None:
    tree = parse(md_escape(text))
    assert only_inline_text(tree)
    assert inline_text(tree) == text


@given(user_text.filter(lambda t: "\n" not in t))
def test_md_escape_inside_a_table_cell(text: str) -> None:
    markdown = f"| a | b |\n|---|---|\n| {md_escape(text)} | z |\n"
    assert cell_texts(markdown) == [text, "z"]


@pytest.mark.parametrize("text", [t for t in ADVERSARIAL if "\n" not in t])
def test_md_escape_adversarial_inside_a_table_cell(text: str) -> None:
    markdown = f"| a | b |\n|---|---|\n| {md_escape(text)} | z |\n"
    assert cell_texts(markdown) == [text, "z"]


@given(user_text)
@example("line one\n\n  line two  \n")
def test_oneline_keeps_a_table_row_whole(text: str) -> None:
    markdown = f"| a | b |\n|---|---|\n| {oneline(text)} | z |\n"
    expected = " ".join(line.strip() for line in text.split("\n") if line.strip())
    assert cell_texts(markdown) == [expected, "z"]


@given(user_text)
@example("Eerste alinea\nloopt door.\n\n\n# Tweede *alinea*\n")
def test_paragraphs_splits_on_blank_lines_and_escapes(text: str) -> None:
    tree = parse(paragraphs(text))
    blocks = [[line.strip() for line in block.split("\n") if line.strip()] for block in _blank_split(text)]
    expected = ["\n".join(lines) for lines in blocks if lines]
    got = [inline_text(node) for node in tree.children]
    assert {node.type for node in tree.children} <= {"paragraph"}
    assert got == expected


def _blank_split(text: str) -> list[str]:
    """Split where a line is blank once stripped (the rule ``paragraphs`` documents)."""
    blocks, current = [], []
    for line in text.split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    blocks.append("\n".join(current))
    return blocks


def test_md_safe_is_not_escaped_again() -> None:
    env = environment()
    template = env.from_string("{{ safe }} {{ plain }}")
    assert template.render(safe=MdSafe("**b**"), plain="**b**") == "**b** \\*\\*b\\*\\*"


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("nl", date(2027, 6, 14), "14 juni 2027"),
        ("en", date(2027, 6, 14), "14 June 2027"),
        ("nl", datetime(2027, 6, 14, 9, 30), "14 juni 2027"),
        ("en", date(2027, 1, 1), "1 January 2027"),
    ],
)
def test_format_date(language: str, value: date, expected: str) -> None:
    assert format_date(value, language) == expected


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("nl", datetime(2027, 1, 15, 14, 0), "15 januari 2027, 14:00"),
        ("en", datetime(2027, 1, 15, 14, 0), "15 January 2027, 14:00"),
        ("en", datetime(2027, 1, 15, 9, 5), "15 January 2027, 09:05"),
        ("nl", date(2027, 1, 15), "15 januari 2027"),
    ],
)
def test_format_datetime(language: str, value: date, expected: str) -> None:
    assert format_datetime(value, language) == expected


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("nl", Decimal("40000"), "EUR", "€\xa040.000"),
        ("nl", Decimal("40000.50"), "EUR", "€\xa040.000,50"),
        ("nl", Decimal("40000.00"), "EUR", "€\xa040.000"),
        ("nl", 1250000, "EUR", "€\xa01.250.000"),
        ("en", Decimal("40000"), "EUR", "€40,000"),
        ("en", Decimal("40000.5"), "EUR", "€40,000.50"),
        ("en", Decimal("40000"), "GBP", "£40,000"),
        ("en", Decimal("40000"), "USD", "US$40,000"),
        ("nl", Decimal("40000"), "USD", "US$\xa040.000"),
        ("nl", Decimal("999.99"), "GBP", "£\xa0999,99"),
    ],
)
def test_format_money(language: str, amount: Decimal, currency: str, expected: str) -> None:
    assert format_money(amount, currency, language) == expected


@pytest.mark.parametrize("language", ["nl", "en"])
def test_dates_are_written_as_babel_writes_them(language: str) -> None:
    """format_date writes the long form itself (Babel's locale data is slow to load): every month of two
    years, first and last days, agree with Babel's CLDR long form for the document's locale."""
    from babel import Locale
    from babel.dates import format_date as babel_date

    from procure.templating import LOCALES

    locale = Locale.parse(LOCALES[language])
    days = [date(year, month, day) for year in (1990, 2027, 2200) for month in range(1, 13) for day in (1, 9, 28)]
    assert [format_date(day, language) for day in days] == [babel_date(day, format="long", locale=locale)
                                                            for day in days]


def _babel_money(value: Decimal, currency: str, language: str) -> str:
    """format_money's amounts as Babel writes them (whole amounts without decimals)."""
    from babel import Locale
    from babel.numbers import format_currency

    from procure.templating import LOCALES

    locale = Locale.parse(LOCALES[language])
    if value == value.to_integral_value():
        pattern = re.sub(r"\.0+", "", locale.currency_formats["standard"].pattern)
        return format_currency(value, currency, format=pattern, locale=locale, currency_digits=False)
    return format_currency(value, currency, locale=locale)


@given(amount=st.decimals(min_value=0, max_value=10 ** 13, places=2) | st.decimals(min_value=0, max_value=10 ** 13,
                                                                                     places=1)
       | st.integers(min_value=0, max_value=10 ** 15).map(Decimal) | st.decimals(min_value=-10 ** 6, max_value=10 ** 6,
                                                                                  places=4, allow_nan=False),
       language=st.sampled_from(["nl", "en"]))
@example(amount=Decimal("40000.00"), language="nl")
@example(amount=Decimal("1E+3"), language="en")
@example(amount=Decimal("-0"), language="nl")
@example(amount=Decimal("0.5"), language="nl")
@example(amount=Decimal("-40000.5"), language="en")
@example(amount=Decimal("12.345"), language="en")
def test_euro_amounts_are_written_as_babel_writes_them(amount: Decimal, language: str) -> None:
    """format_money writes euro amounts itself; for any amount, whole or with cents, small or large,
    the text is Babel's (negative amounts and more than two decimals are left to Babel). Uncached: the
    cache takes 0 and -0 for one amount."""
    assert format_money.__wrapped__(amount, "EUR", language) == _babel_money(amount, "EUR", language)


def test_money_refuses_floats() -> None:
    with pytest.raises(ValueError, match="Decimal"):
        format_money(0.1, "EUR", "nl")


@pytest.mark.parametrize(
    ("language", "count", "unit", "expected"),
    [("nl", 1, "week", "1 week"), ("nl", 6, "week", "6 weken"), ("en", 1, "week", "1 week"),
     ("en", 6, "week", "6 weeks"), ("nl", 20, "calendar_day", "20 kalenderdagen"), ("en", 1, "iteration", "1 iteration")],
)
def test_plural(language: str, count: int, unit: str, expected: str) -> None:
    template = environment().from_string("{{ n | plural(unit) }}")
    assert template.render(n=count, unit=unit, s=load_strings(language), lang=language) == expected


def test_filters_in_a_template_follow_the_language() -> None:
    template = environment().from_string("{{ d | date }} / {{ a | money('EUR') }}")
    nl = template.render(d=date(2027, 6, 14), a=Decimal(40000), lang="nl", s=load_strings("nl"))
    en = template.render(d=date(2027, 6, 14), a=Decimal(40000), lang="en", s=load_strings("en"))
    assert inline_text(parse(nl)) == "14 juni 2027 / €\xa040.000"
    assert inline_text(parse(en)) == "14 June 2027 / €40,000"


def test_add_days_counts_calendar_days() -> None:
    template = environment().from_string("{{ d | add_days(20) | date }}")
    assert template.render(d=date(2027, 6, 1), lang="en", s=load_strings("en")) == "21 June 2027"


# --------------------------------------------------------------------------- placeholders


@pytest.mark.parametrize(("language", "prefix"), [("nl", "in te vullen"), ("en", "to be completed")])
def test_todo_makes_a_visible_placeholder(language: str, prefix: str) -> None:
    template = environment().from_string("Datum: {{ todo('uiterste datum inschrijving') }}")
    out = template.render(lang=language, s=load_strings(language))
    assert placeholders(parse(out)) == [f"[{prefix}: uiterste datum inschrijving]"]


def test_or_todo_keeps_a_value_and_fills_a_gap() -> None:
    template = environment().from_string("{{ a | or_todo('a') }} {{ b | or_todo('b') }}")
    out = template.render(a="x", b=None, lang="en", s=load_strings("en"))
    assert out == "x [[to be completed: b]]"


@pytest.mark.parametrize("label", ["a]]b", "a|b", "a\nb", "", " a", "a]", "a\\b", "[a"])
def test_todo_refuses_a_label_that_would_break_the_placeholder(label: str, tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "tender.md").write_text("{{ todo(label) }}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="todo label"):
        render_markdown("tender", {"lang": "en", "label": label}, tmp_path)


@pytest.mark.parametrize(("language", "prefix"), [("nl", "voorstel – bevestigen"), ("en", "proposal – confirm")])
def test_proposal_is_marked_apart_from_placeholders(language: str, prefix: str) -> None:
    template = environment().from_string("Criteria {{ proposal('gunningscriteria') }} en {{ todo('datum') }}")
    tree = parse(template.render(lang=language, s=load_strings(language)))
    assert proposals(tree) == [f"[{prefix}: gunningscriteria]"]
    assert len(placeholders(tree)) == 1


def test_proposal_refuses_a_label_that_would_break_it(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "tender.md").write_text("{{ proposal('a]]b') }}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="proposal label"):
        render_markdown("tender", {"lang": "en"}, tmp_path)


def test_a_user_value_can_never_become_a_placeholder() -> None:
    out = environment().from_string("{{ v }}").render(v="[[in te vullen: x]] [[?y]]")
    assert placeholders(parse(out)) == [] and proposals(parse(out)) == []
    assert inline_text(parse(out)) == "[[in te vullen: x]] [[?y]]"


def test_a_user_value_is_not_rendered_again() -> None:
    out = environment().from_string("{{ v }}").render(v="{{ 7 * 7 }}{% if true %}x{% endif %}")
    assert inline_text(parse(out)) == "{{ 7 * 7 }}{% if true %}x{% endif %}"


# --------------------------------------------------------------------------- errors


def _override(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return tmp_path


def test_undefined_name_is_an_error_at_file_and_line(tmp_path: Path) -> None:
    folder = _override(tmp_path, "nl/tender.md", "# Kop\n\nTekst {{ p.title }}\n{{ no_such_name }}\n")
    with pytest.raises(TemplateError) as info:
        render_markdown("tender", {"lang": "nl", "p": {"title": "T"}}, folder)
    assert info.value.location.file == str(folder / "nl" / "tender.md")
    assert info.value.location.line == 4
    assert "no_such_name" in str(info.value)
    assert str(info.value).startswith(f"{folder / 'nl' / 'tender.md'}:4: ")


def test_undefined_attribute_in_a_partial_names_the_partial(tmp_path: Path) -> None:
    _override(tmp_path, "en/tender.md", "# Heading\n\n{% include 'en/partials/x.md' %}\n")
    folder = _override(tmp_path, "en/partials/x.md", "one\n\ntwo {{ p.nope }}\n")
    with pytest.raises(TemplateError) as info:
        render_markdown("tender", {"lang": "en", "p": {}}, folder)
    assert info.value.location.file == str(folder / "en" / "partials" / "x.md")
    assert info.value.location.line == 3


def test_syntax_error_is_located(tmp_path: Path) -> None:
    folder = _override(tmp_path, "en/consultation.md", "# Heading\n\n{% if %}\n")
    with pytest.raises(TemplateError) as info:
        render_markdown("consultation", {"lang": "en"}, folder)
    assert info.value.location.line == 3
    assert info.value.location.file.endswith("consultation.md")


@pytest.mark.parametrize(
    "expression",
    ["''.__class__", "''.__class__.__mro__[1].__subclasses__()", "cycler.__init__.__globals__",
     "p.__class__", "todo.__globals__", "[].append(1)"],
)
def test_sandbox_refuses_python_internals(expression: str, tmp_path: Path) -> None:
    folder = _override(tmp_path, "en/tender.md", "{{ " + expression + " }}\n")
    with pytest.raises(TemplateError) as info:
        render_markdown("tender", {"lang": "en", "p": "x"}, folder)
    assert info.value.location.line == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [(None, "missing value"), (date(2027, 1, 1), "use a filter"), (Decimal(1), "use a filter"), (True, "use a filter")],
)
def test_printing_a_raw_value_is_refused(value: object, message: str, tmp_path: Path) -> None:
    folder = _override(tmp_path, "en/tender.md", "x\n{{ v }}\n")
    with pytest.raises(TemplateError, match=message) as info:
        render_markdown("tender", {"lang": "en", "v": value}, folder)
    assert info.value.location.line == 2


def test_missing_partial_names_the_including_line(tmp_path: Path) -> None:
    folder = _override(tmp_path, "en/tender.md", "# H\n\n{% include 'en/partials/none.md' %}\n")
    with pytest.raises(TemplateError, match="en/partials/none.md") as info:
        render_markdown("tender", {"lang": "en"}, folder)
    assert info.value.location.file == str(folder / "en" / "tender.md")
    assert info.value.location.line == 3


def test_missing_template_is_a_template_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="xx/tender.md not found"):
        render_markdown("tender", {"lang": "xx", "s": {}}, tmp_path)
    with pytest.raises(TemplateError, match="no strings.yaml for language 'xx'"):
        load_strings("xx", tmp_path)


# --------------------------------------------------------------------------- environment, override, strings


def test_one_environment_per_templates_folder(tmp_path: Path) -> None:
    assert environment() is environment()
    assert environment(builtin_templates_dir()) is environment()
    assert environment(tmp_path) is environment(tmp_path)
    assert environment(tmp_path) is not environment()


def test_builtin_templates_exist_for_both_languages() -> None:
    root = builtin_templates_dir()
    for language in ("nl", "en"):
        for name in ("tender.md", "consultation.md", "strings.yaml"):
            assert (root / language / name).is_file()


def test_override_folder_replaces_one_partial_and_keeps_the_rest(tmp_path: Path) -> None:
    _override(tmp_path, "en/tender.md", "# H\n\n{% include 'en/partials/contact.md' %}\n{% include 'en/partials/users.md' %}")
    folder = _override(tmp_path, "en/partials/contact.md", "Own contact clause.\n\n")
    problem = {"problem": {"affected_users": ["residents"]}}
    out = render_markdown("tender", {"lang": "en", "p": problem}, folder)
    assert "Own contact clause." in out  # the override's partial
    assert "- residents" in out  # the built-in partial, still found


def _shape(value: object) -> object:
    """The key structure of nested strings, with leaves reduced to their type."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def test_strings_have_the_same_keys_in_both_languages() -> None:
    assert _shape(load_strings("nl")) == _shape(load_strings("en"))


@pytest.mark.parametrize("language", ["nl", "en"])
def test_default_evaluation_weights_sum_to_100(language: str) -> None:
    default = load_strings(language)["default_evaluation"]
    assert default["price_weight"] + sum(c["weight"] for c in default["criteria"]) == 100
    assert all(c["name"] and c["description"] for c in default["criteria"])


def test_override_strings_merge_over_the_builtin_ones(tmp_path: Path) -> None:
    _override(tmp_path, "nl/strings.yaml", "toc_title: Inhoudsopgave\n")
    strings = load_strings("nl", tmp_path)
    assert strings["toc_title"] == "Inhoudsopgave"
    assert strings["placeholder_prefix"] == "in te vullen"


def test_broken_strings_file_is_a_located_error(tmp_path: Path) -> None:
    _override(tmp_path, "en/strings.yaml", "- a list\n- not a mapping\n")
    with pytest.raises(TemplateError) as info:
        load_strings("en", tmp_path)
    assert info.value.location.file == str(tmp_path / "en" / "strings.yaml")


def test_template_lines_ending_in_an_inline_block_tag_keep_their_newline() -> None:
    """``trim_blocks`` eats the newline after ``{% endif %}``; on a line with text that merges paragraphs.

    Such a line must end in ``+%}``, which keeps the newline.
    """
    offenders = []
    for path in sorted(builtin_templates_dir().glob("*/**/*.md")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.strip()
            lone_tag = re.fullmatch(r"\{%[^%]*%\}", stripped) is not None
            if stripped.endswith("%}") and not lone_tag and not stripped.endswith("+%}"):
                offenders.append(f"{path.relative_to(builtin_templates_dir())}:{number}")
    assert offenders == []


def test_capfirst_keeps_the_rest_of_the_text() -> None:
    from procure.templating import capfirst

    assert capfirst("open procedure under EU rules") == "Open procedure under EU rules"
    assert capfirst("") == ""


# --------------------------------------------------------------------------- the bytecode cache

_COUNT_COMPILED = """
import sys
from pathlib import Path
from jinja2 import Environment
compiled = []
original = Environment._compile
def counting(self, source, filename):
    compiled.append(filename)
    return original(self, source, filename)
Environment._compile = counting
from procure.build import render_markdown
from procure.loader import load_problem
loaded = load_problem(Path(sys.argv[1]))
for kind in ("tender", "agreement"):
    render_markdown(loaded, kind)
print(len(compiled))
"""


def test_a_second_run_loads_the_builtin_templates_from_the_cache(tmp_path: Path) -> None:
    """The first process compiles the templates it uses and keeps them in the user's cache; a fresh
    process after it compiles none (compiling them is a fifth of a one-pack render)."""
    import os
    import subprocess
    import sys

    from tests.conftest import EXAMPLES

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("PROCURE_NO_CACHE", None)
    example = str(EXAMPLES[0])

    def compiled() -> int:
        done = subprocess.run([sys.executable, "-c", _COUNT_COMPILED, example], env=env, capture_output=True,
                              text=True, check=True)
        return int(done.stdout.split()[-1])

    assert compiled() > 0
    assert any((tmp_path / "procure" / "jinja").iterdir())
    assert compiled() == 0
