"""The redline of a template change, checked by an engine of its own.

The tests accept and reject every tracked change by XML transformation (written
here, independently of procure.redline): accepting must give exactly the head
document's paragraphs (text and style, in every story: body, tables, headers and
footers), rejecting the base document's. Word computes the numbers inside field
results (the table of contents), so those are compared with their digits as '#'.
"""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from lxml import etree

from procure.cli import cli
from procure.diff import diff_problems, format_report, render_all
from procure.redline import compare
from procure.template_sets import ENV_VAR, export_builtin
from tests.conftest import EXAMPLES, ROOT, require_client

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


# --------------------------------------------------------------------------- the independent engine


def _story_parts(data: bytes) -> dict[str, etree._Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: etree.fromstring(archive.read(name)) for name in archive.namelist()
                if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name)}


def _drop(element: etree._Element) -> None:
    element.getparent().remove(element)


def _unwrap(element: etree._Element) -> None:
    parent = element.getparent()
    index = parent.index(element)
    for offset, child in enumerate(list(element)):
        parent.insert(index + offset, child)
    parent.remove(element)


def resolve(root: etree._Element, accept: bool) -> etree._Element:
    """Accept (or reject) every tracked change of a part, as Word's Accept All (Reject All) does."""
    root = etree.fromstring(etree.tostring(root))
    gone, kept = (q("del"), q("ins")) if accept else (q("ins"), q("del"))
    # rows and paragraphs whose mark is removed
    for mark in root.xpath(f".//w:trPr/w:{etree.QName(gone).localname}", namespaces=NS):
        _drop(mark.getparent().getparent())
    for mark in root.xpath(f".//w:pPr/w:rPr/w:{etree.QName(gone).localname}", namespaces=NS):
        paragraph = mark.getparent().getparent().getparent()
        runs_left = [r for r in paragraph.iter(q("r")) if not any(a.tag == gone for a in r.iterancestors())]
        assert not any(r.find(q("t")) is not None for r in runs_left), "a removed paragraph mark with text left"
        _drop(paragraph)
    for element in list(root.iter(gone)):
        if element.getparent() is not None and element.getparent().tag not in (q("rPr"), q("trPr")):
            _drop(element)
    for element in list(root.iter(kept)):
        parent = element.getparent()
        if parent.tag in (q("rPr"), q("trPr")):
            parent.remove(element)
        else:
            _unwrap(element)
    for text in root.iter(q("delText")):
        text.tag = q("t")
    for text in root.iter(q("delInstrText")):
        text.tag = q("instrText")
    for change in list(root.iter(q("pPrChange"))):
        ppr = change.getparent()
        if accept:
            ppr.remove(change)
        else:
            old = change.find(q("pPr"))
            for child in list(ppr):
                if child.tag not in (q("rPr"), q("sectPr")):
                    ppr.remove(child)
            for index, child in enumerate(list(old)):
                ppr.insert(index, child)
    for table in list(root.iter(q("tbl"))):
        if table.find(q("tr")) is None:
            _drop(table)
    assert root.find(f".//{q('ins')}") is None and root.find(f".//{q('del')}") is None
    return root


def paragraphs(root: etree._Element) -> list[tuple[str, str]]:
    """(style, text) of every paragraph of a part in order, the digits of field results as '#'."""
    out = []
    in_result: list[bool] = []
    for paragraph in root.iter(q("p")):
        style = paragraph.find(f"{q('pPr')}/{q('pStyle')}")
        text = []
        for node in paragraph.iter(q("t"), q("fldChar"), q("tab"), q("br")):
            if node.tag == q("fldChar"):
                kind = node.get(q("fldCharType"))
                if kind == "begin":
                    in_result.append(False)
                elif kind == "separate":
                    in_result[-1] = True
                elif kind == "end":
                    in_result.pop()
            elif node.tag == q("t"):
                value = node.text or ""
                text.append(re.sub(r"\d+", "#", value) if in_result and in_result[-1] else value)
            else:
                text.append("\t" if node.tag == q("tab") else "\n")
        out.append((style.get(q("val")) if style is not None else "", "".join(text)))
    return out


def assert_accept_and_reject(base: bytes, head: bytes, redline: bytes) -> None:
    red = _story_parts(redline)
    for name, head_root in _story_parts(head).items():
        assert paragraphs(resolve(red[name], accept=True)) == paragraphs(head_root), name
    for name, base_root in _story_parts(base).items():
        assert paragraphs(resolve(red[name], accept=False)) == paragraphs(base_root), name


def revisions(redline: bytes) -> list[etree._Element]:
    root = _story_parts(redline)["word/document.xml"]
    return root.xpath(".//w:ins|.//w:del", namespaces=NS)


# --------------------------------------------------------------------------- template changes


def _prose_lines(text: str) -> list[int]:
    """Indexes of lines of plain prose (no Jinja but cross-references, no Markdown syntax at the start)."""
    return [i for i, line in enumerate(text.splitlines())
            if len(line) > 80 and "{" not in re.sub(r"{{ ref\([^)]*\) }}", "", line)
            and not re.match(r"\s*([#|>*-]|\d+\.)", line)]


def change_templates(folder: Path) -> None:
    """Every kind of change a lawyer meets, made to whatever template text there is: a changed word, a
    deleted and an inserted paragraph, a new chapter (renumbering all after it), a moved clause, a
    changed table cell and a changed footer label."""
    for language in ("nl", "en"):
        for kind in ("tender", "consultation"):
            path = folder / language / f"{kind}.md"
            lines = path.read_text(encoding="utf-8").splitlines()
            prose = _prose_lines("\n".join(lines))
            assert len(prose) >= 4, path
            first, second, third, last = prose[0], prose[1], prose[2], prose[-1]
            words = lines[first].split(" ")
            words[3] = words[3].upper() + "-gewijzigd"
            lines[first] = " ".join(words)
            moved = lines[last]
            lines[last] = ""
            lines[third] = ""
            lines.insert(second + 1, "")
            lines.insert(second + 2, "Een geheel nieuwe alinea die de jurist moet zien.")
            lines.insert(second + 3, "")
            lines.insert(second + 4, moved)
            table = next((i for i, line in enumerate(lines) if line.startswith("| ") and "{" not in line), None)
            if table is not None:
                lines[table] = lines[table].replace(" |", " (gewijzigd) |", 1)
            separator = next((i for i, line in enumerate(lines) if re.fullmatch(r"\|[-:| ]+\|", line)), None)
            if separator is not None:  # a new row in an existing table
                columns = lines[separator].count("|") - 1
                lines.insert(separator + 1, "| " + " | ".join(["nieuwe rij"] * columns) + " |")
            lines.insert(second + 3, "\n| Kolom A | Kolom B |\n|---|---|\n| een | twee |\n")  # a new table
            heading = next(i for i, line in enumerate(lines) if line.startswith("# "))
            lines.insert(heading, "# Een nieuw hoofdstuk\n\nMet een nieuwe tekst.\n")
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        strings = folder / language / "strings.yaml"
        data = yaml.safe_load(strings.read_text(encoding="utf-8"))
        if isinstance(data.get("page"), str):
            strings.write_text(strings.read_text(encoding="utf-8").replace(
                f"page: {data['page']}", f"page: {data['page']}blad", 1), encoding="utf-8")


@pytest.fixture(scope="module")
def template_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("sets")
    export_builtin(root / "base")
    export_builtin(root / "head")
    change_templates(root / "head")
    return root / "base", root / "head"


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_accept_all_gives_head_and_reject_all_gives_base(example: Path, template_pair: tuple[Path, Path]) -> None:
    base_set, head_set = template_pair
    before, after = render_all(example, base_set, ("tender", "consultation")), render_all(
        example, head_set, ("tender", "consultation"))
    for kind in ("tender", "consultation"):
        base, head = before[kind][1], after[kind][1]
        result = compare(base, head)
        assert result.redline is not None
        assert_accept_and_reject(base, head, result.redline)
        kinds = {c.kind for c in result.changes}
        assert kinds == {"changed", "inserted", "deleted"}
        assert any("gewijzigd" in "".join(t for s, t in c.words if s == "ins") for c in result.changes)
        # the footer's label changed, in its own story
        assert any(c.story == "footer" for c in result.changes)
        # a new chapter renumbers every later heading and table-of-contents line: none of that is a change
        assert not [c for c in result.changes if c.kind == "changed" and all(
            status == "same" or re.fullmatch(r"[\d.\s]*", text) for status, text in c.words)]
        assert len(result.changes) <= 15, [(c.kind, c.base[:40], c.head[:40]) for c in result.changes]
        ins = revisions(result.redline)
        assert {e.get(q("author")) for e in ins} == {"procure"}
        assert {e.get(q("date")) for e in ins} == {"2000-01-01T00:00:00Z"}
        assert len({e.get(q("id")) for e in ins}) == len(ins)
        assert compare(base, head).redline == result.redline  # reproducible
        # unchanged paragraphs are the head's, byte for byte
        head_paragraphs = {etree.tostring(p, method="c14n") for p in _story_parts(head)["word/document.xml"].iter(q("p"))}
        untouched = [p for p in _story_parts(result.redline)["word/document.xml"].iter(q("p"))
                     if not p.xpath(".//w:ins|.//w:del|.//w:pPrChange", namespaces=NS)]
        assert all(etree.tostring(p, method="c14n") in head_paragraphs for p in untouched)
        # the other way round: every insertion becomes a deletion (tables and rows included)
        backwards = compare(head, base)
        assert backwards.redline is not None
        assert_accept_and_reject(head, base, backwards.redline)


def test_unchanged_documents_have_no_redline(template_pair: tuple[Path, Path]) -> None:
    base_set, _ = template_pair
    rendered = render_all(EXAMPLES[0], base_set, ("tender",))["tender"][1]
    result = compare(rendered, rendered)
    assert result.changes == [] and result.redline is None


def test_a_moved_clause_is_one_deletion_and_one_insertion(tmp_path: Path) -> None:
    base, head = tmp_path / "base", tmp_path / "head"
    export_builtin(base)
    export_builtin(head)
    from procure.build import render_markdown
    from procure.loader import load_problem

    example = ROOT / "examples" / "gemeente-bijstand.yaml"
    rendered = render_markdown(load_problem(example), "tender", (base,))
    path = head / "nl" / "tender.md"
    lines = path.read_text(encoding="utf-8").splitlines()
    def apart(line: str) -> bool:  # a blank line, or a clause's block tag (which renders as nothing)
        return not line.strip() or re.fullmatch(r"{%-? (block \w+|endblock) -?%}", line.strip()) is not None

    prose = [i for i in _prose_lines("\n".join(lines)) if lines[i] in rendered  # paragraphs this example shows
             and apart(lines[i - 1]) and i + 1 < len(lines) and apart(lines[i + 1])]
    moved = lines.pop(prose[-1])
    lines.insert(prose[1], "\n" + moved + "\n")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = diff_problems([example], base_dir=base, head_dir=head, kinds=("tender",))
    (doc,) = report.documents
    assert sorted(c.kind for c in doc.changes) == ["deleted", "inserted"]
    assert doc.changes[0].head == doc.changes[1].base or doc.changes[0].base == doc.changes[1].head
    text = format_report(report)
    assert "(moved here from §" in text and "(moved to §" in text


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin", "HOME": str(folder)})


def scratch_repository(tmp_path: Path) -> tuple[Path, str, str]:
    """A git repository holding an exported template set, with one clause changed in one commit."""
    repo = tmp_path / "templates-repo"
    export_builtin(repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "the standard set")
    path = repo / "nl" / "tender.md"
    text = path.read_text(encoding="utf-8")
    old = text.splitlines()[_prose_lines(text)[0]]
    words = old.split(" ")
    new = " ".join([*words[:4], "onverkort", *words[4:]])
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "a clause says more")
    return repo, old, new


def test_scratch_repository_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, _, new = scratch_repository(tmp_path)
    monkeypatch.chdir(repo)
    example = ROOT / "examples" / "gemeente-bijstand.yaml"
    result = CliRunner().invoke(cli, ["diff", str(example), "--base", "HEAD~1", "--redline", "out/"])
    assert result.exit_code == 0, result.output
    assert re.search(r"\{\+\s*onverkort\s*\+\}", result.output), result.output
    assert re.search(r"unchanged: .*ZV-2027-004-consultation\.docx", result.output)
    assert re.search(r"1 of \d+ document\(s\) changed: 1 paragraph\(s\) changed, 0 inserted, 0 deleted",
                     result.output)
    redline = repo / "out" / "ZV-2027-004-tender-redline.docx"
    assert redline.is_file() and not (repo / "out" / "ZV-2027-004-consultation-redline.docx").exists()
    inserted = [e for e in revisions(redline.read_bytes()) if e.tag == q("ins")]
    assert ["".join(inserted[0].itertext()).strip()] == ["onverkort"]
    # --head names a revision instead of the working tree; two folders work without git
    (repo / "nl" / "tender.md").write_text("# Niet vastgelegd\n", encoding="utf-8")
    pinned = CliRunner().invoke(cli, ["diff", str(example), "--base", "HEAD~1", "--head", "HEAD"])
    assert pinned.exit_code == 0 and re.search(r"\{\+\s*onverkort\s*\+\}", pinned.output)
    git(repo, "checkout", "-q", "--", "nl/tender.md")
    other = tmp_path / "other"
    export_builtin(other)
    folders = CliRunner().invoke(cli, ["diff", str(example), "--base-templates", str(other), "--head-templates",
                                       str(repo), "--doc", "tender"])
    assert folders.exit_code == 0 and "1 of 1 document(s) changed" in folders.output
    unknown = CliRunner().invoke(cli, ["diff", str(example), "--base", "no-such-rev"])
    assert unknown.exit_code == 1 and "not a revision" in unknown.output
    neither = CliRunner().invoke(cli, ["diff", str(example)])
    assert neither.exit_code == 1 and "give --base REV" in neither.output


def test_libreoffice_opens_the_redline_with_the_changes_tracked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    soffice = require_client("soffice")
    repo, old, new = scratch_repository(tmp_path)
    monkeypatch.chdir(repo)
    CliRunner().invoke(cli, ["diff", str(ROOT / "examples" / "gemeente-bijstand.yaml"), "--base", "HEAD~1",
                             "--redline", "out"])
    redline = repo / "out" / "ZV-2027-004-tender-redline.docx"
    converted = tmp_path / "converted"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(converted), str(redline)],
                   check=True, capture_output=True, timeout=300)
    with zipfile.ZipFile(converted / redline.name) as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
    inserted = body.xpath(".//w:ins[@w:author='procure']", namespaces=NS)
    assert inserted and "onverkort" in "".join("".join(e.itertext()) for e in inserted)
    accepted = [text for _, text in paragraphs(resolve(body, accept=True))]
    rejected = [text for _, text in paragraphs(resolve(body, accept=False))]
    assert any(" ".join(new.split()) in " ".join(t.split()) for t in accepted)
    assert not any("onverkort" in t for t in rejected)


@pytest.mark.client
def test_the_validator_reports_no_error_in_a_redline(template_pair: tuple[Path, Path], tmp_path: Path) -> None:
    """Microsoft's Open XML SDK validator finds nothing wrong with a redline of every kind of change."""
    from tests.ooxml_validator import describe, validate

    base_set, head_set = template_pair
    paths = []
    for example in EXAMPLES:
        before, after = render_all(example, base_set, ("tender", "consultation")), render_all(
            example, head_set, ("tender", "consultation"))
        for kind in ("tender", "consultation"):
            for direction, (old, new) in (("forward", (before[kind][1], after[kind][1])),
                                          ("backward", (after[kind][1], before[kind][1]))):
                result = compare(old, new)
                assert result.redline is not None
                path = tmp_path / f"{example.stem}-{kind}-{direction}-redline.docx"
                path.write_bytes(result.redline)
                paths.append(path)
    for path, errors in validate(paths).items():
        assert errors == [], f"{path.name}: {describe(errors)}"
