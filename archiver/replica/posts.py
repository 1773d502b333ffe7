"""Posts of the replica: the data model, Drupal-like path aliases and the deterministic
generator (the six seed posts, then generated ones back to 2015).
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from archiver.replica import corpus
from archiver.replica.dates import (
    ENGLISH_WEEKDAYS,
    SITE_ZONE,
    is_unambiguous_local,
    medium_date,
    parse_seed_date,
    weekday_abbreviation,
    weekday_language,
)
from archiver.replica.options import GARBLED_DATE, SITE_WIDE_TRAPS, ReplicaOptions

_WHITESPACE = re.compile(r"\s+")
SUMMARY_LIMIT = 600
"""Drupal's default teaser length in characters."""

# Words pathauto 7 drops from aliases by default.
_PATHAUTO_IGNORE = frozenset(
    "a an as at before but by for from is in into like of off on onto per since than the this "
    "that to up via with".split()
)
_TURKISH_ASCII = str.maketrans("çÇğĞıİöÖşŞüÜ", "cCgGiIoOsSuU")

# DST change days and neighbours (local times that exist exactly once).
_FORCED_MOMENTS = (
    (2016, 3, 13, 14, 20),
    (2017, 11, 5, 10, 15),
    (2018, 3, 11, 9, 40),
    (2019, 11, 3, 18, 0),
    (2015, 11, 1, 23, 30),
    (2019, 3, 10, 3, 30),
    (2018, 11, 4, 0, 45),
)


@dataclass(frozen=True)
class ImageRef:
    """One image of a post: where the page points and what bytes it is."""

    src: str
    """Path as the page prints it (after the host), query string included."""
    kind: str
    """``jpeg`` or ``png``."""

    @property
    def file_path(self) -> str:
        return self.src.split("?", 1)[0]

    @property
    def teaser_src(self) -> str:
        """The "medium" image style Drupal shows in teasers (same bytes here)."""
        return self.src.replace("/styles/large/", "/styles/medium/", 1)


@dataclass
class Post:
    """One node of the replica, as its author saved it."""

    node_id: int
    alias: str
    """Current path alias, ``/content/<slug>``."""
    title: str
    author: str
    published: datetime
    """The real instant (site zone), seconds included."""
    published_raw: str
    weekday_language: str
    paragraphs: list[str]
    """Body paragraphs as published (odd whitespace kept)."""
    teaser_override: list[str] | None = None
    """A hand-written summary; None = Drupal trims the body."""
    images: list[ImageRef] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    has_rdfa: bool = True
    php_notice: bool = False
    status: str = "live"
    """live | deleted (listed, 404) | moved (listed under old alias, 301) | removed (mutation)
    | a trap name from options.TRAPS."""
    listed_alias: str | None = None
    changed: datetime | None = None
    revision: int = 1
    listed: bool = True

    @property
    def teaser_paragraphs(self) -> list[str]:
        if self.teaser_override is not None:
            return list(self.teaser_override)
        return summarise(self.paragraphs)

    @property
    def link_alias(self) -> str:
        """The path listings link to."""
        return self.listed_alias or self.alias

    def copy(self) -> Post:
        return replace(
            self, paragraphs=list(self.paragraphs), images=list(self.images), tags=list(self.tags)
        )


def normalise_space(text: str) -> str:
    return _WHITESPACE.sub(" ", text.replace("\xa0", " ")).strip()


def summarise(paragraphs: list[str], limit: int = SUMMARY_LIMIT) -> list[str]:
    """Drupal-like trimmed summary: whole paragraphs up to ``limit`` characters, at least one
    (cut at a word boundary when the first alone is longer)."""
    summary: list[str] = []
    used = 0
    for paragraph in paragraphs:
        size = len(normalise_space(paragraph))
        if summary and used + size > limit:
            break
        if size > limit:
            cut = paragraph[:limit].rsplit(" ", 1)[0]
            summary.append(cut)
            break
        summary.append(paragraph)
        used += size
    return summary


def slugify(title: str, max_length: int = 100) -> str:
    """A pathauto-like alias component: ASCII, lower case, common words dropped."""
    ascii_text = unicodedata.normalize("NFKD", title.translate(_TURKISH_ASCII))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii").lower().replace("'", "")
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_text) if w and w not in _PATHAUTO_IGNORE]
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            break
        slug = candidate
    return slug


def unique_alias(slug: str, taken: set[str], node_id: int) -> str:
    base = f"/content/{slug}" if slug else f"/content/{node_id}"
    alias, suffix = base, 0
    while alias in taken:
        alias = f"{base}-{suffix}"
        suffix += 1
    taken.add(alias)
    return alias


def image_token(path: str) -> str:
    """Drupal's ``itok`` derivative token: 8 characters from a hash of the path."""
    return hashlib.sha256(path.encode()).hexdigest()[:8]


def make_images(stem: str, count: int, rng: random.Random) -> list[ImageRef]:
    images: list[ImageRef] = []
    for index in range(count):
        kind = "jpeg" if rng.random() < 0.7 else "png"
        name = f"{stem[:40]}-{index + 1}.{'jpg' if kind == 'jpeg' else 'png'}"
        if rng.random() < 0.7:
            path = f"/sites/default/files/styles/large/public/field/image/{name}"
            src = f"{path}?itok={image_token(path)}"
        else:
            src = f"/sites/default/files/field/image/{name}"
        images.append(ImageRef(src=src, kind=kind))
    return images


def _seed_posts() -> list[Post]:
    posts = []
    for index, seed in enumerate(corpus.SEED_POSTS):
        published = parse_seed_date(seed.published_raw, seed.seconds)
        posts.append(
            Post(
                node_id=0,
                alias="",
                title=seed.title,
                author="Kanat",
                published=published,
                published_raw=seed.published_raw,
                weekday_language="tr",
                paragraphs=list(seed.body_paragraphs),
                teaser_override=list(seed.teaser_paragraphs),
                images=[],
                tags=list(seed.tags),
                has_rdfa=index % 3 != 2,
                php_notice=index == 1,
            )
        )
    return posts


def _random_moments(count: int, rng: random.Random) -> list[datetime]:
    """``count`` distinct, unambiguous local instants in 2015-01 .. 2020-06, newest first."""
    forced_count = len(_FORCED_MOMENTS) if count >= 20 else count // 4
    moments: dict[tuple[int, int, int, int, int], datetime] = {}
    for year, month, day, hour, minute in _FORCED_MOMENTS[:forced_count]:
        moment = datetime(year, month, day, hour, minute, rng.randrange(60), tzinfo=SITE_ZONE)
        moments[(year, month, day, hour, minute)] = moment
    while len(moments) < count:
        month_index = rng.randrange(66)  # Jan 2015 .. Jun 2020
        year, month = 2015 + month_index // 12, month_index % 12 + 1
        last_day = (datetime(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
        day = rng.randint(1, 12) if rng.random() < 0.6 else rng.randint(13, last_day)
        hour = rng.choice((3, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23))
        minute = rng.randrange(60)
        moment = datetime(year, month, day, hour, minute, rng.randrange(60), tzinfo=SITE_ZONE)
        if is_unambiguous_local(moment):
            moments.setdefault((year, month, day, hour, minute), moment)
    return sorted(moments.values(), reverse=True)


def _generated_title(rng: random.Random) -> str:
    template = rng.choice(corpus.TITLE_TEMPLATES)
    return template.format(
        name=rng.choice(corpus.NAME_SPELLINGS),
        actor=rng.choice(corpus.ACTORS),
        demand=rng.choice(corpus.DEMANDS),
        topic=rng.choice(corpus.TOPICS),
    )


def generated_paragraphs(rng: random.Random) -> list[str]:
    """1-6 paragraphs; some with odd spacing, line breaks or non-breaking spaces."""
    count = rng.choices((1, 2, 3, 4, 6), weights=(2, 4, 4, 2, 1))[0]
    paragraphs = []
    for _ in range(count):
        sentences = [
            rng.choice(corpus.SENTENCES).format(
                name=rng.choice(corpus.NAME_SPELLINGS), actor=rng.choice(corpus.ACTORS)
            )
            for _ in range(rng.randint(1, 4))
        ]
        joiner = rng.choice((" ", " ", " ", "  ", "\n", "\xa0 "))
        text = joiner.join(sentences)
        if rng.random() < 0.2:
            text = "  " + text + " \n"
        paragraphs.append(text)
    return paragraphs


def generate_posts(options: ReplicaOptions) -> list[Post]:
    """All posts for ``options``, newest first, aliases and node ids assigned."""
    rng = random.Random(f"replica-posts:{options.seed}")
    seeds = _seed_posts()[: options.posts]
    generated: list[Post] = []
    for moment in _random_moments(max(0, options.posts - len(seeds)), rng):
        language = weekday_language(moment.date(), rng)
        weekday = weekday_abbreviation(moment, language, rng)
        generated.append(
            Post(
                node_id=0,
                alias="",
                title=_generated_title(rng),
                author=rng.choices(corpus.AUTHORS, weights=(3, 2))[0],
                published=moment,
                published_raw=medium_date(moment, weekday),
                weekday_language=language,
                paragraphs=generated_paragraphs(rng),
                tags=rng.sample(corpus.TAGS, rng.randint(1, 3)),
                has_rdfa=rng.random() < options.rdfa_fraction,
                php_notice=rng.random() < options.notice_fraction,
            )
        )
    # Identical titles on different posts (Drupal then aliases the later one "-0").
    for _ in range(len(generated) // 25 if len(generated) >= 4 else 0):
        source, target = rng.sample(range(len(generated)), 2)
        generated[target].title = generated[source].title
    posts = seeds + generated
    taken: set[str] = set()
    node_id = 112
    for post in reversed(posts):  # oldest first: creation order gives ids and "-0" suffixes
        node_id += rng.randint(1, 5)
        post.node_id = node_id
        post.alias = unique_alias(slugify(post.title), taken, node_id)
        if rng.random() < 0.6 or post.published.year == 2020 and not post.images:
            count = rng.choices((1, 2, 3), weights=(5, 2, 1))[0]
            post.images = make_images(post.alias.rsplit("/", 1)[1], count, rng)
        post.changed = post.published + timedelta(minutes=rng.randint(1, 2880))
    _mark_special(posts, len(seeds), options, taken, rng)
    return posts


def _mark_special(
    posts: list[Post], first: int, options: ReplicaOptions, taken: set[str], rng: random.Random
) -> None:
    """Pick the deleted, moved and trap posts among the generated ones."""
    wanted = options.deleted_posts + options.moved_posts + len(options.traps)
    candidates = list(range(first, len(posts)))
    chosen = rng.sample(candidates, min(wanted, len(candidates)))
    statuses = (
        ["deleted"] * options.deleted_posts
        + ["moved"] * options.moved_posts
        + sorted(t for t in options.traps if t not in SITE_WIDE_TRAPS)
    )
    for index, status in zip(chosen, statuses, strict=False):
        post = posts[index]
        post.status = status
        if status in DATE_TRAPS:
            _spoil_date(post, status)
        if status == "moved":
            old = slugify(" ".join(post.title.split()[:5])) + "-statement"
            post.listed_alias = unique_alias(old, taken, post.node_id)


DATE_TRAPS = frozenset({"garbled_date", "missing_date", "contradictory_date"})


def _spoil_date(post: Post, trap: str) -> None:
    """Print a date no reader can trust, and no machine-readable date to fall back on."""
    post.has_rdfa = False
    if trap == "garbled_date":
        post.published_raw = GARBLED_DATE
    elif trap == "missing_date":
        post.published_raw = ""
    else:  # contradictory_date: an English weekday that fits neither month/day reading
        moment = post.published
        fitting = {moment.weekday()}
        if moment.day <= 12:
            fitting.add(moment.replace(month=moment.day, day=moment.month).weekday())
        wrong = next(day for day in range(7) if day not in fitting)
        post.published_raw = medium_date(moment, ENGLISH_WEEKDAYS[wrong])
        post.weekday_language = "en"
