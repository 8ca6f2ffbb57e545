"""The loader: YAML text -> Problem, and every way a file can be wrong, located exactly.

Each test writes a small YAML file to ``tmp_path`` and asserts the whole issue:
file, line, column, dotted field path and message. ``MINIMAL`` is a valid file;
its line numbers are listed next to it because the assertions depend on them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from procure import loader
from procure.errors import InputError, Issue, Location
from procure.loader import Loaded, SourceMap, load_problem, load_problem_text
from procure.model import FORBIDDEN_CHARS

MINIMAL = """\
language: en
reference: T-1
title: Faster decisions
buyer:
  organisation: Example Council
  contact:
    name: A. Buyer
    email: buyer@example.org
problem:
  statement: Residents wait eight weeks.
  affected_users:
    - residents
outcomes:
  - title: Decision in two weeks
    indicator: median wait
    baseline: 8 weeks
    target: 2 weeks
iteration_budget:
  iteration_weeks: 4
  iterations: 2
  per_iteration: 30000
"""
# Lines: 1 language, 2 reference, 3 title, 4 buyer, 5 organisation, 6 contact, 7 name,
# 8 email, 9 problem, 10 statement, 11 affected_users, 12 "- residents", 13 outcomes,
# 14 "- title", 15 indicator, 16 baseline, 17 target, 18 iteration_budget,
# 19 iteration_weeks, 20 iterations, 21 per_iteration; appended blocks start at 22.

DATE_ORDER = "responses_due, published, questions_due, submission_deadline, award_decision, contract_start"


def write(tmp_path: Path, text: str | bytes, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def load(tmp_path: Path, text: str | bytes) -> Loaded:
    return load_problem(write(tmp_path, text))


def issues(tmp_path: Path, text: str | bytes) -> tuple[str, list[Issue]]:
    """The file name and the issues of a file that must fail to load."""
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_problem(path)
    return str(path), caught.value.issues


def only_issue(tmp_path: Path, text: str | bytes) -> tuple[str, Issue]:
    name, found = issues(tmp_path, text)
    assert len(found) == 1, [str(i) for i in found]
    return name, found[0]


def at(name: str, line: int | None, column: int | None, field: str | None) -> Location:
    return Location(name, line, column, field)


# ---------------------------------------------------------------- valid files


def test_minimal_file_loads_with_derived_values(tmp_path: Path) -> None:
    loaded = load(tmp_path, MINIMAL)
    problem = loaded.problem
    assert loaded.warnings == []
    assert loaded.path == tmp_path / "p.yaml"
    assert problem.title == "Faster decisions"
    assert problem.iteration_budget.per_iteration == Decimal("30000")
    assert problem.initial_commitment == Decimal("60000")
    assert problem.maximum_value == Decimal("60000")
    assert problem.initial_duration_weeks == 8
    assert problem.option_duration_weeks == 0
    assert problem.maximum_duration_weeks == 8


def test_options_and_ceiling_in_derived_values(tmp_path: Path) -> None:
    text = MINIMAL + "  option_iterations: 3\n"
    assert load(tmp_path, text).problem.maximum_value == Decimal("150000")
    capped = load(tmp_path, text + "  ceiling: 100000.50\n").problem
    assert capped.maximum_value == Decimal("100000.50")
    assert capped.option_duration_weeks == 12
    assert capped.maximum_duration_weeks == 20


def test_load_problem_text_accepts_str_and_bytes() -> None:
    from_str = load_problem_text(MINIMAL, "inline.yaml")
    from_bytes = load_problem_text(MINIMAL.encode("utf-8"), "inline.yaml")
    assert from_str.problem == from_bytes.problem
    assert from_str.path is None
    assert from_str.source.file == "inline.yaml"


def test_dates_and_date_times(tmp_path: Path) -> None:
    text = MINIMAL + (
        "consultation:\n"
        "  questions: [What would you try first?]\n"
        "  session: {when: 2027-01-15T14:00, where: Online}\n"
        "  responses_due: '2027-01-29'\n"
        "tender:\n"
        "  published: 2027-02-10 09:30:00\n"
        "  submission_deadline: 2027-03-20\n"
    )
    problem = load(tmp_path, text).problem
    assert problem.consultation is not None and problem.consultation.session is not None
    assert problem.consultation.session.when == datetime(2027, 1, 15, 14, 0)
    assert problem.consultation.responses_due == date(2027, 1, 29)
    assert problem.tender is not None
    assert problem.tender.published == datetime(2027, 2, 10, 9, 30)
    assert problem.tender.submission_deadline == date(2027, 3, 20)


def test_a_session_date_alone_stays_a_date(tmp_path: Path) -> None:
    text = MINIMAL + "consultation:\n  questions: [Q?]\n  session:\n    when: 2027-01-15\n"
    problem = load(tmp_path, text).problem
    assert problem.consultation is not None and problem.consultation.session is not None
    assert type(problem.consultation.session.when) is date


def test_emoji_and_right_to_left_text_are_kept(tmp_path: Path) -> None:
    title = "Sneller 😀 بسرعة أكبر עברית"
    loaded = load(tmp_path, MINIMAL.replace("title: Faster decisions", f"title: {title}"))
    assert loaded.problem.title == title
    assert loaded.warnings == []


def test_windows_line_endings_are_normal(tmp_path: Path) -> None:
    text = MINIMAL.replace("  statement: Residents wait eight weeks.\n", "  statement: |\n    One.\n    Two.\n")
    loaded = load(tmp_path, text.replace("\n", "\r\n"))
    assert loaded.problem.problem.statement == "One.\nTwo."
    assert loaded.warnings == []


def test_a_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    assert load(tmp_path, b"\xef\xbb\xbf" + MINIMAL.encode()).problem.language == "en"


def test_yes_and_no_stay_text_and_leading_zeros_stay_text(tmp_path: Path) -> None:
    text = MINIMAL.replace("title: Faster decisions", "title: no").replace(
        "    email: buyer@example.org\n", "    email: buyer@example.org\n    phone: 0301234567\n"
    )
    problem = load(tmp_path, text).problem
    assert problem.title == "no"
    assert problem.buyer.contact.phone == "0301234567"


def test_explicit_str_tag_makes_text(tmp_path: Path) -> None:
    assert load(tmp_path, MINIMAL.replace("title: Faster decisions", "title: !!str 2027")).problem.title == "2027"


def test_anchors_and_aliases_within_limits_work(tmp_path: Path) -> None:
    text = MINIMAL.replace("    - residents\n", "    - &who residents\n    - *who\n")
    assert load(tmp_path, text).problem.problem.affected_users == ["residents", "residents"]


# ---------------------------------------------------------------- SPEC rules, each located exactly


def test_rule1_missing_required_key_points_at_parent(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL.replace("    email: buyer@example.org\n", ""))
    assert issue.location == at(name, 6, 3, "buyer.contact.email")
    assert issue.message == "required key 'email' is missing; add 'email:' under 'buyer.contact'"


def test_rule1_missing_top_level_key(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL.replace("title: Faster decisions\n", ""))
    assert issue.location == at(name, 1, 1, "title")
    assert issue.message == "required key 'title' is missing; add 'title:' at the top level"


def test_rule1_whitespace_only_text_is_empty(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL.replace("title: Faster decisions", 'title: "   "'))
    assert issue.location == at(name, 3, 8, "title")
    assert issue.message == "is empty; write a value here"


def test_rule1_at_least_one_item(tmp_path: Path) -> None:
    text = MINIMAL.replace("  affected_users:\n    - residents\n", "  affected_users: []\n")
    name, issue = only_issue(tmp_path, text)
    assert issue.location == at(name, 11, 3, "problem.affected_users")
    assert issue.message == "needs at least 1 item; add one"


def test_rule1_empty_block(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "buyer:\n  organisation: Example Council\n  contact:\n    name: A. Buyer\n    email: buyer@example.org\n",
        "buyer:\n",
    )
    name, issue = only_issue(tmp_path, text)
    assert issue.location == at(name, 4, 1, "buyer")
    assert issue.message == "is empty; write its keys under it: organisation, contact"


def test_rule2_iteration_weeks(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL.replace("iteration_weeks: 4", "iteration_weeks: 14"))
    assert issue.location == at(name, 19, 20, "iteration_budget.iteration_weeks")
    assert issue.message == (
        "must be 1 to 13 weeks, not 14: a cycle longer than a quarter is not short; plan shorter iterations"
    )


def test_rule3_ceiling_below_commitment(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL + "  ceiling: 50000\n")
    assert issue.location == at(name, 22, 12, "iteration_budget.ceiling")
    assert issue.message == (
        "must be at least 2 * 30000 = 60000 (iterations * per_iteration); raise the ceiling or lower per_iteration"
    )


EVALUATION = """\
tender:
  evaluation:
    price_weight: 20
    criteria:
      - name: Approach
        weight: 50
      - name: Team
        weight: 30
"""
# Lines: 22 tender, 23 evaluation, 24 price_weight, 25 criteria, 26 "- name", 27 weight,
# 28 "- name", 29 weight.


def test_rule4_weights_valid(tmp_path: Path) -> None:
    tender = load(tmp_path, MINIMAL + EVALUATION).problem.tender
    assert tender is not None and tender.evaluation is not None
    assert [c.weight for c in tender.evaluation.criteria] == [50, 30]


def test_rule4_weights_are_whole_numbers(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL + EVALUATION.replace("weight: 50", "weight: 49.5"))
    assert issue.location == at(name, 27, 17, "tender.evaluation.criteria[0].weight")
    assert issue.message == "must be a whole number, like 4; 49.5 is not"


def test_rule4_weights_sum_to_100(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL + EVALUATION.replace("weight: 30", "weight: 20"))
    assert issue.location == at(name, 23, 3, "tender.evaluation")
    assert issue.message == (
        "weights sum to 90 (price_weight 20 + criteria 50 + 20); they must sum to exactly 100: adjust the weights"
    )


TIMETABLE = """\
consultation:
  questions: [What would you try first?]
  session:
    when: 2027-01-15T14:00
  responses_due: 2027-01-29
tender:
  published: 2027-02-10
  questions_due: 2027-02-20
  submission_deadline: 2027-03-20
  award_decision: 2027-04-10
  contract_start: 2027-05-01
"""
# Lines: 22 consultation, 23 questions, 24 session, 25 when, 26 responses_due, 27 tender,
# 28 published, 29 questions_due, 30 submission_deadline, 31 award_decision, 32 contract_start.


def test_rule5_timetable_in_order_loads(tmp_path: Path) -> None:
    assert load(tmp_path, MINIMAL + TIMETABLE).problem.tender is not None


def test_rule5_tender_date_out_of_order(tmp_path: Path) -> None:
    text = MINIMAL + TIMETABLE.replace("questions_due: 2027-02-20", "questions_due: 2027-02-01")
    name, issue = only_issue(tmp_path, text)
    assert issue.location == at(name, 29, 18, "tender.questions_due")
    assert issue.message == (
        f"must be after tender.published (2027-02-10); dates run in this order: {DATE_ORDER}; "
        "move this date later or the earlier one back"
    )


def test_rule5_equal_dates_are_not_in_order(tmp_path: Path) -> None:
    text = MINIMAL + TIMETABLE.replace("contract_start: 2027-05-01", "contract_start: 2027-04-10")
    name, issue = only_issue(tmp_path, text)
    assert issue.location == at(name, 32, 19, "tender.contract_start")
    assert issue.message.startswith("must be after tender.award_decision (2027-04-10);")


def test_rule5_responses_due_before_tender(tmp_path: Path) -> None:
    text = MINIMAL + TIMETABLE.replace("responses_due: 2027-01-29", "responses_due: 2027-02-15")
    name, issue = only_issue(tmp_path, text)
    assert issue.location == at(name, 28, 14, "tender.published")
    assert issue.message.startswith("must be after consultation.responses_due (2027-02-15);")


def test_rule5_responses_due_checked_against_first_present_tender_date(tmp_path: Path) -> None:
    text = MINIMAL + TIMETABLE.replace("  published: 2027-02-10\n", "").replace(
        "responses_due: 2027-01-29", "responses_due: 2027-02-25"
    )
    name, issue = only_issue(tmp_path, text)
    assert issue.location == at(name, 28, 18, "tender.questions_due")
    assert issue.message.startswith("must be after consultation.responses_due (2027-02-25);")


def test_rule5_session_before_responses_due(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL + TIMETABLE.replace("when: 2027-01-15T14:00", "when: 2027-01-30T10:00"))
    assert issue.location == at(name, 26, 18, "consultation.responses_due")
    assert issue.message == (
        "must be after consultation.session.when (2027-01-30T10:00): the session comes before the responses; "
        "move this date later or the session earlier"
    )


def test_rule5_date_and_date_time_compare_by_calendar_day(tmp_path: Path) -> None:
    same_day = MINIMAL + TIMETABLE.replace("when: 2027-01-15T14:00", "when: 2027-01-29T09:00")
    name, issue = only_issue(tmp_path, same_day)
    assert issue.location == at(name, 26, 18, "consultation.responses_due")
    both_times = same_day.replace("responses_due: 2027-01-29", "responses_due: 2027-01-29T17:00")
    assert load(tmp_path, both_times).problem.consultation is not None


def test_rule6_reference(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL.replace("reference: T-1", "reference: T 1/2"))
    assert issue.location == at(name, 2, 12, "reference")
    assert issue.message == (
        "'T 1/2' cannot be used: a reference starts with a letter or digit and holds only letters, digits, "
        "'.', '_' and '-', at most 64 characters (it becomes part of file names), e.g. ZV-2027-004"
    )


def test_rule7_control_characters_removed_with_a_warning(tmp_path: Path) -> None:
    text = MINIMAL.replace("title: Faster decisions", "title: Faster\x07 decisions\x1b").replace(
        "    name: A. Buyer", '    name: "A.\\x01 Buyer"'
    )
    loaded = load(tmp_path, text)
    name = str(tmp_path / "p.yaml")
    assert loaded.problem.title == "Faster decisions"
    assert loaded.problem.buyer.contact.name == "A. Buyer"
    assert loaded.warnings == [
        Issue(
            at(name, 3, 8, "title"),
            "removed the control characters U+0007, U+001B, which a Word document cannot hold; check the text here",
            severity="warning",
        ),
        Issue(
            at(name, 7, 11, "buyer.contact.name"),
            "removed the control character U+0001, which a Word document cannot hold; check the text here",
            severity="warning",
        ),
    ]


# Raw NEL and the Unicode line separators are YAML line breaks, folded inside quotes: left out.
_ANY_TEXT = st.text(alphabet=st.characters(blacklist_characters="\x85\u2028\u2029", blacklist_categories=("Cs",)))


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT)
def test_rule7_any_text_loads_or_fails_cleanly(text: str) -> None:
    """Whatever a title holds, the loader returns it cleaned or raises InputError; never anything else."""
    quoted = json.dumps(text, ensure_ascii=False)
    expected = FORBIDDEN_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    source = MINIMAL.replace("title: Faster decisions", f"title: {quoted}")
    try:
        loaded = load_problem_text(source, "any.yaml")
    except InputError as error:
        assert expected == ""
        assert [i.location.field for i in error.issues] == ["title"]
        return
    assert loaded.problem.title == expected
    assert bool(loaded.warnings) is bool(FORBIDDEN_CHARS.search(text))


def test_rule7_control_characters_in_a_comment_are_ignored(tmp_path: Path) -> None:
    assert load(tmp_path, "# note\x0c\n" + MINIMAL).warnings == []


# ---------------------------------------------------------------- keys


def test_unknown_key_suggests_nearest(tmp_path: Path) -> None:
    name, found = issues(tmp_path, MINIMAL.replace("title: Faster", "titel: Faster"))
    assert [(i.location, i.message) for i in found] == [
        (at(name, 1, 1, "title"), "required key 'title' is missing; add 'title:' at the top level"),
        (at(name, 3, 1, "titel"), "unknown key 'titel'; did you mean 'title'?"),
    ]


def test_unknown_nested_key_points_at_the_key(tmp_path: Path) -> None:
    text = MINIMAL.replace("    baseline: 8 weeks\n", "    baseline: 8 weeks\n    mesured_by: survey\n")
    name, issue = only_issue(tmp_path, text)
    assert issue.location == at(name, 17, 5, "outcomes[0].mesured_by")
    assert issue.message == "unknown key 'mesured_by'; did you mean 'measured_by'?"


def test_unknown_key_without_a_near_one_lists_the_keys(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL.replace("  organisation:", "  zzz: 1\n  organisation:"))
    assert issue.location == at(name, 5, 3, "buyer.zzz")
    assert issue.message == "unknown key 'zzz'; the keys allowed here are: organisation, department, kind, authority_type, contact"


def test_mistyped_choice_suggests_nearest(tmp_path: Path) -> None:
    text = MINIMAL.replace("  organisation: Example Council\n", "  organisation: Example Council\n  kind: subcentral\n")
    name, issue = only_issue(tmp_path, text)
    assert issue.location == at(name, 6, 9, "buyer.kind")
    assert issue.message == "must be one of: central, sub_central; did you mean 'sub_central'?"


def test_choice_in_the_wrong_case_suggests_the_right_one(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL.replace("language: en", "language: EN"))
    assert issue.location == at(name, 1, 11, "language")
    assert issue.message == "must be one of: nl, en; did you mean 'en'?"


def test_empty_list_and_empty_item(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL.replace("    - residents\n", ""))
    assert issue.location == at(name, 11, 3, "problem.affected_users")
    assert issue.message == "is empty; write each item on its own line, starting with '- '"
    name, issue = only_issue(tmp_path, MINIMAL.replace("    - residents\n", "    -\n"))
    assert issue.location.field == "problem.affected_users[0]"
    assert issue.message == "is empty; write a value here"


def test_duplicate_key(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL.replace("title: Faster decisions\n", "title: A\ntitle: B\n"))
    assert issue.location == at(name, 4, 1, "title")
    assert issue.message == "duplicate key 'title' (first at line 3); remove one of them"


def test_merge_keys_are_refused_plainly(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL.replace("buyer:\n", "buyer:\n  <<: {kind: central}\n"))
    assert issue.location == at(name, 5, 3, "buyer.<<")
    assert issue.message == "merge keys ('<<') are not supported; write the keys out in full"


def test_number_where_text_is_expected(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL.replace("title: Faster decisions", "title: 2027"))
    assert issue.location == at(name, 3, 8, "title")
    assert issue.message == 'must be text; put the value in quotes, like "2027"'


def test_dutch_thousands_separator_is_refused(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL.replace("per_iteration: 30000", "per_iteration: 30.000"))
    assert issue.location == at(name, 21, 18, "iteration_budget.per_iteration")
    assert issue.message == (
        "30.000 has more than two decimals; write the amount without thousands separators, like 45000 or 45000.50"
    )


def test_every_error_is_reported_at_once_sorted_by_line(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace("reference: T-1", "reference: -bad")
        .replace("iteration_weeks: 4", "iteration_weeks: 0")
        .replace("    target: 2 weeks\n", "")
        .replace("language: en", "language: de")
    )
    name, found = issues(tmp_path, text)
    assert [(i.location.line, i.location.field) for i in found] == [
        (1, "language"),
        (2, "reference"),
        (14, "outcomes[0].target"),
        (18, "iteration_budget.iteration_weeks"),  # one line up: target was removed
    ]
    assert all(i.location.file == name for i in found)


# ---------------------------------------------------------------- unsafe or broken files


def test_python_tag_is_refused_and_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    payload = f"!!python/object/apply:os.system ['touch {marker}']"
    name, issue = only_issue(tmp_path, MINIMAL.replace("title: Faster decisions", f"title: {payload}"))
    assert not marker.exists()
    assert issue.location == at(name, 3, 8, "title")
    assert issue.message == (
        "the tag !!python/object/apply:os.system is not allowed: a problem statement holds only text, numbers, "
        "dates, lists and mappings; remove the tag"
    )


@pytest.mark.parametrize(
    "tagged",
    ["!!python/name:os.system", "!!binary aGVsbG8=", "!custom value", "!!set {a: null}", "!!omap [a: 1]"],
)
def test_other_non_standard_tags_are_refused(tmp_path: Path, tagged: str) -> None:
    name, issue = only_issue(tmp_path, MINIMAL.replace("title: Faster decisions", f"title: {tagged}"))
    assert issue.location == at(name, 3, 8, "title")
    assert issue.message.startswith("the tag ") and issue.message.endswith("; remove the tag")


def test_tag_on_a_mapping_is_refused_once(tmp_path: Path) -> None:
    text = MINIMAL.replace("buyer:\n", "buyer: !!python/object:procure.model.Buyer\n")
    name, issue = only_issue(tmp_path, text)
    assert issue.location == at(name, 4, 8, "buyer")
    assert issue.message.startswith("the tag !!python/object:procure.model.Buyer is not allowed:")


def test_tag_on_the_whole_document_is_refused(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, "!!python/object/new:os.system [echo]\n")
    assert issue.location == at(name, 1, 1, None)
    assert issue.message.startswith("the tag !!python/object/new:os.system is not allowed:")


def test_tag_on_a_key_is_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace("title: Faster", "!!python/name:os.system title: Faster")
    name, issue = only_issue(tmp_path, text)
    assert issue.location == at(name, 3, 1, "title")
    assert issue.message.startswith("the tag !!python/name:os.system is not allowed:")


BILLION_LAUGHS = "\n".join(
    ["a0: &a0 [lol]"] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
)


def test_billion_laughs_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, BILLION_LAUGHS)
    assert issue.location.file == name
    assert issue.location.line == 6
    assert issue.message.startswith("too many aliases: reusing *a4 expands the file beyond 100000 values;")


def test_a_20_mb_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("title: " + "x" * (20 * 1024 * 1024) + "\n")
    with pytest.raises(InputError) as caught:
        load_problem(path)
    [issue] = caught.value.issues
    assert issue.location == Location(str(path))
    assert issue.message == (
        "the file is 20.0 MiB; a problem statement may be at most 1 MiB: check that this is the right file"
    )


def test_too_large_text_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        load_problem_text("x" * (loader.MAX_BYTES + 1), "big.yaml")
    assert caught.value.issues[0].message.startswith("the file is more than 1 MiB;")


def test_empty_file(tmp_path: Path) -> None:
    for text in ("", "\n\n", "# only a comment\n", "---\n"):
        name, issue = only_issue(tmp_path, text)
        assert issue.location == at(name, 1, 1, None)
        assert issue.message.startswith("the file is empty; a problem statement needs at least language,")


def test_top_level_list(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, "# header\n- language: en\n")
    assert issue.location == at(name, 2, 1, None)
    assert issue.message == "the top level is a list; it must be a mapping of keys such as 'language:' and 'title:'"


def test_top_level_scalar(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, "just some text\n")
    assert issue.message.startswith("the top level is a single value;")


def test_invalid_utf8_is_located(tmp_path: Path) -> None:
    data = MINIMAL.encode().replace(b"title: Faster", b"title: F\xe9ster")
    name, issue = only_issue(tmp_path, data)
    assert issue.location == at(name, 3, 9, None)
    assert issue.message == "the file is not valid UTF-8 here (byte 0xE9); save it with the encoding UTF-8"


def test_invalid_utf8_column_counts_characters(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, "title: é€\xff\n".encode("utf-8").replace(b"\xc3\xbf", b"\xff"))
    assert issue.location == at(name, 1, 10, None)


def test_utf16_is_refused(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL.encode("utf-16"))
    assert issue.location == at(name, 1, 1, None)
    assert issue.message == "the file is UTF-16; save it as UTF-8"


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL.replace("title: Faster decisions", "title: Faster: decisions"))
    assert issue.location == at(name, 3, 14, None)
    assert issue.message.startswith("YAML syntax error: mapping values are not allowed")
    assert issue.message.endswith("; check the indentation, colons and quotes here")


def test_more_than_one_document(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, MINIMAL + "---\nlanguage: nl\n")
    assert issue.location == at(name, 22, 1, None)
    assert issue.message == "the file holds more than one YAML document; keep one (remove '---')"


def test_recursive_alias(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, "a: &x [1, *x]\n")
    assert issue.location == at(name, 1, 11, None)
    assert issue.message == "the alias *x lies inside its own anchor &x; it would never end"


def test_unknown_alias(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, "a: *nowhere\n")
    assert issue.message == "unknown alias *nowhere; define the anchor &nowhere before using it"


def test_deep_nesting_is_bounded(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, "a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert issue.location.line == 1
    assert issue.message == "nesting deeper than 32 levels; a problem statement needs only a few"


def test_too_many_values_without_aliases(tmp_path: Path) -> None:
    name, issue = only_issue(tmp_path, "a: [" + "1," * 150_000 + "1]\n")
    assert issue.message == "the file holds more than 100000 values; a problem statement is far smaller"


def test_missing_file() -> None:
    with pytest.raises(InputError) as caught:
        load_problem(Path("/nonexistent/problem.yaml"))
    assert caught.value.issues[0].message.startswith("cannot read the file (")


@pytest.mark.parametrize("parser", ["SafeLoader", "CSafeLoader"])
def test_pure_python_and_libyaml_parsers_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parser: str) -> None:
    if not hasattr(yaml, parser):
        pytest.skip(f"PyYAML has no {parser} here")
    monkeypatch.setattr(loader, "_parser_class", lambda: getattr(yaml, parser))
    text = MINIMAL.replace("title: Faster decisions", "title: Faster\x07 😀 decisions").replace(
        "    email: buyer@example.org\n", ""
    )
    name, issue = only_issue(tmp_path, text)
    assert issue.location == at(name, 6, 3, "buyer.contact.email")
    name, issue = only_issue(tmp_path, BILLION_LAUGHS)
    assert issue.message.startswith("too many aliases")
    loaded = load(tmp_path, MINIMAL.replace("title: Faster decisions", "title: Faster\x07 😀 decisions"))
    assert loaded.problem.title == "Faster 😀 decisions"
    assert [w.location.line for w in loaded.warnings] == [3]


# ---------------------------------------------------------------- SourceMap


def test_source_map_locates_values_and_falls_back_to_parents(tmp_path: Path) -> None:
    source = load(tmp_path, MINIMAL).source
    assert source.locate(("outcomes", 0, "target")) == (17, 13)
    assert source.locate(("buyer", "contact")) == (6, 3)
    assert source.locate(("buyer", "contact", "phone")) == (6, 3)
    assert source.locate(("outcomes", 0)) == (14, 5)
    assert source.locate(("tender", "published")) == (1, 1)
    assert source.locate_key(("buyer", "contact", "email")) == (8, 5)


def test_source_map_dotted() -> None:
    assert SourceMap.dotted(("outcomes", 0, "target")) == "outcomes[0].target"
    assert SourceMap.dotted(("cpv_codes", 1)) == "cpv_codes[1]"
    assert SourceMap.dotted(()) == ""


@pytest.mark.parametrize("encoding,name", [("utf-32", "UTF-32"), ("utf-32-le", "UTF-32"), ("utf-32-be", "UTF-32"),
                                           ("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16")])
def test_wide_encodings_are_named_correctly(encoding: str, name: str) -> None:
    from procure.loader import load_problem_text

    with pytest.raises(InputError) as caught:
        load_problem_text("language: en\nreference: X-1\n".encode(encoding), "p.yaml")
    assert caught.value.issues[0].message == f"the file is {name}; save it as UTF-8"
