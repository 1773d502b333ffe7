"""WARC files: records, the rolling writer (``.open`` while writing), revisits, repair.

Pure warcio, no Scrapy: the Scrapy glue is :mod:`archiver.downloadermiddlewares.capture`.
"""

from archiver.warc.compat import install_warcio_brotli

# Every reader of WARCs (index, verify, repair, replay) imports this package first.
install_warcio_brotli()
