"""What the PDF renderer takes from WeasyPrint beyond its documented API, in one place.

Pinned to weasyprint==70.0 (requirements.txt); tests/exports/test_library_adaptations.py
fails, naming the installed version and this module, when an upgrade removes what is
relied on here. Each adaptation came with commit 773732b ("faster one-table PDF"),
with the saving measured then and given below; the one-table PDF takes 0.247 s
today (`make bench`, docs/benchmarks.md "PDF, one table", warm, median of 9).

- `Engine`: one `FontConfiguration`, the parsed stylesheets and one `URLFetcher` per
  process (the "warm" in the benchmark); a new fetcher builds an SSL context (~30 ms).
- `Engine.parse`: a subclass of `weasyprint.HTML` whose `__init__` sets the
  attributes `HTML.__init__` sets (`base_url`, `url_fetcher`, `media_type`,
  `wrapper_element`, `etree_element`) from a tree expat parsed (under 1 ms a table
  where WeasyPrint's html5 parser takes 20–30 ms), and whose `_ua_stylesheets`
  returns `weasyprint.html.UA` without the ::marker/footnote/note rules (six
  pseudo-elements computed for ~300 elements a table, never used in print).
- `laid_out_tables`: reads the box tree (`page._page_box`, `boxes.TableBox`,
  `box.element`, `row.height`) to check that each page table stayed on one page.
- `no_cyclic_gc`: the garbage collector paused during a render (a full collection
  mid-render costs 60–80 ms with Django loaded; one young pass after, ~4 ms).
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from xml.etree import ElementTree

import cssselect2
import weasyprint
from weasyprint.css.counters import CounterStyle
from weasyprint.formatting_structure import boxes
from weasyprint.html import UA
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import ensure_url

# Pango's font map and the shared FontConfiguration are not safe across threads.
LOCK = threading.Lock()
# The UA stylesheet's rules for pseudo-elements print documents never use.
_UNUSED_UA = re.compile(r"(?m)^::(?:marker|footnote-\w+|note-\w+) \{[^}]*\}$")


class _XHTML(weasyprint.HTML):
    """An `HTML` document made from a tree that expat parsed, with a leaner UA stylesheet."""

    _ua: list | None = None

    # Sets what HTML.__init__ sets, from a parsed tree instead of a source.
    def __init__(self, root, base_url: str, url_fetcher):
        self.base_url = ensure_url(base_url)
        self.url_fetcher = url_fetcher
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        self.etree_element = self.wrapper_element.etree_element

    def _ua_stylesheets(self, forms=False):
        if _XHTML._ua is None:
            _XHTML._ua = [weasyprint.CSS(string=_UNUSED_UA.sub("", UA), counter_style=CounterStyle())]
        return _XHTML._ua


@dataclass(frozen=True)
class Engine:
    """WeasyPrint with what every document shares."""

    font_config: FontConfiguration
    stylesheets: list  # parsed once
    fetcher: weasyprint.URLFetcher

    @classmethod
    def create(cls, stylesheets: Iterable[dict]) -> Engine:
        """`stylesheets`: keyword arguments of `weasyprint.CSS` (`string=` or `filename=`), in cascade order."""
        font_config = FontConfiguration()
        # One fetcher for all documents: print documents load nothing from the network anyway.
        parsed = [weasyprint.CSS(**css, font_config=font_config) for css in stylesheets]
        return cls(font_config, parsed, weasyprint.URLFetcher())

    def parse(self, html: str, base_url: str) -> weasyprint.HTML:
        """The rendered template as a WeasyPrint document; HTML5 parsing if expat refuses it."""
        try:
            root = ElementTree.fromstring(html)
        except (ElementTree.ParseError, ValueError):  # a character XML forbids, in user text
            return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=self.fetcher)
        return _XHTML(root, base_url, self.fetcher)

    def render(self, document: weasyprint.HTML):
        return document.render(font_config=self.font_config, stylesheets=self.stylesheets)


_ENGINE: list[Engine] = []


def engine(stylesheets: Callable[[], Iterable[dict]]) -> Engine:
    """The process's engine, made on the first call with `stylesheets()` (see `Engine.create`).

    Kept here rather than by the caller: this module is imported after WeasyPrint's own, so at exit
    it is cleared before them, and the FontConfiguration goes while the functions its `__del__`
    calls still exist (otherwise Python prints an error as the process ends).
    """
    if not _ENGINE:
        _ENGINE.append(Engine.create(stylesheets()))
    return _ENGINE[0]


def laid_out_tables(document, attribute: str, row_attribute: str) -> Iterator[tuple[int, str, list[tuple[str, float]]]]:
    """(page number, the table's `attribute`, [(a row's `row_attribute`, its height in px)]) for every
    laid-out piece of a <table> element that has `attribute`; a table split over pages gives one per page."""
    for number, page in enumerate(document.pages):
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            if isinstance(box, boxes.TableBox):
                element = getattr(box, "element", None)
                value = element.get(attribute) if element is not None else None
                if value:
                    rows = []
                    for group in box.children:
                        for row in getattr(group, "children", ()):
                            r = row.element.get(row_attribute) if getattr(row, "element", None) is not None else None
                            if r is not None:
                                rows.append((r, row.height))
                    yield number, value, rows
                continue
            stack.extend(getattr(box, "children", ()))


@contextmanager
def no_cyclic_gc():
    """The cyclic garbage collector paused for a render, then one young-generation pass.

    A render allocates a few hundred thousand objects and frees nearly all of them by
    reference counting; with the collector on, it keeps walking them mid-render, and
    now and then the whole heap (60–80 ms with Django loaded). The few thousand
    cycles a render does leave are all young afterwards, and one pass over the
    youngest generation (~4 ms) frees them.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)
