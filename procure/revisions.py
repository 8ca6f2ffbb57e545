"""Template files as they were at a git revision of the repository that holds them.

``procure diff --base REV`` and ``procure templates check --base REV`` compare a
template set with an earlier state of it. The repository is the one that holds
the template folder (an organisation's template repository, or procure's own
checkout); ``git`` itself reads the revision, so any name git knows works
(``main``, ``HEAD~1``, a tag, a commit id).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from functools import lru_cache
from pathlib import Path

from procure.errors import Location, ProcureError


class RevisionError(ProcureError):
    """A git revision, repository or file that cannot be read."""


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise RevisionError("git is not installed; --base needs git to read the earlier templates")
    return subprocess.run([git, *args], cwd=cwd, capture_output=True, check=False)


@lru_cache(maxsize=64)
def repository_of(path: Path) -> Path:
    """The top folder of the git repository holding ``path`` (a file or folder)."""
    folder = path if path.is_dir() else path.parent
    done = _git(["rev-parse", "--show-toplevel"], folder)
    if done.returncode != 0:
        raise RevisionError(f"{folder} is not inside a git repository; --base compares with a git revision of "
                            "the repository holding the templates (or give two folders instead)",
                            Location(file=str(folder)))
    return Path(done.stdout.decode().strip()).resolve()


@lru_cache(maxsize=64)
def check_revision(root: Path, revision: str) -> str:
    """The commit id ``revision`` names in ``root``; an unknown name is a clear error."""
    if revision.startswith("-"):
        raise RevisionError(f"'{revision}' is not a revision")
    done = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], root)
    if done.returncode != 0:
        raise RevisionError(f"'{revision}' is not a revision of the repository {root}; use a branch, tag or "
                            "commit it has (git log shows them)", Location(file=str(root)))
    return done.stdout.decode().strip()


def read_at_revision(path: Path, revision: str) -> str | None:
    """The text of ``path`` at ``revision``, or None when the file did not exist then."""
    resolved = path.resolve()
    root = repository_of(resolved.parent)
    commit = check_revision(root, revision)
    relative = resolved.relative_to(root).as_posix()
    done = _git(["show", f"{commit}:{relative}"], root)
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8")


def export_folder(folder: Path, revision: str, target: Path) -> Path:
    """Write ``folder`` as it was at ``revision`` under ``target``; returns the folder's copy.

    The files come from ``git archive``, so the working tree is never touched.
    """
    resolved = folder.resolve()
    root = repository_of(resolved)
    commit = check_revision(root, revision)
    relative = resolved.relative_to(root).as_posix()
    spec = [relative] if relative != "." else []
    done = _git(["archive", "--format=tar", commit, *spec], root)
    if done.returncode != 0:
        raise RevisionError(f"{relative} did not exist at {revision} in {root}: "
                            f"{done.stderr.decode(errors='replace').strip()}", Location(file=str(folder)))
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(target, filter="data")
    copy = target / relative if relative != "." else target
    copy.mkdir(parents=True, exist_ok=True)
    return copy
