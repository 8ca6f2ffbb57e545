"""PRC0xx: the checks themselves.

A problem statement may switch a rule off for itself with a reason::

    checks:
      ignore:
        - code: PRC302
          reason: a closed pilot; scaling up is a separate decision

These rules keep that list honest: a code that names no rule is a typo that
silences nothing, and an entry whose rule no longer fires is dead weight that
would hide the rule's next, real finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from procure.checks.core import Context, Hit, registered, rule


def _ignores(ctx: Context) -> list[tuple[int, str]]:
    checks = ctx.problem.checks
    return [(index, entry.code) for index, entry in enumerate(checks.ignore if checks else ())]


@rule(
    code="PRC001",
    name="unknown-ignore-code",
    severity="warning",
    title="checks.ignore names a code that is no rule",
    message="{field} is {code}, which names no rule that can be switched off: check the code with "
            "`procure check --list-rules`",
    explanation="""
        An ignore entry switches one rule off for this file. A code that names no
        rule silences nothing, which usually means a typo: the rule you meant to
        switch off still speaks, or worse, will speak later while you believe it
        is off. Codes are three letters and three digits, such as PRC301.

        Validation errors (PRC010), removed characters (PRC011) and placeholders
        (PRC020) cannot be switched off either: they are fixed in the file.
    """,
    sources=("procure's own convention (like ruff's `noqa` codes)",),
)
def unknown_ignore_code(ctx: Context) -> Iterator[Hit]:
    known = {r.code for r in registered() if not r.external}
    for index, code in _ignores(ctx):
        if code not in known:
            yield Hit(("checks", "ignore", index, "code"), {"code": code})


@rule(
    code="PRC002",
    name="unused-ignore",
    severity="info",
    title="checks.ignore switches off a rule that has nothing to say",
    message="{field}: {code} finds nothing in this file; remove the entry so that the rule speaks "
            "again when it has a reason to",
    explanation="""
        A rule switched off long after its finding was fixed will hide the next,
        real finding. When an ignored rule finds nothing in the file, the entry
        can go. Entries for PRC001 and PRC002 themselves are left alone.
    """,
    sources=("procure's own convention (like ruff's RUF100, unused noqa)",),
    after_others=True,
)
def unused_ignore(ctx: Context) -> Iterator[Hit]:
    known = {r.code for r in registered() if not r.external and not r.after_others}
    for index, code in _ignores(ctx):
        if code in known and code != "PRC001" and code not in ctx.raised:
            yield Hit(("checks", "ignore", index, "code"), {"code": code})
