"""Static files of the replica: Drupal 7's default robots.txt, theme CSS and JS, feed icon,
favicon, logo, and the images and fonts the stylesheets name with ``url()``. Served with the
query strings Drupal appends (``style.css?qh5b2k``).

Stylesheets come as stock Drupal 7 (CSS aggregation off) links them: ``@import`` rules in
``<style>`` blocks, grouped as core groups them (system, modules, theme; print apart), with
IE-only stylesheets in conditional comments. The theme's CSS files are in ``static/`` beside
this module, at their URL paths: Bartik's (with all of real Bartik's ``url()`` images) and a
sub-theme's whose stylesheet ``@import``s further stylesheets (fonts, print), as custom themes
do. Images and fonts are generated (no binary files in the package).
"""

# ruff: noqa: E501 -- HTML templates keep Drupal's own (long) markup lines verbatim

from __future__ import annotations

from pathlib import Path

from archiver.replica.images import png_bytes

STATIC_DIR = Path(__file__).resolve().parent / "static"

CSS_QUERY = "qh5b2k"
"""Drupal's css_js_query_string: changes whenever caches are cleared."""

ROBOTS_TXT = """\
#
# robots.txt
#
# This file is to prevent the crawling and indexing of certain parts
# of your site by web crawlers and spiders run by sites like Yahoo!
# and Google. By telling these "robots" where not to go on your site,
# you save bandwidth and server resources.
#
# This file will be ignored unless it is at the root of your host:
# Used:    http://example.com/robots.txt
# Ignored: http://example.com/site/robots.txt
#
# For more information about the robots.txt standard, see:
# http://www.robotstxt.org/robotstxt.html

User-agent: *
Crawl-delay: 10
# CSS, JS, Images
Allow: /misc/*.css$
Allow: /misc/*.css?
Allow: /misc/*.js$
Allow: /misc/*.js?
Allow: /misc/*.gif
Allow: /misc/*.jpg
Allow: /misc/*.jpeg
Allow: /misc/*.png
Allow: /modules/*.css$
Allow: /modules/*.css?
Allow: /modules/*.js$
Allow: /modules/*.js?
Allow: /modules/*.gif
Allow: /modules/*.jpg
Allow: /modules/*.jpeg
Allow: /modules/*.png
Allow: /profiles/*.css$
Allow: /profiles/*.css?
Allow: /profiles/*.js$
Allow: /profiles/*.js?
Allow: /profiles/*.gif
Allow: /profiles/*.jpg
Allow: /profiles/*.jpeg
Allow: /profiles/*.png
Allow: /themes/*.css$
Allow: /themes/*.css?
Allow: /themes/*.js$
Allow: /themes/*.js?
Allow: /themes/*.gif
Allow: /themes/*.jpg
Allow: /themes/*.jpeg
Allow: /themes/*.png
# Directories
Disallow: /includes/
Disallow: /misc/
Disallow: /modules/
Disallow: /profiles/
Disallow: /scripts/
Disallow: /themes/
# Files
Disallow: /CHANGELOG.txt
Disallow: /cron.php
Disallow: /INSTALL.mysql.txt
Disallow: /INSTALL.pgsql.txt
Disallow: /INSTALL.sqlite.txt
Disallow: /install.php
Disallow: /INSTALL.txt
Disallow: /LICENSE.txt
Disallow: /MAINTAINERS.txt
Disallow: /update.php
Disallow: /UPGRADE.txt
Disallow: /xmlrpc.php
# Paths (clean URLs)
Disallow: /admin/
Disallow: /comment/reply/
Disallow: /filter/tips/
Disallow: /node/add/
Disallow: /search/
Disallow: /user/register/
Disallow: /user/password/
Disallow: /user/login/
Disallow: /user/logout/
# Paths (no clean URLs)
Disallow: /?q=admin/
Disallow: /?q=comment/reply/
Disallow: /?q=filter/tips/
Disallow: /?q=node/add/
Disallow: /?q=search/
Disallow: /?q=user/password/
Disallow: /?q=user/register/
Disallow: /?q=user/login/
Disallow: /?q=user/logout/
"""

STYLE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "all",
        (
            "/modules/system/system.base.css",
            "/modules/system/system.menus.css",
            "/modules/system/system.messages.css",
            "/modules/system/system.theme.css",
        ),
    ),
    (
        "all",
        (
            "/modules/comment/comment.css",
            "/modules/field/theme/field.css",
            "/modules/node/node.css",
            "/modules/search/search.css",
            "/modules/user/user.css",
        ),
    ),
    (
        "all",
        (
            "/themes/bartik/css/layout.css",
            "/themes/bartik/css/style.css",
            "/themes/bartik/css/colors.css",
            "/sites/all/themes/iuhrdf/css/iuhrdf.css",
        ),
    ),
    ("print", ("/themes/bartik/css/print.css",)),
)
"""(media, stylesheet paths) of each ``<style>`` block of @imports, in page order."""
STYLESHEETS = tuple(path for _media, paths in STYLE_GROUPS for path in paths)
IE_STYLESHEETS = (("lte IE 7", "/themes/bartik/css/ie.css"), ("IE 6", "/themes/bartik/css/ie6.css"))
"""Stylesheets in conditional comments: loaded by old Internet Explorer only."""
CSS_IMAGES = {
    "/themes/bartik/images/tabs-border.png": (1, 1),
    "/themes/bartik/images/comment-arrow.gif": (8, 13),
    "/themes/bartik/images/add.png": (10, 10),
    "/themes/bartik/images/buttons.png": (6, 29),
    "/themes/bartik/images/search-button.png": (34, 48),
    "/sites/all/themes/iuhrdf/images/title-rule.png": (4, 4),
    "/sites/all/themes/iuhrdf/images/body-watermark.png": (32, 32),
}
"""Images named by ``url()`` in the stylesheets, with their sizes (served as PNG bytes)."""
FONTS = (
    "/sites/all/themes/iuhrdf/fonts/iuhrdf-naskh.woff2",
    "/sites/all/themes/iuhrdf/fonts/iuhrdf-naskh.woff",
)
SCRIPTS = (
    ("/misc/jquery.js", "v=1.4.4"),
    ("/misc/jquery.once.js", "v=1.2"),
    ("/misc/drupal.js", CSS_QUERY),
    ("/sites/all/modules/google_analytics/googleanalytics.js", CSS_QUERY),
)

_GENERIC_CSS = '/* {path} (Drupal 7 replica) */\n.clearfix:after {{ content: "."; display: block; height: 0; clear: both; visibility: hidden; }}\n'
_DRUPAL_JS = """\
var Drupal = Drupal || { 'settings': {}, 'behaviors': {}, 'locale': {} };
jQuery.noConflict();
(function ($) {
  Drupal.attachBehaviors = function (context, settings) {
    context = context || document;
    $.each(Drupal.behaviors, function () { if ($.isFunction(this.attach)) { this.attach(context, settings); } });
  };
  $('html').addClass('js');
  document.cookie = 'has_js=1; path=/';
})(jQuery);
"""
_GENERIC_JS = "/* {path} (Drupal 7 replica) */\n(function () {{ return true; }})();\n"


def static_file(path: str) -> tuple[bytes, str] | None:
    """Bytes and content type of the static file at ``path`` (no query), or None."""
    if path == "/robots.txt":
        return ROBOTS_TXT.encode(), "text/plain; charset=utf-8"
    if path.endswith(".css"):
        theme_file = _static_path(path)
        if theme_file is not None:
            return theme_file.read_bytes(), "text/css"
        if path in STYLESHEETS or path in {css for _condition, css in IE_STYLESHEETS}:
            return _GENERIC_CSS.format(path=path).encode(), "text/css"
    if path in CSS_IMAGES:
        width, height = CSS_IMAGES[path]
        return png_bytes(path, width, height), "image/gif" if path.endswith(".gif") else "image/png"
    if path in FONTS:
        # Not a usable font: the browser falls back to the next family, as with a font that
        # failed; what matters here is that it is requested, archived and replayed.
        return b"wOF2" + path.encode() + bytes(64), "font/woff2" if path.endswith(
            "2"
        ) else "font/woff"
    if path == "/misc/drupal.js":
        return _DRUPAL_JS.encode(), "application/javascript"
    if path in {script for script, _query in SCRIPTS}:
        return _GENERIC_JS.format(path=path).encode(), "application/javascript"
    if path == "/misc/feed.png":
        return png_bytes("feed-icon", 16, 16), "image/png"
    if path == "/misc/favicon.ico":
        return png_bytes("favicon", 16, 16), "image/vnd.microsoft.icon"
    if path == "/themes/bartik/logo.png":
        return png_bytes("logo", 64, 64), "image/png"
    if path == "/themes/bartik/images/tabs-border.png":
        return png_bytes("tabs-border", 8, 2), "image/png"
    return None


def _static_path(path: str) -> Path | None:
    """The file under ``static/`` for URL ``path``, if there is one (never outside it)."""
    candidate = (STATIC_DIR / path.lstrip("/")).resolve()
    if candidate.is_relative_to(STATIC_DIR) and candidate.is_file():
        return candidate
    return None
