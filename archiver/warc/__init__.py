"""WARC files: records, the rolling writer (``.open`` while writing), revisits, repair.

Pure warcio, no Scrapy: the Scrapy glue is :mod:`archiver.downloadermiddlewares.capture`.
"""
