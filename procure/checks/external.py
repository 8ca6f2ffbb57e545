"""PRC010, PRC011, PRC020, PRC021, PRC030: codes that :mod:`procure.checking` reports, documented with the rules.

Validation errors, the loader's warnings and the documents' placeholders are
found by the loader and the renderer, not by a rule, but ``procure check``
prints them with a code like every finding. Registering them here puts them in
``--list-rules`` and ``--explain``. They cannot be switched off with
``checks.ignore``: the fix is in the file (PRC001 says so).
"""

from __future__ import annotations

from procure.checks.core import external

external(
    code="PRC010",
    name="invalid-file",
    severity="error",
    title="The file is not a valid problem statement",
    message="{field}: what is wrong and what to write instead (from the loader)",
    explanation="""
        The file could not be read as a problem statement: a YAML syntax error,
        a missing required field, an unknown key (the message suggests the
        nearest known one), a value of the wrong kind, or a rule of the input
        contract broken (dates out of order, weights that do not sum to 100, a
        ceiling below the initial commitment). Every such error in the file is
        reported at once, each at its own line. The other rules run only on a
        file that loads, so fix these first.
    """,
    sources=("docs/problem-statement.md in procure's repository, 'Rules every valid file obeys'",),
)

external(
    code="PRC011",
    name="text-cleaned",
    severity="warning",
    title="The loader removed characters a Word document cannot hold",
    message="{field}: which characters were removed (from the loader)",
    explanation="""
        Control characters other than tab and newline (often pasted in from
        another program) cannot be stored in a .docx. The loader removes them,
        names the field, and carries on, so the documents never break. Check
        that the text still reads as intended and remove the characters from
        the file to silence the warning.
    """,
    sources=("docs/problem-statement.md in procure's repository, rule 7",
             "XML 1.0, section 2.2 (characters a document may hold)"),
)

external(
    code="PRC020",
    name="placeholder",
    severity="info",
    title="A document would still show a placeholder",
    message="{field}: the document shows a placeholder for this field (from the renderer)",
    explanation="""
        A draft may leave optional fields out: the documents then show a
        highlighted placeholder such as "[to be completed: submission deadline]"
        where the value belongs, so that nothing is silently missing. That is
        fine while drafting (info) and an error with --strict, which a
        publishing pipeline uses: a published tender must not contain gaps.
        Fill in the field the placeholder names.
    """,
    sources=("docs/problem-statement.md in procure's repository, 'Drafts and publishable packs'",),
)

external(
    code="PRC021",
    name="proposal",
    severity="info",
    title="A document still shows a proposal for the buyer to confirm",
    message="{field}: the document shows a proposal for this field (from the renderer): confirm it or replace it",
    explanation="""
        Where the problem statement leaves a decision open that a tender cannot
        do without (the award criteria and their weights, the procedure for a
        value below the thresholds, the general terms), the documents show what
        procure proposes, highlighted as "[proposal - confirm: ...]". A proposal
        is not the buyer's decision until the buyer makes it: confirm it by
        writing the choice into the problem statement, or replace it. Info while
        drafting, an error with --strict. The finding points at the field whose
        value would settle the decision.
    """,
    sources=("procure's own rule: a document never presents procure's choice as the buyer's",),
)

external(
    code="PRC030",
    name="not-written",
    severity="error",
    title="The documents could not be written",
    message="{field}: why the documents were not written (from procure render)",
    explanation="""
        procure render loaded the file but could not write its documents: the
        output folder cannot be created or written to, a file is in the way, or
        another file of the same batch has the same reference, so its documents
        would replace these. Nothing is written for the file: a pack is written
        whole or not at all. Fix the folder or its permissions, or give each
        problem statement its own reference.
    """,
    sources=("docs/problem-statement.md in procure's repository, 'Keys' (reference)",),
)
