"""A real Drupal 7 for tests: stock core installed on SQLite and served by ``php -S`` on
loopback, so that tests can check the archiver (and the replica) against what Drupal really
serves instead of a look-alike.

Optional: it needs ``php`` (php-cli, php-sqlite3, php-gd, php-xml, php-mbstring) and the core
tarball (``shared/drupal-7.105.tar.gz``, or ``ARCHIVER_DRUPAL7_TARBALL``). ``drupal7_site``
skips a test with the reason when either is missing, and fails it under CI (``CI=true``),
whose .ci/run installs PHP.

The site is installed once per test session into pytest's base temp dir and reused by every
test that asks for it (``site.py``).
"""

from __future__ import annotations

from drupal7.site import DRUPAL_POSTS, DrupalServer, DrupalSite, drupal7_site

__all__ = ["DRUPAL_POSTS", "DrupalServer", "DrupalSite", "drupal7_site"]
