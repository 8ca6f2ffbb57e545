"""The user's language for procure's own messages: English, or Dutch for Dutch users.

Messages, ``--help``, ``--list-rules`` and ``--explain`` are written in English in
the code and translated through a gettext catalogue per language:
``procure/locale/<lang>/LC_MESSAGES/procure.po``. The ``.po`` file is the source
(translators edit it; it is reviewed as text) and is read at run time with
Babel's ``read_po``, so there is no compiled ``.mo`` file to build or commit.
Babel is imported only when a translation is needed, so English runs and
``procure --help`` stay light; and the messages read are kept in the user's
cache (:mod:`procure.cache`) under the catalogue's checksum, so that only the
first run after a catalogue changes pays for Babel (about 40 ms).

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


Catalogue = dict[str, str | tuple[str, ...]]

#: Part of a kept catalogue's name: a change to how catalogues are read or kept changes it.
_KEPT_FORMAT = 1


@cache
def catalogue(language: str) -> Catalogue:
    """msgid -> translation (a tuple of plural forms for plural messages); fuzzy and empty entries left out."""
    path = catalogue_path(language)
    if language == "en" or not path.exists():
        return {}
    source = path.read_bytes()
    kept = _kept_path(language, source)
    table = _read_kept(kept) if kept is not None else None
    if table is None:
        table = read_catalogue(source, language)
        if kept is not None:
            _keep(kept, table, language)
    return table


def read_catalogue(source: bytes, language: str) -> Catalogue:
    """The messages of a ``.po`` file's bytes, read with Babel (see :func:`catalogue`)."""
    from io import BytesIO

    from babel.messages.pofile import read_po

    parsed = read_po(BytesIO(source), locale=language, domain=DOMAIN)
    table: Catalogue = {}
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


def _kept_path(language: str, source: bytes) -> Path | None:
    """Where the messages read from ``source`` are kept between runs (None: no cache to use)."""
    import hashlib

    from procure import __version__
    from procure.cache import cache_folder

    folder = cache_folder("messages")
    if folder is None:
        return None
    digest = hashlib.sha256(source).hexdigest()
    return folder / f"{DOMAIN}-{language}-{__version__}-{_KEPT_FORMAT}-{digest}.json"


def _read_kept(path: Path) -> Catalogue | None:
    """The catalogue kept at ``path``, or None when there is none or it is not a well-formed one."""
    import json

    try:
        kept = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict):
        return None
    table: Catalogue = {}
    for msgid, translation in kept.items():
        if isinstance(translation, str):
            table[msgid] = translation
        elif isinstance(translation, list) and all(isinstance(form, str) for form in translation):
            table[msgid] = tuple(translation)
        else:
            return None
    return table


def _keep(path: Path, table: Catalogue, language: str) -> None:
    """Keep a catalogue for the next run, in place of those kept from earlier versions of the ``.po`` file.
    A cache that cannot be written only costs the next run time."""
    import json

    from procure.cache import write_atomic

    try:
        write_atomic(path, json.dumps(table, ensure_ascii=False).encode("utf-8"))
        for earlier in path.parent.glob(f"{DOMAIN}-{language}-*.json"):
            if earlier != path:
                earlier.unlink(missing_ok=True)
    except OSError:
        pass


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
