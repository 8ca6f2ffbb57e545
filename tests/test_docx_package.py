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
