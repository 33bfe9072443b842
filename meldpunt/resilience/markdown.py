"""Markdown for knowledge pages: markdown-it-py renders, nh3 (an allow-list sanitiser) decides what stays.

markdown-it-py's own link check is switched off on purpose so that nh3 is the one gate: a ``javascript:``
link loses its ``href`` (only http, https and mailto are kept) and a ``<script>`` element is removed with
its content.
"""

from __future__ import annotations

import logging

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}
URL_SCHEMES = {"http", "https", "mailto"}

# markdown-it-py traces every parser rule at DEBUG; keep that noise (about text a person wrote) out of the log.
logging.getLogger("markdown_it").setLevel(logging.INFO)

_md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")
_md.validateLink = lambda url: True  # nh3 decides (see module docstring)


def render_markdown(text: str) -> Markup:
    html = _md.render(text or "")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                      link_rel="noopener noreferrer")
    return Markup(clean)  # nosec B704 - sanitised by nh3 with an allow-list just above
