"""procure.docx_package: a document written as its template's parts."""

from __future__ import annotations

from procure.docx_package import _after_references


def test_a_first_page_header_reference_follows_the_others():
    """The schema wants the header and footer references first in a section, a title page's among them."""
    sect = ('<w:sectPr><w:headerReference w:type="default" r:id="rId1"/>'
            '<w:footerReference w:type="default" r:id="rId2"/><w:pgSz w:w="1" w:h="1"/>')
    first = '<w:headerReference w:type="first" r:id="rId9"/>'
    assert _after_references(sect, first) == (
        '<w:sectPr><w:headerReference w:type="default" r:id="rId1"/>'
        '<w:footerReference w:type="default" r:id="rId2"/>' + first + '<w:pgSz w:w="1" w:h="1"/>')
    assert _after_references('<w:sectPr><w:pgSz w:w="1" w:h="1"/>', first) == (
        '<w:sectPr>' + first + '<w:pgSz w:w="1" w:h="1"/>')


def test_writing_a_document_twice_gives_the_same_bytes():
    """Writing adds the title-page header's and the comments' relationships; it must not add them to
    the document itself, or a second write would relate them twice."""
    from datetime import datetime

    from procure.docx_render import DocMeta, Gap, render_document
    from procure.markdown import parse

    meta = DocMeta(title="T", subtitle="S", language="nl", reference="R-1", creator="C",
                   cover_rows=(("Datum", Gap("[in te vullen: datum, tender.published]")),))
    document = render_document(parse("# Kop\n\n[[in te vullen: x, tender.court]] [link](https://example.org)\n"),
                               meta)
    moment = datetime(2027, 1, 1)
    assert document.first_header_paragraph is not None and document.comments is not None
    assert document.to_bytes(moment) == document.to_bytes(moment)
