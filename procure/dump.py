"""A normalised, line-per-paragraph text dump of a .docx, for golden files and review.

Each body paragraph becomes one line: its style name, its list level and
numbering instance where it is in a list, then its runs, each run that carries
a character style shown as ``{Style|text}``. Tables show one line per cell.
The dump reads the document's XML, so it sees what Word sees, and it is stable:
the same document always gives the same text.
"""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.etree import _Element

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def dump_docx(data: bytes) -> str:
    """The dump of a .docx given as bytes."""
    from docx import Document

    document = Document(BytesIO(data))
    names = {style.style_id: style.name for style in document.styles}
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        if block.tag == f"{W}p":
            lines.append(_paragraph(block, names))
        elif block.tag == f"{W}tbl":
            lines.extend(_table(block, names))
    return "\n".join(lines) + "\n"


def _paragraph(p: _Element, names: dict[str, str], indent: str = "") -> str:
    style_el = p.find(f"{W}pPr/{W}pStyle")
    style = names.get(style_el.get(f"{W}val"), "?") if style_el is not None else "Normal"
    num = p.find(f"{W}pPr/{W}numPr")
    list_info = ""
    if num is not None:
        level = num.find(f"{W}ilvl")
        num_id = num.find(f"{W}numId")
        list_info = f" level={level.get(f'{W}val') if level is not None else 0}"
        list_info += f" num={num_id.get(f'{W}val') if num_id is not None else '?'}"
    return f"{indent}[{style}{list_info}] {_runs(p, names)}".rstrip()


def _runs(parent: _Element, names: dict[str, str]) -> str:
    parts: list[str] = []
    for el in parent.iter(f"{W}r", f"{W}fldSimple"):
        if el.tag == f"{W}fldSimple":
            parts.append(f"<field {el.get(f'{W}instr', '').strip()}>")
            continue
        text = _run_text(el)
        style_el = el.find(f"{W}rPr/{W}rStyle")
        if style_el is not None and text:
            text = f"{{{names.get(style_el.get(f'{W}val'), '?')}|{text}}}"
        parts.append(text)
    return "".join(parts)


def _run_text(run: _Element) -> str:
    out = []
    for child in run:
        if child.tag == f"{W}t":
            out.append(child.text or "")
        elif child.tag == f"{W}tab":
            out.append("\\t")
        elif child.tag == f"{W}br":
            out.append("<page>" if child.get(f"{W}type") == "page" else "\\n")
        elif child.tag == f"{W}instrText":
            out.append(f"<field {(child.text or '').strip()}>")
    return "".join(out)


def _table(tbl: _Element, names: dict[str, str]) -> list[str]:
    style_el = tbl.find(f"{W}tblPr/{W}tblStyle")
    style = names.get(style_el.get(f"{W}val"), "?") if style_el is not None else "none"
    lines = [f"<table {style}>"]
    for r, row in enumerate(tbl.iterfind(f"{W}tr")):
        header = " header" if row.find(f"{W}trPr/{W}tblHeader") is not None else ""
        for c, cell in enumerate(row.iterfind(f"{W}tc")):
            for p in cell.iterfind(f"{W}p"):
                lines.append(_paragraph(p, names, indent=f"  r{r}c{c}{header} "))
    lines.append("</table>")
    return lines
