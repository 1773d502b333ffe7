"""The selectors extraction reads a source's pages with: Drupal 7's, unless a source profile
(``[sources.NAME.selectors]`` in the sources file) gives its own.

Each field is an XPath expression, or None for the Drupal 7 rules (with their fallbacks for
Views rows and WordPress-like themes: ``archiver.pages.listing``, ``post``, ``submitted``). A
profile writes CSS (:meth:`Selectors.from_css`, through cssselect); a selector a profile gives
replaces the default rule and its fallbacks, so a redesigned site fails loudly (``no_teasers``,
``no_title``) rather than being half read by the wrong rule.

Where each one is applied:

- ``teaser``: on a listing page, one element per listed post.
- ``teaser_link``: inside a teaser, the link to the post (its text is the listed title).
- ``next_page``: on a listing page, the pager's link to the next page (an ``a``/``link``
  element; its ``href``).
- ``post``: on a post page, the post's element (Drupal: ``div.node`` with ``id="node-N"``);
  the body, submitted line, images and tags are read inside it.
- ``title``: on a post page, the post's title.
- ``post_body``: inside the post (or a teaser: its summary), the body text.
- ``submitted``: inside a teaser or the post, the "submitted" line (date and author).
- ``date``: inside a teaser or the post, the date as printed; its ``datetime`` or
  ``content`` attribute, if any, is the machine-readable date.
- ``author``: inside a teaser or the post, the author's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from cssselect import HTMLTranslator, SelectorError


@dataclass(frozen=True)
class Selectors:
    """XPath expressions for extraction; None = the Drupal 7 rule."""

    teaser: str | None = None
    teaser_link: str | None = None
    next_page: str | None = None
    post: str | None = None
    title: str | None = None
    post_body: str | None = None
    submitted: str | None = None
    date: str | None = None
    author: str | None = None

    @classmethod
    def from_css(cls, css: Mapping[str, str]) -> Selectors:
        """Selectors from a profile's ``{name: CSS}``; raises ValueError naming a bad one."""
        known = selector_names()
        translator = HTMLTranslator()
        xpaths = {}
        for name, selector in css.items():
            if name not in known:
                raise ValueError(f"unknown selector {name!r} (known: {', '.join(known)})")
            try:
                xpaths[name] = translator.css_to_xpath(selector)
            except SelectorError as error:
                raise ValueError(f"selector {name}: not valid CSS {selector!r}: {error}") from None
        return cls(**xpaths)


def selector_names() -> tuple[str, ...]:
    """The selector keys a source profile may give."""
    return tuple(f.name for f in fields(Selectors))


DRUPAL7 = Selectors()
"""The defaults: every rule Drupal 7's."""
