"""What went into a pack and what came out: the manifests of ``procure batch``.

Every pack folder gets a ``manifest.json``; the batch's output folder gets one
for the whole run. A manifest records, for a pipeline to audit or to decide
whether to rebuild:

- the input's path and SHA-256;
- the template set: a hash over every template file that can be used (the
  user's ``--templates`` folder and the built-in set), and, when the folder is
  in a git work tree, its commit and whether it had uncommitted changes;
- the reference .docx (house style), when one is used;
- the tool version;
- the legal data: a hash over ``procure/data/*`` and, per pack, the
  threshold set (its period and dates) that the pack's reference date selected;
- each output's name, size and SHA-256, the findings and the placeholders left.

No clock time goes into a manifest: the same build gives the same bytes. The
JSON Schema is ``procure/data/manifest.schema.json``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

from msgspec import Struct

from procure import __version__

MANIFEST_VERSION = 1
PACK_MANIFEST = "manifest.json"
_DATA_DIR = Path(__file__).resolve().parent / "data"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tree_hash(folder: Path, pattern: str = "**/*") -> str:
    """SHA-256 over the relative names and contents of the files under ``folder``, in sorted order.

    Hidden files and folders (``.git``, editor backups) and ``__pycache__`` are left out.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.glob(pattern) if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if any(part.startswith(".") or part == "__pycache__" for part in relative.split("/")):
            continue
        digest.update(relative.encode("utf-8") + b"\0")
        digest.update(sha256_file(path).encode("ascii") + b"\n")
    return digest.hexdigest()


def git_state(folder: Path) -> dict[str, Any] | None:
    """``{"commit", "last_change", "dirty"}`` for a folder inside a git work tree, else None.

    ``commit`` is the repository's HEAD; ``last_change`` the latest commit that
    touched the folder (it stays put while unrelated files are committed);
    ``dirty`` means uncommitted changes or untracked files under the folder.
    """
    def git(*args: str) -> str | None:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)
        return done.stdout.strip() if done.returncode == 0 else None

    try:
        head = git("rev-parse", "HEAD")
        if not head:
            return None
        last = git("log", "-1", "--format=%H", "--", ".")
        status = git("status", "--porcelain", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return None
    if status is None:
        return None
    return {"commit": head, "last_change": last or None, "dirty": bool(status)}


class Environment(Struct, frozen=True):
    """Everything a pack's bytes depend on besides its input: computed once per batch."""

    templates: dict[str, Any]
    reference_doc: dict[str, Any] | None
    legal_data: dict[str, Any]
    tool: dict[str, Any]

    def key_parts(self) -> dict[str, Any]:
        """The parts that decide whether a pack must be rebuilt (git state is recorded, not compared:
        a new commit that leaves the templates as they were changes no document)."""
        return {
            "templates": self.templates["sha256"],
            "reference_doc": self.reference_doc["sha256"] if self.reference_doc else None,
            "legal_data": self.legal_data["sha256"],
            "tool": self.tool["version"],
        }


def environment(templates_dir: Path | None, reference_doc: Path | None) -> Environment:
    """The template set, reference document, legal data and tool version of a batch."""
    from procure.templating import builtin_templates_dir

    builtin = builtin_templates_dir()
    digest = hashlib.sha256(b"builtin:" + tree_hash(builtin).encode("ascii"))
    if templates_dir is not None:
        digest.update(b"\nuser:" + tree_hash(Path(templates_dir)).encode("ascii"))
    templates: dict[str, Any] = {
        "path": str(templates_dir) if templates_dir is not None else None,
        "sha256": digest.hexdigest(),
        "git": git_state(Path(templates_dir) if templates_dir is not None else builtin),
    }
    ref = None
    if reference_doc is not None:
        ref = {"path": str(reference_doc), "sha256": sha256_file(Path(reference_doc))}
    return Environment(templates=templates, reference_doc=ref, legal_data=legal_data_version(),
                       tool={"name": "procure", "version": __version__})


def legal_data_version() -> dict[str, Any]:
    """A hash over the data files (``procure/data/*``, top level) and each file's own hash."""
    files = [{"name": path.name, "sha256": sha256_file(path)}
             for path in sorted(_DATA_DIR.iterdir()) if path.is_file() and not path.name.startswith(".")]
    digest = hashlib.sha256("".join(f"{f['name']}\0{f['sha256']}\n" for f in files).encode("utf-8"))
    return {"sha256": digest.hexdigest(), "files": files}


def thresholds_used(problem: Any) -> dict[str, Any]:
    """The threshold set a problem's reference date selected, and that date."""
    from procure.legal import legal_data, reference_date

    day = reference_date(problem)
    chosen = legal_data().thresholds_on(day)
    return {"reference_date": day.isoformat(), "period": chosen.period,
            "valid_from": chosen.valid_from.isoformat(), "valid_to": chosen.valid_to.isoformat(),
            "in_force": chosen.covers(day)}


def build_key(env: Environment, input_sha256: str, options: dict[str, Any]) -> str:
    """The hash that says whether a pack is up to date: input, templates, reference document, legal
    data, tool version and the options that change the outputs."""
    parts = {"input": input_sha256, **env.key_parts(), "options": options}
    return sha256_bytes(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode("utf-8"))


def dumps(manifest: dict[str, Any]) -> bytes:
    """The bytes of a manifest: sorted keys, two-space indent, UTF-8, a final newline."""
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def write(path: Path, manifest: dict[str, Any], tmp_prefix: str) -> None:
    """Write a manifest as :func:`dumps` gives it, streamed (a batch manifest of thousands of packs is
    never held as one string), so that readers see the old file or the whole new one. The temporary
    file's name starts with ``tmp_prefix`` (what a killed run leaves is cleared by the next)."""
    import contextlib
    import os
    import tempfile

    from procure.package import umask

    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=tmp_prefix, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            json.dump(manifest, out, indent=2, sort_keys=True, ensure_ascii=False)
            out.write("\n")
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise



def schema() -> dict[str, Any]:
    """The JSON Schema of both manifests (``procure/data/manifest.schema.json``)."""
    return json.loads((_DATA_DIR / "manifest.schema.json").read_text(encoding="utf-8"))
