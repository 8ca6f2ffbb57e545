"""Helpers that give a user a start: the commented starter file and the JSON Schema.

``procure init`` writes the starter with a ``# yaml-language-server: $schema=``
modeline on its first line, and the schema itself next to it (the modeline
names it relative to the file), so editors with YAML support (VS Code's YAML
extension, Neovim, Helix, IntelliJ) complete keys, show each field's
description and underline what procure would refuse, without any set-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from procure.errors import Location, OutputError
from procure.i18n import _

STARTERS_DIR = Path(__file__).parent / "starters"
#: The schema's identifier. ``.invalid`` because procure publishes it nowhere: editors read the file
#: ``procure init`` writes, or the output of ``procure schema``.
SCHEMA_ID = "https://procure.invalid/schemas/problem.schema.json"
#: The file ``procure init`` writes the schema to, next to the starter.
SCHEMA_FILE = "procure-problem.schema.json"
MODELINE = f"# yaml-language-server: $schema={SCHEMA_FILE}\n"


def starter_text(language: str) -> str:
    """The commented starter problem statement for ``language`` (nl or en)."""
    return (STARTERS_DIR / f"{language}.yaml").read_text(encoding="utf-8")


def write_starter(path: Path, language: str) -> list[str]:
    """Write the starter to ``path`` (an existing file is never overwritten) and the schema next to it.

    Returns what was done, one line each, for the command line to print. The schema
    file is procure's own: it is written when absent, brought up to date when it
    holds an older procure schema, and left alone when it is someone else's file.
    """
    text = MODELINE + starter_text(language)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise OutputError(
            "file exists; procure init never overwrites a file: choose another name or remove it first",
            Location(file=str(path)),
        ) from None
    except OSError as err:
        raise OutputError(f"cannot write the starter: {err.strerror}", Location(file=str(path))) from None
    return [_("wrote {path}").format(path=path), *_write_schema(path.parent / SCHEMA_FILE)]


def _write_schema(target: Path) -> list[str]:
    import json

    text = json.dumps(problem_json_schema(), indent=2, ensure_ascii=False) + "\n"
    try:
        old = target.read_text(encoding="utf-8") if target.exists() else None
    except (OSError, UnicodeDecodeError):
        old = ""
    if old == text:
        return []
    if old is not None and SCHEMA_ID not in old:
        return [_("left {target} as it is (it is not procure's schema); editors will not find the schema").format(
            target=target)]
    try:
        target.write_text(text, encoding="utf-8", newline="\n")
    except OSError as err:
        return [_("could not write {target} ({reason}); `procure schema > {target}` writes it").format(
            target=target, reason=err.strerror)]
    done = (_("updated {target} (the schema your editor reads for completion and checks)") if old
            else _("wrote {target} (the schema your editor reads for completion and checks)"))
    return [done.format(target=target)]


def problem_json_schema() -> dict[str, Any]:
    """The JSON Schema of a problem statement, for editors' YAML support."""
    from procure.model import Problem

    schema = Problem.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "procure problem statement", **{k: v for k, v in schema.items() if k != "title"},
            "$comment": "Every key and rule: docs/problem-statement.md in procure's repository."}
