"""The user's language for procure's own messages: English, or Dutch for Dutch users.

Messages, ``--help``, ``--list-rules`` and ``--explain`` are written in English in
the code and translated through a gettext catalogue per language:
``procure/locale/<lang>/LC_MESSAGES/procure.po``. The ``.po`` file is the source
(translators edit it; it is reviewed as text) and is read at run time with
Babel's ``read_po``, so there is no compiled ``.mo`` file to build or commit.
Babel is imported only when a translation is needed, so English runs and
``procure --help`` stay light.

The language is, in this order: ``procure --lang``, the ``PROCURE_LANG``
variable, then the locale as gettext reads it (``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG``). A locale starting with ``nl`` (``nl_NL.UTF-8``,
``nl_BE``) gives Dutch; anything else, or a message without a translation,
gives English. The language of the *documents* is the problem statement's
``language`` key, not this.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "nl")
DOMAIN = "procure"
LOCALE_DIR = Path(__file__).parent / "locale"

_state = {"language": "en"}


def detect(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for: ``nl`` or ``en``."""
    env = os.environ if environ is None else environ
    wanted = env.get("PROCURE_LANG", "")
    if not wanted:
        for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
            if env.get(name):
                wanted = env[name].split(":")[0]
                break
    return "nl" if wanted.lower().startswith("nl") else "en"


def set_language(language: str | None) -> str:
    """Use ``language`` (``nl``/``en``; None: detect it) for every message from now on."""
    chosen = language if language in LANGUAGES else detect()
    _state["language"] = chosen
    if chosen != "en":
        _install_click_translations()
    return chosen


def language() -> str:
    return _state["language"]


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(language: str) -> dict[str, str | tuple[str, ...]]:
    """msgid -> translation (a tuple of plural forms for plural messages); fuzzy and empty entries left out."""
    path = catalogue_path(language)
    if language == "en" or not path.exists():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        parsed = read_po(handle, locale=language, domain=DOMAIN)
    table: dict[str, str | tuple[str, ...]] = {}
    for message in parsed:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, (list, tuple)):
            forms = tuple(message.string or ())
            if all(forms):
                table[message.id[0]] = forms
        elif message.string:
            table[message.id] = message.string
    return table


def gettext(message: str) -> str:
    """``message`` in the user's language (itself when there is no translation)."""
    if _state["language"] == "en":
        return message
    found = catalogue(_state["language"]).get(message)
    return found if isinstance(found, str) else message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count``, in the user's language (nl and en: one is singular)."""
    found = catalogue(_state["language"]).get(singular) if _state["language"] != "en" else None
    if isinstance(found, tuple) and len(found) >= 2:
        return found[0] if count == 1 else found[1]
    return singular if count == 1 else plural


_ = gettext


def _install_click_translations() -> None:
    """Click's own words (Usage, Options, error prefixes) through procure's catalogue.

    Click looks them up with :func:`gettext.gettext` under names it imported as
    ``_`` and ``ngettext``; pointing those at procure's catalogue translates them
    without compiled .mo files.
    """
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.types

    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types):
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
