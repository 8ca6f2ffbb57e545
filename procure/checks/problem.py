"""PRC1xx: problem, not solution.

An innovation-friendly tender describes the problem and the outcome and lets
the market propose the answer. These rules look for products, brands,
vendors and technologies (the word lists in ``procure/data/solution_words.yaml``)
in the places that should be free of them.
"""

from __future__ import annotations

from collections.abc import Iterator

from procure.checks.core import Context, Hit, rule

_SOURCES_PROBLEM = (
    "Directive 2014/24/EU, article 42(3)(a) and recital 74: specifications as performance or "
    "functional requirements, open to competition",
    "Aanbestedingswet 2012, article 2.76 (the same choice in Dutch law)",
)


def _terms(words: list[str]) -> str:
    return ", ".join(f"'{w}'" for w in words)


@rule(
    code="PRC101",
    name="solution-in-problem",
    severity="warning",
    title="The title or problem statement names a solution",
    message="{field} names a solution ({terms}): describe the problem and who has it, "
            "and leave the answer to the market",
    explanation="""
        The title and the problem statement are what the market reads first. When
        they name a product, a vendor or a technology ("a chatbot for ...", "AI to
        ...", "replace X with SAP"), bidders answer that question instead of the
        real one, and better or cheaper answers never reach you. State who has the
        problem, what goes wrong for them, and what it costs; keep the means open.

        Mentioning today's systems belongs in current_situation, which this rule
        does not read. If a word is used in a sense that is not a solution, switch
        the rule off for the file with a reason (checks.ignore).

        Words come from procure/data/solution_words.yaml (whole words; acronyms
        such as SAP and AI only in capitals); add your own with --words FILE.
    """,
    sources=_SOURCES_PROBLEM,
)
def solution_in_problem(ctx: Context) -> Iterator[Hit]:
    """The title and the statement: the framing of the whole tender."""
    for path, text in ((("title",), ctx.problem.title), (("problem", "statement"), ctx.problem.problem.statement)):
        found = ctx.vocabulary.solutions(text)
        if found:
            yield Hit(path, {"terms": _terms(found)})


@rule(
    code="PRC102",
    name="solution-in-outcome",
    severity="warning",
    title="An outcome names a solution",
    message="{field} names a solution ({terms}): state the result for users, whatever delivers it",
    explanation="""
        An outcome is what you pay for: a change for the people who have the
        problem, such as a shorter wait or fewer mistakes. An outcome such as
        "chatbot live" or "dashboard used by 80% of staff" buys an output and
        decides the solution in advance; a supplier that reaches the same result
        differently cannot score. The rule reads each outcome's title, indicator
        and target (the baseline describes today, so it may name today's tools).
    """,
    sources=(
        "Evidence-Based Management Guide (Scrum.org), key value areas: measure value, not output",
        *_SOURCES_PROBLEM,
    ),
)
def solution_in_outcome(ctx: Context) -> Iterator[Hit]:
    for index, outcome in enumerate(ctx.problem.outcomes):
        for key in ("title", "indicator", "target"):
            found = ctx.vocabulary.solutions(getattr(outcome, key))
            if found:
                yield Hit(("outcomes", index, key), {"terms": _terms(found)})


@rule(
    code="PRC103",
    name="brand-in-constraint",
    severity="warning",
    title="A constraint names a make or product without 'or equivalent'",
    message="{field} names a make, vendor or product ({terms}) without '{equivalent}': "
            "name the function or open standard you need instead",
    explanation="""
        Constraints are the boundary conditions every solution must meet: open
        standards, security, privacy, accessibility. A constraint that names a
        make, vendor or product shuts out everyone else. The law forbids it in
        technical specifications unless the subject cannot be described precisely
        enough otherwise, and then only with the words "or equivalent" ("of
        gelijkwaardig"). Prefer the function or the open standard (an interface
        standard, a data format); if a reference really is unavoidable, add "or
        equivalent". Generic technologies (cloud, app) are not flagged here: as a
        boundary condition they can be legitimate.

        A constraint about working with a system the buyer already has ("koppelt
        met het bestaande zaaksysteem van Centric", "integrates with our current
        SAP") is a reference justified by the subject-matter, and "or equivalent"
        would make no sense there: such constraints, recognised by the words
        under `interoperability` in procure/data/solution_words.yaml, are left
        alone.
    """,
    sources=(
        "Directive 2014/24/EU, article 42(4)",
        "Aanbestedingswet 2012, article 2.76 (paragraphs 5 and 6)",
    ),
)
def brand_in_constraint(ctx: Context) -> Iterator[Hit]:
    vocab = ctx.vocabulary
    equivalent = vocab.equivalent.words[0] if vocab.equivalent.words else "or equivalent"
    for index, text in enumerate(ctx.problem.problem.constraints):
        found = vocab.brands.find(text)
        if found and not vocab.equivalent.find(text) and not vocab.interoperability.find(text):
            yield Hit(("problem", "constraints", index), {"terms": _terms(found), "equivalent": equivalent})
