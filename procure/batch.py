"""``procure batch``: many problem statements, one pack folder each, in parallel and incrementally.

The run, in order:

1. The inputs (files, folders searched for ``*.yaml``/``*.yml``, glob patterns)
   are expanded into a sorted list of files; a path or pattern that finds
   nothing is a failed input, not the end of the batch.
2. Each file is read and its reference read from its YAML without loading
   it (a fraction of a millisecond). Only a file whose reference cannot be
   read so is loaded here (to report where it is wrong). The workers load each
   file, once, and render it: the batch holds no loaded statements, so its
   memory does not grow with the number of inputs, and loading runs in
   parallel too.
3. With ``--shard K/N``, only the inputs whose shard key falls in shard K are
   kept. The key is the pack's reference (letter case aside), so two files
   with one reference always meet in the same shard, and adding or removing
   a file never moves another; a file whose reference cannot be read is keyed
   by its path relative to the common root of the arguments.
4. Files sharing a reference all fail, before anything is written.
5. A pack whose manifest records the same build key (input, templates,
   reference document, legal data, tool version, options) and whose outputs
   are all there with the recorded hashes is skipped, unless ``--force``.
6. The rest are rendered in worker processes. Each pack is written into a
   temporary folder inside the output folder, its ``manifest.json`` last, and
   only then renamed to ``<reference>/``: an interrupted run leaves temporary
   folders (removed by the next run) but never a half-written pack.
7. With ``--pdf``, each pack's documents carry their contents' page numbers
   (one LibreOffice layout run per pack, in its worker), and one LibreOffice
   process converts every document of the batch before the packs are moved
   into place.
8. The batch manifest (``manifest.json``, or ``manifest-shard-K-of-N.json``) is
   written last.

Nothing in a pack depends on the order of completion or on ``--jobs``: the
same inputs give the same bytes.
"""

from __future__ import annotations

import glob
import hashlib
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from msgspec import Struct, field
from msgspec.structs import replace

from procure.errors import InputError, Issue, Location, OutputError, ProcureError

TMP_PREFIX = ".procure-tmp-"
OLD_PREFIX = ".procure-old-"
PATTERN_CHARS = set("*?[")
LOAD_ERROR = "PRC010"
BATCH_ERROR = "PRC012"
LAYOUT_WARNING = "PRC013"  # --pdf: the contents could not be numbered


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask), which may be fewer than the machine has."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class BatchOptions(Struct, frozen=True):
    """How a batch is built; the same for every input."""

    out_dir: Path
    kinds: tuple[str, ...] | None = None  # None: every kind procure.build knows
    templates_dir: Path | None = None
    reference_doc: Path | None = None
    strict: bool = False
    force: bool = False
    jobs: int | None = None  # None: the usable CPUs
    shard: tuple[int, int] | None = None  # (K, N), K counted from 1
    ocds: bool = False
    ocid_prefix: str | None = None
    pdf: bool = False
    pdfa: bool = False

    def doc_kinds(self) -> tuple[str, ...]:
        from procure.build import KINDS

        return tuple(self.kinds) if self.kinds else tuple(KINDS)

    def output_options(self) -> dict[str, Any]:
        """The options that change a pack's bytes (and so its build key)."""
        return {"kinds": list(self.doc_kinds()), "strict": self.strict, "ocds": self.ocds,
                "ocid_prefix": self.ocid_prefix if self.ocds else None, "pdf": self.pdf or self.pdfa,
                "pdfa": self.pdfa}


class InputResult(Struct):
    """What happened to one input."""

    input: str
    reference: str | None = None
    status: str = "failed"  # built | skipped | failed
    outputs: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    input_sha256: str | None = None
    manifest_sha256: str | None = None

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["severity"] == "error"]

    def as_json(self) -> dict[str, Any]:
        """The line ``--format json`` prints for this input."""
        return {"input": self.input, "reference": self.reference, "status": self.status,
                "outputs": self.outputs, "findings": self.findings, "seconds": round(self.seconds, 4)}


class BatchReport(Struct):
    """Every input's result, in input order, and where the batch manifest went. A result keeps what
    the batch manifest needs: a failed input's errors; a built or skipped pack's findings were
    reported as it finished and are in its own manifest."""

    results: list[InputResult]
    manifest_path: Path | None = None

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> bool:
        return self.count("failed") > 0

    def summary(self) -> str:
        return (f"{self.count('built')} built, {self.count('skipped')} skipped, {self.count('failed')} failed "
                f"({len(self.results)} input(s))")


# ---------------------------------------------------------------- inputs


class Candidate(Struct, frozen=True):
    """One input file found, with the folder its argument starts from (for the shard key)."""

    path: Path
    base: Path


def expand_inputs(arguments: Sequence[str]) -> tuple[list[Candidate], list[InputResult]]:
    """Files for the arguments, in sorted order without repeats, and a failed result per argument
    that names nothing usable."""
    found: dict[str, Candidate] = {}
    failed: list[InputResult] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not files:
                failed.append(_failed(argument, f"the folder {argument} holds no .yaml or .yml file"))
            for file in files:
                found.setdefault(_identity(file), Candidate(file, path))
        elif path.exists() or not PATTERN_CHARS & set(argument):
            if not path.exists():
                failed.append(_failed(argument, f"no such file or folder: {argument}; check the path"))
                continue
            found.setdefault(_identity(path), Candidate(path, path.parent))
        else:
            files = sorted(Path(p) for p in glob.glob(argument, recursive=True) if Path(p).is_file())
            if not files:
                failed.append(_failed(argument, f"the pattern {argument} matches no file; check it, and quote "
                                                "it so that procure, not the shell, expands it"))
            base = _pattern_base(argument)
            for file in files:
                found.setdefault(_identity(file), Candidate(file, base))
    return sorted(found.values(), key=lambda c: str(c.path)), failed


def _identity(path: Path) -> str:
    return os.path.normcase(str(path.resolve()))


def _pattern_base(pattern: str) -> Path:
    """The folder a glob pattern starts from: its parts before the first one with a wildcard."""
    parts: list[str] = []
    for part in Path(pattern).parts:
        if PATTERN_CHARS & set(part):
            break
        parts.append(part)
    return Path(*parts) if parts else Path(".")


def common_root(candidates: Sequence[Candidate]) -> Path:
    """The deepest folder holding every argument's starting folder."""
    if not candidates:
        return Path(".").resolve()
    bases = sorted({str(c.base.resolve()) for c in candidates})
    return Path(os.path.commonpath(bases))


def _failed(argument: str, message: str, line: int | None = None) -> InputResult:
    return InputResult(input=argument, findings=[_finding(Issue(Location(file=argument, line=line), message),
                                                           LOAD_ERROR, argument)])


def _finding(issue: Issue, code: str, file: str) -> dict[str, Any]:
    loc = issue.location
    return {"file": loc.file or file, "line": loc.line or 1, "column": loc.column or 1, "field": loc.field or "",
            "code": code, "severity": issue.severity, "message": issue.message}


# ---------------------------------------------------------------- sharding


def shard_of(key: str, count: int) -> int:
    """The shard (1..count) of a key: the first 8 bytes of its SHA-256, modulo ``count``.

    Depends on the key alone, so adding or removing other inputs never moves it."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") % count + 1


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` -> (K, N), with 1 <= K <= N; a ValueError with the reason otherwise."""
    left, sep, right = text.partition("/")
    if not sep or not left.strip().isdigit() or not right.strip().isdigit():
        raise ValueError(f"{text!r} is not K/N (for example 2/4: the second of four shards)")
    index, count = int(left), int(right)
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"{text!r}: K must be between 1 and N, and N at least 1")
    return index, count


def reference_key(reference: str) -> str:
    """How references are compared: letter case aside, as a case-insensitive file system would."""
    return reference.casefold()


# ---------------------------------------------------------------- the run


class Task(Struct, frozen=True):
    """One pack to render, sent to a worker process: the worker reads and loads the input (a file
    that changed since it was scanned fails), unless the scan had to load it already."""

    input: str
    input_sha256: str
    loaded: Any  # None: the worker loads the file
    reference: str
    out_dir: Path
    options: BatchOptions
    key: str


class Staged(Struct):
    """A pack rendered into its temporary folder, not yet in place."""

    task: Task
    tmp: Path | None
    outputs: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    placeholders: list[dict[str, str]]
    seconds: float
    pdf_sources: list[Path] = field(default_factory=list)
    thresholds: Any = None  # the threshold set the pack's procedure was decided with, for its manifest


def run_batch(arguments: Sequence[str], options: BatchOptions,
              on_result: Callable[[InputResult], None] | None = None,
              progress: Callable[[int, int], None] | None = None) -> BatchReport:
    """Build every pack of a batch; ``on_result`` hears of each input as soon as it is done."""
    from procure.manifest import environment

    notify = on_result or (lambda result: None)
    if options.pdf or options.pdfa:
        from procure.pdf import find_soffice

        find_soffice()  # a missing LibreOffice stops the batch before anything is built
    candidates, failed = expand_inputs(arguments)
    root = common_root(candidates)
    scanned, load_failures = _scan_all(candidates, root, options)
    failed += load_failures
    if options.shard is not None:
        index, count = options.shard
        failed = [r for r in failed if shard_of(_path_key(r.input, root), count) == index]
    groups = _by_reference(scanned)
    results: dict[str, InputResult] = {}
    env = environment(options.templates_dir, options.reference_doc)
    out_dir = options.out_dir
    todo: list[Task] = []
    for items in groups.values():
        if len(items) > 1:
            for item in items:
                failed.append(_duplicate(item, items))
            continue
        item = items[0]
        todo.append(_task(item, options, env))
    for result in failed:
        notify(result)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale(out_dir)
    to_build: list[Task] = []
    for task in todo:
        skipped = None if options.force else _up_to_date(task)
        if skipped is not None:
            notify(skipped)
            results[task.input] = _kept(skipped)
        else:
            to_build.append(task)
    total, done = len(to_build), 0
    if progress:
        progress(0, total)
    staged_all: list[Staged] = []
    for outcome in _render_all(to_build, options):
        done += 1
        if isinstance(outcome, InputResult):
            notify(outcome)
            results[outcome.input] = _kept(outcome)
        elif options.pdf or options.pdfa:
            staged_all.append(outcome)
        else:
            result = _finish(outcome, env)
            notify(result)
            results[result.input] = _kept(result)
        if progress:
            progress(done, total)
    if staged_all:
        for result in _finish_with_pdf(staged_all, env, options):
            notify(result)
            results[result.input] = _kept(result)
    ordered = [results[t.input] for t in todo if t.input in results] + failed
    ordered.sort(key=lambda r: r.input)
    report = BatchReport(ordered)
    report.manifest_path = _write_batch_manifest(report, env, options, root)
    return report


def _kept(result: InputResult) -> InputResult:
    """What the batch keeps of an input once it has been reported: what the batch manifest and the
    summary need (a built pack's findings are in its own manifest), so memory stays flat."""
    return replace(result, findings=result.errors if result.status == "failed" else [])


class _ScannedInput(Struct, frozen=True):
    """An input as the scan leaves it: its reference, where the reference is written, and the loaded
    statement only when the reference could not be read without loading."""

    input: str
    sha256: str
    reference: str
    where: Location
    loaded: Any = None


def _scan_all(candidates: Sequence[Candidate], root: Path,
              options: BatchOptions) -> tuple[list[_ScannedInput], list[InputResult]]:
    """Read each file and its reference; keep those of this shard."""
    from procure.manifest import sha256_bytes

    scanned: list[_ScannedInput] = []
    failed: list[InputResult] = []

    def ours(key: str) -> bool:
        return options.shard is None or shard_of(key, options.shard[1]) == options.shard[0]

    for candidate in candidates:
        name = str(candidate.path)
        loaded = None
        try:
            data = _read(candidate.path)
            peeked = peek_reference(data)
            if peeked is None:  # not readable without loading: the loader says where it is wrong
                from procure.loader import load_problem_text

                loaded = replace(load_problem_text(data, name), path=candidate.path)
                reference, where = loaded.problem.reference, loaded.source.location(("reference",))
            else:
                reference, line, column = peeked
                where = Location(name, line, column, "reference")
        except InputError as err:
            if ours(_path_key(name, root)):
                failed.append(InputResult(input=name, findings=[_finding(i, LOAD_ERROR, name) for i in err.issues]))
            continue
        if ours(reference_key(reference)):
            scanned.append(_ScannedInput(name, sha256_bytes(data), reference, where, loaded))
    return scanned, failed


def peek_reference(data: bytes) -> tuple[str, int, int] | None:
    """(reference, line, column) of a problem statement, read from its YAML without loading it;
    None when that is not plainly possible (not UTF-8, not one YAML mapping, the key twice, a value
    that is not a valid reference): such a file is loaded to say what is wrong."""
    import yaml

    from procure.model import REFERENCE_PATTERN

    try:
        text = data.decode("utf-8-sig")
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (UnicodeDecodeError, yaml.YAMLError, ValueError, RecursionError):
        return None
    if not isinstance(root, yaml.MappingNode):
        return None
    found = [value for key, value in root.value if isinstance(key, yaml.ScalarNode) and key.value == "reference"]
    if len(found) != 1 or not isinstance(found[0], yaml.ScalarNode):
        return None
    value = found[0]
    if value.tag != "tag:yaml.org,2002:str" or not REFERENCE_PATTERN.fullmatch(value.value):
        return None
    return value.value, value.start_mark.line + 1, value.start_mark.column + 1


def _read(path: Path) -> bytes:
    """The bytes of an input file; the loader's own limits and messages for what cannot be read."""
    from stat import S_ISREG

    from procure.loader import MAX_BYTES

    name = str(path)
    try:
        if not S_ISREG(path.stat().st_mode):
            raise InputError([Issue(Location(name), "not a regular file: give the path of a .yaml file")], file=name)
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except OSError as exc:
        issue = Issue(Location(name), f"cannot read the file ({exc.strerror or exc}); check the path")
        raise InputError([issue], file=name) from None


def _path_key(name: str, root: Path) -> str:
    """A failed input's shard key: its path relative to the common root, with / separators."""
    path = Path(name).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _by_reference(items: Sequence[_ScannedInput]) -> dict[str, list[_ScannedInput]]:
    groups: dict[str, list[_ScannedInput]] = {}
    for item in items:
        groups.setdefault(reference_key(item.reference), []).append(item)
    return groups


def _duplicate(item: _ScannedInput, group: Sequence[_ScannedInput]) -> InputResult:
    others = ", ".join(o.input for o in group if o is not item)
    reference = item.reference
    issue = Issue(item.where,
                  f"the reference {reference!r} is also used by {others} (letter case aside); each problem "
                  "statement needs its own reference, since it names the pack folder: nothing was built for "
                  "either file")
    return InputResult(input=item.input, reference=reference, input_sha256=item.sha256,
                       findings=[_finding(issue, BATCH_ERROR, item.input)])


def _task(item: _ScannedInput, options: BatchOptions, env: Any) -> Task:
    from procure.manifest import build_key

    return Task(input=item.input, input_sha256=item.sha256, loaded=item.loaded,
                reference=item.reference, out_dir=options.out_dir, options=options,
                key=build_key(env, item.sha256, options.output_options()))


def pack_dir(out_dir: Path, reference: str) -> Path:
    return out_dir / reference


def _remove_stale(out_dir: Path) -> None:
    """Temporary folders an interrupted run left behind."""
    for entry in out_dir.iterdir():
        if not entry.name.startswith((TMP_PREFIX, OLD_PREFIX)) or entry.is_symlink():
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_file():  # a batch manifest being written
            entry.unlink(missing_ok=True)


def _up_to_date(task: Task) -> InputResult | None:
    """A skipped result when the pack on disk was built with this key and its outputs are intact."""
    import json

    from procure.manifest import PACK_MANIFEST, sha256_bytes, sha256_file

    folder = pack_dir(task.out_dir, task.reference)
    try:
        raw = (folder / PACK_MANIFEST).read_bytes()
        manifest = json.loads(raw)
        if manifest.get("build_key") != task.key:
            return None
        for output in manifest["outputs"]:
            path = folder / output["name"]
            if path.stat().st_size != output["size"] or sha256_file(path) != output["sha256"]:
                return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return InputResult(input=task.input, reference=task.reference, status="skipped",
                       outputs=manifest["outputs"], findings=manifest.get("findings", []),
                       input_sha256=task.input_sha256, manifest_sha256=sha256_bytes(raw))


def _render_all(tasks: list[Task], options: BatchOptions) -> Iterator[Staged | InputResult]:
    """Stage every task, in worker processes when more than one job may run; yields as each finishes."""
    jobs = min(options.jobs or usable_cpus(), len(tasks))
    if jobs <= 1:
        for task in tasks:
            yield stage_pack(task)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: set[Future[Staged | InputResult]] = set()
        queue = iter(tasks)
        # Keep a bounded number of tasks in flight: memory stays flat however long the batch.
        for task in queue:
            pending.add(pool.submit(stage_pack, task))
            if len(pending) >= jobs * 4:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield future.result()
                task = next(queue, None)
                if task is not None:
                    pending.add(pool.submit(stage_pack, task))


def stage_pack(task: Task) -> Staged | InputResult:
    """Render one pack into a temporary folder in the output folder (a worker's job)."""
    from procure.build import BuildOptions, build_document, build_documents, kind_path, pack_kinds, shared_context
    from procure.manifest import sha256_bytes

    start = time.perf_counter()
    options = task.options
    try:
        loaded = task.loaded if task.loaded is not None else _load_task(task)
    except InputError as err:  # as for any input that does not load: no reference to report
        return InputResult(input=task.input, input_sha256=task.input_sha256,
                           findings=[_finding(i, LOAD_ERROR, task.input) for i in err.issues],
                           seconds=time.perf_counter() - start)
    # The whole pack of the procedure this problem follows, unless the batch asked for certain kinds.
    kinds = tuple(options.kinds) if options.kinds else pack_kinds(loaded, options.templates_dir)
    build_options = BuildOptions(out_dir=task.out_dir, kinds=kinds,
                                 templates_dir=options.templates_dir, reference_doc=options.reference_doc,
                                 strict=options.strict)
    tmp: Path | None = None
    try:
        findings = _lint(loaded, task.input, options.strict)
        if options.pdf or options.pdfa:
            # A PDF shows the contents as the .docx holds them: LibreOffice lays the pack out once and
            # the headings' pages are written into the contents (a warning when that fails).
            layout_issues: list[Issue] = []
            documents = build_documents(loaded, kinds, replace(build_options, toc_pages=True), layout_issues)
            findings += [_finding(issue, LAYOUT_WARNING, task.input) for issue in layout_issues]
        else:
            shared = shared_context(loaded, options.templates_dir)
            documents = [build_document(loaded, kind, build_options, shared=shared) for kind in build_options.kinds]
        placeholders = [{"document": kind_path(Path(), task.reference, doc.kind, options.templates_dir).name,
                         "kind": doc.kind,
                         "placeholder": gap} for doc in documents for gap in doc.placeholders]
        if options.strict:
            findings += _placeholder_findings(loaded, placeholders, task.input)
        if any(f["severity"] == "error" for f in findings):
            return InputResult(input=task.input, reference=task.reference, findings=findings,
                               input_sha256=task.input_sha256, seconds=time.perf_counter() - start)
        files: list[tuple[str, bytes, str]] = [
            (kind_path(Path(), task.reference, doc.kind, options.templates_dir).name, doc.data, doc.kind)
            for doc in documents]
        if options.ocds:
            from procure.ocds import ocds_bytes

            published = [(name, kind) for name, _, kind in files]
            if options.pdf or options.pdfa:
                published += [(str(Path(name).with_suffix(".pdf")), kind) for name, _, kind in files]
            files.append(("ocds.json", ocds_bytes(loaded, published, options.ocid_prefix, options.templates_dir),
                          "ocds"))
        tmp = Path(task.out_dir) / f"{TMP_PREFIX}{task.reference}-{secrets.token_hex(4)}"
        tmp.mkdir()
        outputs = []
        for name, data, kind in files:
            _write_new(tmp / name, data)
            outputs.append({"name": name, "kind": kind, "size": len(data), "sha256": sha256_bytes(data)})
        pdf_sources = [tmp / name for name, _, kind in files if name.endswith(".docx")]
        from procure.manifest import thresholds_used

        return Staged(task, tmp, outputs, findings, placeholders, time.perf_counter() - start, pdf_sources,
                      thresholds_used(loaded.problem))
    except ProcureError as err:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        return InputResult(input=task.input, reference=task.reference, input_sha256=task.input_sha256,
                           findings=[_finding(i, LOAD_ERROR, task.input) for i in err.issues],
                           seconds=time.perf_counter() - start)
    except OSError as err:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        issue = Issue(Location(file=str(err.filename or task.out_dir)), f"cannot write: {err.strerror or err}")
        return InputResult(input=task.input, reference=task.reference, input_sha256=task.input_sha256,
                           findings=[_finding(issue, BATCH_ERROR, task.input)], seconds=time.perf_counter() - start)


def _load_task(task: Task) -> Any:
    """Load a task's input in the worker: the very bytes the scan hashed, or a located error."""
    from procure.loader import load_problem_text
    from procure.manifest import sha256_bytes

    path = Path(task.input)
    data = _read(path)
    if sha256_bytes(data) != task.input_sha256:
        raise InputError([Issue(Location(task.input), "the file changed while the batch ran; run the batch "
                                "again to build it")], file=task.input)
    loaded = replace(load_problem_text(data, task.input), path=path)
    if loaded.problem.reference != task.reference:
        raise InputError([Issue(loaded.source.location(("reference",)),
                                f"the reference reads as {loaded.problem.reference!r} when the file is loaded "
                                f"but as {task.reference!r} when its YAML is read; this is a bug in procure, "
                                "please report it with this file")], file=task.input)
    return loaded


def _lint(loaded: Any, name: str, strict: bool) -> list[dict[str, Any]]:
    """The loader's warnings and the linter's findings, as ``procure check`` reports them."""
    from procure.checks import run_checks

    findings = [_finding(replace(w, severity="error" if strict and w.severity == "warning" else w.severity),
                         "PRC011", name) for w in loaded.warnings]
    findings += [{"file": f.file, "line": f.line, "column": f.column, "field": f.field, "code": f.code,
                  "severity": f.severity, "message": f.message} for f in run_checks(loaded, strict=strict)]
    return findings


def _placeholder_findings(loaded: Any, placeholders: list[dict[str, str]], name: str) -> list[dict[str, Any]]:
    """--strict: an error per placeholder, at the field it names (as ``procure check --strict`` reports it)."""
    from procure.checking import field_paths, placeholder_message

    findings = []
    for item in placeholders:
        field_name = item["placeholder"].strip("[]").rsplit(",", 1)[-1].strip()
        parts = tuple(field_name.split("."))
        if not all(part.replace("_", "").isalnum() for part in parts):
            parts = ()
        for path in field_paths(loaded.problem, parts):
            issue = Issue(loaded.source.location(path), placeholder_message([item["kind"]], item["placeholder"]))
            findings.append(_finding(issue, "PRC020", name))
    return findings


def _write_new(path: Path, data: bytes) -> None:
    """Write a new file of a staged pack.

    Not synced to disk one by one (that was seven fsyncs, about 30 ms, per pack: more than rendering
    it): a pack only appears by renaming its complete folder into place, so a killed batch leaves
    none half-written, and should the machine itself go down, a pack whose files do not match the
    sizes and SHA-256 sums of its manifest is not up to date and is built again on the next run.
    """
    with path.open("xb") as handle:
        handle.write(data)


def _pack_manifest(staged: Staged, env: Any) -> dict[str, Any]:
    from procure.manifest import MANIFEST_VERSION

    task = staged.task
    return {
        "manifest_version": MANIFEST_VERSION,
        "kind": "pack",
        "reference": task.reference,
        "input": {"path": task.input, "sha256": task.input_sha256},
        "build_key": task.key,
        "tool": env.tool,
        "templates": env.templates,
        "reference_doc": env.reference_doc,
        "legal_data": {**env.legal_data, "thresholds": staged.thresholds},
        "options": task.options.output_options(),
        "outputs": sorted(staged.outputs, key=lambda o: o["name"]),
        "findings": staged.findings,
        "placeholders": staged.placeholders,
    }


def _finish(staged: Staged, env: Any) -> InputResult:
    """Write the manifest last, then move the pack folder into place."""
    from procure.manifest import PACK_MANIFEST, dumps, sha256_bytes

    task = staged.task
    assert staged.tmp is not None
    start = time.perf_counter()
    raw = dumps(_pack_manifest(staged, env))
    try:
        _write_new(staged.tmp / PACK_MANIFEST, raw)
        _swap_into_place(staged.tmp, pack_dir(task.out_dir, task.reference))
    except (OSError, OutputError) as err:
        shutil.rmtree(staged.tmp, ignore_errors=True)
        if isinstance(err, OutputError):
            issues = err.issues
        else:
            issues = [Issue(Location(file=str(err.filename or task.out_dir)), f"cannot write: {err.strerror or err}")]
        return InputResult(input=task.input, reference=task.reference, input_sha256=task.input_sha256,
                           findings=staged.findings + [_finding(i, BATCH_ERROR, task.input) for i in issues])
    return InputResult(input=task.input, reference=task.reference, status="built",
                       outputs=sorted(staged.outputs, key=lambda o: o["name"]), findings=staged.findings,
                       seconds=staged.seconds + time.perf_counter() - start, input_sha256=task.input_sha256,
                       manifest_sha256=sha256_bytes(raw))


def _swap_into_place(tmp: Path, final: Path) -> None:
    """Rename the staged folder to ``final``; an older pack there is moved aside first, then removed.

    A folder in the way that is not a pack (it has no manifest) is never replaced.
    """
    from procure.manifest import PACK_MANIFEST

    old: Path | None = None
    if final.is_symlink() or final.is_file():
        raise OutputError(f"cannot write the pack {final}: a file has that name; move it or choose another "
                          "output folder", Location(file=str(final)))
    if final.is_dir():
        if not (final / PACK_MANIFEST).is_file() and any(final.iterdir()):
            raise OutputError(f"cannot write the pack {final}: the folder exists and is not a pack procure "
                              "built (it has no manifest.json); move it or choose another output folder",
                              Location(file=str(final)))
        old = final.parent / f"{OLD_PREFIX}{final.name}-{secrets.token_hex(4)}"
        os.replace(final, old)
    try:
        os.replace(tmp, final)
    except OSError:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _finish_with_pdf(staged: list[Staged], env: Any, options: BatchOptions) -> list[InputResult]:
    """Convert every staged document with one LibreOffice process, then finish each pack."""
    from procure.manifest import sha256_file
    from procure.pdf import convert_all

    jobs = [(source, source.with_suffix(".pdf")) for item in staged for source in item.pdf_sources]
    try:
        failures = convert_all(jobs, pdfa=options.pdfa)
    except OutputError as err:  # LibreOffice did not run: every pack of the batch fails, none half-written
        failures = {source: issue for source, _ in jobs for issue in err.issues[:1]}
    results = []
    for item in staged:
        problems = [failures[s] for s in item.pdf_sources if s in failures]
        if problems:
            assert item.tmp is not None
            shutil.rmtree(item.tmp, ignore_errors=True)
            task = item.task
            results.append(InputResult(input=task.input, reference=task.reference, input_sha256=task.input_sha256,
                                       findings=item.findings + [_finding(i, BATCH_ERROR, task.input)
                                                                 for i in problems]))
            continue
        for source in item.pdf_sources:
            target = source.with_suffix(".pdf")
            item.outputs.append({"name": target.name, "kind": "pdf/a-2b" if options.pdfa else "pdf",
                                 "size": target.stat().st_size, "sha256": sha256_file(target)})
        results.append(_finish(item, env))
    return results


# ---------------------------------------------------------------- the batch manifest


def batch_manifest_name(shard: tuple[int, int] | None) -> str:
    return "manifest.json" if shard is None else f"manifest-shard-{shard[0]}-of-{shard[1]}.json"


def _write_batch_manifest(report: BatchReport, env: Any, options: BatchOptions, root: Path) -> Path:
    from procure.manifest import MANIFEST_VERSION, write

    packs = sorted(
        ({"reference": r.reference, "input": {"path": r.input, "sha256": r.input_sha256},
          "manifest_sha256": r.manifest_sha256, "outputs": r.outputs}
         for r in report.results if r.status in ("built", "skipped")),
        key=lambda p: reference_key(p["reference"]))
    failed = sorted(({"input": r.input, "reference": r.reference, "findings": r.errors}
                     for r in report.results if r.status == "failed"), key=lambda f: f["input"])
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "kind": "batch",
        "tool": env.tool,
        "templates": env.templates,
        "reference_doc": env.reference_doc,
        "legal_data": env.legal_data,
        "options": options.output_options(),
        "shard": None if options.shard is None else {"index": options.shard[0], "count": options.shard[1]},
        "packs": packs,
        "failed": failed,
    }
    path = options.out_dir / batch_manifest_name(options.shard)
    write(path, manifest, TMP_PREFIX)
    return path


def merge_manifests(paths: Sequence[Path], out_dir: Path) -> Path:
    """Join the shards' batch manifests into ``out_dir/manifest.json``, as one unsharded run writes it.

    The shards must come from one build (the same tool, templates, reference
    document, legal data and options) and be every shard of one split, each once.
    """
    import json

    from procure.manifest import write

    if not paths:
        raise InputError([Issue(Location(), "give the shards' manifests to merge")])
    manifests = []
    for path in paths:
        try:
            manifests.append((path, json.loads(Path(path).read_text(encoding="utf-8"))))
        except OSError as exc:
            raise InputError([Issue(Location(str(path)), f"cannot read the manifest ({exc.strerror or exc})")],
                             file=str(path)) from None
        except ValueError as exc:
            raise InputError([Issue(Location(str(path)), f"not a JSON manifest ({exc})")], file=str(path)) from None
    issues = []
    first_path, first = manifests[0]
    same = ("manifest_version", "tool", "templates", "reference_doc", "legal_data", "options")
    seen: dict[int, Path] = {}
    count = None
    for path, manifest in manifests:
        if not isinstance(manifest, dict) or manifest.get("kind") != "batch" or not manifest.get("shard"):
            issues.append(Issue(Location(str(path)), "not a shard's batch manifest (manifest-shard-K-of-N.json)"))
            continue
        for key in same:
            if manifest.get(key) != first.get(key):
                issues.append(Issue(Location(str(path), field=key), f"differs from {first_path}: the shards were "
                                    "not built from the same templates, data, tool and options; rebuild them"))
        shard = manifest["shard"]
        count = count or shard["count"]
        if shard["count"] != count:
            issues.append(Issue(Location(str(path), field="shard.count"),
                                f"is {shard['count']}, another shard says {count}"))
        if shard["index"] in seen:
            issues.append(Issue(Location(str(path), field="shard.index"),
                                f"shard {shard['index']} is also {seen[shard['index']]}"))
        seen[shard["index"]] = path
    if count is not None and not issues:
        missing = sorted(set(range(1, count + 1)) - set(seen))
        if missing:
            issues.append(Issue(Location(), f"shard(s) {', '.join(map(str, missing))} of {count} missing; "
                                "give every shard's manifest"))
    if issues:
        raise InputError(issues)
    merged = {key: first[key] for key in same}
    merged.update(kind="batch", shard=None,
                  packs=sorted((p for _, m in manifests for p in m["packs"]),
                               key=lambda p: reference_key(p["reference"])),
                  failed=sorted((f for _, m in manifests for f in m["failed"]), key=lambda f: f["input"]))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / batch_manifest_name(None)
    write(target, merged, TMP_PREFIX)
    return target
