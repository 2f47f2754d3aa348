"""Reading pages as a visitor does: the visible text, and the part of a page under one heading."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Text(HTMLParser):
    """The visible text of a page, with whitespace collapsed (what a reader sees)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def text_of(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by the heading with this id."""
    start = html.index(">", html.index(f'aria-labelledby="{heading_id}"')) + 1
    return html[start : html.index("</section>", start)]
