"""XML-level tests of procure.docx_oxml: the markup it writes and the parts it edits."""

from __future__ import annotations

from lxml import etree

from procure import docx_oxml as ox

W = ox.W_NS
NS = {"w": W, "r": ox.R_NS}


def content(xml: str) -> etree._Element:
    """Body content as the renderer writes it, parsed inside a ``w:body`` (as in ``word/document.xml``)."""
    return etree.fromstring(f'<w:body xmlns:w="{W}" xmlns:r="{ox.R_NS}">{xml}</w:body>')


def element(xml: str) -> etree._Element:
    """Parse a fragment with the w namespace declared."""
    return etree.fromstring(f'<w:root xmlns:w="{W}" xmlns:r="{ox.R_NS}">{xml}</w:root>')[0]


# --- text --------------------------------------------------------------------------


def test_clean_text_removes_controls_but_keeps_tab_and_normalises_line_ends():
    assert ox.clean_text("a\x00b\x07c\x1fd") == "abcd"
    assert ox.clean_text("tab\there") == "tab\there"
    assert ox.clean_text("one\ntwo\r\nthree\rfour") == "one\ntwo\nthree\nfour"


def test_a_line_end_in_text_is_a_line_break():
    assert ox.run_xml(ox.clean_text("one\ntwo")) == "<w:r><w:t>one</w:t><w:br/><w:t>two</w:t></w:r>"


def test_clean_text_removes_lone_surrogates_and_non_characters():
    assert ox.clean_text("x\ud800y\ufffez\uffff") == "xyz"


def test_clean_text_keeps_emoji_and_right_to_left_text():
    text = "Zuiderveld \U0001F600 \u0645\u0631\u062d\u0628\u0627"
    assert ox.clean_text(text) == text


def test_run_escapes_markup_characters():
    run = content(ox.run_xml("a < b & c > d"))[0]
    assert run.findtext("w:t", namespaces=NS) == "a < b & c > d"


def test_run_turns_tabs_into_w_tab_and_newlines_into_w_br():
    run = content(ox.run_xml("a\tb\nc"))[0]
    tags = [etree.QName(child).localname for child in run]
    assert tags == ["t", "tab", "t", "br", "t"]
    assert all("\n" not in t.text for t in run.iterfind("w:t", NS))


def test_run_preserves_leading_trailing_and_double_spaces():
    for text in (" lead", "trail ", "dou  ble"):
        t = content(ox.run_xml(text))[0].find("w:t", NS)
        assert t.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
        assert t.text == text
    plain = content(ox.run_xml("plain"))[0].find("w:t", NS)
    assert plain.get("{http://www.w3.org/XML/1998/namespace}space") is None


def test_run_character_style_is_an_rstyle_and_nothing_else():
    run = content(ox.run_xml("x", "Strong"))[0]
    rpr = run.find("w:rPr", NS)
    assert [etree.QName(c).localname for c in rpr] == ["rStyle"]
    assert rpr[0].get(f"{{{W}}}val") == "Strong"


def test_attr_escapes_quotes_and_ampersands():
    p = content(ox.p_open(ox.attr('a"b&c')) + ox.P_CLOSE)[0]
    assert p.find("w:pPr/w:pStyle", NS).get(f"{{{W}}}val") == 'a"b&c'


# --- paragraphs, breaks, links, bookmarks, fields --------------------------------------


def test_paragraph_with_numbering_has_numpr_after_pstyle():
    p = content(ox.p_open("ListNumber", 7, 2) + ox.P_CLOSE)[0]
    ppr = p.find("w:pPr", NS)
    assert [etree.QName(c).localname for c in ppr] == ["pStyle", "numPr"]
    assert ppr.find("w:numPr/w:ilvl", NS).get(f"{{{W}}}val") == "2"
    assert ppr.find("w:numPr/w:numId", NS).get(f"{{{W}}}val") == "7"


def test_page_break_paragraph():
    p = content(ox.page_break_xml("Normal"))[0]
    assert p.find("w:r/w:br", NS).get(f"{{{W}}}type") == "page"


def test_hyperlink_to_relationship_and_to_bookmark():
    external = content("<w:p>" + ox.hyperlink_open("rId9") + ox.HYPERLINK_CLOSE + "</w:p>")[0][0]
    assert external.get(f"{{{ox.R_NS}}}id") == "rId9"
    internal = content("<w:p>" + ox.hyperlink_open(anchor="_Toc1") + ox.HYPERLINK_CLOSE + "</w:p>")[0][0]
    assert internal.get(f"{{{W}}}anchor") == "_Toc1"


def test_bookmark_start_and_end_share_their_id():
    p = content("<w:p>" + ox.bookmark_start(3, "_Toc00000003") + ox.bookmark_end(3) + "</w:p>")[0]
    start, end = p
    assert start.get(f"{{{W}}}id") == end.get(f"{{{W}}}id") == "3"
    assert start.get(f"{{{W}}}name") == "_Toc00000003"


def test_field_is_complete_and_dirty():
    p = content("<w:p>" + ox.field_xml("PAGE", "1") + "</w:p>")[0]
    kinds = [c.get(f"{{{W}}}fldCharType") for c in p.iterfind(".//w:fldChar", NS)]
    assert kinds == ["begin", "separate", "end"]
    assert p.find(".//w:fldChar", NS).get(f"{{{W}}}dirty") == "true"
    assert p.findtext(".//w:instrText", namespaces=NS) == " PAGE "


def test_field_instruction_with_quotes_and_backslashes_survives():
    p = content("<w:p>" + ox.field_begin('TOC \\o "1-3" \\h \\z \\u') + ox.field_end() + "</w:p>")[0]
    assert p.findtext(".//w:instrText", namespaces=NS) == ' TOC \\o "1-3" \\h \\z \\u '


# --- tables ------------------------------------------------------------------------


def test_table_full_width_styled_with_header_row():
    xml = (ox.table_open("TableGrid", [3000, 6070]) + ox.row_open(header=True)
           + ox.cell_open(3000) + "<w:p/>" + ox.CELL_CLOSE + ox.ROW_CLOSE
           + ox.row_open(header=False) + ox.cell_open(3000) + "<w:p/>" + ox.CELL_CLOSE
           + ox.ROW_CLOSE + ox.TABLE_CLOSE)
    tbl = content(xml)[0]
    assert tbl.find("w:tblPr/w:tblStyle", NS).get(f"{{{W}}}val") == "TableGrid"
    width = tbl.find("w:tblPr/w:tblW", NS)
    assert (width.get(f"{{{W}}}w"), width.get(f"{{{W}}}type")) == ("5000", "pct")
    assert tbl.find("w:tblPr/w:tblLook", NS).get(f"{{{W}}}firstRow") == "1"
    assert [g.get(f"{{{W}}}w") for g in tbl.iterfind("w:tblGrid/w:gridCol", NS)] == ["3000", "6070"]
    header, body = tbl.findall("w:tr", NS)
    assert header.find("w:trPr/w:tblHeader", NS) is not None
    assert body.find("w:trPr/w:tblHeader", NS) is None


# --- the body ------------------------------------------------------------------------


def test_clear_body_keeps_only_section_properties():
    body = element(f"<w:body><w:p/><w:tbl/><w:sectPr/></w:body>")
    ox.clear_body(body)
    assert [etree.QName(c).localname for c in body] == ["sectPr"]


# --- sections ----------------------------------------------------------------------


def test_page_setup_and_text_width():
    sect = element("<w:sectPr><w:cols/><w:docGrid/></w:sectPr>")
    ox.set_page_setup(sect, (11906, 16838), {"top": 1418, "right": 1418, "bottom": 1418, "left": 1418})
    assert [etree.QName(c).localname for c in sect] == ["pgSz", "pgMar", "cols", "docGrid"]
    assert ox.text_width(sect) == 11906 - 2 * 1418


def test_text_width_falls_back_when_unknown():
    assert ox.text_width(element("<w:sectPr/>")) == 9070


def test_header_footer_references_and_title_page_in_schema_order():
    sect = element('<w:sectPr><w:headerReference w:type="default" r:id="rId1"/>'
                   "<w:pgSz/><w:pgMar/><w:cols/><w:docGrid/></w:sectPr>")
    ox.set_header_footer(sect, "rId7", "rId8")
    names = [etree.QName(c).localname for c in sect]
    assert names == ["headerReference", "footerReference", "pgSz", "pgMar", "cols", "titlePg", "docGrid"]
    assert [(c.get(ox.TYPE), c.get(ox.R_ID)) for c in sect[:2]] == [("default", "rId7"), ("default", "rId8")]


def test_header_footer_part_xml():
    root = etree.fromstring(ox.header_footer_xml("ftr", "Footer"))
    assert root.tag == f"{{{W}}}ftr"
    assert root.find("w:p/w:pPr/w:pStyle", NS).get(f"{{{W}}}val") == "Footer"


# --- styles ------------------------------------------------------------------------


STYLES = (f'<w:styles xmlns:w="{W}">'
          '<w:style w:type="paragraph" w:styleId="Kop1"><w:name w:val="heading 1"/>'
          '<w:basedOn w:val="Standaard"/><w:next w:val="Standaard"/>'
          '<w:pPr><w:keepNext/><w:spacing w:before="240"/></w:pPr></w:style>'
          '<w:style w:type="paragraph" w:styleId="Naamloos"/>'
          "</w:styles>")


def test_style_names_and_references():
    styles = etree.fromstring(STYLES)
    kop1, nameless = ox.iter_styles(styles)
    assert ox.style_name(kop1) == "heading 1"
    assert ox.style_name(nameless) == "Naamloos"
    assert [r.get(f"{{{W}}}val") for r in ox.style_refs(kop1)] == ["Standaard", "Standaard"]
    assert ox.style_numpr(kop1) is None


def test_set_style_numbering_puts_numpr_in_schema_order():
    kop1 = next(ox.iter_styles(etree.fromstring(STYLES)))
    ox.set_style_numbering(kop1, 5, 1)
    ppr = kop1.find("w:pPr", NS)
    assert [etree.QName(c).localname for c in ppr] == ["keepNext", "numPr", "spacing"]
    assert ox.style_numpr(kop1).find("w:numId", NS).get(f"{{{W}}}val") == "5"
    ox.set_style_numbering(kop1, 6, 0)
    assert len(ppr.findall("w:numPr", NS)) == 1
    assert ppr.find("w:numPr/w:ilvl", NS) is None


def test_set_style_numbering_creates_ppr_after_the_style_header():
    nameless = list(ox.iter_styles(etree.fromstring(STYLES)))[1]
    nameless.append(etree.Element(f"{{{W}}}rPr"))
    ox.set_style_numbering(nameless, 1, 0)
    assert [etree.QName(c).localname for c in nameless] == ["pPr", "rPr"]


def test_set_right_tabs_moves_only_right_tabs():
    style = element('<w:style><w:pPr><w:tabs><w:tab w:val="left" w:pos="680"/>'
                    '<w:tab w:val="right" w:pos="9070"/></w:tabs></w:pPr></w:style>')
    ox.set_right_tabs(style, 10000)
    assert [t.get(f"{{{W}}}pos") for t in style.iter(f"{{{W}}}tab")] == ["680", "10000"]


def test_default_language_is_created_when_the_part_has_no_defaults():
    styles = etree.fromstring(STYLES)
    ox.set_default_language(styles, "nl-NL")
    lang = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert lang.get(f"{{{W}}}val") == lang.get(f"{{{W}}}eastAsia") == "nl-NL"
    assert lang.get(f"{{{W}}}bidi") == "ar-SA"
    assert etree.QName(styles[0]).localname == "docDefaults"


def test_default_language_replaces_an_existing_one_before_east_asian_layout():
    styles = etree.fromstring(
        f'<w:styles xmlns:w="{W}"><w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val="20"/>'
        '<w:lang w:val="en-US"/><w:eastAsianLayout/></w:rPr></w:rPrDefault></w:docDefaults></w:styles>')
    ox.set_default_language(styles, "en-GB")
    rpr = styles.find("w:docDefaults/w:rPrDefault/w:rPr", NS)
    assert [etree.QName(c).localname for c in rpr] == ["sz", "lang", "eastAsianLayout"]
    assert rpr.find("w:lang", NS).get(f"{{{W}}}val") == "en-GB"


# --- numbering ---------------------------------------------------------------------


def numbering() -> etree._Element:
    return etree.fromstring(f'<w:numbering xmlns:w="{W}"><w:abstractNum w:abstractNumId="4"/>'
                            '<w:num w:numId="9"><w:abstractNumId w:val="4"/></w:num>'
                            '<w:numIdMacAtCleanup w:val="2"/></w:numbering>')


def test_numbering_ids():
    assert ox.numbering_ids(numbering()) == (4, 9)
    assert ox.numbering_ids(etree.fromstring(f'<w:numbering xmlns:w="{W}"/>')) == (0, 0)


def test_abstract_nums_go_before_every_num():
    root = numbering()
    ox.add_abstract_nums(root, [etree.Element(f"{{{W}}}abstractNum", {f"{{{W}}}abstractNumId": "5"})])
    assert [etree.QName(c).localname for c in root] == ["abstractNum", "abstractNum", "num", "numIdMacAtCleanup"]


def test_num_with_start_override_goes_before_cleanup_marker():
    root = numbering()
    ox.append_num(root, 10, 4, {0: 1})
    ox.append_num(root, 11, 4, {1: 4})
    assert [etree.QName(c).localname for c in root][-1] == "numIdMacAtCleanup"
    num = root.find('w:num[@w:numId="11"]', NS)
    override = num.find("w:lvlOverride", NS)
    assert override.get(f"{{{W}}}ilvl") == "1"
    assert override.find("w:startOverride", NS).get(f"{{{W}}}val") == "4"


# --- settings ----------------------------------------------------------------------


def test_update_fields_goes_before_compat_and_is_idempotent():
    settings = etree.fromstring(f'<w:settings xmlns:w="{W}"><w:zoom/><w:compat/><w:rsids/></w:settings>')
    ox.set_update_fields(settings)
    ox.set_update_fields(settings)
    assert [etree.QName(c).localname for c in settings] == ["zoom", "updateFields", "compat", "rsids"]
    assert settings.find("w:updateFields", NS).get(f"{{{W}}}val") == "true"


def test_theme_font_lang_replaced_or_added_in_order():
    settings = etree.fromstring(f'<w:settings xmlns:w="{W}"><w:compat/><w:decimalSymbol w:val="."/></w:settings>')
    ox.set_theme_font_lang(settings, "nl-NL")
    assert [etree.QName(c).localname for c in settings] == ["compat", "themeFontLang", "decimalSymbol"]
    ox.set_theme_font_lang(settings, "en-GB")
    assert settings.find("w:themeFontLang", NS).attrib == {f"{{{W}}}val": "en-GB"}


def test_lean_settings_update_fields_and_compatibility_mode():
    settings = etree.fromstring(ox.lean_settings_xml())
    assert settings.find("w:updateFields", NS).get(f"{{{W}}}val") == "true"
    setting = settings.find("w:compat/w:compatSetting", NS)
    assert (setting.get(f"{{{W}}}name"), setting.get(f"{{{W}}}val")) == ("compatibilityMode", "15")


# --- comments, title-page header, complete fields, contents tabs ----------------------


def test_a_comment_range_and_its_reference_anchor_the_comment_on_the_text():
    p = content(f"<w:p>{ox.comment_range_start(3)}{ox.run_xml('[x]')}{ox.comment_range_end(3)}</w:p>")[0]
    names = [etree.QName(c).localname for c in p]
    assert names == ["commentRangeStart", "r", "commentRangeEnd", "r"]
    assert p[3].find("w:commentReference", NS).get(f"{{{W}}}id") == "3"


def test_comments_part_is_dated_and_escaped():
    from datetime import datetime

    root = etree.fromstring(ox.comments_xml(["veld a.b & <c>"], "procure", datetime(2027, 3, 1, 9, 5)))
    (comment,) = root.findall("w:comment", NS)
    assert (comment.get(f"{{{W}}}id"), comment.get(f"{{{W}}}author"), comment.get(f"{{{W}}}date"),
            comment.get(f"{{{W}}}initials")) == ("0", "procure", "2027-03-01T09:05:00Z", "P")
    assert comment.find("w:p/w:r/w:annotationRef", NS) is not None
    assert "".join(comment.itertext()) == "veld a.b & <c>"


def test_a_complete_field_is_not_dirty_and_update_fields_can_be_switched_off():
    assert "dirty" not in ox.field_xml("PAGEREF _Toc1 \\h", "7", dirty=False)
    assert 'w:dirty="true"' in ox.field_xml("PAGE", "1")
    settings = etree.fromstring(ox.lean_settings_xml())
    ox.set_update_fields(settings, False)
    assert settings.find("w:updateFields", NS) is None
    ox.set_update_fields(settings, False)  # already off: nothing to do
    ox.set_update_fields(settings)
    assert settings.find("w:updateFields", NS).get(ox.VAL) == "true"


def test_contents_tabs_are_added_only_where_a_style_lacks_them():
    bare = element('<w:style w:type="paragraph" w:styleId="TOC2"><w:name w:val="toc 2"/>'
                   '<w:pPr><w:spacing w:after="100"/><w:ind w:left="220"/></w:pPr></w:style>')
    ox.ensure_toc_tabs(bare, 680, 9070)
    tabs = [(t.get(ox.VAL), t.get(ox.qn("w:pos"))) for t in bare.iter(ox.qn("w:tab"))]
    assert tabs == [("left", "900"), ("right", "9070")]
    assert [etree.QName(c).localname for c in bare.find(ox.PPR)] == ["tabs", "spacing", "ind"]
    ox.ensure_toc_tabs(bare, 680, 5000)
    assert len(list(bare.iter(ox.qn("w:tab")))) == 2


def test_a_style_outline_level_is_set_only_when_missing():
    style = element('<w:style w:type="paragraph" w:styleId="X"><w:name w:val="x"/>'
                    '<w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>')
    ox.set_style_outline_level(style, 9)
    assert style.find("w:pPr/w:outlineLvl", NS).get(ox.VAL) == "0"
    bare = element('<w:style w:type="paragraph" w:styleId="Y"><w:name w:val="y"/></w:style>')
    ox.set_style_outline_level(bare, 9)
    assert bare.find("w:pPr/w:outlineLvl", NS).get(ox.VAL) == "9"


def test_keep_next_stands_between_the_style_and_the_numbering():
    p = content(ox.p_open("ListBullet", 5, 1, keep_next=True) + ox.P_CLOSE)[0]
    assert [etree.QName(c).localname for c in p.find("w:pPr", NS)] == ["pStyle", "keepNext", "numPr"]
