"""Build shim for scrapyd-deploy, which builds the project's egg with ``setup.py bdist_egg``.

Everything (metadata, package data, the ``scrapy`` entry point naming archiver.settings that
Scrapyd reads) is in pyproject.toml; without this file scrapyd-deploy would write its own.
"""

from setuptools import setup

setup()
