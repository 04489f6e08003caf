"""A guide (R14) as an ND 30-layout .docx, and its Markdown as sanitised HTML for the page."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

from diemcau.lib.nd30 import OfficialDocument, Table
from diemcau.reports.documents import Built, close, heading, texts_of

ALLOWED_TAGS = {"p", "h1", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote", "table",
                "thead", "tbody", "tr", "th", "td", "a", "br", "hr"}


def markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def to_html(body: str) -> str:
    """Markdown → HTML, sanitised (no raw HTML, no scripts, links only http(s) and relative)."""
    html = markdown().render(body or "")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}, "ol": {"start"}}, url_schemes={"http", "https"},
                     link_rel="noopener noreferrer")


def _inline(token) -> str:
    return "".join(child.content for child in (token.children or []) if child.type in ("text", "code_inline", "softbreak")
                   ) if token.children else token.content


def build(doc, issued=None) -> Built:
    version = doc.guide_version
    texts = texts_of(doc, issued)
    b = OfficialDocument(heading(doc, issued))
    tokens = markdown().parse(version.body)
    list_stack: list = []
    table_rows: list = []
    row: list = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.type == "heading_open":
            text = _inline(tokens[i + 1])
            (b.section if t.tag in ("h1", "h2") else b.subsection)(text)
            i += 3
            continue
        if t.type in ("bullet_list_open", "ordered_list_open"):
            list_stack.append([t.type == "ordered_list_open", 0])
        elif t.type in ("bullet_list_close", "ordered_list_close"):
            list_stack.pop()
        elif t.type == "inline" and tokens[i - 1].type == "paragraph_open" and not table_rows and not row:
            text = _inline(t)
            if list_stack:
                ordered = list_stack[-1]
                if ordered[0]:
                    ordered[1] += 1
                    b.paragraph(f"{ordered[1]}. {text}")
                else:
                    b.bullet(text)
            else:
                b.paragraph(text)
        elif t.type in ("th_open", "td_open"):
            row.append(_inline(tokens[i + 1]))
        elif t.type == "tr_close":
            table_rows.append(row)
            row = []
        elif t.type == "table_close":
            if table_rows:
                b.table(Table(headers=table_rows[0], rows=table_rows[1:]))
            table_rows = []
        elif t.type == "fence" or t.type == "code_block":
            for line in t.content.splitlines():
                b.paragraph(line, indent=False)
        i += 1
    close(b, doc, texts, issued)
    return Built(docx=b.to_bytes(), facts={"guide": version.guide.code, "version": version.number})
