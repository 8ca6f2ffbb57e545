"""Writing a pack survives kills and a second render into the same folder.

A catchable kill (SIGTERM, Ctrl-C) during the swap waits until the pack is whole;
after a SIGKILL the next write into the folder puts the interrupted pack back as it
was and clears the temporary files our own killed runs left; two renders into one
folder take turns (the folder is locked), so their packs never mix.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from procure import package

ROOT = Path(__file__).resolve().parent.parent


def run_child(folder: Path, body: str) -> subprocess.CompletedProcess[str]:
    """Write a two-file pack into ``folder`` in a child process that ``body`` sabotages."""
    script = textwrap.dedent(f"""
        import os, signal, sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from procure import package
        folder = Path({str(folder)!r})
        real_replace = os.replace
        calls = []
    """) + textwrap.dedent(body) + textwrap.dedent("""
        package.os.replace = sabotaged
        package.write_all_atomic([(folder / "a.docx", b"new a"), (folder / "b.docx", b"new b")])
        print("returned")
    """)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)


def old_pack(folder: Path) -> None:
    (folder / "a.docx").write_bytes(b"old a")
    (folder / "b.docx").write_bytes(b"old b")


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_catchable_kill_during_the_swap_lands_on_a_whole_pack(tmp_path: Path, sig: signal.Signals) -> None:
    old_pack(tmp_path)
    result = run_child(tmp_path, f"""
        def sabotaged(src, dst):
            if str(dst).endswith("a.docx"):
                os.kill(os.getpid(), {int(sig)})
            return real_replace(src, dst)
    """)
    assert result.returncode != 0 and "returned" not in result.stdout  # the kill did land, afterwards
    assert (tmp_path / "a.docx").read_bytes() == b"new a"
    assert (tmp_path / "b.docx").read_bytes() == b"new b"
    assert names(tmp_path) == ["a.docx", "b.docx"]


#: The child process is killed right after a.docx is swapped in, before b.docx is.
KILLED_AFTER_A = """
    def sabotaged(src, dst):
        done = real_replace(src, dst)
        if str(dst).endswith("a.docx"):
            os.kill(os.getpid(), signal.SIGKILL)
        return done
"""


def test_after_a_sigkill_mid_swap_the_next_write_restores_then_replaces(tmp_path: Path) -> None:
    old_pack(tmp_path)
    result = run_child(tmp_path, KILLED_AFTER_A)
    assert result.returncode == -signal.SIGKILL
    assert (tmp_path / "a.docx").read_bytes() == b"new a" and (tmp_path / "b.docx").read_bytes() == b"old b"
    assert package.JOURNAL in names(tmp_path)
    package._recover(tmp_path)
    assert (tmp_path / "a.docx").read_bytes() == b"old a" and (tmp_path / "b.docx").read_bytes() == b"old b"
    assert names(tmp_path) == ["a.docx", "b.docx"]
    package.write_all_atomic([(tmp_path / "a.docx", b"newer a"), (tmp_path / "b.docx", b"newer b")])
    assert (tmp_path / "a.docx").read_bytes() == b"newer a" and (tmp_path / "b.docx").read_bytes() == b"newer b"
    assert names(tmp_path) == ["a.docx", "b.docx"]


def test_a_sigkill_mid_swap_of_a_new_pack_leaves_no_half_pack_after_recovery(tmp_path: Path) -> None:
    result = run_child(tmp_path, KILLED_AFTER_A)
    assert result.returncode == -signal.SIGKILL
    package._recover(tmp_path)
    assert names(tmp_path) == []


def test_a_sigkill_while_staging_leaves_temporary_files_the_next_write_clears(tmp_path: Path) -> None:
    old_pack(tmp_path)
    result = run_child(tmp_path, """
        real_fsync = os.fsync
        def killing_fsync(fd):
            real_fsync(fd)
            os.kill(os.getpid(), signal.SIGKILL)
        package.os.fsync = killing_fsync
        sabotaged = real_replace
    """)
    assert result.returncode == -signal.SIGKILL
    assert any(name.endswith(".tmp") for name in names(tmp_path))
    (tmp_path / ".notes.tmp").write_text("not ours")
    (tmp_path / "draft.docx.tmp").write_text("not ours either")
    package.write_all_atomic([(tmp_path / "a.docx", b"newer a"), (tmp_path / "b.docx", b"newer b")])
    assert names(tmp_path) == [".notes.tmp", "a.docx", "b.docx", "draft.docx.tmp"]


def test_the_folder_is_locked_while_a_pack_is_written(tmp_path: Path) -> None:
    import fcntl

    seen: list[bool] = []
    real_stage = package._stage

    def stage_and_probe(path: Path, data: bytes) -> str:
        probe = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
            import fcntl, os, sys
            fd = os.open({str(tmp_path)!r}, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                sys.exit(3)
        """)], timeout=60)
        seen.append(probe.returncode == 3)
        return real_stage(path, data)

    package._stage = stage_and_probe  # type: ignore[assignment]
    try:
        package.write_all_atomic([(tmp_path / "a.docx", b"a"), (tmp_path / "b.docx", b"b")])
    finally:
        package._stage = real_stage  # type: ignore[assignment]
    assert seen == [True, True]
    handle = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released afterwards
    finally:
        os.close(handle)
    assert names(tmp_path) == ["a.docx", "b.docx"]


def test_two_writers_into_one_folder_never_mix_their_packs(tmp_path: Path) -> None:
    writer = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from procure import package
        folder, me = Path({str(tmp_path)!r}), sys.argv[1].encode()
        for n in range(40):
            package.write_all_atomic([(folder / "a.docx", me * 50000), (folder / "b.docx", me * 50000)])
    """)
    children = [subprocess.Popen([sys.executable, "-c", writer, who]) for who in ("X", "Y")]
    reader_mixed = 0
    while any(child.poll() is None for child in children):
        a, b = (tmp_path / "a.docx"), (tmp_path / "b.docx")
        if a.exists() and b.exists():
            handle = os.open(tmp_path, os.O_RDONLY)
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_SH)  # a reader that respects the lock sees whole packs
            try:
                reader_mixed += a.read_bytes()[:1] != b.read_bytes()[:1]
            finally:
                os.close(handle)
    assert [child.wait() for child in children] == [0, 0]
    assert reader_mixed == 0
    assert (tmp_path / "a.docx").read_bytes()[:1] == (tmp_path / "b.docx").read_bytes()[:1]
    assert names(tmp_path) == ["a.docx", "b.docx"]


def test_only_our_own_temporary_files_are_cleared(tmp_path: Path) -> None:
    ours = [".T-1-tender.docx.ab_cd123.tmp", ".T-1-tender.docx.0123456789ab.old", "..procure-pack.journal.0a1b2c3d.tmp"]
    others = [".vimrc.abcdefgh.tmp", ".notes.txt.0123456789ab.old", "T-1-tender.docx.ab_cd123.tmp"]
    for name in ours + others:
        (tmp_path / name).write_text("x")
    package.write_all_atomic([(tmp_path / "a.docx", b"a")])
    assert names(tmp_path) == sorted(others + ["a.docx"])
