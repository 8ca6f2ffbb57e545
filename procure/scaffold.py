"""Helpers that give a user a start: the commented starter file and the JSON Schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from procure.errors import Location, OutputError

STARTERS_DIR = Path(__file__).parent / "starters"


def starter_text(language: str) -> str:
    """The commented starter problem statement for ``language`` (nl or en)."""
    return (STARTERS_DIR / f"{language}.yaml").read_text(encoding="utf-8")


def write_starter(path: Path, language: str) -> None:
    """Write the starter to ``path``; an existing file is never overwritten."""
    text = starter_text(language)
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


def problem_json_schema() -> dict[str, Any]:
    """The JSON Schema of a problem statement, for editors' YAML support."""
    from procure.model import Problem

    schema = Problem.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
