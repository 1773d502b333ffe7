"""Static files of the replica: Drupal 7's default robots.txt, theme CSS and JS, feed icon,
favicon and logo. Served with the query strings Drupal appends (``style.css?qh5b2k``)."""

# ruff: noqa: E501 -- HTML templates keep Drupal's own (long) markup lines verbatim

from __future__ import annotations

from archiver.replica.images import png_bytes

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

STYLESHEETS = (
    "/modules/system/system.base.css",
    "/modules/system/system.menus.css",
    "/modules/system/system.messages.css",
    "/modules/system/system.theme.css",
    "/modules/field/theme/field.css",
    "/modules/node/node.css",
    "/themes/bartik/css/layout.css",
    "/themes/bartik/css/style.css",
    "/themes/bartik/css/colors.css",
)
SCRIPTS = (
    ("/misc/jquery.js", "v=1.4.4"),
    ("/misc/jquery.once.js", "v=1.2"),
    ("/misc/drupal.js", CSS_QUERY),
    ("/sites/all/modules/google_analytics/googleanalytics.js", CSS_QUERY),
)

_STYLE_CSS = """\
/* Bartik style.css (replica) */
body, #page-wrapper { font-family: Georgia, "Times New Roman", Times, serif; }
h1, h2, h3 { font-weight: normal; }
ul.pager li { display: inline; padding: 0.5em; }
.tabs ul.primary { background: url(../images/tabs-border.png) repeat-x 0 100%; }
.feed-icon { display: block; margin: 1em 0; }
.node-teaser .content { font-size: 0.929em; }
.meta.submitted { color: #68696b; font-size: 0.821em; }
.messages.error { background: #fef5f1; border-color: #ed541d; color: #8c2e0b; }
.element-invisible { position: absolute !important; clip: rect(1px, 1px, 1px, 1px); }
"""
_GENERIC_CSS = (
    '/* {path} (Drupal 7 replica) */\n.clearfix:after {{ content: "."; display: block; }}\n'
)
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
    if path == "/themes/bartik/css/style.css":
        return _STYLE_CSS.encode(), "text/css"
    if path in STYLESHEETS:
        return _GENERIC_CSS.format(path=path).encode(), "text/css"
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
