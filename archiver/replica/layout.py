"""The Bartik-like page frame every HTML page of the replica shares: head with stylesheets and
scripts (cache-busting query strings), header with logo, search form and main menu, the
"Recent posts" sidebar, and a footer with off-site links. Content goes in ``#content``.
"""

# ruff: noqa: E501 -- HTML templates keep Drupal's own (long) markup lines verbatim

from __future__ import annotations

from html import escape

from archiver.replica.assets import CSS_QUERY, IE_STYLESHEETS, SCRIPTS, STYLE_GROUPS
from archiver.replica.posts import Post

SITE_NAME = "International Uyghur Human Rights and Democracy Foundation"
SITE_SHORT = "IUHRDF"
MAIN_MENU = (
    ("/", "Home"),
    ("/about-us", "About Us"),
    ("/topic/news", "News"),
    ("/topic/east-turkestan-uyghurs", "East Turkestan Uyghurs"),
    ("/contact", "Contact"),
)
OFFSITE_LINKS = (
    ("https://twitter.com/IUHRDF", "Twitter"),
    ("https://www.facebook.com/iuhrdf", "Facebook"),
    ("https://www.uyghurcongress.org/en/", "World Uyghur Congress"),
    ("https://uhrp.org/", "Uyghur Human Rights Project"),
    ("https://www.hrw.org/asia/china-and-tibet", "Human Rights Watch"),
)
PARTNER_LOGO = "https://www.uyghurcongress.org/wp-content/uploads/2019/09/logo.png"


def page(
    base: str,
    title: str,
    content: str,
    body_classes: str,
    recent: list[Post],
    head_links: str = "",
    current_path: str = "/",
    messages: str = "",
) -> str:
    """A whole HTML page around ``content`` (already HTML)."""
    styles = _style_blocks(base)
    scripts = "\n".join(
        f'<script type="text/javascript" src="{base}{path}?{query}"></script>'
        for path, query in SCRIPTS
    )
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML+RDFa 1.0//EN"
  "http://www.w3.org/MarkUp/DTD/xhtml-rdfa-1.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" version="XHTML+RDFa 1.0" dir="ltr"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/terms/"
  xmlns:foaf="http://xmlns.com/foaf/0.1/"
  xmlns:og="http://ogp.me/ns#"
  xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
  xmlns:sioc="http://rdfs.org/sioc/ns#"
  xmlns:sioct="http://rdfs.org/sioc/types#"
  xmlns:skos="http://www.w3.org/2004/02/skos/core#"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema#">

<head profile="http://www.w3.org/1999/xhtml/vocab">
  <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<link rel="shortcut icon" href="{base}/misc/favicon.ico" type="image/vnd.microsoft.icon" />
<meta name="Generator" content="Drupal 7 (http://drupal.org)" />
{head_links}
  <title>{escape(title)} | {SITE_SHORT}</title>
  {styles}
  {scripts}
<script type="text/javascript">
<!--//--><![CDATA[//><!--
(function(i,s,o,g,r,a,m){{i["GoogleAnalyticsObject"]=r;i[r]=i[r]||function(){{(i[r].q=i[r].q||[]).push(arguments)}},i[r].l=1*new Date();a=s.createElement(o),m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)}})(window,document,"script","https://www.google-analytics.com/analytics.js","ga");ga("create", "UA-12345678-1", {{"cookieDomain":"auto"}});ga("send", "pageview");
//--><!]]>
</script>
<script type="text/javascript">
<!--//--><![CDATA[//><!--
jQuery.extend(Drupal.settings, {{"basePath":"\\/","pathPrefix":"","ajaxPageState":{{"theme":"bartik","theme_token":"x3Yb0pKsVJ"}}}});
//--><!]]>
</script>
</head>
<body class="html {body_classes} not-logged-in one-sidebar sidebar-first" >
  <div id="skip-link">
    <a href="#main-content" class="element-invisible element-focusable">Skip to main content</a>
  </div>
    <div id="page-wrapper"><div id="page">
{_header(base, current_path)}
  {messages}
  <div id="main-wrapper" class="clearfix"><div id="main" class="clearfix">
    <div id="breadcrumb"><h2 class="element-invisible">You are here</h2><div class="breadcrumb"><a href="/">Home</a></div></div>
      <div id="sidebar-first" class="column sidebar"><div class="section">
{_sidebar(recent)}
      </div></div>
    <div id="content" class="column"><div class="section">
            <a id="main-content"></a>
{content}
    </div></div>
  </div></div>
{_footer()}
  </div></div>
</body>
</html>
"""


def _style_blocks(base: str) -> str:
    """Drupal 7's stylesheets with aggregation off: @import blocks, then IE-only links."""
    blocks = []
    for media, paths in STYLE_GROUPS:
        imports = "\n".join(f'@import url("{base}{path}?{CSS_QUERY}");' for path in paths)
        blocks.append(f'<style type="text/css" media="{media}">\n{imports}\n</style>')
    for condition, path in IE_STYLESHEETS:
        blocks.append(
            f"\n<!--[if {condition}]>\n"
            f'<link type="text/css" rel="stylesheet" href="{base}{path}?{CSS_QUERY}" media="all" />'
            "\n<![endif]-->"
        )
    return "\n".join(blocks)


def _header(base: str, current_path: str) -> str:
    items = []
    for index, (path, label) in enumerate(MAIN_MENU):
        classes = [f"menu-{218 + index}"]
        if index == 0:
            classes.append("first")
        if index == len(MAIN_MENU) - 1:
            classes.append("last")
        active = ' class="active"' if path == current_path else ""
        if path == current_path:
            classes.append("active")
        items.append(f'<li class="{" ".join(classes)}"><a href="{path}"{active}>{label}</a></li>')
    return f"""  <div id="header" class="without-secondary-menu"><div class="section clearfix">
        <a href="/" title="Home" rel="home" id="logo">
        <img src="{base}/themes/bartik/logo.png" alt="Home" />
      </a>
          <div id="name-and-slogan">
                    <div id="site-name"><strong><a href="/" title="Home" rel="home"><span>{SITE_NAME}</span></a></strong></div>
      </div>
      <div class="region region-header">
    <div id="block-search-form" class="block block-search">
  <div class="content">
    <form action="{escape(current_path)}" method="post" id="search-block-form" accept-charset="UTF-8"><div><div class="container-inline">
      <h2 class="element-invisible">Search form</h2>
    <div class="form-item form-type-textfield form-item-search-block-form">
  <label class="element-invisible" for="edit-search-block-form--2">Search </label>
 <input title="Enter the terms you wish to search for." type="text" id="edit-search-block-form--2" name="search_block_form" value="" size="15" maxlength="128" class="form-text" />
</div>
<div class="form-actions form-wrapper" id="edit-actions"><input type="submit" id="edit-submit" name="op" value="Search" class="form-submit" /></div><input type="hidden" name="form_build_id" value="form-Yx0s5lZ1Ud2kQ" />
<input type="hidden" name="form_id" value="search_block_form" />
</div>
</div></form>  </div>
</div>
  </div>
          <div id="main-menu" class="navigation">
        <h2 class="element-invisible">Main menu</h2><ul id="main-menu-links" class="links clearfix">{"".join(items)}</ul>      </div>
  </div></div>"""


def _sidebar(recent: list[Post]) -> str:
    items = []
    for index, post in enumerate(recent):
        classes = []
        if index == 0:
            classes.append("first")
        if index == len(recent) - 1:
            classes.append("last")
        cls = f' class="{" ".join(classes)}"' if classes else ""
        items.append(f'<li{cls}><a href="{post.link_alias}">{escape(post.title)}</a></li>')
    return f"""    <div class="region region-sidebar-first">
    <div id="block-node-recent" class="block block-node">
        <h2>Recent posts</h2>
  <div class="content">
    <div class="item-list"><ul>{"".join(items)}</ul></div><div class="more-link"><a href="/tracker" title="Read the latest content.">More</a></div>  </div>
</div>
<div id="block-user-login" class="block block-user">
        <h2>User login</h2>
  <div class="content">
    <div class="item-list"><ul><li class="first"><a href="/user/register" title="Create a new user account.">Create new account</a></li>
<li class="last"><a href="/user/password" title="Request new password via e-mail.">Request new password</a></li>
</ul></div><a href="/user/login">Log in</a>  </div>
</div>
  </div>"""


def _footer() -> str:
    links = "".join(
        f'<li><a href="{url}" target="_blank">{escape(label)}</a></li>'
        for url, label in OFFSITE_LINKS
    )
    return f"""  <div id="footer-wrapper"><div class="section">
      <div id="footer" class="clearfix">
        <div class="region region-footer">
    <div id="block-block-2" class="block block-block">
        <h2>Follow us and our partners</h2>
  <div class="content">
    <ul class="social-links">{links}</ul>
    <p><a href="https://www.uyghurcongress.org/en/"><img src="{PARTNER_LOGO}" alt="World Uyghur Congress" width="120" height="40" /></a></p>
    <p>&copy; 2010-2020 {SITE_NAME}, Washington, DC</p>
  </div>
</div>
  </div>
      </div>
  </div></div>"""
