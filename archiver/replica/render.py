"""HTML of the replica's pages: listings with Drupal's pager, post pages, the "Page not found"
page, /user/login, /search/node and a basic page. Markup follows Drupal 7 core with the Bartik
theme and the RDF module (on some nodes only: see ``Post.has_rdfa``).
"""

# ruff: noqa: E501 -- HTML templates keep Drupal's own (long) markup lines verbatim

from __future__ import annotations

from html import escape

from archiver.replica.dates import iso
from archiver.replica.layout import page
from archiver.replica.posts import Post

PHP_NOTICE = (
    '<div class="messages error">\n<h2 class="element-invisible">Error message</h2>\n <ul>\n'
    '  <li><em class="placeholder">Deprecated function</em>: The each() function is deprecated. '
    "This message will be suppressed on further calls in "
    '<em class="placeholder">menu_set_active_trail()</em> (line <em class="placeholder">2405'
    '</em> of <em class="placeholder">/var/www/html/includes/menu.inc</em>).</li>\n </ul>\n</div>'
)


def _paragraph_html(text: str, index: int, node_id: int) -> str:
    """A body paragraph; some get inline markup (text unchanged) as editors' HTML has."""
    escaped = escape(text, quote=False).replace("\xa0", "&nbsp;")
    if index == 1 and node_id % 3 == 0 and " " in escaped.strip():
        first, rest = escaped.lstrip().split(" ", 1)
        escaped = f"<strong>{first}</strong> {rest}"
    elif index == 0 and node_id % 4 == 1 and "UN" in escaped:
        escaped = escaped.replace("UN", '<a href="https://www.un.org/">UN</a>', 1)
    return f"<p>{escaped}</p>"


def body_field(paragraphs: list[str], node_id: int) -> str:
    inner = "\n".join(_paragraph_html(p, i, node_id) for i, p in enumerate(paragraphs))
    return (
        '<div class="field field-name-body field-type-text-with-summary field-label-hidden">'
        '<div class="field-items"><div class="field-item even" property="content:encoded">'
        f"{inner}</div></div></div>"
    )


def submitted(post: Post) -> str:
    date = escape(post.published_raw)
    if post.has_rdfa:
        date = (
            f'<span property="dc:date dc:created" content="{iso(post.published)}" '
            f'datatype="xsd:dateTime">{date}</span>'
        )
    return (
        f'<div class="meta submitted">\n      {date} -- <span class="username" xml:lang="" '
        f'about="/users/{post.author.lower()}" typeof="sioc:UserAccount" property="foaf:name" '
        f'datatype="">{escape(post.author)}</span>    </div>'
    )


def _rdf_meta(post: Post) -> str:
    return (
        f'<span property="dc:title" content="{escape(post.title)}" class="rdf-meta '
        'element-hidden"></span><span property="sioc:num_replies" content="0" '
        'datatype="xsd:integer" class="rdf-meta element-hidden"></span>'
    )


def teaser(post: Post, base: str) -> str:
    link = post.link_alias
    title = escape(post.title)
    image = ""
    if post.images:
        first = post.images[0]
        image = (
            '<div class="field field-name-field-image field-type-image field-label-hidden">'
            '<div class="field-items"><div class="field-item even" rel="og:image rdfs:seeAlso" '
            f'resource="{base}{first.teaser_src}"><a href="{link}"><img typeof="foaf:Image" '
            f'src="{base}{first.teaser_src}" width="220" height="147" alt="" /></a></div></div>'
            "</div>"
        )
    return f"""  <div id="node-{post.node_id}" class="node node-article node-promoted node-teaser clearfix" about="{link}" typeof="sioc:Item foaf:Document">
        <h2>
      <a href="{link}">{title}</a>
    </h2>
    {_rdf_meta(post)}
      {submitted(post)}
  <div class="content clearfix">
    {image}{body_field(post.teaser_paragraphs, post.node_id)}  </div>
      <div class="link-wrapper">
      <ul class="links inline"><li class="node-readmore first last"><a href="{link}" rel="tag" title="{title}">Read more<span class="element-invisible"> about {title}</span></a></li>
</ul>    </div>
  </div>
"""


def pager(path: str, page: int, last: int, quantity: int = 9, loop_back: bool = False) -> str:
    """Drupal 7's theme_pager for ``page`` (0-based) of ``last`` + 1 pages."""
    if last <= 0 and not loop_back:
        return ""

    def href(number: int) -> str:
        return path if number == 0 else f"{path}?page={number}"

    middle = (quantity + 1) // 2
    first_shown = max(0, min(page - middle + 1, last - quantity + 1))
    last_shown = min(last, first_shown + quantity - 1)
    items: list[tuple[str, str]] = []
    if page > 0:
        items.append(("pager-first", f'<a title="Go to first page" href="{href(0)}">« first</a>'))
        items.append(
            (
                "pager-previous",
                f'<a title="Go to previous page" href="{href(page - 1)}">‹ previous</a>',
            )
        )
    if first_shown > 0:
        items.append(("pager-ellipsis", "…"))
    for number in range(first_shown, last_shown + 1):
        if number == page:
            items.append(("pager-current", str(number + 1)))
        else:
            items.append(
                (
                    "pager-item",
                    f'<a title="Go to page {number + 1}" href="{href(number)}">{number + 1}</a>',
                )
            )
    if last_shown < last:
        items.append(("pager-ellipsis", "…"))
    next_page = page + 1 if page < last else (0 if loop_back else None)
    if next_page is not None:
        items.append(
            ("pager-next", f'<a title="Go to next page" href="{href(next_page)}">next ›</a>')
        )
        items.append(("pager-last", f'<a title="Go to last page" href="{href(last)}">last »</a>'))
    lis = []
    for index, (cls, inner) in enumerate(items):
        classes = (
            cls + (" first" if index == 0 else "") + (" last" if index == len(items) - 1 else "")
        )
        lis.append(f'<li class="{classes}">{inner}</li>')
    return (
        '<h2 class="element-invisible">Pages</h2><div class="item-list"><ul class="pager">'
        + "\n".join(lis)
        + "\n</ul></div>"
    )


def listing_page(
    base: str,
    path: str,
    heading: str,
    term_id: int,
    teasers: list[Post],
    pager_html: str,
    recent: list[Post],
) -> str:
    rows = "".join(teaser(post, base) for post in teasers)
    if not teasers:
        rows = "<p>There is currently no content classified with this term.</p>"
    feed = f"/taxonomy/term/{term_id}/feed"
    content = f"""<h1 class="title" id="page-title">{escape(heading)}</h1>
<div class="tabs"></div>
<div class="region region-content">
    <div id="block-system-main" class="block block-system">
  <div class="content">
    <div class="term-listing-heading"><div id="taxonomy-term-{term_id}" class="taxonomy-term vocabulary-topics">
  <div class="content">
      </div>
</div>
</div>{rows}{pager_html}  </div>
</div>
  </div>
  <a href="{feed}" class="feed-icon" title="Subscribe to {escape(heading)}"><img typeof="foaf:Image" src="{base}/misc/feed.png" width="16" height="16" alt="Subscribe to {escape(heading)}" /></a>"""
    head = (
        f'<link rel="alternate" type="application/rss+xml" title="{escape(heading)}" '
        f'href="{base}{feed}" />\n<link rel="canonical" href="{path}" />\n'
        f'<link rel="shortlink" href="/taxonomy/term/{term_id}" />'
    )
    classes = f"not-front page-taxonomy page-taxonomy-term page-taxonomy-term- page-taxonomy-term-{term_id}"
    return page(base, heading, content, classes, recent, head, path)


def post_page(base: str, post: Post, recent: list[Post]) -> str:
    title = escape(post.title)
    images = ""
    if post.images:
        items = "".join(
            f'<div class="field-item {"even" if i % 2 == 0 else "odd"}" rel="og:image rdfs:seeAlso" '
            f'resource="{base}{image.src}"><img typeof="foaf:Image" src="{base}{image.src}" '
            f'width="480" height="320" alt="" /></div>'
            for i, image in enumerate(post.images)
        )
        images = (
            '<div class="field field-name-field-image field-type-image field-label-hidden">'
            f'<div class="field-items">{items}</div></div>'
        )
    tags = ""
    if post.tags:
        items = "".join(
            f'<li class="field-item {"even" if i % 2 == 0 else "odd"}"><a href="/tags/{_tag_slug(tag)}" '
            f'typeof="skos:Concept" property="rdfs:label skos:prefLabel" datatype="">{escape(tag)}</a></li>'
            for i, tag in enumerate(post.tags)
        )
        tags = (
            '<div class="field field-name-field-tags field-type-taxonomy-term-reference '
            'field-label-above"><h3 class="field-label">Tags: </h3><ul class="links">'
            f"{items}</ul></div>"
        )
    content = f"""<h1 class="title" id="page-title">{title}</h1>
<div class="tabs"></div>
<div class="region region-content">
    <div id="block-system-main" class="block block-system">
  <div class="content">
    <div id="node-{post.node_id}" class="node node-article clearfix" about="{post.alias}" typeof="sioc:Item foaf:Document">
    {_rdf_meta(post)}
      {submitted(post)}
  <div class="content clearfix">
    {images}{body_field(post.paragraphs, post.node_id)}{tags}  </div>
  </div>
  </div>
</div>
  </div>"""
    head = (
        f'<link rel="canonical" href="{post.alias}" />\n'
        f'<link rel="shortlink" href="/node/{post.node_id}" />'
    )
    classes = f"not-front page-node page-node- page-node-{post.node_id} node-type-article"
    notice = PHP_NOTICE if post.php_notice else ""
    return page(base, post.title, content, classes, recent, head, post.alias, messages=notice)


def _tag_slug(tag: str) -> str:
    from archiver.replica.posts import slugify

    return slugify(tag) or "tag"


def not_found_page(base: str, recent: list[Post], path: str) -> str:
    content = """<h1 class="title" id="page-title">Page not found</h1>
<div class="region region-content">
    <div id="block-system-main" class="block block-system">
  <div class="content">
    The requested page could not be found.  </div>
</div>
  </div>"""
    return page(base, "Page not found", content, "not-front page-content", recent, "", path)


def access_denied_page(base: str, recent: list[Post], path: str) -> str:
    content = """<h1 class="title" id="page-title">Access denied</h1>
<div class="region region-content">
    <div id="block-system-main" class="block block-system">
  <div class="content">
    You are not authorized to access this page.  </div>
</div>
  </div>"""
    return page(base, "Access denied", content, "not-front page-content", recent, "", path)


def login_page(base: str, recent: list[Post]) -> str:
    content = """<h1 class="title" id="page-title">User account</h1>
<div class="tabs"><h2 class="element-invisible">Primary tabs</h2><ul class="tabs primary"><li class="active"><a href="/user" class="active">Log in</a></li>
<li><a href="/user/register">Create new account</a></li>
<li><a href="/user/password">Request new password</a></li>
</ul></div>
<div class="region region-content">
<form action="/user/login" method="post" id="user-login" accept-charset="UTF-8"><div>
<div class="form-item form-type-textfield form-item-name">
  <label for="edit-name">Username <span class="form-required" title="This field is required.">*</span></label>
 <input type="text" id="edit-name" name="name" value="" size="60" maxlength="60" class="form-text required" />
</div>
<div class="form-item form-type-password form-item-pass">
  <label for="edit-pass">Password <span class="form-required" title="This field is required.">*</span></label>
 <input type="password" id="edit-pass" name="pass" size="60" maxlength="128" class="form-text required" />
</div>
<input type="hidden" name="form_build_id" value="form-3kq1lU0Qp7" />
<input type="hidden" name="form_id" value="user_login" />
<div class="form-actions form-wrapper" id="edit-actions"><input type="submit" id="edit-submit" name="op" value="Log in" class="form-submit" /></div></div></form>
</div>"""
    return page(base, "User account", content, "not-front page-user", recent, "", "/user/login")


def search_page(base: str, recent: list[Post], path: str) -> str:
    content = """<h1 class="title" id="page-title">Search</h1>
<div class="region region-content">
<form action="/search/node" method="post" id="search-form" accept-charset="UTF-8"><div><div class="container-inline form-wrapper" id="edit-basic">
<input type="text" id="edit-keys" name="keys" value="" size="40" maxlength="255" class="form-text" />
<input type="submit" id="edit-submit" name="op" value="Search" class="form-submit" /></div></div></form>
<h2>Your search yielded no results</h2>
</div>"""
    return page(base, "Search", content, "not-front page-search page-search-node", recent, "", path)


def basic_page(base: str, recent: list[Post], path: str, title: str, text: str) -> str:
    content = f"""<h1 class="title" id="page-title">{escape(title)}</h1>
<div class="region region-content"><div id="node-3" class="node node-page clearfix">
<div class="content">{body_field([text], 3)}</div></div></div>"""
    return page(
        base, title, content, "not-front page-node page-node-3 node-type-page", recent, "", path
    )
