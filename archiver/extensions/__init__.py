"""Scrapy extensions: the archive lock, and the run log that opens and finishes a run."""
