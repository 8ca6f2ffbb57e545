"""The Word renderer: one test per node type (checked in the XML), the document frame,
failing closed, styles only, language and properties."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

import pytest
from docx import Document
from lxml import etree

from procure.docx_render import DocMeta, DocxRenderer, Gap, build_docx, column_widths, render_document
from procure.errors import RenderError
from procure.package import docx_bytes
from procure.markdown import ALLOWED_NODE_TYPES, Node, parse
from procure.styles import house_style

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {"w": W, "r": R}
VAL = f"{{{W}}}val"

META = DocMeta(
    title="Sneller duidelijkheid over bijstand",
    subtitle="Aanbestedingsleidraad",
    language="nl",
    reference="ZV-2027-004",
    creator="Gemeente Zuiderveld",
    subject="Aanbestedingsleidraad ZV-2027-004",
    keywords="aanbesteding; innovatie",
    cover_rows=(("Kenmerk", "ZV-2027-004"), ("Datum", "10 februari 2027")),
    toc_title="Inhoud",
    header_text="ZV-2027-004 · Sneller duidelijkheid over bijstand",
    page_word="Pagina",
    of_word="van",
    created=datetime(2027, 2, 10, 9, 30, tzinfo=timezone.utc),
)


def build(markdown: str, meta: DocMeta = META) -> bytes:
    return build_docx(markdown, meta)


def part(data: bytes, name: str = "word/document.xml") -> etree._Element:
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(name))


def styled(root: etree._Element, style_id: str) -> list[etree._Element]:
    """Paragraphs of a given paragraph style id."""
    return root.xpath(f'//w:p[w:pPr/w:pStyle/@w:val="{style_id}"]', namespaces=NS)


def text(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(f"{{{W}}}t"))


def body_paragraphs(data: bytes) -> list[etree._Element]:
    """The paragraphs after the title page and the table of contents."""
    body = part(data).find("w:body", NS)
    breaks = [i for i, el in enumerate(body) if el.find("w:r/w:br[@w:type='page']", NS) is not None]
    return [el for el in body[breaks[1] + 1 :] if el.tag == f"{{{W}}}p"]


def numbering(data: bytes) -> etree._Element:
    return part(data, "word/numbering.xml")


def num_pr(p: etree._Element) -> tuple[int, int]:
    """(numId, ilvl) of a list paragraph."""
    numpr = p.find("w:pPr/w:numPr", NS)
    return int(numpr.find("w:numId", NS).get(VAL)), int(numpr.find("w:ilvl", NS).get(VAL))


# --- block nodes -------------------------------------------------------------------


def test_headings_get_heading_styles_and_bookmarks():
    data = build("# Inleiding\n\n## Waarom nu\n\n### Details\n")
    root = part(data)
    assert [text(p) for p in styled(root, "Heading1")] == ["Inleiding"]
    assert [text(p) for p in styled(root, "Heading2")] == ["Waarom nu"]
    assert [text(p) for p in styled(root, "Heading3")] == ["Details"]
    h1 = styled(root, "Heading1")[0]
    assert h1.find("w:bookmarkStart", NS).get(f"{{{W}}}name") == "_Toc00000001"
    assert h1.find("w:pPr/w:numPr", NS) is None  # the numbering comes from the style


def test_heading_level_4_fails_closed_with_the_line():
    with pytest.raises(RenderError, match=r"heading level 4 .* line 3"):
        build("# Een\n\n#### Vier\n")


def test_paragraph_is_body_text_and_softbreak_is_a_space():
    paragraphs = body_paragraphs(build("Eerste regel\ntweede regel.\n"))
    assert [p.find("w:pPr/w:pStyle", NS).get(VAL) for p in paragraphs] == ["BodyText"]
    assert text(paragraphs[0]) == "Eerste regel tweede regel."


def test_hardbreak_is_a_w_br_and_no_newline_reaches_the_text():
    (p,) = body_paragraphs(build("Regel een\\\nregel twee  \nregel drie\n"))
    assert len(p.findall(".//w:br", NS)) == 2
    assert all("\n" not in (t.text or "") for t in p.iter(f"{{{W}}}t"))


def test_tab_in_text_is_a_w_tab():
    (p,) = body_paragraphs(build("Naam&#9;Waarde\n"))
    assert p.find(".//w:tab", NS) is not None
    assert text(p) == "NaamWaarde"


def test_hr_is_a_page_break():
    paragraphs = body_paragraphs(build("Voor\n\n---\n\nNa\n"))
    assert paragraphs[1].find("w:r/w:br", NS).get(f"{{{W}}}type") == "page"
    assert text(paragraphs[2]) == "Na"


def test_blockquote_paragraphs_get_the_quote_style():
    paragraphs = body_paragraphs(build("> Eerste\n>\n> Tweede\n"))
    assert [p.find("w:pPr/w:pStyle", NS).get(VAL) for p in paragraphs] == ["Quote", "Quote"]


# --- lists -------------------------------------------------------------------------


def test_bullet_list_nests_three_levels_with_ilvl_and_level_styles():
    data = build("- een\n  - twee\n    - drie\n- vier\n")
    paragraphs = body_paragraphs(data)
    styles = [p.find("w:pPr/w:pStyle", NS).get(VAL) for p in paragraphs]
    assert styles == ["ListBullet", "ListBullet2", "ListBullet3", "ListBullet"]
    levels = [num_pr(p) for p in paragraphs]
    assert [ilvl for _, ilvl in levels] == [0, 1, 2, 0]
    assert len({num for num, _ in levels}) == 1
    assert {num for num, _ in levels} == {house_style().bullet_num_id}


def test_every_ordered_list_restarts_with_its_own_numbering_instance():
    data = build("1. a\n2. b\n\nTussentekst.\n\n1. c\n2. d\n")
    lists = [p for p in body_paragraphs(data) if p.find("w:pPr/w:numPr", NS) is not None]
    first, second = num_pr(lists[0])[0], num_pr(lists[2])[0]
    assert first != second
    assert num_pr(lists[1])[0] == first
    for num_id in (first, second):
        num = numbering(data).find(f'w:num[@w:numId="{num_id}"]', NS)
        assert num.find("w:abstractNumId", NS).get(VAL) == str(house_style().number_abstract_id)
        override = num.find("w:lvlOverride", NS)
        assert override.get(f"{{{W}}}ilvl") == "0"
        assert override.find("w:startOverride", NS).get(VAL) == "1"


def test_ordered_list_start_attribute_is_honoured():
    data = build("4. vier\n5. vijf\n")
    num_id, _ = num_pr(body_paragraphs(data)[0])
    num = numbering(data).find(f'w:num[@w:numId="{num_id}"]', NS)
    assert num.find("w:lvlOverride/w:startOverride", NS).get(VAL) == "4"


def test_nested_ordered_list_has_its_own_instance_at_its_level():
    data = build("1. een\n   1. sub a\n   2. sub b\n2. twee\n   1. sub c\n")
    paragraphs = body_paragraphs(data)
    assert [p.find("w:pPr/w:pStyle", NS).get(VAL) for p in paragraphs] == [
        "ListNumber", "ListNumber2", "ListNumber2", "ListNumber", "ListNumber2"]
    outer, inner1, inner2 = num_pr(paragraphs[0])[0], num_pr(paragraphs[1])[0], num_pr(paragraphs[4])[0]
    assert len({outer, inner1, inner2}) == 3  # each nested list restarts at "a"
    assert num_pr(paragraphs[3]) == (outer, 0)
    num = numbering(data).find(f'w:num[@w:numId="{inner2}"]/w:lvlOverride', NS)
    assert num.get(f"{{{W}}}ilvl") == "1"


def test_mixed_nesting_counts_levels_across_list_kinds():
    paragraphs = body_paragraphs(build("- punt\n  1. stap\n     - detail\n"))
    assert [num_pr(p)[1] for p in paragraphs] == [0, 1, 2]
    assert [p.find("w:pPr/w:pStyle", NS).get(VAL) for p in paragraphs] == [
        "ListBullet", "ListNumber2", "ListBullet3"]


def test_second_paragraph_of_an_item_continues_without_a_marker():
    paragraphs = body_paragraphs(build("- eerste alinea\n\n  tweede alinea\n- volgende\n"))
    assert [p.find("w:pPr/w:pStyle", NS).get(VAL) for p in paragraphs] == [
        "ListBullet", "ListContinue", "ListBullet"]
    assert paragraphs[1].find("w:pPr/w:numPr", NS) is None


def test_empty_list_item_still_shows_its_marker():
    paragraphs = body_paragraphs(build("- een\n-\n- drie\n"))
    assert len(paragraphs) == 3
    assert text(paragraphs[1]) == ""
    assert paragraphs[1].find("w:pPr/w:numPr", NS) is not None


def test_lists_deeper_than_word_allows_fail_closed():
    deep = "".join("  " * i + "- x\n" for i in range(10))
    with pytest.raises(RenderError, match="deeper than Word's 9 levels"):
        build(deep)


# --- tables ------------------------------------------------------------------------


TABLE = ("| Uitkomst | Indicator | Nulmeting | Doel |\n|---|---|---|---|\n"
         "| Besluit binnen twee weken | mediane doorlooptijd van aanvraag tot besluit | 8 weken | 2 weken |\n"
         "| Minder herstelverzoeken | aandeel aanvragen met een verzoek om stukken | 60 % | 20 % |\n")


def test_table_has_style_full_width_and_a_repeated_header_row():
    root = part(build(TABLE))
    tables = root.findall(".//w:body/w:tbl", NS)
    table = tables[-1]  # the first is the cover table
    assert table.find("w:tblPr/w:tblStyle", NS).get(VAL) == "TableGrid"
    assert table.find("w:tblPr/w:tblW", NS).get(f"{{{W}}}type") == "pct"
    rows = table.findall("w:tr", NS)
    assert len(rows) == 3
    assert rows[0].find("w:trPr/w:tblHeader", NS) is not None
    assert all(r.find("w:trPr/w:tblHeader", NS) is None for r in rows[1:])
    header_styles = {p.find("w:pPr/w:pStyle", NS).get(VAL) for p in rows[0].iter(f"{{{W}}}p")}
    cell_styles = {p.find("w:pPr/w:pStyle", NS).get(VAL) for r in rows[1:] for p in r.iter(f"{{{W}}}p")}
    assert (header_styles, cell_styles) == ({"TableHeading"}, {"TableText"})
    assert [text(p) for p in rows[1].iter(f"{{{W}}}p")][3] == "2 weken"


def test_table_columns_fill_the_text_width_and_follow_the_content():
    root = part(build(TABLE))
    grid = [int(g.get(f"{{{W}}}w")) for g in root.findall(".//w:body/w:tbl", NS)[-1].iterfind("w:tblGrid/w:gridCol", NS)]
    assert sum(grid) == house_style().text_width
    assert grid[1] > grid[3]  # the indicator column is wider than the target column
    assert min(grid) >= 110 * len("weken") + 200  # no column narrower than its longest word


def table_rows(markdown: str) -> list[Node]:
    table = parse(markdown).children[0]
    return [tr for section in table.children for tr in section.children]


def test_column_widths_sum_exactly_and_respect_longest_words():
    rows = table_rows("| a | b |\n|---|---|\n| " + "woord " * 40 + "| Verantwoordelijkheidsverdeling |\n")
    widths = column_widths(rows, 2, 9070)
    assert sum(widths) == 9070
    assert widths[1] >= 110 * len("Verantwoordelijkheidsverdeling") + 200
    assert widths[0] > widths[1]


def test_when_long_words_cannot_all_fit_only_their_columns_give_way():
    long = "productverantwoordelijke, verbetervoorstellen, dataminimalisatie"
    header = "| Uitkomst | Indicator | Nulmeting | Streefwaarde | Meting | Waardegebied |\n"
    rows = table_rows(header + "|---|---|---|---|---|---|\n" + f"| Melders | {long} | 8 | 2 | {long} | x |\n")
    widths = column_widths(rows, 6, 9070)
    assert sum(widths) == 9070
    for index, word in ((2, "Nulmeting"), (3, "Streefwaarde"), (5, "Waardegebied")):
        assert widths[index] >= 110 * len(word) + 200


def test_column_widths_of_equal_columns_are_equal():
    assert column_widths(table_rows("| a | b | c |\n|---|---|---|\n| x | y | z |\n"), 3, 9000) == [3000] * 3


def test_a_table_followed_by_text_gets_an_empty_paragraph_but_not_before_a_heading():
    body = part(build(TABLE + "\nTekst.\n\n" + TABLE + "\n# Kop\n")).find("w:body", NS)
    tables = [el for el in body.findall("w:tbl", NS)][1:]
    spacer = tables[0].getnext()
    assert spacer.find("w:pPr/w:pStyle", NS).get(VAL) == "Normal" and text(spacer) == ""
    assert text(spacer.getnext()) == "Tekst."
    assert tables[1].getnext().find("w:pPr/w:pStyle", NS).get(VAL) == "Heading1"


def test_adjacent_tables_stay_apart():
    body = part(build(TABLE + "\n" + TABLE)).find("w:body", NS)
    first = body.findall("w:tbl", NS)[1]
    assert first.getnext().tag == f"{{{W}}}p"


def test_inline_markup_inside_table_cells():
    root = part(build("| Kop |\n|---|\n| **vet** en [[in te vullen: x]] |\n"))
    table = root.findall(".//w:body/w:tbl", NS)[-1]
    styles = [r.find("w:rPr/w:rStyle", NS).get(VAL) for r in table.iter(f"{{{W}}}r")
              if r.find("w:rPr/w:rStyle", NS) is not None]
    assert styles == ["Strong", "Placeholder"]


# --- inline nodes ------------------------------------------------------------------


def run_styles(p: etree._Element) -> list[tuple[str | None, str]]:
    result = []
    for run in p.iter(f"{{{W}}}r"):
        style = run.find("w:rPr/w:rStyle", NS)
        result.append((style.get(VAL) if style is not None else None, text(run)))
    return result


def test_strong_em_and_nested_bold_italic_use_character_styles():
    (p,) = body_paragraphs(build("a **vet** b *schuin* c ***beide*** d **vet *en schuin***\n"))
    assert run_styles(p) == [
        (None, "a "), ("Strong", "vet"), (None, " b "), ("Emphasis", "schuin"), (None, " c "),
        ("StrongEmphasis", "beide"), (None, " d "), ("Strong", "vet "), ("StrongEmphasis", "en schuin")]


def test_link_is_a_real_hyperlink_with_an_external_relationship():
    data = build("Zie [TenderNed](https://www.tenderned.nl/zoeken?q=a&b=c) voor details.\n")
    (p,) = body_paragraphs(data)
    link = p.find("w:hyperlink", NS)
    rid = link.get(f"{{{R}}}id")
    assert run_styles(link) == [("Hyperlink", "TenderNed")]
    rels = part(data, "word/_rels/document.xml.rels")
    rel = rels.find(f'{{*}}Relationship[@Id="{rid}"]')
    assert rel.get("TargetMode") == "External"
    assert rel.get("Target") == "https://www.tenderned.nl/zoeken?q=a&b=c"
    assert rel.get("Type").endswith("/hyperlink")


def test_same_link_twice_shares_one_relationship():
    data = build("[a](https://example.nl) en [b](https://example.nl)\n")
    (p,) = body_paragraphs(data)
    ids = {link.get(f"{{{R}}}id") for link in p.findall("w:hyperlink", NS)}
    assert len(ids) == 1


def test_link_with_bold_text_and_autolink_without_text():
    (p,) = body_paragraphs(build("[**vet**](https://a.nl) <https://b.nl>\n"))
    links = p.findall("w:hyperlink", NS)
    assert [run_styles(link) for link in links] == [[("Hyperlink", "vet")], [("Hyperlink", "https://b.nl")]]


def test_link_with_empty_target_keeps_its_text():
    (p,) = body_paragraphs(build("[tekst]()\n"))
    assert p.find("w:hyperlink", NS) is None
    assert text(p) == "tekst"


def comments(data: bytes) -> list[etree._Element]:
    return part(data, "word/comments.xml").findall("w:comment", NS)


def test_a_placeholder_shows_its_words_and_puts_its_field_in_a_comment():
    data = build("Uiterlijk [[in te vullen: datum van publicatie, tender.published]].\n")
    (p,) = body_paragraphs(data)
    assert run_styles(p) == [(None, "Uiterlijk "), ("Placeholder", "[in te vullen: datum van publicatie]"),
                             (None, ""), (None, ".")]
    children = [etree.QName(c).localname for c in p if etree.QName(c).localname != "pPr"]
    assert children == ["r", "commentRangeStart", "r", "commentRangeEnd", "r", "r"]
    assert p.find("w:r/w:commentReference", NS).get(f"{{{W}}}id") == "0"
    (comment,) = comments(data)
    assert comment.get(f"{{{W}}}author") == "procure"
    assert comment.get(f"{{{W}}}date") == "2027-02-10T09:30:00Z"
    assert text(comment) == "In te vullen in de probleemstelling (YAML), veld tender.published"
    rels = part(data, "word/_rels/document.xml.rels")
    assert any(r.get("Target") == "comments.xml" and r.get("Type").endswith("/comments") for r in rels)
    types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml").decode()
    assert 'PartName="/word/comments.xml"' in types


def test_a_proposal_comment_asks_to_confirm_and_ids_follow_document_order():
    data = build("[[a, cpv_codes]] en [[?voorstel – bevestigen: criteria, tender.evaluation]]\n",
                 DocMeta(title="T", subtitle="S", language="en", reference="R", creator="C"))
    (p,) = body_paragraphs(data)
    assert [s for s, t in run_styles(p) if t.startswith("[")] == ["Placeholder", "Proposal"]
    assert "[voorstel – bevestigen: criteria]" in text(p) and "tender.evaluation" not in text(p)
    assert [text(c) for c in comments(data)] == [
        "To be completed in the problem statement (YAML), field cpv_codes",
        "To be confirmed or replaced in the problem statement (YAML), field tender.evaluation"]
    assert [c.get(f"{{{W}}}id") for c in comments(data)] == ["0", "1"]


def test_a_label_without_a_field_gets_no_comment():
    data = build("Zie [[in te vullen: datum uitnodiging tot inschrijving]] en [[a, b]].\n")
    assert "[in te vullen: datum uitnodiging tot inschrijving]" in text(body_paragraphs(data)[0])
    assert "[a, b]" in text(body_paragraphs(data)[0])
    assert "word/comments.xml" not in zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_a_cover_gap_is_a_placeholder_with_a_comment_too():
    meta = DocMeta(title="T", subtitle="S", language="nl", reference="R", creator="C",
                   cover_rows=(("Versie", Gap("[in te vullen: versie, document.version]")),))
    data = build("# Een\n", meta)
    cover = part(data).find(".//w:body/w:tbl", NS)
    assert text(cover.findall("w:tr", NS)[0]) == "Versie[in te vullen: versie]"
    assert [text(c) for c in comments(data)] == ["In te vullen in de probleemstelling (YAML), veld document.version"]


def test_a_document_with_a_gap_is_a_draft_on_every_page():
    data = build("# Een\n\nTekst [[?voorstel – bevestigen: criteria, tender.evaluation]].\n")
    cover = part(data).find(".//w:body/w:tbl", NS)
    assert [text(p) for p in cover.findall("w:tr", NS)[-1].iter(f"{{{W}}}p")] == ["Status", "Concept"]
    header = part(data, "word/header1.xml")
    assert text(header) == "CONCEPT · " + META.header_text
    assert header.find(".//w:rStyle", NS).get(VAL) == "DraftMark"
    sect = part(data).find("w:body/w:sectPr", NS)
    first = sect.find("w:headerReference[@w:type='first']", NS)
    rels = {r.get("Id"): r.get("Target") for r in part(data, "word/_rels/document.xml.rels")}
    assert text(part(data, f"word/{rels[first.get(f'{{{R}}}id')]}")) == "CONCEPT"
    assert sect.find("w:titlePg", NS) is not None


def test_a_complete_document_is_final_without_marks():
    data = build("# Een\n\nTekst.\n")
    assert text(part(data, "word/header1.xml")) == META.header_text
    assert part(data).find("w:body/w:sectPr/w:headerReference[@w:type='first']", NS) is None
    assert "word/comments.xml" not in zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_placeholder_is_visible_text_in_the_placeholder_style():
    (p,) = body_paragraphs(build("Uiterlijk [[in te vullen: datum]].\n"))
    assert run_styles(p) == [(None, "Uiterlijk "), ("Placeholder", "[in te vullen: datum]"), (None, ".")]


def test_proposal_is_visible_text_in_its_own_style():
    (p,) = body_paragraphs(build("Criteria [[?voorstel – bevestigen: criteria]].\n"))
    assert run_styles(p) == [(None, "Criteria "), ("Proposal", "[voorstel – bevestigen: criteria]"), (None, ".")]


def test_markup_characters_in_text_are_escaped_not_structure():
    (p,) = body_paragraphs(build("a &lt;b&gt; &amp; \\<i\\> \"q\" 'q'\n"))
    assert text(p) == "a <b> & <i> \"q\" 'q'"


# --- failing closed ----------------------------------------------------------------


@pytest.mark.parametrize(("markdown", "node_type", "line"), [
    ("Tekst met `code` erin.\n", "code_inline", 1),
    ("Intro\n\n```\nx = 1\n```\n", "fence", 3),
    ("Intro\n\n    ingesprongen code\n", "code_block", 3),
    ("![logo](logo.png)\n", "image", 1),
])
def test_unknown_nodes_fail_closed_with_type_and_line(markdown, node_type, line):
    with pytest.raises(RenderError) as caught:
        build(markdown)
    message = str(caught.value)
    assert f"'{node_type}'" in message
    assert f"line {line}" in message


def test_a_node_type_outside_our_parser_fails_closed_too():
    tree = Node("root")
    paragraph = Node("paragraph", Node("blockquote", tree))
    Node("text", paragraph, "Dit is ")
    Node("text", Node("s", paragraph), "weg")
    with pytest.raises(RenderError, match="'s'.*strikethrough"):
        render_document(tree, META, house_style())


def test_renderer_has_a_method_for_exactly_the_allowed_node_types():
    assert set(DocxRenderer._methods()) == ALLOWED_NODE_TYPES


# --- the document frame ------------------------------------------------------------


def test_title_page_cover_rows_and_page_break():
    body = part(build("# Inleiding\n")).find("w:body", NS)
    title, subtitle, cover, page_break = body[0], body[1], body[2], body[3]
    assert title.find("w:pPr/w:pStyle", NS).get(VAL) == "Title" and text(title) == META.title
    assert subtitle.find("w:pPr/w:pStyle", NS).get(VAL) == "Subtitle" and text(subtitle) == META.subtitle
    assert cover.find("w:tblPr/w:tblStyle", NS).get(VAL) == "CoverTable"
    rows = [[text(p) for p in tr.iter(f"{{{W}}}p")] for tr in cover.findall("w:tr", NS)]
    assert rows == [list(row) for row in META.cover_rows] + [["Status", "Definitief"]]
    labels = {p.find("w:pPr/w:pStyle", NS).get(VAL) for tr in cover.findall("w:tr", NS) for p in tr[1].iter(f"{{{W}}}p")}
    assert labels == {"CoverLabel"}
    assert page_break.find("w:r/w:br", NS).get(f"{{{W}}}type") == "page"


def test_without_cover_rows_the_title_page_still_carries_the_status():
    meta = DocMeta(title="T", subtitle="S", language="en", reference="R", creator="C")
    (cover,) = part(build("# One\n", meta)).findall(".//w:body/w:tbl", NS)
    assert [[text(p) for p in tr.iter(f"{{{W}}}p")] for tr in cover.findall("w:tr", NS)] == [["Status", "Final"]]


def test_toc_heading_and_dirty_toc_field_prefilled_with_numbered_entries():
    root = part(build("# Inleiding\n\n## Waarom nu\n\n### Details\n\n# Procedure\n"))
    (toc_heading,) = styled(root, "TOCHeading")
    assert text(toc_heading) == "Inhoud"
    entries = styled(root, "TOC1") + styled(root, "TOC2") + styled(root, "TOC3")
    entries.sort(key=lambda p: list(p.getparent()).index(p))
    assert [text(p) for p in entries] == ["1Inleiding", "1.1Waarom nu", "Details", "2Procedure"]
    assert entries[0].find(".//w:fldChar", NS).get(f"{{{W}}}dirty") == "true"
    assert entries[0].findtext(".//w:instrText", namespaces=NS) == ' TOC \\o "1-3" \\h \\z \\u '
    assert entries[-1].findall("w:r/w:fldChar", NS)[-1].get(f"{{{W}}}fldCharType") == "end"
    assert entries[1].find("w:hyperlink", NS).get(f"{{{W}}}anchor") == "_Toc00000002"
    assert toc_heading.getnext() is entries[0]


def test_toc_without_headings_is_still_a_complete_field():
    root = part(build("Alleen tekst.\n"))
    (entry,) = styled(root, "TOC1")
    kinds = [c.get(f"{{{W}}}fldCharType") for c in entry.iter(f"{{{W}}}fldChar")]
    assert kinds == ["begin", "separate", "end"]


def test_settings_ask_word_to_update_fields():
    settings = part(build("# Een\n"), "word/settings.xml")
    assert settings.find("w:updateFields", NS).get(VAL) == "true"


def test_header_footer_fields_and_no_header_on_the_title_page():
    data = build("# Een\n")
    sect = part(data).find("w:body/w:sectPr", NS)
    assert sect.find("w:titlePg", NS) is not None
    assert sect.find("w:headerReference[@w:type='first']", NS) is None
    header = part(data, "word/header1.xml")
    footer = part(data, "word/footer1.xml")
    assert text(header) == META.header_text
    assert header.find("w:p/w:pPr/w:pStyle", NS).get(VAL) == "Header"
    assert footer.find("w:p/w:pPr/w:pStyle", NS).get(VAL) == "Footer"
    assert [i.text for i in footer.iter(f"{{{W}}}instrText")] == [" PAGE ", " NUMPAGES "]
    assert all(f.get(f"{{{W}}}dirty") == "true" for f in footer.iter(f"{{{W}}}fldChar")
               if f.get(f"{{{W}}}fldCharType") == "begin")
    assert text(footer).startswith("Pagina ") and " van " in text(footer)


def test_default_words_follow_the_language():
    meta = DocMeta(title="Faster answers", subtitle="Invitation to tender", language="en",
                   reference="ZV-1", creator="Zuiderveld")
    data = build("# One\n", meta)
    assert text(styled(part(data), "TOCHeading")[0]) == "Contents"
    assert text(part(data, "word/footer1.xml")).startswith("Page 1 of ")
    assert text(part(data, "word/header1.xml")) == "ZV-1 · Faster answers"


# --- language and properties -------------------------------------------------------


@pytest.mark.parametrize(("language", "tag"), [("nl", "nl-NL"), ("en", "en-GB")])
def test_document_language_in_defaults_settings_and_core_properties(language, tag):
    meta = DocMeta(title="T", subtitle="S", language=language, reference="R", creator="C")
    data = build("Tekst.\n", meta)
    lang = part(data, "word/styles.xml").find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert lang.get(VAL) == lang.get(f"{{{W}}}eastAsia") == tag
    assert part(data, "word/settings.xml").find("w:themeFontLang", NS).get(VAL) == tag
    assert Document(io.BytesIO(data)).core_properties.language == tag


def test_unknown_language_is_a_render_error():
    meta = DocMeta(title="T", subtitle="S", language="de", reference="R", creator="C")
    with pytest.raises(RenderError, match="language 'de'"):
        build("x\n", meta)


def test_core_properties_come_from_the_metadata_only():
    data = build("# Een\n")
    props = Document(io.BytesIO(data)).core_properties
    assert props.title == META.title
    assert props.subject == META.subject
    assert props.author == props.last_modified_by == META.creator
    assert props.keywords == META.keywords
    assert props.created == props.modified == datetime(2027, 2, 10, 9, 30, tzinfo=timezone.utc)
    assert props.revision == 1
    assert props.comments == "" and props.category == ""
    package = zipfile.ZipFile(io.BytesIO(data))
    everything = b"".join(package.read(name) for name in package.namelist())
    assert b"python-docx" not in everything
    assert b"Microsoft" not in package.read("docProps/app.xml")


def test_long_titles_are_cut_for_core_properties_only():
    meta = DocMeta(title="Titel " * 60, subtitle="S", language="nl", reference="R", creator="C")
    data = build("x\n", meta)
    assert len(Document(io.BytesIO(data)).core_properties.title) == 255
    assert text(styled(part(data), "Title")[0]) == meta.title


# --- no direct formatting ----------------------------------------------------------


def test_every_paragraph_and_run_is_styled_only_by_named_style():
    markdown = "# Kop\n\nTekst **vet** *schuin* [link](https://a.nl) [[in te vullen: x]]\n\n- a\n\n1. b\n\n" + TABLE
    root = part(build(markdown))
    for ppr in root.iter(f"{{{W}}}pPr"):  # keepNext is page flow, not look (see the page-flow tests)
        assert {etree.QName(c).localname for c in ppr} <= {"pStyle", "keepNext", "numPr"}
    for rpr in root.iter(f"{{{W}}}rPr"):
        assert [etree.QName(c).localname for c in rpr] == ["rStyle"]
    house = house_style()
    used = {el.get(VAL) for tag in ("pStyle", "rStyle", "tblStyle") for el in root.iter(f"{{{W}}}{tag}")}
    assert used <= set(house.ids.values())


# --- page flow -------------------------------------------------------------------


def kept(p: etree._Element) -> bool:
    return p.find("w:pPr/w:keepNext", NS) is not None


def test_a_lead_in_ending_in_a_colon_stays_with_its_list_or_table():
    paragraphs = body_paragraphs(build("Drie punten:\n\n- a\n- b\n- c\n\nDaarna:\n\n" + TABLE
                                       + "\nGeen lead-in.\n\n- x\n\nSlot:\n"))
    by_text = {text(p): p for p in paragraphs}
    assert kept(by_text["Drie punten:"]) and kept(by_text["Daarna:"])
    assert not kept(by_text["Geen lead-in."]) and not kept(by_text["Slot:"])


def test_a_short_paragraph_between_a_heading_and_a_list_introduces_it():
    paragraphs = body_paragraphs(build("## Randvoorwaarden\n\nIedere oplossing voldoet hieraan.\n\n- a\n- b\n\n"
                                       "Tekst.\n\nNiet onder een kop.\n\n- c\n"))
    by_text = {text(p): p for p in paragraphs}
    assert kept(by_text["Iedere oplossing voldoet hieraan."])
    assert not kept(by_text["Niet onder een kop."])


def test_a_list_never_splits_after_its_first_item_nor_before_its_last():
    items = [p for p in body_paragraphs(build("- a\n- b\n- c\n- d\n- e\n")) if text(p)]
    assert [kept(p) for p in items] == [True, False, False, True, False]
    (single,) = [p for p in body_paragraphs(build("- a\n")) if text(p)]
    assert not kept(single)


def test_a_table_header_and_first_row_stay_with_the_next_row():
    root = part(build("| A | B |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n| 5 | 6 |\n"))
    rows = root.findall(".//w:body/w:tbl/w:tr", NS)[-4:]
    assert [all(kept(p) for p in tr.iter(f"{{{W}}}p")) for tr in rows] == [True, True, False, False]


def test_house_paragraphs_have_widow_and_orphan_control():
    styles_root = part(build("x\n"), "word/styles.xml")
    assert styles_root.find("w:docDefaults/w:pPrDefault/w:pPr/w:widowControl", NS) is not None


# --- control characters and reading back -------------------------------------------


def test_control_characters_never_corrupt_the_file():
    meta = DocMeta(title="Ti\x00tel\x1b", subtitle="S\x07", language="nl", reference="R", creator="C\x0b",
                   cover_rows=(("La\x01bel", "Waar\x02de"),), header_text="Kop\x0c")
    data = build("Tekst\x00 met \x08 besturing\x1f en \ud800 surrogaat\n\n# Kop\x03\n", meta)
    document = Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    assert "Titel" in texts
    assert "Tekst\ufffd met  besturing en  surrogaat" in texts  # markdown-it turns NUL into U+FFFD
    assert document.core_properties.title == "Titel"


def test_python_docx_reads_the_result_back():
    document = Document(io.BytesIO(build("# Inleiding\n\nTekst.\n\n- punt\n\n" + TABLE)))
    names = [p.style.name for p in document.paragraphs]
    assert {"Title", "Subtitle", "TOC Heading", "Heading 1", "Body Text", "List Bullet"} <= set(names)
    assert document.tables[-1].rows[0].cells[0].text == "Uitkomst"


def test_render_document_returns_a_document_the_api_can_walk():
    document = Document(io.BytesIO(docx_bytes(render_document(parse("# Een\n\nTekst.\n"), META, house_style()), META)))
    assert [p.text for p in document.paragraphs][-2:] == ["Een", "Tekst."]
